"""A sealed event's expiry is its outer header's, which every node checks against the sealed kind
alone (it cannot read inside). An inner kind that may not expire (events/kinds.py) is opened as one
that does not: what a reader's node counts of it is what the same event in the clear could say.
Refusing such an event on ingest would be a rule change; this node's own publishing refuses it
(tests/node/test_audiences.py)."""
from __future__ import annotations

from events.kinds import KINDS
from events.sealed import SEALABLE, Inner, inner_event

ID, AUTHOR = bytes(32 * [1]), bytes(32 * [2])


def test_an_expiry_its_inner_kind_forbids_is_not_counted_when_opened() -> None:
    forbidding = [k for k in SEALABLE if KINDS[k].expiry == "forbidden"]
    assert "need.update" in forbidding and "need.fulfil" in forbidding
    for kind in forbidding:
        opened = inner_event(ID, AUTHOR, 3, 1_000, 2_000, Inner(kind, {}, ()))
        assert opened.header.expires is None, kind
        assert opened.header.timestamp == 1_000 and opened.kind == kind


def test_an_expiry_its_inner_kind_allows_is_counted() -> None:
    for kind in (k for k in SEALABLE if KINDS[k].expiry != "forbidden"):
        assert inner_event(ID, AUTHOR, 3, 1_000, 2_000, Inner(kind, {}, ())).header.expires == 2_000, kind
