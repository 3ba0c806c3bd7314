"""A device's own hand-back of a support request counts after its own claim, in the order it signed
them (its seq), whatever their stamps: a London laptop an hour ahead took a Calais request; set right,
it handed the request back, its close stamped before its claim. The close counted for nothing (a
hand-back must come after the group's claim, by stamps) and every desk kept the request taken by
London, though London had said it could not. Publishing refused the hand-back for an hour. Every
arrival order, and a rebuild, give the same; a close of another device stamped before the claim still
does not count."""
from __future__ import annotations

from pathlib import Path

from crypto.keystore import NodeKeys
from node import publishing
from node.log import now_ms
from node.views import view
from node_fixtures import Author, Net, wires
from test_audiences import _group
from test_own_steps_by_seq import _in_every_order

HOUR = 3_600_000
NOW = now_ms()


def _london(net: Net) -> tuple[Author, Author, NodeKeys]:
    london, keys = _group(net, "London")
    laptop = Author(keys.device, net.genesis.network_id)
    return london, laptop, keys


def _request(net: Net):  # noqa: ANN202
    return net.device.sign("support.request", {"region": "calais", "type": "accompaniment", "people": "2",
                                               "urgency": "high"}, ts=NOW - 3 * HOUR)


def test_a_device_set_right_hands_back_what_it_took_stamped_ahead(net: Net, tmp_path: Path) -> None:
    london, laptop, _ = _london(net)
    request = _request(net)
    claim = laptop.sign("support.claim", {"request": request.id}, ts=NOW - 10 * 60_000)  # an hour ahead
    back = laptop.sign("support.close", {"request": request.id, "outcome": "referred"}, ts=NOW - 65 * 60_000)

    def check(log) -> None:
        [item] = view(log, "support", now=NOW)
        assert item["status"] == "open" and item["claimed_by"] == [], item
        assert [b["group"] for b in item["handed_back"]] == [bytes(london.key.public)]
        assert log.no_effect(back) is None  # (`solnet show` of the hand-back)

    _in_every_order(net, tmp_path, [*london.made, request, claim, back], check)


def test_it_takes_it_again_with_a_later_claim_stamped_before_both(net: Net, tmp_path: Path) -> None:
    london, laptop, _ = _london(net)
    request = _request(net)
    claim = laptop.sign("support.claim", {"request": request.id}, ts=NOW - 10 * 60_000)
    back = laptop.sign("support.close", {"request": request.id, "outcome": "referred"}, ts=NOW - 65 * 60_000)
    again = laptop.sign("support.claim", {"request": request.id}, ts=NOW - 64 * 60_000)

    def check(log) -> None:
        [item] = view(log, "support", now=NOW)
        assert item["status"] == "claimed" and item["claimed_by"] == [bytes(london.key.public)], item
        assert item["handed_back"] == []

    _in_every_order(net, tmp_path, [*london.made, request, claim, back, again], check)


def test_another_device_s_close_stamped_before_the_claim_still_does_not_count(net: Net, tmp_path: Path) -> None:
    london, laptop, _ = _london(net)
    phone = net.device_of(london)
    request = _request(net)
    claim = laptop.sign("support.claim", {"request": request.id}, ts=NOW - 10 * 60_000)
    early = phone.sign("support.close", {"request": request.id, "outcome": "referred"}, ts=NOW - 65 * 60_000)

    def check(log) -> None:
        [item] = view(log, "support", now=NOW)
        assert item["status"] == "claimed" and item["handed_back"] == [], item
        assert log.no_effect(early) is not None

    _in_every_order(net, tmp_path, [*london.made, request, claim, early], check)


def test_publishing_the_hand_back_is_not_refused(net: Net, tmp_path: Path) -> None:
    london, keys = _group(net, "London")
    log = net.new_log(tmp_path / "london.db")
    log.ingest(wires(net.group.made + london.made))
    request = publishing.publish(log, net.founder, "support.request",
                                 {"region": "calais", "type": "accompaniment", "people": "2", "urgency": "high"},
                                 now=NOW - 3 * HOUR)
    publishing.publish(log, keys, "support.claim", {"request": request.id.hex()}, now=NOW + HOUR - 60_000)
    # set right: an hour later by its stamps is a minute later in fact
    publishing.publish(log, keys, "support.close", {"request": request.id.hex(), "outcome": "referred"}, now=NOW)
    [item] = view(log, "support", now=NOW)
    assert item["status"] == "open" and item["claimed_by"] == [], item
