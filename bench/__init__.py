"""Benchmarks: reproducible commands that print figures (python -m bench.nlu | bench.latency | bench.resources)."""
