"""The Textual app of rnnlstm-tui. ``tui.cli`` is the entry point; it imports Textual only for the TUI."""
