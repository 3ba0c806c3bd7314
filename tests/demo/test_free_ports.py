"""The ports local networks listen on (node.demo.localnet.free_ports): free now, below the range
the kernel gives outgoing connections, and, when the suite runs in parallel, each worker's apart
from the others' (two workers once picked one free port a moment apart and started two nodes on it)."""
from __future__ import annotations

import socket

import pytest

from parallel_ports import worker_port_span
from node.demo import localnet


def test_parallel_workers_pick_from_spans_apart_that_cover_the_range() -> None:
    spans = [worker_port_span(f"gw{i}", 3, 10_000, 32_768) for i in range(3)]
    assert spans[0] == (10_000, 17_589) and spans[-1][1] <= 32_768
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans
    assert worker_port_span("master", 3, 10_000, 32_768) is None
    assert worker_port_span("gw0", 1, 10_000, 32_768) is None


def test_free_ports_are_distinct_free_and_within_the_span(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(localnet, "PORT_SPAN", (20_000, 22_000))
    ports = localnet.free_ports(20)
    assert len(set(ports)) == 20 and all(20_000 <= p < 22_000 for p in ports), ports
    for port in ports:  # free: a node can bind each
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))
