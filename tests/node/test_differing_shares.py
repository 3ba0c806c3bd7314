"""Two shares of one support request that give different details (a device of the requesting group in
other hands shares the real case with made-up details: a meeting place): on Bristol's node, which
reads both and not the request's own part, `solnet show` gives the same first details whatever
order the shares came in, and says the other, with its id, rather than nothing."""
from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace

import cli
from crypto.envelope import seal
from events.canonical import pack
from node import render
from node.private import MARK
from node.request_shares import open_request, request_parts
from test_hidden_own import World

REAL, MADE_UP = "two minors at the station", "meet them behind the police station"


def _shares(w: World) -> None:
    """Calais's request, its details for Calais alone; a share by Calais's node to Bristol, and a
    later-signed one by the mole stamped earlier, both sealed to Bristol and Calais."""
    readers = [w.keys.device_encryption.public, w.b_enc.public]
    part = seal(MARK + pack({"text": REAL, "to": []}), [w.keys.device_encryption.public])
    w.request = w.honest.sign("support.request", {"region": "calais", "type": "housing", "people": "2",
                                                  "urgency": "high", "sealed": part})
    for author, text, ts in ((w.honest, REAL, w.request.header.timestamp + 2),
                             (w.mole, MADE_UP, w.request.header.timestamp + 1)):
        sealed = seal(MARK + pack({"text": text, "to": [bytes(w.bristol_g.public)]}), readers)
        author.sign("support.share", {"request": w.request.id, "sealed": sealed}, ts=ts)


def test_the_details_a_sharee_reads_and_those_said_beside_them_do_not_depend_on_arrival(tmp_path: Path):
    w = World()
    _shares(w)
    home = SimpleNamespace(keys=lambda: SimpleNamespace(device_encryption=w.b_enc))  # Bristol's device
    shown = set()
    for i in range(6):
        bristol = w.log(tmp_path / f"bristol{i}.db", random.Random(i))
        assert [p.event_id for p in request_parts(bristol, w.request.id)[1:]] == [w.mole.made[-1].id,
                                                                                  w.honest.made[-1].id]
        data = {"private_details": None, "private_status": "not_a_recipient"}
        cli._shared_details(home, bristol, w.request.id, data)  # (as `solnet show REQUEST` reads them)
        shown.add((open_request(bristol, w.request.id, w.b_enc)[1][0], data["private_details"],
                   tuple((d["share"], d["details"]) for d in data["differing_details"])))
        bristol.store.close()
    # the earliest stamp first (a stamp is its author's word: the other is said beside it)
    assert shown == {(MADE_UP, MADE_UP, ((w.honest.made[-1].id.hex(), REAL),))}


def test_show_says_the_other_details_and_where_they_are():
    lines = render.differing_lines([{"share": "ab" * 32, "details": "the real place\nsecond line"}])
    assert lines[0] == ("  1 other share of it by its group gives other details: ask the group which are true (a "
                        "device of that group in other hands could share made-up ones):")
    assert lines[1:] == [f"    share {render.short_id(bytes.fromhex('ab' * 32))}:", "      the real place",
                         "      second line"]


def test_the_requesting_groups_node_says_a_share_that_gives_other_details(tmp_path: Path):
    """On Calais's node, which reads the request's own part, the mole's share (sealed to Calais too,
    so nothing is hidden from it) is said beside the request's details: Bristol reads other ones."""
    w = World()
    _shares(w)
    calais = w.log(tmp_path / "calais.db")
    home = SimpleNamespace(keys=lambda: SimpleNamespace(device_encryption=w.keys.device_encryption))
    data = {"private_details": REAL, "private_status": "readable"}  # the request's own part, as `show` read it
    cli._shared_details(home, calais, w.request.id, data)
    assert (data["private_details"], data["differing_details"]) == (
        REAL, [{"share": w.mole.made[-1].id.hex(), "details": MADE_UP}])
