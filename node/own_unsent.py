"""Which of this device's own events a peer is known to hold, and what a home cut off as revoked
must hear of the others: they will not reach the network.

The record is the highest seq a peer was found holding (node/net/peer_link.py `RoundResult.own_held`:
a complete round that streamed the peer none of them found it holding all this side offered), kept
in the store's meta (a copy of the home carries it: it only ever makes a check stricter than needed
after a restore, never looser than what some peer held). `solnet revoke` of this node's own device
reads it before leaving (node/own_delivered.py); `solnet status` and `solnet view` read it once the
device is revoked: a replaced phone's needs signed offline were dropped without a word, while its own
lists still showed them. Apart from node/own_delivered.py so that `status` loads nothing of the views."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from node.store import Store

META_KEY = "own_held_by_peer"


def note(store: Store, seq: int) -> None:
    """A peer was found holding this device's events up to `seq` (kept if higher than the record)."""
    if seq <= held(store):
        return
    with store.write():
        store.set_meta(META_KEY, str(seq).encode())


def held(store: Store) -> int:
    """The highest seq of this device's events a peer is known to hold (0: none known)."""
    raw = store.get_meta(META_KEY)
    try:
        return max(0, int(raw or b"0"))
    except ValueError:  # (damaged: as if none were known)
        return 0


def unsent_span(store: Any, device: bytes) -> tuple[int, int] | None:
    """(first, last) seq of this device's events no peer is known to hold, None if there are none:
    from the heads, which `solnet status`'s snapshot of the database has too (no event rows)."""
    head = next((seq for author, seq, _ in store.heads() if author == device), 0)
    since = held(store)
    return (since + 1, head) if head > since else None


def own_cut_off(store: Any, trust: Any, device: bytes) -> bool:
    """Whether no node takes this device's events any more, as far as this home knows: its trust graph
    holds the revocation of the device (or of its group), or a member's peer refused it as revoked
    before the revocation came (node/revoked_here.py)."""
    from node import revoked_here

    if revoked_here.load(store) is not None:
        return True
    me = trust.member(device)
    group = trust.member(me.group) if me is not None else None
    return me is not None and (me.revoked_from is not None or (group is not None and group.revoked_from is not None))


def not_reaching(first: int, last: int) -> str:
    """What a home cut off as revoked must hear of the events its device signed and no peer holds
    (seqs `first` to `last`): they will not reach the network, and what to do. A replaced phone's
    needs and alerts signed offline were dropped without a word while its own lists still showed them."""
    from node.words import plural

    n = last - first + 1
    it = "it" if n == 1 else "them"
    seqs = f"seq {first}" if n == 1 else f"seq {first} to {last}"
    return (f"{plural(n, 'event')} this device signed ({seqs}) {'is' if n == 1 else 'are'} held by no peer and will "
            f"not reach the network: no node links with this device any more. Publish {it} again from a device of "
            f"your group that still counts (`solnet view` marks {it} NOT SENT; `solnet show ID` gives what "
            f"{'it' if n == 1 else 'each'} said). A bundle (`solnet export`) carries {it} too, but nodes take from it "
            "only what was signed below the seq this device is revoked from")
