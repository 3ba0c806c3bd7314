"""What a call costs in work, not in wall-clock seconds (which a loaded machine stretches tenfold):
the Python memory it allocates on the way (tracemalloc: the same on any machine) and this process's
CPU time (other processes do not count), the fewest of a few tries. Tests of "refused cheaply"
compare the CPU to a reference operation measured in the same run."""
from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable


def _quietly(call: Callable[[], object], refused: type[BaseException]) -> None:
    try:
        call()
    except refused:
        pass


def traced_peak(call: Callable[[], object], refused: type[BaseException] = Exception) -> int:
    """The most bytes of Python memory `call` held at once (`refused` raised is part of the call)."""
    tracemalloc.start()
    try:
        _quietly(call, refused)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def cpu_seconds(call: Callable[[], object], refused: type[BaseException] = Exception, tries: int = 3) -> float:
    """The fewest CPU seconds of this process `call` took in `tries` runs: its work, less the noise."""
    costs = []
    for _ in range(tries):
        started = time.process_time()
        _quietly(call, refused)
        costs.append(time.process_time() - started)
    return min(costs)
