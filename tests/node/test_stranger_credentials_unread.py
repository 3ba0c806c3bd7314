"""Credentials that cannot certify the device that presents them are not read on the database thread.

Anyone who knows the network id (it travels in clear in every handshake's first message) can
complete a handshake with a throw-away key and present a thousand events it signed itself as its
credentials. The node decoded all of them on its one database thread before refusing the device:
~20 ms of CPU a connection here (eight times that on a Pi), a hundred times the handshake's reply,
which is all the hello budget counts. Now the credentials are looked at for a path of vouches from a
key the node knows to the device (node/net/credentials.py `may_certify`), a few vouches decoded at
most, and stored only if there is one: a genuine first contact (a new device of a member group, a
group just admitted) still is, in any order, and a forged link on the path certifies nobody.
"""
from __future__ import annotations

import asyncio
import random
import tracemalloc
from pathlib import Path

import aiohttp
import msgpack
import pytest

import node.net.credentials as credentials
from crypto.keys import SigningKey
from events.format import Event, event_id, named_subject
from node.log import EventLog
from node_fixtures import Author, Net, action, device_vouch, wires
from served_nodes import calais, network, served_node, until  # noqa: F401 (fixtures)
from sync.channel import SecureChannel
from sync.handshake import Initiator
from sync.messages import Credentials, encode, event_batches
from sync.transport import SYNC_PATH

JUNK = 1000


def junk(network_id: bytes, key: SigningKey, kind: str = "action") -> list[bytes]:
    """A stranger's thousand self-signed events (a chain of its own), as many as one message holds."""
    author = Author(key, network_id)
    made = [author.sign(kind, action(i) if kind == "action" else
                        {"subject": bytes(SigningKey.generate().public), "role": "group"}) for i in range(JUNK)]
    return list(next(event_batches(wires(made))))


def counted_decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    counted = [0]
    decode = credentials.decode_event

    def counting(wire: bytes) -> Event:
        counted[0] += 1
        return decode(wire)

    monkeypatch.setattr(credentials, "decode_event", counting)
    return counted


def forged_as(member: bytes, ev: Event) -> Event:
    """`ev` with `member` written as its author: its signature is another key's."""
    header = ev.header._replace(author=member)
    header_bytes = header.encode()
    return Event(event_id(header_bytes, ev.signature), header, header_bytes, ev.signature, ev.body)


async def test_a_strangers_thousand_events_are_not_read_and_a_member_still_links(network, calais,
                                                                                  monkeypatch) -> None:
    node, served = calais
    ingested: list[int] = []
    ingest = EventLog.ingest_credentials

    def counting(self: EventLog, presented, **kwargs):
        ingested.append(len(presented))
        return ingest(self, presented, **kwargs)

    monkeypatch.setattr(EventLog, "ingest_credentials", counting)
    key, device = SigningKey.generate(), SigningKey.generate()
    presented = junk(node.log.network_id, key)
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"ws://127.0.0.1:{served.port}{SYNC_PATH}", max_msg_size=0,
                                      autoping=False) as ws:
            hs = Initiator(node.log.network_id, device, lambda peer: None)
            await ws.send_bytes(hs.hello())
            reply = await asyncio.wait_for(ws.receive(), 10)
            finish, keys = hs.finish(reply.data)
            await ws.send_bytes(finish)
            await ws.send_bytes(SecureChannel(keys).seal(encode(Credentials(tuple(presented)))))
            refused = await asyncio.wait_for(ws.receive(), 10)  # the refusal, or the close
            assert refused.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.CLOSE), refused
    assert ingested == [], f"the stranger's credentials were judged on the database thread: {ingested}"

    async with served_node(network[1]) as (bristol, _):  # a member dialling in is served as before
        await bristol.sync_once(f"http://127.0.0.1:{node.bound_port}")
    await until(lambda: ingested != [], "a member's credentials read")


def test_junk_in_every_form_costs_a_few_decodes_and_certifies_nobody(net: Net, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    network_id = net.genesis.network_id
    stranger = SigningKey.generate()
    device = bytes(stranger.public)
    # its own events; vouches it signed for other keys; and vouches naming it, each by a fresh key,
    # the last with a member's key written into the header
    vouching = [Author(SigningKey.generate(), network_id).sign("member.vouch", {"subject": device, "role": "device"})
                for _ in range(JUNK - 1)]
    vouching.append(forged_as(bytes(net.group.key.public), vouching[-1]))
    # a chain of fresh keys, each vouching for the one below, up from the device, reaching no member
    chain, below = [], stranger
    for _ in range(40):
        above = SigningKey.generate()
        chain.append(Author(above, network_id).sign("member.vouch", {"subject": bytes(below.public), "role": "group"}))
        below = above
    for presented in (junk(network_id, stranger), junk(network_id, stranger, "member.vouch"), wires(vouching),
                      wires(chain)):
        decodes = counted_decodes(monkeypatch)
        assert not credentials.may_certify(log.trust, network_id, device, presented)
        assert decodes[0] <= credentials.CERTIFYING_LOOKED_AT, decodes[0]
        monkeypatch.undo()


def test_a_genuine_first_contact_may_certify_in_any_order_and_a_forged_link_does_not(net: Net,
                                                                                  tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    network_id = net.genesis.network_id
    # a new device of the member group
    phone = net.device_of(net.group)
    assert credentials.may_certify(log.trust, network_id, bytes(phone.key.public), wires(net.group.made))
    # a device of a group admitted by a group admitted by the member group, with the groups' own events
    groups = [Author(SigningKey.generate(), network_id) for _ in range(2)]
    made = [net.group.sign("member.vouch", {"subject": bytes(groups[0].key.public), "role": "group"}),
            groups[0].sign("member.vouch", {"subject": bytes(groups[1].key.public), "role": "group"})]
    for group in groups:
        made += [group.sign("group.profile", {"name": "Dover", "region": "dover"})]
    laptop = SigningKey.generate()
    made.append(groups[1].sign("member.vouch", device_vouch(groups[1].key, laptop, b"\x05" * 32)))
    for seed in range(5):
        random.Random(seed).shuffle(made)
        assert credentials.may_certify(log.trust, network_id, bytes(laptop.public), wires(made))
    # the middle link forged: the path reaches the member group only through a key that signed nothing
    forged = [made_ev if made_ev.author != bytes(groups[0].key.public) or made_ev.kind != "member.vouch"
              else forged_as(bytes(groups[0].key.public),
                             Author(SigningKey.generate(), network_id).sign(
                                 "member.vouch", {"subject": bytes(groups[1].key.public), "role": "group"}))
              for made_ev in made]
    assert not credentials.may_certify(log.trust, network_id, bytes(laptop.public), wires(forged))
    # a device this node knows already (its own) needs no path
    assert credentials.may_certify(log.trust, network_id, bytes(net.device.key.public), [])


def test_finding_the_key_a_wire_names_builds_nothing_a_stranger_packed_in_it() -> None:
    """`named_subject` runs over every small wire a stranger presents that holds b"member.vouch":
    unpacking them built what it packed in (2 KiB of empty lists, or of timestamps, a wire: ~300 or
    ~100 ms of the database thread's CPU a MiB, more than decoding them all had cost). It reads the
    key a vouch or a revocation names, from honest events whatever their fields hold."""
    network_id, group = b"\x01" * 32, Author(SigningKey.generate(), b"\x01" * 32)
    device, subject = SigningKey.generate(), bytes(SigningKey.generate().public)
    honest = [group.sign("member.vouch", {"subject": subject, "role": "group"}),
              group.sign("member.vouch", {**device_vouch(group.key, device, b"\x05" * 32),
                                          "name": "§subject\u0120 " * 6}),
              group.sign("member.revoke", {"subject": subject, "from_seq": 2, "reason": "subject"})]
    assert [named_subject(ev.encode()) for ev in honest] == [subject, bytes(device.public), subject]
    assert named_subject(Author(SigningKey.generate(), network_id).sign("action", action()).encode()) is None

    def hostile(item: bytes) -> bytes:  # as many of `item` as fit in a vouch's bytes, with its kind's name
        count = (credentials.VOUCH_BYTES - 64) // len(item)
        return msgpack.packb([b"member.vouch", b"\xdc" + count.to_bytes(2, "big") + item * count, subject])

    for packed in (hostile(b"\x90"), hostile(b"\xd6\xff\x00\x00\x00\x01")):  # empty lists; timestamps
        assert len(packed) <= credentials.VOUCH_BYTES
        tracemalloc.start()
        try:
            named_subject(packed)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < len(packed), f"reading which key a wire names built {peak} bytes of objects"


def test_a_device_of_a_group_many_waves_out_may_certify_as_its_credentials_do(net: Net, tmp_path: Path) -> None:
    """A node that knows only the founders (a fresh one, or one on another branch of the network)
    and a device of a group 12 waves out that presents its whole chain: the credentials certify it,
    so `may_certify` lets them be read. A cap of 8 keys on the path refused it as no member."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    network_id, above, made = net.genesis.network_id, net.group, []
    for _ in range(12):
        group = Author(SigningKey.generate(), network_id)
        made.append(above.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"}))
        above = group
    laptop = SigningKey.generate()
    made.append(above.sign("member.vouch", device_vouch(above.key, laptop, b"\x05" * 32)))
    random.Random(7).shuffle(made)
    assert credentials.may_certify(log.trust, network_id, bytes(laptop.public), wires(made))
    log.ingest_credentials(wires(made))
    assert log.trust.member(bytes(laptop.public)) is not None
