"""One delivery recorded by both groups (the need's and the offer's: the same quantity from the same
offer) counts twice: publishing warns the group that records it second and says how to take its
record back; `solnet publish need.fulfil --help` says who records a delivery. Another quantity, or
one record alone, is not warned of."""
from __future__ import annotations

from pathlib import Path

from node import publishing
from node.delivery_twice import WHO_RECORDS, twice_recorded
from node.render import kind_help
from node.words import local_time
from node_fixtures import Net
from test_audiences import _spread, _three


def test_the_second_record_of_one_delivery_is_warned_of(net: Net, tmp_path: Path):
    (calais, bristol, _), keys, _ = _three(net, tmp_path)
    need = publishing.publish(calais, keys[0], "need", {"category": "tents", "quantity": "20", "region": "calais"})
    offer = publishing.publish(bristol, keys[1], "offer", {"category": "tents", "quantity": "30", "region": "bristol"})
    _spread(calais, bristol)
    _spread(bristol, calais)
    given = {"need": need.id.hex(), "offer": offer.id.hex(), "quantity": "5"}
    first = publishing.publish(bristol, keys[1], "need.fulfil", given)  # the giver records it: right
    assert twice_recorded(bristol, first) is None
    _spread(bristol, calais)
    second = publishing.publish(calais, keys[0], "need.fulfil", given)  # the need's group records it too
    said = twice_recorded(calais, second)
    assert said is not None and said.startswith("Bristol already recorded 5 from that offer for that need")
    assert f"`solnet redact {second.id.hex()[:12]}`" in said and WHO_RECORDS in said
    # said in the zone of the request (an API client's `time_zone`), not the server's
    zone = "Pacific/Kiritimati"
    assert f"({local_time(first.header.timestamp, zone)}, " in twice_recorded(calais, second, zone)
    assert local_time(first.header.timestamp, zone) != local_time(first.header.timestamp)
    other = publishing.publish(calais, keys[0], "need.fulfil", {**given, "quantity": "3"})
    assert twice_recorded(calais, other) is None  # another quantity: another delivery, most likely
    # and the other way round: the need's group first, the giver second
    _spread(calais, bristol)
    again = publishing.publish(bristol, keys[1], "need.fulfil", {**given, "quantity": "3"})
    assert twice_recorded(bristol, again).startswith("Calais already recorded 3")


def test_the_help_of_need_fulfil_says_who_records_a_delivery():
    said = kind_help("need.fulfil", ["need", "quantity", "by", "offer"], {})
    assert "the group that gave the goods" in said and "counts twice" in said


def test_two_devices_of_one_group_recording_one_delivery_are_warned_of(net: Net, tmp_path: Path):
    """Two coordinators of Bristol, each on a device of the group, record the same 5 tents from its
    offer: the need counted them twice and the offer gave them twice, unsaid. The second is warned
    of now (by either device, or one command run twice); one a day later is another delivery."""
    from events.projections import FULFIL
    from node_fixtures import Author, wires

    (calais, bristol, _), keys, _ = _three(net, tmp_path)
    need = publishing.publish(calais, keys[0], "need", {"category": "tents", "quantity": "20", "region": "calais"})
    offer = publishing.publish(bristol, keys[1], "offer", {"category": "tents", "quantity": "30", "region": "bristol"})
    _spread(calais, bristol)
    given = {"need": need.id.hex(), "offer": offer.id.hex(), "quantity": "5"}
    first = publishing.publish(bristol, keys[1], "need.fulfil", given)
    assert twice_recorded(bristol, first) is None
    again = publishing.publish(bristol, keys[1], "need.fulfil", given)  # the same command, run again
    said = twice_recorded(bristol, again)
    assert said is not None and said.startswith("this device already recorded 5 from that offer for that need")
    assert "your offer gave it twice" in said and f"`solnet redact {again.id.hex()[:12]}`" in said, said
    # a second device of Bristol (its vouch by Bristol's group key) records it too
    group = Author(keys[1].group, net.genesis.network_id, seq=bristol.store.head(bytes(keys[1].group.public))[0],
                   prev=bristol.store.head(bytes(keys[1].group.public))[1])
    second = net.device_of(group)
    bristol.ingest(wires(group.made))
    fields = {"need": need.id, "offer": offer.id, "quantity": 5}
    other = second.sign("need.fulfil", fields)
    bristol.ingest(wires([other]))
    assert [r.key for r in bristol.store.rows(FULFIL, refs=[need.id]) if r.key == other.id] == [other.id]
    assert twice_recorded(bristol, other).startswith("another device of your group already recorded 5")
    # stamped two days before the others (a delivery of the week before, recorded late): another one
    later = second.sign("need.fulfil", fields, ts=other.header.timestamp - 2 * 86_400_000)
    bristol.ingest(wires([later]))
    assert twice_recorded(bristol, later) is None
