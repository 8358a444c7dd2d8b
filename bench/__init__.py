"""Parley's benchmark: throughput and latency next to baselines measured in the same run.

`python -m bench.run` (or `make bench`) is the entry point; see bench/README.md."""
