"""A referral to a group a support request was not sealed to (one that joined later) is no dead end:
the requesting group shares the request's private details with it (`support.share`), and that group
then reads and takes the request as if it had been among the first recipients, on every node and in
every order of arrival. A share by any other group counts for nothing. On real SQLite files, the
private parts sealed and opened with real keys."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from events.format import decode_event
from node import publishing, request_shares
from node.audience import Opener
from node.private import seal_private
from node.views import reader_of, view
from node_fixtures import Author, Net, wires
from test_audiences import _spread, _three

REQUEST = {"region": "calais", "type": "housing", "people": "2", "urgency": "high"}
DETAILS = "Two minors, arrived Tuesday, contact via Amira"


def _referred(net: Net, tmp_path: Path):
    """Calais seals a request to Bristol; Bristol takes it, then hands it back as referred, with a
    note for Cardiff (which cannot read the request)."""
    (calais, bristol, cardiff), keys, groups = _three(net, tmp_path)
    request = publishing.publish(calais, keys[0], "support.request", REQUEST, private=DETAILS, to=["Bristol"])
    _spread(calais, bristol, cardiff)
    publishing.publish(bristol, keys[1], "support.claim", {"request": request.id.hex()})
    close = {"request": request.id.hex(), "outcome": "referred"}
    publishing.publish(bristol, keys[1], "support.close", close, private="Cardiff has a room", to=["Cardiff"])
    _spread(bristol, calais, cardiff)
    return (calais, bristol, cardiff), keys, groups, request


def test_a_group_a_request_is_shared_with_can_take_it(net: Net, tmp_path: Path):
    (calais, bristol, cardiff), keys, _, request = _referred(net, tmp_path)
    texts = {"request": request.id.hex()[:12], "outcome": "referred"}
    # Bristol's referral says what Calais must run for Cardiff to read it
    advice = publishing.referral_advice(bristol, "support.close", texts, ["Cardiff"], keys[1])
    assert advice is not None and advice.startswith("Cardiff cannot read that support request's private details")
    assert f"ask Calais, which made it, to share them (`solnet publish support.share --request " \
           f"{request.id.hex()[:12]} --to Cardiff` on its node)" in advice, advice
    # Cardiff cannot take it yet, and is told the command Calais runs
    with pytest.raises(publishing.PublishError) as refused:
        publishing.publish(cardiff, keys[2], "support.claim", {"request": request.id.hex()})
    assert f"ask Calais to share it with your group (`solnet publish support.share --request " \
           f"{request.id.hex()[:12]} --to Cardiff` on its node)" in str(refused.value), refused.value
    # Only the requesting group shares it
    with pytest.raises(publishing.PublishError) as not_bristols:
        publishing.publish(bristol, keys[1], "support.share", {"request": request.id.hex()}, to=["Cardiff"])
    assert "only Calais, the group that posted that support.request, may share it" in str(not_bristols.value)
    share = publishing.publish(calais, keys[0], "support.share", {"request": request.id.hex()}, to=["Cardiff"])
    assert DETAILS.encode() not in share.encode()
    _spread(calais, bristol, cardiff)
    assert publishing.referral_advice(calais, "support.close", texts, ["Cardiff"], keys[0]) is None  # it reads it now
    publishing.publish(cardiff, keys[2], "support.claim", {"request": request.id.hex()})
    _spread(cardiff, calais, bristol)
    cardiff_id = bytes(keys[2].group.public)
    for log, k in ((calais, keys[0]), (bristol, keys[1]), (cardiff, keys[2])):
        [item] = _support(log, Opener(k.device_encryption))
        assert item["status"] == "claimed" and item["claimed_by"] == [cardiff_id], item
        assert not item["claimed_unsent"]


def test_a_share_by_another_group_lets_no_one_take_the_request(net: Net, tmp_path: Path):
    """Bristol seals the details to Cardiff itself, in a share signed by hand: it counts for nothing,
    so Cardiff's node still cannot take the request, and Calais's node flags a claim by Cardiff."""
    (calais, bristol, cardiff), keys, _, request = _referred(net, tmp_path)
    rogue = Author(keys[1].device, net.genesis.network_id)
    rogue.seq, rogue.prev = bristol.store.head(bytes(keys[1].device.public))
    sealed = seal_private(DETAILS, bristol.trust, [bytes(keys[2].group.public)], bytes(keys[1].group.public))
    cardiff.ingest(wires([rogue.sign("support.share", {"request": request.id, "sealed": sealed})]))
    with pytest.raises(publishing.PublishError, match="ask Calais to share it with your group"):
        publishing.publish(cardiff, keys[2], "support.claim", {"request": request.id.hex()})
    hand = Author(keys[2].device, net.genesis.network_id)
    hand.seq, hand.prev = cardiff.store.head(bytes(keys[2].device.public))
    _spread(cardiff, calais)
    calais.ingest(wires([hand.sign("support.claim", {"request": request.id})]))
    [item] = _support(calais, Opener(keys[0].device_encryption))
    assert item["claimed_by"] == [] and [c["group"] for c in item["claimed_unsent"]] == [bytes(keys[2].group.public)]


def test_every_node_agrees_in_every_order(net: Net, tmp_path: Path):
    """The request, Bristol's claim and referral, Calais's share and Cardiff's claim, in every order
    of arrival, on the nodes of each group and of none: Cardiff takes the request."""
    (calais, bristol, cardiff), keys, _, request = _referred(net, tmp_path)
    publishing.publish(calais, keys[0], "support.share", {"request": request.id.hex()}, to=["Cardiff"])
    _spread(calais, cardiff)
    publishing.publish(cardiff, keys[2], "support.claim", {"request": request.id.hex()})
    _spread(cardiff, calais)
    held = list(calais.store.iter_wire())
    authored = [w for w in held if decode_event(w).kind.startswith("support.")]
    membership = [w for w in held if w not in authored]
    assert [decode_event(w).kind for w in authored].count("support.share") == 1
    outsider = Opener(keys[0].device_encryption.__class__.generate())  # a node of a group that reads nothing
    cardiff_id = bytes(keys[2].group.public)
    orders = [authored, authored[::-1], *(random.Random(45 + i).sample(authored, len(authored)) for i in range(8))]
    for n, order in enumerate(orders):
        for who, opener in (("calais", Opener(keys[0].device_encryption)), ("bristol", Opener(keys[1].device_encryption)),
                            ("cardiff", Opener(keys[2].device_encryption)), ("none", outsider)):
            log = net.new_log(tmp_path / f"{who}{n}.db")
            log.ingest(membership)
            for event in order:
                log.ingest([event])
            for _ in range(len(authored)):  # what waited for an earlier seq
                log.ingest(list(order))
            [item] = _support(log, opener)
            assert (item["status"], item["claimed_by"], item["claimed_unsent"]) == ("claimed", [cardiff_id], []), (who, n)
            log.store.close()


def test_a_listing_reads_each_requests_own_shares_not_every_share(net: Net, tmp_path: Path, monkeypatch):
    """Each request read every stored share (checking each one's signature) for itself: a mole's
    thousands of shares made a coordinator's listing of a hundred private requests take minutes.
    Read once for all, they still made each page that lists one request read them all: each
    request reads its own, by the index of what they name."""
    (calais, bristol, cardiff), keys, groups = _three(net, tmp_path)
    requests = [publishing.publish(calais, keys[0], "support.request", REQUEST, private=f"{DETAILS} {i}", to=["Bristol"])
                for i in range(4)]
    for r in requests:
        publishing.publish(calais, keys[0], "support.share", {"request": r.id.hex()}, to=["Cardiff"])
    reads, own = [], []
    kinds_after, referring = calais.store.kinds_after, calais.store.referring_events
    monkeypatch.setattr(calais.store, "kinds_after", lambda kinds, *a: reads.append(kinds) or kinds_after(kinds, *a))
    monkeypatch.setattr(calais.store, "referring_events", lambda *a: own.append(a) or referring(*a))
    items = _support(calais, Opener(keys[0].device_encryption))
    assert len(items) == 4 and all(i["private"] for i in items)
    assert reads.count(["support.share"]) == 0 and len(own) == 4


def _support(log, opener: Opener) -> list[dict]:
    """The support view as a node whose device holds `opener`'s key shows it (who reads each part)."""
    return view(log, "support", now=0, reader=reader_of(log, opener=opener))


def test_a_shares_page_names_the_groups_that_read_the_request_too(net: Net, tmp_path: Path):
    """A share carries the request's own details: its page's "Readable by these groups only" named
    the requesting group and the share's groups, leaving out those the request was sealed to."""
    from node.dashboard import pages
    from node.private import open_private_part

    (calais, bristol, cardiff), keys, (bristol_group, cardiff_group) = _three(net, tmp_path)
    request = publishing.publish(calais, keys[0], "support.request", REQUEST, private=DETAILS, to=["Bristol"])
    share = publishing.publish(calais, keys[0], "support.share", {"request": request.id.hex()}, to=["Cardiff"])
    opener = Opener(keys[0].device_encryption)
    page = pages.event(calais, share.id, share.header.timestamp, None, opener)
    _text, named = open_private_part(page["sealed"], keys[0].device_encryption)
    calais_group = bytes(keys[0].group.public)
    said = pages.part_readers_said(calais, opener, page, list(named))
    assert said[0] == calais_group
    assert set(said) == {calais_group, bytes(bristol_group.key.public), bytes(cardiff_group.key.public)}, said


def _mole_shares(net: Net, log, keys, count: int) -> None:
    """`count` shares signed by hand by Bristol's device, naming requests no one made: stored and
    forwarded, read by no one (only the requesting group's share counts)."""
    mole = Author(keys[1].device, net.genesis.network_id)
    mole.seq, mole.prev = log.store.head(bytes(keys[1].device.public))
    sealed = seal_private(DETAILS, log.trust, [bytes(keys[2].group.public)], bytes(keys[1].group.public))
    log.ingest(wires([mole.sign("support.share", {"request": random.Random(i).randbytes(32), "sealed": sealed})
                      for i in range(count)]))


def test_a_requests_page_reads_its_own_shares_not_every_share_held(net: Net, tmp_path: Path):
    """Each admin request page read and checked every share held to find the request's own: a mole's
    thousands of shares made every request page of every node slower. Its own are found by what
    they name, an indexed read: the page's work does not grow with the shares of other requests."""
    from node.dashboard import pages
    from node_fixtures import vm_steps

    (calais, bristol, cardiff), keys, _, request = _referred(net, tmp_path)
    share = publishing.publish(calais, keys[0], "support.share", {"request": request.id.hex()}, to=["Cardiff"])
    opener = Opener(keys[0].device_encryption)
    own = bytes(keys[0].group.public)
    _mole_shares(net, calais, keys, 5)
    page = lambda: pages.event(calais, request.id, share.header.timestamp, own, opener)  # noqa: E731
    page()  # (what is read once, kept)
    few, first = vm_steps(calais.store._db, page)
    assert {"Bristol", "Cardiff"} <= set(first["read_by"]), first["read_by"]
    _mole_shares(net, calais, keys, 300)
    page()
    many, again = vm_steps(calais.store._db, page)
    assert again["read_by"] == first["read_by"]
    assert many < few * 1.1 + 50, (few, many)


def test_shares_stored_by_schema_18_are_found_after_the_upgrade(net: Net, tmp_path: Path):
    """Schema 19 finds a request's shares by their read-model rows; a schema-18 home holds shares
    with none: it projects them once as it opens, and the request still reads as shared."""
    from contextlib import closing
    import sqlite3

    from events.projections import SHARE, TABLES
    from node.log import EventLog
    from node.store import Store
    from node_fixtures import as_schema

    (calais, bristol, cardiff), keys, _, request = _referred(net, tmp_path)
    publishing.publish(calais, keys[0], "support.share", {"request": request.id.hex()}, to=["Cardiff"])
    before = request_shares.open_request(calais, request.id, keys[0].device_encryption)
    assert bytes(keys[2].group.public) in before[1][1]
    path = calais.store.path
    calais.store.close()
    as_schema(path, 18, f"DELETE FROM proj WHERE tbl={TABLES.index(SHARE)}")
    log = EventLog(Store(path))
    try:
        assert log.store.schema_version() >= 19
        assert request_shares.open_request(log, request.id, keys[0].device_encryption) == before
        assert len(request_shares.shares_of(log, request.id)[request.id]) == 1
        with closing(sqlite3.connect(path)) as db:
            assert db.execute("SELECT value FROM meta WHERE key='project_kinds'").fetchone() in (None, (b"",))
    finally:
        log.store.close()


def test_a_share_by_another_group_is_not_said_to_reach_the_requests_readers(net: Net, tmp_path: Path):
    """Only the requesting group's share carries the request's details (request_parts counts no
    other). A share that a mole's group signed naming the request carries the mole's own text: its
    page said it "Readable by these groups only" by every group that reads the request too, naming a
    group that never got that text (Cardiff here)."""
    from node.dashboard import pages
    from node.private import open_private_part

    (calais, bristol, cardiff), keys, (bristol_group, cardiff_group) = _three(net, tmp_path)
    request = publishing.publish(calais, keys[0], "support.request", REQUEST, private=DETAILS, to=["Bristol", "Cardiff"])
    mole = Author(keys[1].device, net.genesis.network_id)
    mole.seq, mole.prev = calais.store.head(bytes(keys[1].device.public))
    calais_group = bytes(keys[0].group.public)
    sealed = seal_private("They moved: meet at the station at 6", calais.trust, [calais_group],
                          bytes(keys[1].group.public))
    share = mole.sign("support.share", {"request": request.id, "sealed": sealed})
    calais.ingest(wires([share]))
    opener = Opener(keys[0].device_encryption)
    page = pages.event(calais, share.id, share.header.timestamp, None, opener)
    text, named = open_private_part(page["sealed"], keys[0].device_encryption)
    assert text.startswith("They moved")
    said = pages.part_readers_said(calais, opener, page, list(named))
    assert set(said) == {bytes(bristol_group.key.public), calais_group}, said
