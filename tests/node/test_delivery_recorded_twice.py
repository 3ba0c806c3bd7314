"""One delivery recorded by both groups (the need's and the offer's: the same quantity from the same
offer) counts twice: publishing warns the group that records it second and says how to take its
record back; `solnet publish need.fulfil --help` says who records a delivery. Another quantity, or
one record alone, is not warned of."""
from __future__ import annotations

from pathlib import Path

from node import publishing
from node.delivery_twice import WHO_RECORDS, twice_recorded
from node.render import kind_help
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
    other = publishing.publish(calais, keys[0], "need.fulfil", {**given, "quantity": "3"})
    assert twice_recorded(calais, other) is None  # another quantity: another delivery, most likely
    # and the other way round: the need's group first, the giver second
    _spread(calais, bristol)
    again = publishing.publish(bristol, keys[1], "need.fulfil", {**given, "quantity": "3"})
    assert twice_recorded(bristol, again).startswith("Calais already recorded 3")


def test_the_help_of_need_fulfil_says_who_records_a_delivery():
    said = kind_help("need.fulfil", ["need", "quantity", "by", "offer"], {})
    assert "the group that gave the goods" in said and "counts twice" in said
