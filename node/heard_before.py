"""When this home last heard from another node before the node now starting on it: the start of a
node's "cut off" count (node/cut_off.py) when it finds no peer again.

A coordinator's laptop shut overnight, or a Pi off for a day, came back with no peer reachable, and
every word counted from the new start: the dashboard's banner said "heard from no other node for
2 min", `solnet status` and `view alerts` "since" the restart, while nothing had come in for a day
and the alerts of that day were missing. What the last run saved says when it last heard:
  - each peer it dialled and each that dialled it: when its last link ended (`cut_off_since`), or
    its last complete round; a link still open at that run's last save (it crashed, lost power):
    heard until that save;
  - this copy's last complete round with any peer, a one-shot `solnet sync` too (node/chain_gate.py);
  - the newest bundle imported that brought it level (as of when it was made: node/bundle.py).
Reads the store (blocking): call it on the database thread, before the new run saves over them.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from node import chain_gate
from node.log import CAUGHT_UP_KEY
from node.saved_json import saved_facts
from node.status import peer_list


def caught_up_by_bundle(store: Any) -> int:
    """When the newest bundle that brought this home level was made (ms; 0: none), on the word of
    the device that signed it (node.log CAUGHT_UP_KEY: taken back if that device is revoked)."""
    said = (store.get_meta(CAUGHT_UP_KEY) or b"").split()
    return int(said[0]) if said and said[0].isdigit() else 0


def _ms(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def newest_heard(peers: Iterable[dict[str, Any]], saved: int | None, others: Iterable[int | None] = ()) -> int | None:
    """The newest time the saved `peers` (and `others`) say this home heard from another node;
    `saved`: when their facts were last saved (a peer linked then was heard until then)."""
    times = [t for t in others if _ms(t)]
    for peer in peers:
        if peer.get("connected") and _ms(saved):
            times.append(saved)
        times += [t for key in ("cut_off_since", "last_sync") if (t := _ms(peer.get(key)))]
    return max(times, default=None)


def _saved(store: Any) -> tuple[list[dict[str, Any]], int | None, tuple[int | None, int]]:
    """The peers its last run saved (those it dialled, those that dialled it), when it saved them,
    and this copy's last complete round and newest levelling bundle."""
    runtime = saved_facts(store.get_meta("runtime")) or {}
    peers = [p for p in peer_list(store) if p.get("source") != "blocked"]
    inbound = [p for p in runtime.get("inbound") or [] if isinstance(p, dict)]
    state = chain_gate.load(store)
    return [*peers, *inbound], _ms(runtime.get("saved")), (state.confirmed if state is not None else None,
                                                          caught_up_by_bundle(store))


def last_heard(store: Any) -> int | None:
    """When this home last heard from another node, as its last run and syncs left it (None: never)."""
    peers, saved, others = _saved(store)
    return newest_heard(peers, saved, others)


def last_level(store: Any) -> int | None:
    """When this home last held all another node held (None: never): a complete round with a peer
    (its `last_sync`, this copy's last round) or a bundle that brought it level. Not a link alone: one
    that ended, or was open, before a round completed (a peer that links and sends nothing, a laptop
    shut during its first round) brought nothing it can count on."""
    peers, _, others = _saved(store)
    return newest_heard([{"last_sync": p.get("last_sync")} for p in peers], None, others)
