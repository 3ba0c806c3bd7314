"""Ports apart for the suite's parallel workers (pytest-xdist): tests/conftest.py sets
node.demo.localnet.PORT_SPAN in each worker from this."""
from __future__ import annotations


def worker_port_span(worker: str, workers: int, low: int, high: int) -> tuple[int, int] | None:
    """The ports [low, high) this xdist worker ("gw0", "gw1", ...) of `workers` picks nodes' ports
    from (node.demo.localnet.PORT_SPAN), apart from the other workers'; None when the suite runs alone."""
    if workers < 2 or not worker.startswith("gw") or not worker[2:].isdigit():
        return None
    width = (high - low) // workers
    index = int(worker[2:]) % workers
    return low + index * width, low + (index + 1) * width
