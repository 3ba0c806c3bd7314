"""Restore without forking: a home signs new events only once it has caught up with the network.

Why. A key's events form one chain (seq 1, 2, 3, ...). A home restored from an old backup (a
copy of the folder taken earlier) believes its chains end where the backup ended. Signing its
next event then makes a second, different event at a seq the network already holds from that
key: a fork, which freezes the key on every node (node/log.py), device or group key alike. The
network still holds the newer events, so the cure is to fetch them before signing anything: after
one complete anti-entropy round with a peer, the home holds every event that peer has of its own
keys (they are ordinary, valid events: ingest just advances the local chain), and the next
`EventLog.append` continues after them.

Nothing inside a restored home tells it is a restore (the copy is exact), so the rule holds for
every home that talks to peers (it has peers configured, or it has synced before):
  - a running node holds its own publishing (EventLog.append refuses) from its start until its
    first complete anti-entropy round with any peer, dialled or dialling. A `solnet publish` in
    another terminal waits for that round (bounded) rather than failing at once;
  - with no node running, publishing needs a complete round (`solnet sync`, or a node that ran)
    within the last CONFIRM_FRESH_MS: a backup is normally older than that;
  - a home that never synced and has no peers (a lone node, sneakernet only) is not held: there
    is nothing to catch up from;
  - an explicit override (`--offline`) lets a person who knows this home is the newest copy of
    its keys publish anyway, e.g. an alert during a blackout right after a power cut.
What is left: a backup restored within CONFIRM_FRESH_MS of a sync made on the original, and a first
round with a peer that had not yet received the newest events. The fork is then still detected,
kept as proof and shown, as for any fork.

State: one meta row, `own_chain` = {"pid", "started", "confirmed", "caught_up"}: the running node's
pid and start time (None after `solnet sync`), when a round last completed, and whether one has
completed since that node started. The pid counts only while that node holds the home's node lock:
a copy of the home names a pid that may be alive, even a solnet node's running another home, and
the lock of a copy is held by nobody.

Why `caught_up` is said and not worked out from the times: a wall clock can be stepped back while
the node runs. A laptop whose hardware clock keeps local time (beside Windows) boots an hour or two
ahead in France; the node starts, then the time server sets the clock back. Its first round then
ends "before" it started, and comparing the two held every publish of the node, alerts included,
for as long as the clock went back. (A state written by an earlier version has no `caught_up`:
then the times are compared, as that version did.)
"""
from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from events.errors import InvalidEvent
from node.clock import now_ms
from node.home_lock import LOCK_FILE, node_lock_holder
from node.store import Store

META_KEY = "own_chain"
CONFIRM_FRESH_MS = 10 * 60 * 1000
REFRESH_MS = 60 * 1000  # a running node rewrites `confirmed` at most this often (few SD-card writes)
WAIT_FOR_NODE_S = 30.0
NOT_CAUGHT_UP = "not_caught_up"  # the reason code of the refusal

OPEN, WAIT, CLOSED = "open", "wait", "closed"


@dataclass(frozen=True)
class ChainState:
    pid: int | None = None  # the running node that wrote this (None: `solnet sync`)
    started: int | None = None  # when that node started (ms)
    confirmed: int | None = None  # when a complete round with a peer last ended (ms)
    caught_up: bool | None = None  # a round completed since that node started (None: not said, see above)


def decide(state: ChainState | None, *, has_peers: bool, node_alive: bool, this_process: bool, now: int) -> str:
    """OPEN: may sign now; WAIT: a running node has not finished its first round yet; CLOSED: sync first.

    `node_alive`: the process `state.pid` is a running solnet node; `this_process`: we are it."""
    state = state or ChainState()
    if not has_peers and state.confirmed is None:
        return OPEN  # never synced and no peer to sync with: nothing to catch up from
    if state.pid is not None and state.started is not None and (node_alive or this_process):
        if state.caught_up is not None:
            return OPEN if state.caught_up else WAIT
        if state.confirmed is not None and state.confirmed >= state.started:
            return OPEN
        return WAIT
    if state.confirmed is not None and 0 <= now - state.confirmed <= CONFIRM_FRESH_MS:
        return OPEN
    return CLOSED


def load(store: Store) -> ChainState | None:
    raw = store.get_meta(META_KEY)
    return None if raw is None else _parse(raw)


@functools.lru_cache(maxsize=4)
def _parse(raw: bytes) -> ChainState:
    """The state a meta value says (every publish asks; the value changes about once a minute)."""
    try:
        data = json.loads(raw)
        caught_up = data.get("caught_up")
        return ChainState(data.get("pid"), data.get("started"), data.get("confirmed"),
                          caught_up if isinstance(caught_up, bool) else None)
    except (ValueError, AttributeError):
        return ChainState()  # damaged: treated as never confirmed


def _save(store: Store, state: ChainState) -> None:
    with store.write():
        store.set_meta(META_KEY, json.dumps({"pid": state.pid, "started": state.started, "confirmed": state.confirmed,
                                              "caught_up": state.caught_up}).encode())


def node_started(store: Store, now: int) -> None:
    """A node starts on this home: its own publishing waits for its first complete round (if it has
    peers or ever synced); when it last synced is kept, the running node's start is what counts."""
    previous = load(store)
    _save(store, ChainState(os.getpid(), now, previous.confirmed if previous else None, False))


def has_history(store: Store) -> None:
    """This home's keys signed events that the network holds and this store lacks (a home that
    joined again after its database was lost): it counts as synced long ago, so it signs nothing
    before a complete round with a peer, with or without configured peers."""
    _save(store, ChainState(None, None, 0))


def round_completed(store: Store, now: int, started: int | None) -> None:
    """A complete anti-entropy round with a peer ended: this home now holds that peer's events of its
    keys. `started`: when the node running in this process started (None: a one-shot `solnet sync`)."""
    if started is not None:
        state = load(store)
        if state == ChainState(os.getpid(), started, state.confirmed if state else None, True) and state.confirmed \
                and 0 <= now - state.confirmed < REFRESH_MS:  # (a clock set back since: written again)
            return
        _save(store, ChainState(os.getpid(), started, now, True))
    else:
        _save(store, ChainState(None, None, now))


def _has_peers(store: Store) -> bool:
    return store.has_peers()


def _node_runs(store: Store, pid: int) -> bool:
    """Is `pid` the node running on this home now? It holds the home's node lock, beside the
    database (node/home.py), and wrote its pid there. A pid alone is not enough: in an old copy of
    the home (a backup restored, a home copied beside the one running) it may name a live process,
    even a solnet one, that runs another home; the lock of a copy is held by nobody."""
    return node_lock_holder(Path(store.path).parent / LOCK_FILE) in (pid, 0)  # 0: held, its pid unwritten (full disk)


def state_now(store: Store, now: int) -> str:
    state = load(store)
    pid = state.pid if state else None
    this_process = pid == os.getpid()
    alive = pid is not None and not this_process and _node_runs(store, pid)
    return decide(state, has_peers=_has_peers(store), node_alive=alive, this_process=this_process, now=now)


def check(store: Store, now: int) -> None:
    """Raise InvalidEvent(not_caught_up) unless this home may sign its own events now."""
    verdict = state_now(store, now)
    if verdict == OPEN:
        return
    if verdict == WAIT:
        raise InvalidEvent(NOT_CAUGHT_UP, "the node running on this home has not finished its first sync with a "
                                          "peer since it started; nothing was published. Try again once it has "
                                          "(`solnet peers` shows last syncs), or add --offline if you are sure this "
                                          "home holds the newest events of its keys")
    state = load(store)
    if state is None or state.confirmed is None:  # a home that joined and has not synced since
        raise InvalidEvent(NOT_CAUGHT_UP, "this home has not synced with a peer since it joined: nothing was "
                                          "published. Start the node (`solnet run`) or run `solnet sync PEER` with "
                                          "the peer its invite named (`solnet peers` lists it), then publish again")
    raise InvalidEvent(NOT_CAUGHT_UP, "this home has not synced with a peer recently: if it was restored from a "
                                      "backup, the network may hold newer events of its keys, and publishing now "
                                      "would fork them (a fork freezes this device on every node). Nothing was "
                                      "published. Start the node (`solnet run`) or run `solnet sync PEER` first; "
                                      "add --offline only if you are sure this home holds the newest events of its keys")


def wait_for_node(store: Store, timeout_s: float = WAIT_FOR_NODE_S,
                  on_wait: Callable[[], None] | None = None) -> str:
    """If a node running on this home has not finished its first round yet, wait for it (bounded).
    For second writers (`solnet publish` in another terminal); returns the final verdict."""
    deadline = time.monotonic() + timeout_s
    state = load(store)
    if state is not None and state.pid == os.getpid():
        return state_now(store, now_ms())  # never block the node itself (a web form): answer at once
    verdict = state_now(store, now_ms())
    if verdict == WAIT and on_wait is not None:
        on_wait()
    while verdict == WAIT and time.monotonic() < deadline:
        time.sleep(0.2)
        verdict = state_now(store, now_ms())
    return verdict

