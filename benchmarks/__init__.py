"""Benchmarks run by `make bench`; figures are written down in docs/benchmarks.md, never asserted in tests."""
