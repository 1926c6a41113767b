"""Helpers the tests share: the scripted engine, Pilot waits, the core tests run on every backend."""
