"""Events for chosen groups only (docs/design.md section 6.6), on real stores: sealed whole to the
chosen groups' current devices, read back in memory by them only, never projected or stored in the
clear; revoked devices and devices certified later behave as for support requests' private parts."""
from __future__ import annotations

import random
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crypto.envelope import open_envelope, seal, sealed_length
from crypto.keys import EncryptionKey, SigningKey
from crypto.keystore import NodeKeys
from events.canonical import pack, unpack
from events.errors import InvalidEvent
from events.sealed import SEALED_KIND, inner_plaintext, parse_inner
from node import publishing
from node.audience import Opener, opened_rows
from node.log import now_ms
from node.views import view
from node_fixtures import Author, Net, device_vouch, wires

TITLE = "Blockade of the detention centre gate, 5am"


def _group(net: Net, name: str) -> tuple[Author, NodeKeys]:
    """A group admitted by the founder, with one device whose keys a NodeKeys holds."""
    group = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"})
    keys = NodeKeys(device=SigningKey.generate(), device_encryption=EncryptionKey.generate(), group=group.key)
    group.sign("member.vouch", device_vouch(group.key, keys.device, bytes(keys.device_encryption.public)))
    group.sign("group.profile", {"name": name, "region": name.lower()})
    return group, keys


def _three(net: Net, tmp_path: Path):
    bristol, bristol_keys = _group(net, "Bristol")
    cardiff, cardiff_keys = _group(net, "Cardiff")
    membership = wires(net.group.made + bristol.made + cardiff.made)
    logs = [net.new_log(tmp_path / f"{n}.db") for n in ("calais", "bristol", "cardiff")]
    for log in logs:
        log.ingest(membership)
    return logs, (net.founder, bristol_keys, cardiff_keys), (bristol, cardiff)


def _spread(source, *others) -> None:
    for log in others:
        log.ingest(list(source.store.iter_wire()))


def test_a_sealed_action_is_read_by_the_chosen_groups_only_and_never_stored_in_the_clear(net: Net, tmp_path: Path):
    (calais, bristol, cardiff), (calais_keys, bristol_keys, cardiff_keys), _ = _three(net, tmp_path)
    texts = {"title": TITLE, "region": "calais", "type": "direct_action", "starts_at": "2031-06-01T05:00",
             "place": "Rue des Garennes"}
    ev = publishing.publish(calais, calais_keys, "action", texts, to=["bristol"])  # by name, any case
    assert ev.kind == SEALED_KIND and ev.header.expires is None
    assert TITLE.encode() not in ev.encode() and b"direct_action" not in ev.encode() and b"calais" not in ev.body
    _spread(calais, bristol, cardiff)

    for log, keys, reads in ((calais, calais_keys, True), (bristol, bristol_keys, True), (cardiff, cardiff_keys, False)):
        opened = opened_rows(log, Opener(keys.device_encryption))
        actions = view(log, "actions", now=0, opened=opened)
        if reads:
            [item] = actions
            assert item["title"] == TITLE and item["id"] == ev.id
            assert item["shared_with"] == [bytes(net.founder.group.public), bytes(bristol_keys.group.public)]
        else:
            assert actions == []
        assert view(log, "actions", now=0) == []  # without the key (a public page): nothing
        assert log.store.rows("action") == []  # no read-model row in the database
        log.store.checkpoint()
    for f in tmp_path.iterdir():
        data = f.read_bytes()
        assert TITLE.encode() not in data and b"Garennes" not in data, f.name


def test_order_of_arrival_does_not_change_what_a_recipient_reads(net: Net, tmp_path: Path):
    (calais, bristol, _), (calais_keys, bristol_keys, _), _ = _three(net, tmp_path)
    need = publishing.publish(calais, calais_keys, "need", {"category": "tents", "quantity": "10", "region": "calais"},
                              to=["Bristol"])
    publishing.publish(calais, calais_keys, "need.fulfil", {"need": need.id.hex(), "quantity": "4"}, to=["Bristol"])
    publishing.publish(calais, calais_keys, "need.update", {"need": need.id.hex(), "quantity": "12"}, to=["Bristol"])
    places = publishing.publish(calais, calais_keys, "support.offer", {"region": "calais", "type": "housing",
                                                                       "capacity": "5"}, to=["Bristol"])
    publishing.publish(calais, calais_keys, "support.offer.update", {"offer": places.id.hex(), "capacity": "4"},
                       to=["Bristol"])
    publishing.publish(calais, calais_keys, "action", {"title": "open", "region": "calais", "type": "protest",
                                                        "starts_at": "2031-06-01T18:00"})
    wire = list(calais.store.iter_wire())
    results = []
    for i in range(3):
        log = net.new_log(tmp_path / f"shuffled{i}.db")
        shuffled = wire[:]
        random.Random(i).shuffle(shuffled)
        for chunk in range(0, len(shuffled), 3):
            log.ingest(shuffled[chunk:chunk + 3])
        log.ingest(shuffled)  # what waited for an earlier seq
        opened = opened_rows(log, Opener(bristol_keys.device_encryption))
        results.append({name: view(log, name, now=0, opened=opened) for name in ("needs", "capacity")})
    assert results[0] == results[1] == results[2]
    [item] = results[0]["needs"]
    assert (item["quantity"], item["fulfilled"], item["remaining"]) == (12, 4, 8)
    assert [c["capacity"] for c in results[0]["capacity"]] == [4]


def test_an_open_event_may_not_name_a_sealed_one(net: Net, tmp_path: Path):
    (calais, _, _), (calais_keys, _, _), _ = _three(net, tmp_path)
    need = publishing.publish(calais, calais_keys, "need", {"category": "tents", "quantity": "10", "region": "calais"},
                              to=["Bristol"])
    with pytest.raises(publishing.PublishError, match="shared with chosen groups only") as caught:
        publishing.publish(calais, calais_keys, "need.fulfil", {"need": need.id.hex(), "quantity": "4"})
    assert caught.value.field == "need"
    with pytest.raises(publishing.PublishError) as caught:
        publishing.publish(calais, calais_keys, "alert", {"region": "calais", "type": "raid", "text": "x"},
                           expires_in="1h", to=["Bristol"])
    assert caught.value.field == "to"  # alerts are never sealed: they spread first, to everyone
    with pytest.raises(publishing.PublishError, match="no group called 'Brighton'") as caught:
        publishing.publish(calais, calais_keys, "action", {"title": "x", "region": "calais", "type": "protest",
                                                            "starts_at": "2031-06-01T18:00"}, to=["Brighton"])
    assert caught.value.field == "to"
    with pytest.raises(publishing.PublishError) as caught:
        publishing.publish(calais, calais_keys, "sealed", {"envelope": "00"})
    assert caught.value.field == "kind"


def test_capacity_updates_report_backs_and_resources_for_chosen_groups(net: Net, tmp_path: Path):
    """Housing places offered to Calais only, adjusted; a report on an action for chosen groups; a
    guide for them: the readers see each in its view and in the region summary, the others nothing;
    what names a sealed event is sealed too, and only its own group may change it."""
    (calais, bristol, cardiff), (calais_keys, bristol_keys, cardiff_keys), _ = _three(net, tmp_path)
    calais_id = bytes(net.founder.group.public).hex()
    two_days_ago = datetime.fromtimestamp(time.time() - 2 * 86400, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    places = publishing.publish(bristol, bristol_keys, "support.offer", {"region": "bristol", "type": "housing",
                                                                         "capacity": "3"}, to=[calais_id[:12]])
    visit = publishing.publish(bristol, bristol_keys, "action", {"title": "Visit at Colnbrook", "region": "bristol",
                                                                 "type": "detention_visit",
                                                                 "starts_at": two_days_ago}, to=[calais_id])
    guide = publishing.publish(bristol, bristol_keys, "resource", {"title": "Guide for hosts", "languages": "en",
                                                                   "summary": "What hosting involves",
                                                                   "text": "..."}, to=[calais_id])
    with pytest.raises(publishing.PublishError, match="shared with chosen groups only") as caught:
        publishing.publish(bristol, bristol_keys, "support.offer.update", {"offer": places.id.hex(), "capacity": "2"})
    assert caught.value.field == "offer"
    update = publishing.publish(bristol, bristol_keys, "support.offer.update", {"offer": places.id.hex(),
                                                                                "capacity": "2"}, to=[calais_id])
    report = publishing.publish(bristol, bristol_keys, "action.report", {"action": visit.id.hex(), "people": "6",
                                                                         "outcome": "Four people visited"},
                                to=[calais_id])
    assert {e.kind for e in (places, visit, guide, update, report)} == {SEALED_KIND}
    alert = publishing.publish(bristol, bristol_keys, "alert", {"region": "bristol", "type": "raid", "text": "x"},
                               expires_in="1h")
    with pytest.raises(publishing.PublishError, match="alert.update cannot be shared with chosen groups") as caught:
        publishing.publish(bristol, bristol_keys, "alert.update", {"alert": alert.id.hex(), "status": "all_clear"},
                           to=[calais_id])  # alerts and their updates go to everyone
    assert caught.value.field == "to"
    _spread(bristol, calais, cardiff)
    _spread(calais, cardiff)
    with pytest.raises(publishing.PublishError, match="only Bristol") as caught:  # Calais reads it, may not change it
        publishing.publish(calais, calais_keys, "support.offer.update", {"offer": places.id.hex(), "capacity": "9"},
                           to=["Bristol"])
    assert caught.value.field == "offer"

    now = now_ms()
    for log, keys, reads in ((calais, calais_keys, True), (bristol, bristol_keys, True),
                             (cardiff, cardiff_keys, False)):
        opened = opened_rows(log, Opener(keys.device_encryption))
        capacity = view(log, "capacity", now=now, opened=opened)
        past = view(log, "past-actions", now=now, opened=opened)
        resources = view(log, "resources", now=now, opened=opened)
        [summary] = view(log, "regions", region="bristol", now=now, opened=opened, peers=[])
        if reads:
            assert [(c["capacity"], c["shared_with"][0]) for c in capacity] == [(2, bytes(bristol_keys.group.public))]
            assert summary["capacity"] == [{"type": "housing", "capacity": 2, "offers": 1, "shared": 1, "from": None,
                                            "by_group": [{"group": bytes(bristol_keys.group.public), "capacity": 2,
                                                          "group_name": "Bristol"}]}]
            [done] = past
            assert done["people"] == 6 and done["reports"][0]["outcome"] == "Four people visited"
            assert [r["title"] for r in resources] == ["Guide for hosts"]
        else:
            assert capacity == past == resources == [] and summary["capacity"] == []
        assert view(log, "capacity", now=now) == []  # without the key: nothing
    assert calais.store.rows("support.offer") == calais.store.rows("action.report") == []  # nothing in the clear


def test_revoked_and_later_devices_as_for_private_parts(net: Net, tmp_path: Path):
    (calais, bristol, _), (calais_keys, bristol_keys, _), (bristol_group, _) = _three(net, tmp_path)
    # Bristol's first device is revoked (seized phone) and a new laptop certified: new sealed events go
    # to the laptop only. A device certified after an event was sealed cannot read that event.
    before = publishing.publish(calais, calais_keys, "offer", {"category": "tents", "quantity": "2", "region": "calais"},
                                to=["Bristol"])
    bristol_group.sign("member.revoke", {"subject": bytes(bristol_keys.device.public), "from_seq": 1})
    laptop = NodeKeys(device=SigningKey.generate(), device_encryption=EncryptionKey.generate())
    bristol_group.sign("member.vouch", device_vouch(bristol_group.key, laptop.device,
                                                    bytes(laptop.device_encryption.public)))
    calais.ingest(wires(bristol_group.made))
    after = publishing.publish(calais, calais_keys, "offer", {"category": "tents", "quantity": "3", "region": "calais"},
                               to=["Bristol"])
    old_phone, new_laptop = Opener(bristol_keys.device_encryption), Opener(laptop.device_encryption)
    body = lambda ev: calais.store.event_row(ev.id)[8]  # noqa: E731
    assert old_phone.open(before.id, body(before)) is not None and old_phone.open(after.id, body(after)) is None
    assert new_laptop.open(before.id, body(before)) is None and new_laptop.open(after.id, body(after)) is not None
    [item] = view(calais, "needs", now=0, opened=opened_rows(calais, new_laptop))
    assert item["quantity"] == 3


def test_inner_content_is_padded_by_its_envelope_and_checked():
    fields = {"title": "x", "region": "calais", "type": "protest", "starts_at": 1}
    key = EncryptionKey.generate()
    short = inner_plaintext("action", {**fields, "description": "d" * 10}, [])
    # The envelope (version 2) pads the inside to its bucket: every length gives one of three sizes,
    # the same size within a bucket (the inside itself is no longer padded: it would double them).
    sizes = {len(seal(inner_plaintext("action", {**fields, "description": "d" * n}, []), [key.public]))
             for n in range(1, 1200, 7)}
    assert sizes == {sealed_length(0), sealed_length(600), sealed_length(1500)} and len(sizes) == 3
    assert parse_inner(open_envelope(seal(short, [key.public]), key)).fields["description"] == "d" * 10
    # an inside of before version 2, padded with zeros to its bucket in its own "pad", still reads
    old = pack({**unpack(short), "pad": bytes(512 - len(short) - 1)})
    assert parse_inner(old).fields["description"] == "d" * 10
    with pytest.raises(ValueError, match="too long to share"):
        inner_plaintext("action", fields, [i.to_bytes(32, "big") for i in range(1, 2000)])  # refused here, not by peers
    with pytest.raises(ValueError):
        inner_plaintext("alert", {"region": "calais", "type": "raid", "text": "x"}, [])
    bad = unpack(old)
    bad["pad"] = b"\x01" + bad["pad"][1:]
    with pytest.raises(InvalidEvent):
        parse_inner(pack(bad))
    with pytest.raises(InvalidEvent):  # a kind that may not be sealed, inside
        parse_inner(pack({**unpack(short), "kind": "member.vouch"}))


def test_withdrawing_a_sealed_event_takes_this_devices_sealed_updates_of_it_along(net: Net, tmp_path: Path):
    """An action for Bristol only, then moved (to a new place) and reported on, each sealed to Bristol
    too. Withdrawing the action took along this device's updates that make read-model rows, but a
    sealed update makes none (it is read in memory only): the move's new place stayed readable by
    Bristol after the action was withdrawn. Now the redaction names them, and Bristol reads none."""
    (calais, bristol, _), (calais_keys, bristol_keys, _), _ = _three(net, tmp_path)
    action = publishing.publish(calais, calais_keys, "action", {"title": TITLE, "region": "calais", "type": "protest",
                                                                 "starts_at": "2031-06-01T05:00"}, to=["Bristol"])
    moved = publishing.publish(calais, calais_keys, "action.update", {"action": action.id.hex(),
                                                                       "place": "Rue des Garennes"}, to=["Bristol"])
    other = publishing.publish(calais, calais_keys, "need", {"category": "tents", "quantity": "3", "region": "calais"},
                               to=["Bristol"])  # names nothing: stays
    own = bytes(calais_keys.device.public)
    told: dict = {}
    fields = publishing.redaction(calais, action.id.hex(), None, lambda: own, told,
                                  opener=Opener(calais_keys.device_encryption))
    assert fields["ids"] == [action.id, moved.id] and told["stay"] == []
    calais.append(calais_keys.device, "redact", fields)
    _spread(calais, bristol)
    reader = Opener(bristol_keys.device_encryption)
    assert {row[1] for row in bristol.store.sealed_events()} == {other.id}
    assert view(bristol, "actions", now=0, opened=opened_rows(bristol, reader)) == []
    # `publish redact` (and the API's) take them along the same way
    again = publishing.publish(calais, calais_keys, "action", {"title": "x", "region": "calais", "type": "protest",
                                                                "starts_at": "2031-06-01T05:00"}, to=["Bristol"])
    report = publishing.publish(calais, calais_keys, "action.update", {"action": again.id.hex(), "status": "cancelled"},
                                to=["Bristol"])
    ev = publishing.publish(calais, calais_keys, "redact", {"ids": again.id.hex()})
    assert unpack(ev.body)["ids"] == [again.id, report.id]


def test_withdrawing_a_sealed_event_names_another_devices_sealed_update_of_it_as_staying(net: Net, tmp_path: Path):
    """Bristol's action for Calais only, moved to a new place, for Calais only, from Bristol's second
    device. Withdrawn from the first device, the move stays (only its author withdraws it): the
    redaction must say so. Reading only the withdrawing device's own sealed events, it said nothing
    stayed, and the page told the coordinator the new place was gone while Calais still read it."""
    (calais, bristol, _), (_, bristol_keys, _), (bristol_group, _) = _three(net, tmp_path)
    second = NodeKeys(device=SigningKey.generate(), device_encryption=EncryptionKey.generate(),
                      group=bristol_group.key)
    vouch = bristol_group.sign("member.vouch", device_vouch(bristol_group.key, second.device,
                                                            bytes(second.device_encryption.public)))
    bristol.ingest(wires([vouch]))
    action = publishing.publish(bristol, bristol_keys, "action", {"title": TITLE, "region": "bristol", "type": "protest",
                                                                   "starts_at": "2031-06-01T05:00"}, to=["Calais"])
    moved = publishing.publish(bristol, second, "action.update", {"action": action.id.hex(),
                                                                   "place": "Rue des Garennes"}, to=["Calais"])
    own = bytes(bristol_keys.device.public)
    told: dict = {}
    fields = publishing.redaction(bristol, action.id.hex(), None, lambda: own, told,
                                  opener=Opener(bristol_keys.device_encryption))
    assert fields["ids"] == [action.id]
    assert told["stay"] == [{"id": moved.id.hex(), "kind": "action.update",
                             "author": bytes(second.device.public).hex()}]


def test_publishing_refuses_an_expiry_the_sealed_kind_forbids(net: Net, tmp_path: Path):
    """Sealed, an update carries its expiry on the outer header, which no node can refuse for its
    inner kind: this node's own publishing refuses it, as for the same update in the clear."""
    (calais, _bristol, _cardiff), keys, _ = _three(net, tmp_path)
    need = publishing.publish(calais, keys[0], "need", {"category": "tents", "quantity": "3", "region": "calais"},
                              to=["Bristol"])
    head = calais.store.head(bytes(keys[0].device.public))
    with pytest.raises(publishing.PublishError) as refused:
        publishing.publish(calais, keys[0], "need.update", {"need": need.id.hex(), "quantity": "1"},
                           to=["Bristol"], expires_in="1h")
    assert refused.value.field == "expires_in" and "do not expire" in str(refused.value), refused.value
    assert calais.store.head(bytes(keys[0].device.public)) == head  # nothing signed
