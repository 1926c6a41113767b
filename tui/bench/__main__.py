"""``python -m tui.bench``: see :mod:`tui.bench.main`."""

import sys

from tui.bench.main import main

sys.exit(main())
