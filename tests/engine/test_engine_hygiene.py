"""The engine stays UI-free, and option validation happens before TensorFlow loads."""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from helpers.core_backend import NEEDS_JAX

ENGINE = Path(__file__).resolve().parents[2] / "engine"


def _modules_after(code: str, lines: int = 1) -> Any:
    """The modules loaded once ``code`` has run in a fresh process; with ``lines``, that many sets, the last
    one printed at the end and the others by ``code`` itself."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    printed = [set(line.split()) for line in result.stdout.splitlines()[-lines:]]
    return printed[0] if lines == 1 else printed


IMPORTS = (
    "import engine, engine.config.config, engine.data.datasets, engine.train.models, engine.train.callbacks, "
    "engine.train.trainer, engine.train.stages, engine.train.forecast, engine.runs.folder, engine.experiment, "
    "engine.headless, engine.cli, engine.bench.main\n"
)
"""The engine's modules, training code included."""


@pytest.fixture(scope="module")
def engine_probe(tmp_path_factory: pytest.TempPathFactory) -> tuple[set[str], set[str], Path | None]:
    """One process, Keras on JAX where it is installed (it loads in a third of TensorFlow's time): on JAX, a small
    run first, then the rest of the engine's modules. The modules loaded after the run (none without JAX) and at
    the end, and the run's folder."""
    if find_spec("jax") is None:
        return set(), _modules_after(IMPORTS), None
    run_dir = tmp_path_factory.mktemp("jax") / "run"
    run = (
        "from engine.train.runtime import select_backend; select_backend('jax')\n"
        "from engine.config.config import Config\nfrom engine.experiment import run_experiment\n"
        "config = Config(backend='jax', epochs=2, units=4, window=5, points=30, forecast_every=1)\n"
        f"run_experiment(config, __import__('pathlib').Path({str(run_dir)!r}), lambda event: None)\n"
        "import sys\nprint(' '.join(sorted(sys.modules)))\n"
    )
    after_run, at_end = _modules_after(run + IMPORTS, lines=2)
    return after_run, at_end, run_dir


def test_engine_imports_without_textual(engine_probe: tuple[set[str], set[str], Path | None]) -> None:
    modules = engine_probe[1]
    assert "keras" in modules  # the probe really loaded the training code...
    assert "textual" not in modules  # ...and none of it pulled in the UI


@NEEDS_JAX
def test_a_run_on_jax_never_loads_tensorflow(engine_probe: tuple[set[str], set[str], Path | None]) -> None:
    # Half the JAX path's memory and a second of its start: TensorFlow is installed, and Keras would
    # import it to save a model if not told otherwise.
    modules, _, run_dir = engine_probe
    assert "jax" in modules and "keras" in modules and run_dir is not None
    assert "tensorflow" not in modules
    assert {"rnn.keras", "lstm.keras", "forecast.csv"} <= {p.name for p in run_dir.iterdir()}


def test_command_line_parsing_does_not_load_tensorflow() -> None:
    modules = _modules_after("from tui.cli import main\nfrom engine.cli import parse_invocation\nparse_invocation([])")
    assert "tensorflow" not in modules and "textual" not in modules


UI_PACKAGES = ("tui", "textual", "textual_plotext", "plotext", "rich")
"""What the engine must never import: the app, and the UI libraries under it."""


def ui_imports(source: str) -> list[str]:
    """Every import of a UI package anywhere in ``source``: module level, inside functions, under ``if``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [name for name in names if name.split(".")[0] in UI_PACKAGES]
    for node in ast.walk(ast.parse(source)):  # importlib.import_module("tui.app") and __import__("tui")
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            callee = ast.unparse(node.func)
            value = node.args[0].value
            if callee.endswith(("import_module", "__import__")) and str(value).split(".")[0] in UI_PACKAGES:
                found.append(str(value))
    return found


def test_no_module_under_engine_imports_the_ui() -> None:
    offenders = {
        str(path.relative_to(ENGINE.parent)): names
        for path in sorted(ENGINE.rglob("*.py"))
        if (names := ui_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_layering_check_catches_an_import_hidden_in_a_function() -> None:
    hidden = "def measure():\n    from tui.app import RnnLstmApp\n    return RnnLstmApp\n"
    assert ui_imports(hidden) == ["tui.app"]
    assert ui_imports("import textual.app\nimport numpy") == ["textual.app"]
    assert ui_imports("import importlib\nimportlib.import_module('tui.app')") == ["tui.app"]
    assert ui_imports("from engine.config.config import Config\nimport keras") == []


def test_the_objects_alive_at_the_first_epoch_are_frozen_once_per_process() -> None:
    """Full collections skip them (they held the GIL from the trainers); a restart's objects are not kept."""
    script = (
        "import gc\n"
        "from engine.train import runtime\n"
        "startup = [object() for _ in range(1000)]\n"
        "runtime.spare_startup_objects()\n"
        "first = gc.get_freeze_count()\n"
        "restart = [[] for _ in range(1000)]\n"
        "runtime.spare_startup_objects()\n"
        "print(first >= 1000, gc.get_freeze_count() == first)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["True", "True"], result.stderr
