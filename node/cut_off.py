"""When a running node counts as cut off from the network: the one rule that `solnet status`, `solnet
view alerts`, the API's status and the dashboard's banner all follow.

A node is cut off once it has had no open link to any peer for CUT_OFF_AFTER_MS, counted from the
end of its last link, or from its start if it never had one. `solnet status` said "cut off" the moment
the last link closed (a peer redialling, a node just started and still dialling) while the dashboard
waited 2 minutes: a coordinator read two answers to one question.
"""
from __future__ import annotations

import os

from node.environment import CUT_OFF_AFTER_ENV

CUT_OFF_AFTER_MS = 120_000  # a link that drops and is dialled again within this is no cut


def after_ms() -> int:
    """CUT_OFF_AFTER_MS, or `$SOLNET_CUT_OFF_AFTER_S` seconds as the running node's environment sets it
    (0: cut off as soon as no link is open; for a test, or a node whose links should never drop)."""
    try:
        return max(0, int(float(os.environ[CUT_OFF_AFTER_ENV]) * 1000))
    except (KeyError, ValueError):
        return CUT_OFF_AFTER_MS


def cut_off_since(now: int, links: int, quiet_since: int | None, started_ms: int | None,
                  heard_before: int | None = None) -> int | None:
    """Since when (ms) a node with `links` open links, whose last link ended at `quiet_since` (None:
    none ever did) and that started at `started_ms` (None: it runs no peer loops), has heard from no
    peer, once that is `after_ms()` or more ago; None while it is not cut off. `heard_before`: when
    its home last heard from another node before this start (node/heard_before.py): a node back
    after a day off that finds no peer has heard nothing for that day, not since its start."""
    if links or started_ms is None:
        return None
    if quiet_since is None and heard_before is not None:
        since = min(heard_before, started_ms)
    else:
        since = max(quiet_since or started_ms, started_ms)
    return since if now - since >= after_ms() else None
