"""Whether the app is being served in a browser tab rather than drawn in this terminal.

``textual serve`` and textual-serve run the app as a child process with Textual's web driver named in the
environment; it then draws over stdout and reads stdin, both pipes. Kept apart from Textual so that the
command line can ask before it loads the UI.
"""

from __future__ import annotations

import os

WEB_DRIVER_VARIABLE = "TEXTUAL_DRIVER"
"""The environment variable through which Textual is told which driver to use (the web driver, when served)."""


def served() -> bool:
    """True when a driver is named in the environment: the app must use it, and its streams are pipes."""
    return bool(os.environ.get(WEB_DRIVER_VARIABLE))
