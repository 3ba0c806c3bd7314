"""Credentials a stranger forges, on a real SQLite store: what they cost the database thread.

Anyone who knows the network id (it travels in clear in every handshake's first message) can
complete a handshake with a throw-away key (the node shows its own device key in message 2) and
present credentials. Those are judged on the node's one database thread before membership is
known. A chain of a thousand vouches sent in reverse order, the first with a member's key written
into a header the stranger signed itself, made the old check read half a million vouch bodies
and then judge all thousand events in full, twice: 4.8 s a connection, and ten connections held a
raid alert's publishing 47 s on a real node. Now each vouch body is read at most once and a vouch
is verified before it makes its subject credible: the forged link certifies nobody, and the
presentation holding it is refused whole, judged no further.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

import node.log
from crypto.keys import SigningKey
from events.format import Event, event_id
from node.log import FORGED_WITH_IT
from node_fixtures import Author, Net, action, device_vouch, statuses, wires

LINKS = 300


def forged_as(member: bytes, ev: Event) -> Event:
    """`ev` with `member` written as its author: its signature is another key's."""
    header = ev.header._replace(author=member)
    header_bytes = header.encode()
    return Event(event_id(header_bytes, ev.signature), header, header_bytes, ev.signature, ev.body)


def counted_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    counted = [0]
    parse = node.log.parse_body

    def counting(*args):
        counted[0] += 1
        return parse(*args)

    monkeypatch.setattr(node.log, "parse_body", counting)
    return counted


def counted_verifies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """[signatures checked (Event.verify) from now on]."""
    counted = [0]
    verify = Event.verify

    def counting(ev: Event) -> None:
        counted[0] += 1
        verify(ev)

    monkeypatch.setattr(Event, "verify", counting)
    return counted


def test_a_reversed_vouch_chain_from_a_forged_link_costs_one_reading_and_certifies_nobody(
        net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    keys = [SigningKey.generate() for _ in range(LINKS + 1)]
    links = [Author(keys[i], net.genesis.network_id).sign("member.vouch", {"subject": bytes(keys[i + 1].public),
                                                                          "role": "group"})
             for i in range(LINKS)]
    links[0] = forged_as(bytes(net.device.key.public), links[0])  # "the node's own device vouched for keys[1]"
    before = log.store.count()
    parses = counted_parses(monkeypatch)
    outcomes = log.ingest_credentials(wires(list(reversed(links))))
    assert parses[0] <= LINKS, f"{parses[0]} readings of vouch bodies for {LINKS} vouches"
    by_id = {o.id: o for o in outcomes if o.id is not None}
    assert (by_id[links[0].id].status, by_id[links[0].id].reason) == ("rejected", "bad_signature")
    refused_with_it = [o for o in outcomes if o.message == FORGED_WITH_IT]
    assert len(refused_with_it) == LINKS - 1, "the keys the forged link names were judged"
    assert log.store.count() == before


def test_a_genuine_chain_of_admissions_goes_in_in_any_order(net: Net, tmp_path: Path) -> None:
    """Groups admitted one by the next, a device of the last and its action: credible and stored
    however the presentation orders them."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    groups = [Author(SigningKey.generate(), net.genesis.network_id) for _ in range(4)]
    made = [net.group.sign("member.vouch", {"subject": bytes(groups[0].key.public), "role": "group"})]
    for admitter, admitted in zip(groups, groups[1:]):
        made.append(admitter.sign("member.vouch", {"subject": bytes(admitted.key.public), "role": "group"}))
    phone = Author(SigningKey.generate(), net.genesis.network_id)
    made.append(groups[-1].sign("member.vouch", device_vouch(groups[-1].key, phone.key, b"\x05" * 32)))
    made.append(phone.sign("action", action(1, "dover")))
    random.Random(7).shuffle(made)
    assert statuses(log.ingest_credentials(wires(made))) == ["accepted"] * len(made)


def test_credentials_holding_a_forged_event_are_refused_whole_and_judged_no_further(
        net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A thousand events with a member's key in their headers, signed by a stranger: one signature
    is checked, nothing else is judged (examined, sorted, looked up): refused whole. A genuine
    new group's chain presented with a forged event goes in once presented without it."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    stranger = Author(SigningKey.generate(), net.genesis.network_id)
    member = bytes(net.group.key.public)
    flood = [forged_as(member, stranger.sign("member.vouch", {"subject": bytes(SigningKey.generate().public),
                                                              "role": "group"}))
             for _ in range(1000)]
    verified = [0]
    verify = Event.verify

    def counting(ev: Event) -> None:
        verified[0] += 1
        verify(ev)

    def judged(wires, now):
        raise AssertionError(f"a forged presentation was judged in full ({verified[0]} signatures checked first)")

    monkeypatch.setattr(Event, "verify", counting)
    monkeypatch.setattr(log, "_prepare", judged)
    outcomes = log.ingest_credentials(wires(flood))
    assert {(o.status, o.reason) for o in outcomes} == {("rejected", "bad_signature")}
    assert verified[0] == 1, f"{verified[0]} signatures checked"
    monkeypatch.undo()
    newcomer = Author(SigningKey.generate(), net.genesis.network_id)
    genuine = [net.group.sign("member.vouch", {"subject": bytes(newcomer.key.public), "role": "group"}),
               newcomer.sign("group.profile", {"name": "Dover", "region": "dover"})]
    assert statuses(log.ingest_credentials(wires([*genuine, flood[0]]))) == ["rejected"] * 3
    assert log.trust.member(bytes(newcomer.key.public)) is None
    assert statuses(log.ingest_credentials(wires(genuine))) == ["accepted"] * 2


def test_a_chain_stored_here_is_not_verified_again_when_presented(
        net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A member's chain is presented on every link it opens, and anyone holding a copy of the
    network's events can replay one: its vouches were verified when they were stored, and are not
    again (a hub group's 500 vouches cost 0.2 s of a Pi's database thread on each link)."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    hub = Author(SigningKey.generate(), net.genesis.network_id)  # a group that admitted twenty others
    made = [net.group.sign("member.vouch", {"subject": bytes(hub.key.public), "role": "group"}),
            *(hub.sign("member.vouch", {"subject": bytes(SigningKey.generate().public), "role": "group"})
              for _ in range(20))]
    assert statuses(log.ingest_credentials(wires(made))) == ["accepted"] * len(made)
    verified = counted_verifies(monkeypatch)
    assert statuses(log.ingest_credentials(wires(list(reversed(made))))) == ["duplicate"] * len(made)
    assert verified[0] == 0, f"{verified[0]} stored vouches verified again"


def test_a_new_chain_is_verified_once_before_it_is_judged(net: Net, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """On first contact each vouch that makes a key credible is verified there, and not a second
    time by the check for forgeries that follows (twice a hub group's chain on a Pi's database
    thread: 1.6 s)."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    hub = Author(SigningKey.generate(), net.genesis.network_id)
    made = [net.group.sign("member.vouch", {"subject": bytes(hub.key.public), "role": "group"}),
            *(hub.sign("member.vouch", {"subject": bytes(SigningKey.generate().public), "role": "group"})
              for _ in range(20))]
    checked: list[bytes] = []
    verify = Event.verify
    monkeypatch.setattr(Event, "verify", lambda ev: checked.append(ev.id) or verify(ev))
    assert statuses(log.ingest_credentials(wires(made))) == ["accepted"] * len(made)
    assert len(checked) == len(set(checked)), f"{len(checked) - len(set(checked))} vouches verified twice"
