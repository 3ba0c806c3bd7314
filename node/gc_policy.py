"""How often the node's process runs Python's cyclic garbage collector.

CPython's defaults (a young collection every 700 net allocations of container objects) suit short
scripts. A running node builds tens of thousands of short-lived objects per dashboard page or sync
batch that are all alive while it works: at every one of the hundreds of young collections they
survive and are promoted, and the promoted heap soon triggers a full collection, which walks every
object the node holds (its row cache, trust graph, modules): 20-35 ms each, every few pages at 100k
events, an overview page's slowest tenth (DESIGN section 10: a page < 100 ms server time). A young
generation of 10,000 objects lets a page's temporaries die by reference count before any collection
sees them: collector time per overview page fell from ~7 ms to ~2 ms (py gc callbacks, 60 pages of a
100k-event home) and full collections from 9 to none. What waits longer for collection is only
garbage in reference cycles, at most one young generation of it (about a megabyte).
"""
from __future__ import annotations

import gc

YOUNG_OBJECTS = 10_000  # net container allocations between young collections (CPython's default: 700)


def tune_collector() -> None:
    """Sets the node process's collector thresholds (the older generations' counts as CPython's)."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, middle, old)
