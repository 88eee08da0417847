"""Benchmarks: `python -m bench.engine` (run by `make bench`)."""
