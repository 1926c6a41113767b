"""The engine stays UI-free, and option validation happens before TensorFlow loads."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_engine_imports_without_textual() -> None:
    modules = _modules_after(
        "import engine, engine.config, engine.data, engine.models, engine.callbacks, engine.trainer, "
        "engine.forecast, engine.artifacts, engine.experiment, engine.headless, engine.cli, engine.bench"
    )
    assert "keras" in modules  # the probe really loaded the training code...
    assert "textual" not in modules  # ...and none of it pulled in the UI


def test_command_line_parsing_does_not_load_tensorflow() -> None:
    modules = _modules_after("from tui.cli import main\nfrom engine.cli import parse_invocation\nparse_invocation([])")
    assert "tensorflow" not in modules and "textual" not in modules
