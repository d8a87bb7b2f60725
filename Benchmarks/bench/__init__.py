"""Helpers of Benchmarks/run: processes, fixtures, measurements and the scenarios."""
