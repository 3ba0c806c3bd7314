"""Which of this device's own events a peer is known to hold, and what a home cut off as revoked
must hear of the others: those signed at or past the seq it is revoked from will not reach the
network; those below it may have (a bundle, a sync no peer confirmed), and still count.

The record is the highest seq a peer was found holding (node/net/peer_link.py `RoundResult.own_held`:
what the heads it offered a complete round said it held), kept in the store's meta (a copy of the
home carries it: it only ever makes a check stricter than needed after a restore, never looser than
what some peer held). Not being in it is no proof a peer lacks an event: a bundle carries events
past every record, so a home never says as a fact that the network lacks what the record lacks.
`solnet revoke` of this node's own device reads it before leaving (node/own_delivered.py); `solnet
status` and `solnet view` read it once the device is revoked: a replaced phone's needs signed
offline were dropped without a word, while its own lists still showed them. Apart from
node/own_delivered.py so that `status` loads nothing of the views."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from node.store import Store

META_KEY = "own_held_by_peer"


def note(store: Store, device: bytes, seq: int) -> None:
    """A peer was found holding events of this device (`device`) up to `seq` (0: none found; kept
    if higher than the record). Never while a fork of this device is known: the record goes back to
    none then. Where the other hands' branch begins is known late, and may be lowered later (a
    lowered fork point was kept above the real split, and a peer's heads there counted as this
    device's events held): warning of events a peer holds is the safe side."""
    if device in store.fork_points():
        if held(store):
            with store.write():
                store.set_meta(META_KEY, b"0")
        return
    if seq <= held(store):
        return
    with store.write():
        store.set_meta(META_KEY, str(seq).encode())


def held(store: Any, device: bytes | None = None) -> int:
    """The highest seq of this device's events a peer is known to hold (0: none known; none while a
    fork of `device`, if given, is known: see `note`)."""
    if device is not None and device in store.fork_points():
        return 0
    raw = store.get_meta(META_KEY)
    try:
        return max(0, int(raw or b"0"))
    except ValueError:  # (damaged: as if none were known)
        return 0


def holds_head(store: Any, device: bytes) -> bool:
    """Whether a peer is known to hold this device's newest event (see `held`): a peer took it, so
    its stamp was within 10 minutes of that peer's clock when it came (node/net/node.py
    `own_stamped_ahead`: a clock set back under it is the one behind)."""
    head = store.head(device)[0]
    return head > 0 and held(store, device) >= head


def held_beyond_proof(store: Any, device: bytes, limit: int) -> tuple[int, int] | None:
    """(how many, the newest stamp) of this device's events a peer is known to hold (see `held`) that
    are stamped more than MAX_PROVED_LEAD_MS after `limit` (a peer's limit, by this clock): no later
    event let them in (node/stamped_ahead.py), so a peer took them on its own clock, and this clock,
    set back since, is the one behind, even after it stamped events of its own (node/net/node.py
    `own_stamped_ahead`). None if none is."""
    from node.stamped_ahead import MAX_PROVED_LEAD_MS
    upto = held(store, device)
    return store.stamped_beyond(device, limit + MAX_PROVED_LEAD_MS, upto) if upto else None


def unsent_span(store: Any, device: bytes) -> tuple[int, int] | None:
    """(first, last) seq of this device's events no peer is known to hold, None if there are none:
    from the heads, which `solnet status`'s snapshot of the database has too (no event rows)."""
    head = next((seq for author, seq, _ in store.heads() if author == device), 0)
    since = held(store, device)
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


def revoked_from(trust: Any, device: bytes) -> int | None:
    """The seq this device is revoked from in the trust graph (its own revocation, or a fork), None if
    not known here (not revoked, its group revoked, or only a peer's refusal heard)."""
    me = trust.member(device)
    return me.revoked_from if me is not None else None


def forked(trust: Any, device: bytes) -> bool:
    """Whether this device's revocation in the trust graph is its key's fork (events signed at one seq
    twice: a copy of it in other hands), not one signed by a key."""
    r = trust.revocation(device)
    return bool(r is not None and r.fork)


def taken_out(store: Any, device: bytes, lost_from: int | None = None,
              signed: int = 0) -> tuple[int, int, bool] | None:
    """(first, last, kept) seq of this device's events its revocation took out of this log (refused by
    every node: those at or past `lost_from`, the seq it is revoked from), None if none; `kept`: all
    of them are still kept aside here. They leave the heads, so `unsent_span` never holds them:
    what it holds, signed below that seq, may count. Kept aside 90 days (node/pending_queue.py),
    then dropped: those past `lost_from` up to `signed` (the newest seq this home's marks say its
    device signed, node/own_marks.py) are named still, or the person never hears of them again."""
    kept = store.kept_aside_spans().get(device)
    if lost_from is None or signed < lost_from or (kept is not None and kept[0] <= lost_from and signed <= kept[1]):
        return None if kept is None else (*kept, True)
    return (lost_from if kept is None else min(kept[0], lost_from)), max(signed, kept[1] if kept else 0), False


def signed_up_to(db_path: Path, network: str | None, device: bytes) -> int:
    """The newest seq this home's marks say `device` signed in `network` (hex; 0: none known)."""
    from node import own_marks

    if not network:
        return 0
    return own_marks.read(own_marks.path_for(db_path)).get(bytes.fromhex(network) + device, 0)


def stranded(store: Any, device: bytes, lost_from: int | None, db_path: Path, network: str | None,
             fork: bool = False) -> dict[str, Any]:
    """`unsent_own` and `taken_out_own` as `solnet status` and the dashboard's overview give them (seqs
    `from_seq` to `to_seq`, None if none; `kept_here`: see `taken_out`; `forked`: `fork`): `lost_from`
    is the seq this device is revoked from, if known, `fork` whether that is its key's fork, `network`
    the network's id (hex) its marks are kept under. A fork's events past it are kept here beside the
    log (node/store/trust.py `keep_forked`), not aside: a phone forked minutes before was told they
    were dropped after 90 days, and to publish them again (duplicates once its branch is pinned)."""
    span = unsent_span(store, device)
    lost = taken_out(store, device, lost_from, signed_up_to(db_path, network, device) if lost_from else 0)
    return {"unsent_own": {"from_seq": span[0], "to_seq": span[1]} if span else None,
            "taken_out_own": {"from_seq": lost[0], "to_seq": lost[1], "kept_here": lost[2] or fork, "forked": fork}
            if lost else None}


def _events(first: int, last: int) -> tuple[str, str, int]:
    """('2 events this device signed (seq 3 to 4)', 'them', 2)."""
    from node.words import plural

    n = last - first + 1
    seqs = f"seq {first}" if n == 1 else f"seq {first} to {last}"
    return f"{plural(n, 'event')} this device signed ({seqs})", "it" if n == 1 else "them", n


def surely_lost(first: int, last: int, lost_from: int | None, kept: bool = True, fork: bool = False) -> str:
    """What a revoked home must hear of its events its revocation took out (`first` to `last`; `lost_from`:
    the seq it is revoked from, if known): no node takes them, and what to do; `kept`: all are still
    kept aside here (else some were dropped, 90 days on, and this home cannot show them); `fork`: the
    revocation is its key's fork (`held_back_by_fork`)."""
    if fork:
        return held_back_by_fork(first, last, lost_from)
    events, it, n = _events(first, last)
    from_seq = f" from seq {lost_from}" if lost_from is not None else ""
    where = (f"kept aside here, no longer listed). Publish again what still matters of {it}" if kept else
             f"no longer kept here either: what a revocation takes out is kept aside 90 days, then dropped, so "
             f"this home cannot show {it} now). Publish again what you remember still matters of {it}")
    return (f"{events} will not reach the network: this device is revoked{from_seq}, so every node refuses "
            f"{it} ({where} from a device of your group that still counts")


def held_back_by_fork(first: int, last: int, fork_at: int | None) -> str:
    """What a home whose key forked (at `fork_at`, if known) must hear of its events from there (`first`
    to `last`): every node holds them back, they are kept here, and they count again if its group
    key pins this branch; publishing them again now makes duplicates once it does."""
    events, it, n = _events(first, last)
    they, are = ("it", "is") if n == 1 else ("they", "are")
    at = f" at seq {fork_at}" if fork_at is not None else ""
    return (f"{events} do{'es' if n == 1 else ''} not reach the network for now: this device's key forked{at} (a copy "
            f"of it is in other hands), so every node holds back what it signed from there. {they.capitalize()} {are} "
            f"kept here (not listed) and count{'s' if n == 1 else ''} again if your group key pins this device's "
            f"branch in a revocation (see the fork warning). Publish again what still matters of {it} from a device "
            f"of your group that still counts only once your group has pinned the other branch or replaced this "
            f"device")


def not_known_held(first: int, last: int, lost_from: int | None) -> str:
    """What a home cut off as revoked must hear of its events no peer is known to hold that may count
    all the same (`first` to `last`, signed below `lost_from`, the seq it is revoked from, if known): a
    bundle, or a round whose peer did not confirm them, may have carried them. Said as a fact, it
    had people publish again needs and raid alerts the network held."""
    events, it, n = _events(first, last)
    they, was = ("it", "was") if n == 1 else ("they", "were")
    bundle = (f": {they} {was} signed below seq {lost_from}, which this device is revoked from, so {they} still "
              f"count{'s' if n == 1 else ''}" if lost_from is not None else
              ", but nodes take from it only what was signed below the seq this device is revoked from")
    return (f"No peer is known to hold {events}, and no node links with this device any more: a bundle, or a sync "
            f"no peer confirmed, may have carried {it} all the same. Check on a device of your group that still "
            f"counts (`solnet show ID` or `solnet view` there) before publishing {it} again from it (`solnet view` "
            f"here marks {it} NOT KNOWN SENT). If {it} did not arrive, a bundle (`solnet export`) imported there "
            f"carries {it}{bundle}")


def not_reaching(unsent: tuple[int, int] | None, lost: tuple[int, int, bool] | tuple[int, int, bool, bool] | None,
                 lost_from: int | None) -> list[str]:
    """What a home cut off as revoked must hear of the events its device signed: those no peer is known
    to hold (`unsent`) may have reached the network all the same, those the revocation took out
    (`lost`: first, last, all still kept here[, the revocation is a fork]) will not (`lost_from`: the
    seq it is revoked from, if
    known). A replaced phone's needs and alerts signed offline were dropped without a word while its
    own lists still showed them; then said as lost, though a bundle had carried them."""
    return ([not_known_held(*unsent, lost_from)] if unsent else []) + ([surely_lost(*lost[:2], lost_from, *lost[2:])]
                                                                        if lost else [])
