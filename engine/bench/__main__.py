"""``python -m engine.bench``: see :mod:`engine.bench.main`."""

import sys

from engine.bench.main import main

sys.exit(main())
