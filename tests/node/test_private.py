"""Private parts: sealed to the current devices of named groups (and the author's group), opened
only by them, never stored or projected in plaintext."""
from __future__ import annotations

import sys
from pathlib import Path

import msgpack
import pytest

from crypto import envelope
from crypto.keys import EncryptionKey, SigningKey
from events.canonical import pack, unpack
from events.kinds import KINDS
from node.private import (MARK, MAX_PRIVATE_BYTES, READABLE, PrivateError, open_private, open_private_part,
                          read_private, readers_of, seal_private)
from node_fixtures import Author, Net, wires
from work_cost import traced_peak

SECRET = "Yusuf, 16, sleeping at the old mill, contact via Sara 07700 900123"


def _group_with_device(net: Net) -> tuple[Author, SigningKey, EncryptionKey]:
    group = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"})
    device, enc = SigningKey.generate(), EncryptionKey.generate()
    group.sign("member.vouch", {"subject": bytes(device.public), "role": "device", "encryption_key": bytes(enc.public)})
    return group, device, enc


def test_only_recipients_read_the_private_part_and_it_is_never_in_the_clear(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    bristol, _, bristol_enc = _group_with_device(net)
    cardiff, _, cardiff_enc = _group_with_device(net)
    log.ingest(wires(net.group.made + bristol.made + cardiff.made))
    sealed = seal_private(SECRET, log.trust, [bytes(bristol.key.public)], bytes(net.founder.group.public))
    ev = log.append(net.founder.device, "support.request", {"region": "calais", "type": "safeguarding_minor",
                                                            "people": "1", "urgency": "high", "sealed": sealed})
    assert open_private(unpack(ev.body)["sealed"], bristol_enc) == SECRET
    assert open_private(sealed, net.founder.device_encryption) == SECRET  # the author's group reads it back
    assert open_private(sealed, cardiff_enc) is None
    [row] = log.store.rows("support")
    assert row.data.get("has_private") is True and "sealed" not in row.data
    log.store.checkpoint()
    for f in tmp_path.iterdir():
        assert SECRET.encode() not in f.read_bytes(), f.name


def test_a_revoked_device_is_not_a_recipient_of_new_private_parts(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    bristol, device, enc = _group_with_device(net)
    bristol.sign("member.revoke", {"subject": bytes(device.public), "from_seq": 1})
    second, second_enc = SigningKey.generate(), EncryptionKey.generate()
    bristol.sign("member.vouch", {"subject": bytes(second.public), "role": "device", "encryption_key": bytes(second_enc.public)})
    log.ingest(wires(net.group.made + bristol.made))
    sealed = seal_private(SECRET, log.trust, [bytes(bristol.key.public)], bytes(net.founder.group.public))
    assert open_private(sealed, enc) is None
    assert open_private(sealed, second_enc) == SECRET


def test_recipient_errors_say_what_to_do(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    big = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(big.key.public), "role": "group"})
    for _ in range(16):
        big.sign("member.vouch", {"subject": bytes(SigningKey.generate().public), "role": "device",
                                  "encryption_key": bytes(EncryptionKey.generate().public)})
    log.ingest(wires(net.group.made + big.made))
    with pytest.raises(PrivateError, match="at most 16"):
        seal_private(SECRET, log.trust, [bytes(big.key.public)], bytes(net.founder.group.public))
    with pytest.raises(PrivateError, match="not a group"):
        seal_private(SECRET, log.trust, [bytes(32)], bytes(net.founder.group.public))
    with pytest.raises(PrivateError, match="empty"):
        seal_private("  ", log.trust, [], bytes(net.founder.group.public))


def test_a_private_part_sealed_before_version_2_still_opens(net: Net, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests and case notes in every log were sealed in version-1 envelopes (the text unpadded):
    sealed here by the same code as then (version 1, no framing), they open as they did."""
    log = net.new_log(tmp_path / "a.db")
    bristol, _, bristol_enc = _group_with_device(net)
    log.ingest(wires(net.group.made + bristol.made))
    with monkeypatch.context() as then:
        then.setattr(envelope, "ENVELOPE_VERSION", 1)
        then.setattr(envelope, "_framed", lambda plaintext: plaintext)
        old = seal_private(SECRET, log.trust, [bytes(bristol.key.public)], bytes(net.founder.group.public))
    new = seal_private(SECRET, log.trust, [bytes(bristol.key.public)], bytes(net.founder.group.public))
    assert old[:2] == b"\x95\x01" and new[:2] == b"\x95\x02" and len(old) < len(new)
    for sealed in (old, new):
        assert open_private(sealed, bristol_enc) == SECRET
        assert read_private(sealed, net.founder.device_encryption) == (SECRET, READABLE)


def test_private_details_too_long_for_the_field_are_refused_before_sealing(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    with pytest.raises(PrivateError, match="too long") as refused:
        seal_private("x" * MAX_PRIVATE_BYTES, log.trust, [], bytes(net.founder.group.public))
    assert refused.value.field == "private"
    fits = seal_private("x" * (MAX_PRIVATE_BYTES - 100), log.trust, [], bytes(net.founder.group.public))
    assert len(fits) <= KINDS["support.request"].field("sealed").max_len


def test_a_private_part_of_empty_maps_is_refused_before_it_is_built(net: Net, tmp_path: Path) -> None:
    """A member may seal to this node's group a private part whose list of groups is 57 KiB of empty
    maps: opened in the node's own process (a request's page, who reads it, its shares), it built
    75 times its size, 4.3 MB, before it was found to be no private part (until 2026-12-07), where
    the node's memory is within about a MiB of its budget. Its maps and lists are counted as they
    are built, as an event body's are (events/kinds.py `parse_body`); a long one that is whole opens."""
    log = net.new_log(tmp_path / "a.db")
    bristol, _, bristol_enc = _group_with_device(net)
    log.ingest(wires(net.group.made + bristol.made))
    groups = [bytes(bristol.key.public)]
    long = seal_private("x" * (MAX_PRIVATE_BYTES - 200), log.trust, groups, bytes(net.founder.group.public))
    assert open_private_part(long, bristol_enc) == ("x" * (MAX_PRIVATE_BYTES - 200), groups)
    room = MAX_PRIVATE_BYTES - len(MARK) - 16
    bomb = envelope.seal(MARK + msgpack.packb({"text": "x", "to": [{}] * room}), [bristol_enc.public])
    for opens in (open_private_part, read_private, readers_of):
        peak = traced_peak(lambda: opens(bomb, bristol_enc))
        assert peak < 10 * MAX_PRIVATE_BYTES, f"{opens.__name__}: {peak / MAX_PRIVATE_BYTES:.0f} x the part's size built"
    assert open_private_part(bomb, bristol_enc) is None


def test_a_private_part_of_a_long_list_of_plain_values_is_refused_before_it_is_built(net: Net,
                                                                                      tmp_path: Path) -> None:
    """Its list of groups as 57 KiB of small negative numbers (one byte each, a new 28-byte int
    object each once built): 42 times its size in the node's own process at each opening, under the
    count of maps and lists (until 2026-12-07). A part names at most 16 groups (the envelope's
    devices), so a long part's lists and map are refused past 16 items before they are built."""
    log = net.new_log(tmp_path / "a.db")
    bristol, _, bristol_enc = _group_with_device(net)
    log.ingest(wires(net.group.made + bristol.made))
    room = MAX_PRIVATE_BYTES - len(MARK) - 16
    bomb = envelope.seal(MARK + msgpack.packb({"text": "x", "to": [-32] * room}), [bristol_enc.public])
    for opens in (open_private_part, read_private, readers_of):
        peak = traced_peak(lambda: opens(bomb, bristol_enc))
        assert peak < 10 * MAX_PRIVATE_BYTES, f"{opens.__name__}: {peak / MAX_PRIVATE_BYTES:.0f} x the part's size built"
    assert open_private_part(bomb, bristol_enc) is None
    to = [bytes([i]) * 32 for i in range(1, 16)]  # (the most a sealed part can name: 15 groups and its author's)
    whole = envelope.seal(MARK + pack({"text": "x" * 2000, "to": to}), [bristol_enc.public])
    assert open_private_part(whole, bristol_enc) == ("x" * 2000, to) and readers_of(whole, bristol_enc) == to


def test_who_reads_a_part_opens_its_envelope_once(net: Net, tmp_path: Path) -> None:
    """`readers_of` opened the envelope, then opened it again to read it (until 2026-12-07): a
    stranger's sealed event, opened by every node holding a device key, cost twice its decryption."""
    log = net.new_log(tmp_path / "a.db")
    bristol, _, bristol_enc = _group_with_device(net)
    log.ingest(wires(net.group.made + bristol.made))
    groups = [bytes(bristol.key.public)]
    sealed = seal_private("x" * 5000, log.trust, groups, bytes(net.founder.group.public))
    opened = []

    def count(frame, event, arg) -> None:
        if event == "call" and frame.f_code is envelope.open_envelope.__code__:
            opened.append(1)

    sys.setprofile(count)
    try:
        readers = readers_of(sealed, bristol_enc)
    finally:
        sys.setprofile(None)
    assert readers == groups and len(opened) == 1
