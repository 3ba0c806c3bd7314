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

When it was last level (`last_level`: all another node held was here) is a node's word: a round's
end says this home then held all the peer held, a bundle's header that it holds all its maker
held, and a member (a seized phone) can leave events out and say so all the same. Each counts only
while this home takes that device's word: a member's device now, neither revoked nor frozen, nor
its group, and not blocked here (`solnet peers block`). A revocation that came first let no round
or bundle of it count; one that comes after takes its word back, whichever came first. Only the
newest bundle's word and this copy's last round are kept: an older good one is not counted again
after the newest is taken back (the home counts as not level, the safe side, until its next).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from node import chain_gate
from node.saved_json import saved_facts, saved_key
from node.status import peer_list

if TYPE_CHECKING:
    from node.log import EventLog

# meta: when the newest bundle that brought this home level was made (ms) and the device that signed
# it (hex), "1796676052512 9c1f..." (an older solnet wrote the time alone: whose word is not known,
# and it counts as before); written by node.bundle
CAUGHT_UP_KEY = "bundle_caught_up"


def word_counts(log: EventLog) -> Callable[[bytes], bool]:
    """Whether this home takes `device`'s word that it held all that device held (a round's end, a
    bundle): a member's device now (not revoked, not frozen, nor its group) not blocked here."""
    from node import peer_blocks  # (asked by `view alerts`, export and import only)

    blocked = peer_blocks.load(log.store).blocked_keys()

    def counts(device: bytes) -> bool:
        member = log.trust.member(device)
        return member is not None and log.trust.signs_now(device) and not {device, member.group} & blocked
    return counts


def _said_by(hex_key: Any, counts: Callable[[bytes], bool]) -> bool:
    key = saved_key(hex_key)
    return key is not None and counts(key)


def caught_up_by_bundle(store: Any, counts: Callable[[bytes], bool] | None = None) -> int:
    """When the newest bundle that brought this home level was made (ms; 0: none); with `counts`
    (`word_counts`), only while the home takes the word of the device that signed it."""
    said = (store.get_meta(CAUGHT_UP_KEY) or b"").split()
    if not said or not said[0].isdigit():
        return 0
    if counts is not None and len(said) > 1 and not _said_by(said[1].decode("ascii", "replace"), counts):
        return 0
    return int(said[0])


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


def _saved(store: Any) -> tuple[list[dict[str, Any]], int | None, chain_gate.ChainState | None]:
    """The peers its last run saved (those it dialled, those that dialled it), when it saved them,
    and this copy's record of its last complete round."""
    runtime = saved_facts(store.get_meta("runtime")) or {}
    peers = [p for p in peer_list(store) if p.get("source") != "blocked"]
    inbound = [p for p in runtime.get("inbound") or [] if isinstance(p, dict)]
    return [*peers, *inbound], _ms(runtime.get("saved")), chain_gate.load(store)


def _taken(log: EventLog) -> tuple[list[dict[str, Any]], int | None, int | None, int]:
    """What the last run and syncs left, each on the word of a device this home still takes it
    from (`word_counts`): the saved peers of such devices, when they were saved, this copy's last
    complete round and the newest bundle that brought it level. A peer whose device is not known
    (an address never linked) says nothing of when it was heard."""
    counts = word_counts(log)
    peers, saved, state = _saved(log.store)
    # (this copy's last round: whose it was is not said by an earlier version's record, which counts as before)
    confirmed = state.confirmed if state is not None and (state.by is None or _said_by(state.by, counts)) else None
    return ([p for p in peers if _said_by(p.get("device"), counts)], saved, confirmed,
            caught_up_by_bundle(log.store, counts))


def last_heard(log: EventLog) -> int | None:
    """When this home last heard from another node, as its last run and syncs left it (None: never),
    counting only what came from a device whose word it still takes (`word_counts`): a link, a
    round or a bundle of a device revoked or blocked since is not hearing from the network."""
    peers, saved, confirmed, bundle = _taken(log)
    return newest_heard(peers, saved, (confirmed, bundle))


def last_level(log: EventLog) -> int | None:
    """When this home last held all another node held (None: never): a complete round with a peer
    (its `last_sync`, this copy's last round) or a bundle that brought it level, each on the word of
    a device this home still takes it from (`word_counts`). Not a link alone: one that ended, or was
    open, before a round completed (a peer that links and sends nothing, a laptop shut during its
    first round) brought nothing it can count on."""
    peers, _, confirmed, bundle = _taken(log)
    return newest_heard([{"last_sync": p.get("last_sync")} for p in peers], None, (confirmed, bundle))
