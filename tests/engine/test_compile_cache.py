"""TensorFlow's cache of compiled XLA programs: where it is, what the user's own flags keep, how it is trimmed
(no TensorFlow: the runtime sets the flag before TensorFlow loads)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.train import runtime

ROOT = Path(__file__).resolve().parents[2]


def test_the_oldest_programs_go_first_until_the_cache_fits(tmp_path: Path) -> None:
    for age, name in enumerate(["new", "middle", "old"]):
        path = tmp_path / name
        path.write_bytes(b"x" * 400_000)
        os.utime(path, (1_000_000 - age * 1000, 1_000_000 - age * 1000))
    runtime.trim_cache(tmp_path, limit_mb=0.9)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["middle", "new"]
    runtime.trim_cache(tmp_path, limit_mb=10)
    assert len(list(tmp_path.iterdir())) == 2  # under the limit: nothing goes


def test_the_cache_folder_is_named_to_tensorflow_unless_the_user_named_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)  # a worker where another test loaded it
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("TF_XLA_FLAGS", "--tf_xla_auto_jit=0")
    runtime._cache_tensorflow_compiles()
    folder = tmp_path / "rnnlstm-tui" / "tensorflow"
    assert os.environ["TF_XLA_FLAGS"] == f"--tf_xla_auto_jit=0 --tf_xla_persistent_cache_directory={folder}"
    assert folder.is_dir()
    mine = "--tf_xla_persistent_cache_directory=/somewhere/else"
    monkeypatch.setenv("TF_XLA_FLAGS", mine)
    runtime._cache_tensorflow_compiles()
    assert os.environ["TF_XLA_FLAGS"] == mine  # the user's choice is kept
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("TF_XLA_FLAGS", "")
    runtime._cache_tensorflow_compiles()
    assert os.environ["TF_XLA_FLAGS"] == ""  # a folder that cannot be made: no cache, no error


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="the jax extra is not installed")
def test_jax_is_hidden_only_while_tensorflow_loads() -> None:
    """TensorFlow's import tries JAX for TFLite (0.4-0.6 s where the jax extra is installed): hidden, then usable."""
    script = (
        "import sys\n"
        "from engine.train.runtime import jax_hidden\n"
        "with jax_hidden():\n"
        "    try:\n"
        "        import jax\n"
        "        raise SystemExit('jax imported while hidden')\n"
        "    except ImportError:\n"
        "        pass\n"
        "import jax\n"  # afterwards, as usual
        "with jax_hidden():\n"
        "    import jax.numpy\n"  # already loaded: left alone
        "print(jax.numpy.add(1, 2))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3"
