"""The group key's events this home holds and did not sign, read from its files (node/key_elsewhere.py).

The home holding a group key keeps, beside its database, the newest seq it signed with that key
(node/own_marks.py: written before the commit by every process that signs, the CLI, `solnet sync`
and the node alike). The group key's events the store holds above that mark were signed by another
home holding the key (a thief's copy certifying a device of its own, which then reads what is
sealed to the group), or by this home before it was restored from an older backup (its marks were
restored with it: the two readings are said together). Reading the store rather than the events a
link brings, the warning outlives a restart, covers what a `solnet sync` or an import stored while
the node was stopped and an event released from the pending queue, and `solnet status` says it
with no node running. Blocking reads: a running node calls these through its `db`, a page at a time.

The marks say every seq this home signed (own_marks.signed_ranges), not only the newest: a copy's
events stay "not signed here" once this home signs past them (until 2026-12-06 the owner's next
vouch put them below the mark, and the warning was gone at the next start). The seqs judged are
those from the first this home's marks name, up to the store's head, outside its ranges.

Which is which: a mark below the store's head is this case (events above it not signed here, read
here); a mark above the head is a database that lost its newest writes (own_marks.lost,
node/chain_gate.py): nothing is above it, and the events up to it coming back from peers are its own.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from node import own_marks

if TYPE_CHECKING:
    from node.home import Home
    from node.key_elsewhere import GroupKeyAbove
    from node.store import Store

PAGE = 500  # events read per database call (a thief's thousands of vouches are read a page at a time)


def mark(db_path: Path, network: bytes, group: bytes) -> int | None:
    """The newest seq this home signed with `group` in `network`, None if its marks name none (a home
    made by an earlier version, or one that never signed with that key: nothing is judged)."""
    return own_marks.read(own_marks.path_for(db_path)).get(network + group)


def not_signed(db_path: Path, network: bytes, group: bytes, head: int) -> list[tuple[int, int]]:
    """The stretches of seqs up to `head` this home did not sign with `group` in `network`, from the
    first its marks name (none if they name none: nothing is judged)."""
    ranges = own_marks.signed_ranges(own_marks.path_for(db_path)).get(network + group, ())
    out, after = [], None
    for lo, hi in ranges:
        if after is not None and lo > after + 1:
            out.append((after + 1, min(lo - 1, head)))
        after = hi
    if after is not None and head > after:
        out.append((after + 1, head))
    return [(lo, hi) for lo, hi in out if lo <= hi]


def read_page(store: Store, found: GroupKeyAbove, gaps: list[tuple[int, int]]) -> tuple[list[tuple[str, bytes]], bool]:
    """Feed `found` the next page of the group key's events the store holds at seqs this home did not
    sign (`gaps`, `not_signed`) above what it read before: the devices and groups found anew, and
    whether more are to read."""
    head = store.head(found.group)[0]
    for lo, hi in gaps:
        start, hi = max(lo, found.judged + 1), min(hi, head)
        if start > hi:
            continue
        rows = store.range_wire(found.group, start, hi, PAGE)
        new = [subject for seq, wire in rows if (subject := found.add(seq, wire)) is not None]
        found.judged = rows[-1][0] if len(rows) == PAGE else hi
        return new, found.judged < head
    found.judged = max(found.judged, head)
    return [], False


def facts(found: GroupKeyAbove, signed: int, restored: bool) -> dict[str, Any] | None:
    """What the status, the dashboard and a publish's answer say (None: nothing): as `key_elsewhere`,
    with the group's id, the first NAMED_AT_MOST devices certified and groups admitted there (ids),
    how many of each in all, and its other events by kind."""
    seen = found.to_say(restored, signed)
    if seen is None:
        return None
    return {"when": seen.when, "seq": seen.seq, "at": seen.at, "group": found.group.hex(),
            "devices": [d.hex() for d in found.named_devices], "groups": [g.hex() for g in found.named_groups],
            "devices_count": len(found.devices), "groups_count": len(found.groups), "other": dict(found.other),
            "signed_here": signed}


def from_files(home: Home, store: Any, network: str | None) -> dict[str, Any] | None:
    """`facts` with no node running (`solnet status`): `store` is the home's store or its status
    snapshot (which reads no event: the log is opened only when the group key's head is above the
    mark or in a gap of its ranges, which is rare)."""
    config = home.config()
    if not network or not config.holds_group_key:
        return None
    group = bytes.fromhex(config.group_id)
    signed = mark(home.db_path, bytes.fromhex(network), group)
    head = next((seq for author, seq, _ in store.heads() if author == group), 0)
    gaps = [] if signed is None else not_signed(home.db_path, bytes.fromhex(network), group, head)
    if not gaps:
        return None
    from node.key_elsewhere import GroupKeyAbove  # (decoding events: loaded only in this rare case)

    found = GroupKeyAbove(group, None)
    opened = None if hasattr(store, "range_wire") else home.log()
    try:
        reading = store if opened is None else opened.store
        more = True
        while more:
            _, more = read_page(reading, found, gaps)
    finally:
        if opened is not None:
            opened.store.close()
    return facts(found, signed, False)

