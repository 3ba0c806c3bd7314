"""node/long_lived.py: what a started node made is frozen out of the collector's full passes, and the
young generation is collected less often; garbage made after is still collected."""
from __future__ import annotations

import gc
import weakref

from node.long_lived import YOUNG_THRESHOLD, freeze_started


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_a_started_node_freezes_what_it_made_and_still_collects_later_cycles() -> None:
    thresholds = gc.get_threshold()
    try:
        made_at_start = _Cycle()
        freeze_started()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD and gc.get_threshold()[1:] == thresholds[1:]
        assert not any(o is made_at_start for o in gc.get_objects()), "what the start made is walked still"
        later = _Cycle()
        gone = weakref.ref(later)
        del later
        gc.collect()
        assert gone() is None, "a cycle made after the freeze was not collected"
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
