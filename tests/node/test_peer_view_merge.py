"""Merging the peer book and the open links into what `solnet peers` and the dashboard show."""
from __future__ import annotations

import random

from node.net.peer_views import merge
from sync.peers import PeerBook

CALAIS, BRISTOL, CARDIFF = bytes([1]) * 32, bytes([2]) * 32, bytes([3]) * 32
ADDRESS = "http://127.0.0.1:7700"


def link(device: bytes, direction: str, address: str | None = None, behind: int | None = 0,
         ahead: int | None = 0) -> dict:
    return {"device": device, "direction": direction, "address": address, "connected_since": 5,
            "behind": behind, "ahead": ahead, "label": "peer~" + device.hex()[:6]}


def book_views(book: PeerBook, now: int) -> list[dict]:
    return [{**p.to_json(now), "label": "peer~addr"} for p in book.all()]


def test_an_inbound_only_peer_is_listed_without_an_address():
    [peer] = merge([], [link(BRISTOL, "inbound", behind=12, ahead=3)], {})
    assert peer["address"] is None and peer["source"] == "inbound" and peer["device"] == BRISTOL.hex()
    assert peer["connected"] and peer["direction"] == "inbound" and (peer["behind"], peer["ahead"]) == (12, 3)
    assert peer["cut_off_since"] is None and peer["label"] == "peer~" + BRISTOL.hex()[:6]


def test_a_dialled_address_shows_its_link_and_one_from_the_same_device_makes_it_both_ways():
    book = PeerBook(random.Random(1))
    book.add(ADDRESS)
    book.connected(ADDRESS, 1, CALAIS)
    [peer] = merge(book_views(book, 2), [link(CALAIS, "outbound", ADDRESS, behind=4)], {})
    assert peer["address"] == ADDRESS and peer["direction"] == "outbound" and peer["behind"] == peer["lag"] == 4
    both = merge(book_views(book, 2), [link(CALAIS, "inbound", behind=9), link(CALAIS, "outbound", ADDRESS, behind=4)], {})
    assert len(both) == 1 and both[0]["direction"] == "both" and both[0]["behind"] == 4  # the dialled link's rounds


def test_peers_without_a_link_show_since_when_they_are_cut_off():
    book = PeerBook(random.Random(1))
    book.add(ADDRESS)
    book.connected(ADDRESS, 1, CALAIS)
    book.disconnected(ADDRESS, 1_000, "connection closed")
    book.add("http://127.0.0.1:7701")  # never connected
    views = merge(book_views(book, 2_000), [link(BRISTOL, "inbound")], {CARDIFF: 1_500, CALAIS: 900})
    by = {v["device"]: v for v in views}
    calais = by[CALAIS.hex()]
    assert not calais["connected"] and calais["cut_off_since"] == 1_000 and calais["behind"] is calais["lag"] is None
    never = [v for v in views if v["address"] == "http://127.0.0.1:7701"][0]
    assert never["cut_off_since"] is None and not never["connected"]
    cardiff = by[CARDIFF.hex()]
    assert cardiff["source"] == "inbound" and cardiff["cut_off_since"] == 1_500 and not cardiff["connected"]
    assert by[BRISTOL.hex()]["connected"] and len(views) == 4


def test_a_peer_that_dialled_in_and_synced_shows_when_and_an_address_shows_its_latest_round_either_way():
    book = PeerBook(random.Random(1))
    book.add(ADDRESS)
    book.connected(ADDRESS, 1, CALAIS)
    book.synced(ADDRESS, 100, received=0, sent=0, lag=0)
    synced = {BRISTOL: 300, CARDIFF: 200, CALAIS: 400}  # Calais also dialled us, and synced later
    views = merge(book_views(book, 500), [link(BRISTOL, "inbound"), link(CALAIS, "outbound", ADDRESS)],
                  {CARDIFF: 250}, synced)
    by = {v["device"]: v for v in views}
    assert by[BRISTOL.hex()]["last_sync"] == 300 and by[BRISTOL.hex()]["connected"]
    assert by[CARDIFF.hex()]["last_sync"] == 200 and by[CARDIFF.hex()]["cut_off_since"] == 250
    assert by[CALAIS.hex()]["last_sync"] == 400 and by[CALAIS.hex()]["address"] == ADDRESS
    # A round we dialled, later than any of theirs, stays the one shown.
    assert merge(book_views(book, 500), [], {}, {CALAIS: 50})[0]["last_sync"] == 100


def test_a_node_that_moved_shows_connected_at_its_new_address_only():
    """Calais moved to another port and announced it: the old address (refused since) was shown
    "connected" beside the new one, and `status` counted both."""
    book = PeerBook(random.Random(1))
    old, new = ADDRESS, "http://127.0.0.1:7710"
    book.add(old)
    book.connected(old, 1, CALAIS)
    book.disconnected(old, 10, "connection refused")
    book.add(new)
    book.connected(new, 20, CALAIS)
    views = {v["address"]: v for v in merge(book_views(book, 30), [link(CALAIS, "outbound", new)], {})}
    assert views[new]["connected"] and not views[old]["connected"]
    inbound = {v["address"]: v for v in merge(book_views(book, 30), [link(CALAIS, "inbound")], {})}
    assert [a for a, v in inbound.items() if v["connected"]] == [new]  # a link that came in: at one address
