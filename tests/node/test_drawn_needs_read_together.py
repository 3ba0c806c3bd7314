"""An offer drawn down by its group's fulfilments of needs the page does not list (needs of another
region, or older than its newest) is judged with each of those needs (events.effects: whether the
fulfilment reaches the need's group, whether a decline bars it): they were read one by one, a
statement each. On a busy home (bench/http_pages.py) the regions page ran 814 statements, 579 of
them for such needs. Now they are read together: a page's reads of events do not grow with the
needs an offer's draw-downs name, and what was drawn is what it was. Read together, they are still
checked against what their authors signed (a changed byte on a failing card is said, not judged)."""
from __future__ import annotations

from pathlib import Path

import pytest

from crypto.keys import SigningKey
from node.log import EventLog, now_ms
from node.store import DatabaseDamaged, Store
from node.views import reader_of, view
from node_fixtures import Author, founded, wires
from test_flipped_bodies import change_a_byte, said_damaged


def _home(path: Path, needs: int) -> tuple[EventLog, int, list[bytes]]:
    """A home of a network of its own where Calais's founders offer 1,000 tents in calais and cover
    `needs` needs of Dunkirk's group (in dunkirk) from that offer; what they drew (1 + i of the i-th),
    and the needs' ids."""
    net = founded()
    dunkirk = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(dunkirk.key.public), "role": "group"})
    dunkirk.sign("group.profile", {"name": "Dunkirk", "region": "dunkirk"})
    phone = net.device_of(dunkirk)
    offer = net.device.sign("offer", {"category": "tents", "quantity": 1000, "region": "calais"})
    ids = []
    for i in range(needs):
        need = phone.sign("need", {"category": "tents", "quantity": 50, "region": "dunkirk"})
        net.device.sign("need.fulfil", {"need": need.id, "quantity": 1 + i, "offer": offer.id})
        ids.append(need.id)
    log = net.new_log(path)
    assert {o.status for o in log.ingest(wires(net.group.made + net.device.made + dunkirk.made + phone.made))} \
        == {"accepted"}
    return log, sum(1 + i for i in range(needs)), ids


def _page(log: EventLog, now: int) -> tuple[int, list]:
    """The reads of events of a warm regions page (its rows rebuilt and kept by a first one), and the
    page. (Its other statements may vary with time: a read transaction, the store's work due.)"""
    view(log, "regions", now=now, peers=[], reader=reader_of(log))
    ran: list[str] = []
    log.store._db.set_trace_callback(ran.append)
    try:
        page = view(log, "regions", now=now, peers=[], reader=reader_of(log))
    finally:
        log.store._db.set_trace_callback(None)
    return sum(" FROM events " in statement for statement in ran), page


def test_the_needs_an_offer_was_drawn_for_are_read_together(tmp_path: Path) -> None:
    few, _, _ = _home(tmp_path / "few.db", 3)
    many, drawn, _ = _home(tmp_path / "many.db", 30)
    now = now_ms() + 1000
    reads_few, _ = _page(few, now)
    reads_many, page = _page(many, now)
    assert reads_many == reads_few, (reads_few, reads_many)
    [calais] = [summary for summary in page if summary["region"] == "calais"]
    assert [(o["category"], o["available"]) for o in calais["offers"]] == [("tents", 1000 - drawn)], calais
    [offer] = [i for i in view(many, "needs", region="calais", now=now) if i["side"] == "offer"]
    assert (offer["drawn"], offer["remaining"]) == (drawn, 1000 - drawn), offer


def test_a_need_read_together_with_a_changed_byte_is_said_not_judged(tmp_path: Path) -> None:
    """Read one by one (Store.event_row), a need whose stored body no longer hashes to what its
    author signed was said as a damaged database; read together, its changed quantity was judged
    (a draw-down could be refused or allowed by a byte the author never signed). Now taken from the
    row it made (Store.rows_named): rebuilt from its event, checked as every row is, the change is
    said; a row kept from before the change (the rows a node read lately) is what its author signed,
    and the page stays as it was."""
    log, _, ids = _home(tmp_path / "calais.db", 3)
    now = now_ms() + 1000
    before = view(log, "regions", now=now, peers=[], reader=reader_of(log))  # (read whole: the rows kept)
    change_a_byte(tmp_path / "calais.db", ids[1], b"quantity\x32", b"quantity\x33")
    assert view(log, "regions", now=now, peers=[], reader=reader_of(log)) == before
    fresh = EventLog(Store(tmp_path / "calais.db"))  # (nothing kept: each row rebuilt from its event)
    try:
        with pytest.raises(DatabaseDamaged) as damaged:
            view(fresh, "regions", now=now, peers=[], reader=reader_of(fresh))
        assert said_damaged(damaged, ids[1])
    finally:
        fresh.store.close()
