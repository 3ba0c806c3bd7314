"""A group's second device whose clock runs a few minutes behind: its steps on an item its group
acted on from another device (a hand-back of a request the group took, an update of a need) are
dated after the group's earlier steps, so they count on every node, as the person meant. On real
SQLite files; the phone's clock is the `now` it publishes at."""
from __future__ import annotations

from pathlib import Path

from crypto.keys import EncryptionKey, SigningKey
from crypto.keystore import NodeKeys
from node import publishing
from node.log import now_ms
from node.views import view
from node_fixtures import Net, device_vouch, wires
from test_audiences import _group

FIVE_MIN_MS = 5 * 60 * 1000


def _bristol_with_a_phone(net: Net, tmp_path: Path):
    """Calais's log, and Bristol's with its laptop (group keys) and a second device (a phone)."""
    bristol, laptop = _group(net, "Bristol")
    phone = NodeKeys(device=SigningKey.generate(), device_encryption=EncryptionKey.generate())
    bristol.sign("member.vouch", device_vouch(bristol.key, phone.device, bytes(phone.device_encryption.public)))
    calais, home = net.new_log(tmp_path / "calais.db"), net.new_log(tmp_path / "bristol.db")
    for log in (calais, home):
        log.ingest(wires(net.group.made + bristol.made))
    return calais, home, laptop, phone


def _spread(source, *others) -> None:
    for log in others:
        log.ingest(list(source.store.iter_wire()))


def test_a_slow_phone_hands_back_a_request_its_group_took_from_the_laptop(net: Net, tmp_path: Path):
    calais, bristol, laptop, phone = _bristol_with_a_phone(net, tmp_path)
    request = publishing.publish(calais, net.founder, "support.request",
                                 {"region": "calais", "type": "accompaniment", "people": "2", "urgency": "high"})
    _spread(calais, bristol)
    now = now_ms()
    publishing.publish(bristol, laptop, "support.claim", {"request": request.id.hex()}, now=now)
    # two minutes later, on the phone, whose clock is five minutes behind
    back = publishing.publish(bristol, phone, "support.close", {"request": request.id.hex(), "outcome": "referred"},
                              now=now + 2 * 60 * 1000 - FIVE_MIN_MS)
    assert now < back.header.timestamp <= now + FIVE_MIN_MS
    _spread(bristol, calais)
    for log in (calais, bristol):
        [item] = view(log, "support", now=now + FIVE_MIN_MS)
        assert item["status"] == "open" and item["claimed_by"] == [], item  # waiting for a group again
        assert [b["group"] for b in item["handed_back"]] == [bytes(laptop.group.public)]
    # and the laptop takes it again later: its claim counts after the hand-back
    publishing.publish(bristol, laptop, "support.claim", {"request": request.id.hex()}, now=now + 3 * 60 * 1000)
    [item] = view(bristol, "support", now=now + FIVE_MIN_MS)
    assert item["status"] == "claimed", item


def test_a_slow_phone_s_update_of_a_need_replaces_the_laptop_s(net: Net, tmp_path: Path):
    _, bristol, laptop, phone = _bristol_with_a_phone(net, tmp_path)
    now = now_ms()
    need = publishing.publish(bristol, laptop, "need", {"category": "tents", "quantity": "40", "region": "bristol"},
                              now=now - 60 * 1000)
    publishing.publish(bristol, laptop, "need.update", {"need": need.id.hex(), "quantity": "30"}, now=now)
    publishing.publish(bristol, phone, "need.update", {"need": need.id.hex(), "quantity": "25"},
                       now=now + 60 * 1000 - FIVE_MIN_MS)
    [item] = view(bristol, "needs", now=now)
    assert item["quantity"] == 25, item


def test_a_right_clock_keeps_its_own_time(net: Net, tmp_path: Path):
    _, bristol, laptop, phone = _bristol_with_a_phone(net, tmp_path)
    now = now_ms()
    need = publishing.publish(bristol, laptop, "need", {"category": "tents", "quantity": "40", "region": "bristol"},
                              now=now - 60 * 1000)
    first = publishing.publish(bristol, laptop, "need.update", {"need": need.id.hex(), "quantity": "30"}, now=now)
    later = publishing.publish(bristol, phone, "need.update", {"need": need.id.hex(), "quantity": "25"},
                               now=now + 1000)
    assert (first.header.timestamp, later.header.timestamp) == (now, now + 1000)


def test_a_step_is_dated_without_rebuilding_the_other_steps_on_its_item(net: Net, tmp_path: Path, monkeypatch):
    """Dating a step reads the group's newest stamp on the item from the index: it rebuilt every row
    of every group's steps on the item (a mole's flood of claims and closes on a request made each
    of this group's own steps pay for all of them: 1,500 updates of one need, 58,559 calls)."""
    calais, bristol, laptop, phone = _bristol_with_a_phone(net, tmp_path)
    need = publishing.publish(bristol, laptop, "need", {"category": "tents", "quantity": "40", "region": "calais"})
    now = now_ms()
    for i in range(60):
        publishing.publish(bristol, laptop, "need.update", {"need": need.id.hex(), "quantity": str(i + 1)},
                           now=now + i)
    rebuilt: list[int] = []
    rows_at = type(bristol.store)._rows_at
    monkeypatch.setattr(type(bristol.store), "_rows_at",
                        lambda self, chosen: (rebuilt.append(len(chosen)), rows_at(self, chosen))[1])
    late = publishing.publish(bristol, phone, "need.update", {"need": need.id.hex(), "quantity": "7"},
                              now=now - FIVE_MIN_MS)
    assert late.header.timestamp == now + 59 + 1  # just after the group's newest step, as before
    # What the publish's check of the need's state reads (its 60 updates, as before the dating came),
    # not as much again for the dating
    assert sum(rebuilt) <= 62, rebuilt
