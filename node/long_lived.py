"""The objects a started node keeps for its whole run, left out of the garbage collector's full passes.

A node that has started (`solnet run`: its modules, classes and functions, the trust graph, the web
app and its routes) holds some 60,000 objects tracked by Python's cyclic garbage collector, which live
as long as the process. Each full collection (generation 2) walks all of them, and a dashboard
overview allocates enough (its rows' items, its page's strings) to set one off every few pages: at
100k events, 7 full passes in 40 overviews, each 48-57 ms of CPU (a loaded machine), and the pages
they fell in were the slowest tenth (the overview's p95 server time far above its median). With
these objects frozen (gc.freeze: moved to the permanent generation, which no pass walks) the same
passes took 5-7 ms each.

What a frozen object holds is still freed by reference counting when it is let go (the row cache's
rows, a trust graph replaced); only a cycle among frozen objects would stay, and these are the objects
of a start, made once, so that is bounded. Objects made later (the rows and items of pages, new
trust graph nodes) are collected as always.

The young generation is collected after YOUNG_THRESHOLD new objects, not Python's 700: an overview
makes hundreds of thousands of short-lived dicts and lists, and at 700 the collector ran some 21
young passes per page (7 ms of its CPU on the same loaded machine), moving the page's objects that
were still in use into the older generations, which is what set off the full passes above. At 5,000:
under one pass per page, 2.3 ms. Cyclic garbage waits for a few thousand more allocations before it
is freed, a few hundred KiB at most.
"""
from __future__ import annotations

import gc

YOUNG_THRESHOLD = 5_000  # new objects (allocations less deallocations) between two young passes


def freeze_started() -> None:
    """Collect what the start left behind (its garbage is not kept), then freeze every object still
    alive, and collect the young generation less often: call once, when the node has started and serves."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
