"""The TUI's benchmark, ``python -m tui.bench`` (see engine/bench/README.md); no product module imports it."""
