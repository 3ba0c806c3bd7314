"""Tooling for networks on one machine: `solnet demo` (run.py, with its sample data in samples.py)
and local networks of real `solnet run` processes on loopback (localnet.py), which the demo, the
integration tests and the benchmarks share. Nothing of the running node depends on it."""
