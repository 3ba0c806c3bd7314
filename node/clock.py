"""The node's wall clock in milliseconds since the epoch, the unit of every event timestamp.

In a module of its own, loading only `time`, so that the light paths (`solnet status` without a
running node, login links, the chain gate) read the same clock as the log without importing it.
"""
from __future__ import annotations

import time


def now_ms() -> int:
    return int(time.time() * 1000)
