"""The benchmark, ``python -m engine.bench`` (see README.md here); no product module imports it."""
