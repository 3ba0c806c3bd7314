"""A private part's stored length does not give away the length of its text: the envelope pads it
to a size bucket (crypto/envelope.py, version 2). Through the real commands: two requests whose
private details differ in length but share a bucket are stored with sealed parts of one length,
and the recipient reads each text; a text too long for the field is refused when published, with
a message; a part padded wrongly by its author's software is kept, and its reader told why it
cannot be read."""
from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

from crypto import envelope
from events.canonical import pack, unpack
from node import publishing
from node.home import Home
from node.private import DAMAGED_TEXT, MARK, MAX_PRIVATE_BYTES
from node.store import Store

SHORT = "Amira, 07700 900123"
LONGER = ("Yusuf, 16, and his sister, 9: sleeping under the bridge on Rue Mollien since Tuesday; asthma, "
          "needs an inhaler; contact via Sara at the day centre, 07700 900456, mornings only; speaks "
          "Tigrinya and some Arabic; afraid of the police after the last clearance.")
REQUEST = ("support.request", "--region", "calais", "--type", "housing", "--people", "2", "--urgency", "high")


def _stored_sealed(home: Path, event_id: str) -> bytes:
    """The sealed part as this home's database holds it."""
    with closing(Store(home / "solnet.db", readonly=True)) as store:
        row = store.event_row(bytes.fromhex(event_id))
    assert row is not None and row[8] is not None
    return unpack(row[8])["sealed"]


def _to_b(network, cli, tmp_path: Path, name: str) -> None:
    cli.run(network.a, "export", tmp_path / name)
    cli.run(network.b, "import", tmp_path / name)


def _b_known_to_a(network, cli, tmp_path: Path) -> None:
    cli.run(network.b, "export", tmp_path / "b0.bundle")  # Calais learns Bristol's device first
    cli.run(network.a, "import", tmp_path / "b0.bundle")


def test_private_details_of_one_bucket_are_stored_with_one_length_and_read_by_the_recipient(network, cli, tmp_path):
    assert len(LONGER) > 10 * len(SHORT)
    _b_known_to_a(network, cli, tmp_path)
    ids = [cli.publish(network.a, *REQUEST, "--private", text, "--to", network.group_b) for text in (SHORT, LONGER)]
    stored = [_stored_sealed(network.a, event_id) for event_id in ids]
    assert len(stored[0]) == len(stored[1]) == envelope.sealed_length(0), "the length gives the text's length away"
    assert all(part[:2] == b"\x95\x02" for part in stored)  # version 2
    _to_b(network, cli, tmp_path, "a.bundle")
    for event_id, text in zip(ids, (SHORT, LONGER)):
        assert _stored_sealed(network.b, event_id) == stored[ids.index(event_id)]
        shown = cli.run_json(network.b, "show", event_id)
        assert shown["private_status"] == "readable" and shown["private_details"] == text
    # and a case note on it is padded the same way (sealed to the requesting group and the writer's)
    claim = cli.publish(network.b, "support.claim", "--request", ids[0][:12], "--private", "Room at Levenshulme")
    assert len(_stored_sealed(network.b, claim)) == envelope.sealed_length(0)


def _longest_text(overhead_group: bytes) -> str:
    """The longest text whose private part still fits the `sealed` field (ASCII: a byte a character)."""
    text = "x" * MAX_PRIVATE_BYTES
    while len(MARK + pack({"text": text, "to": [overhead_group]})) > MAX_PRIVATE_BYTES:
        text = text[:-1]
    return text


def test_private_details_too_long_for_the_field_are_refused_when_published(network, cli, tmp_path):
    _b_known_to_a(network, cli, tmp_path)
    longest = _longest_text(bytes.fromhex(network.group_b))
    refused = cli.run(network.a, *(["publish"] + list(REQUEST)), "--private", longest + "x", "--to", network.group_b,
                      ok=False)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert "private details are too long" in refused.stderr and "shorten" in refused.stderr, refused.stderr
    assert cli.run_json(network.a, "ls", "--kind", "support.request") == []  # nothing was signed
    event_id = cli.publish(network.a, *REQUEST, "--private", longest, "--to", network.group_b)
    sealed = _stored_sealed(network.a, event_id)
    assert len(sealed) == envelope.sealed_length(MAX_PRIVATE_BYTES) <= 60 * 1024  # the largest bucket in the field
    _to_b(network, cli, tmp_path, "a.bundle")
    assert cli.run_json(network.b, "show", event_id)["private_details"] == longest


def test_a_private_part_padded_wrongly_is_kept_and_its_reader_told_why_it_cannot_be_read(network, cli, tmp_path,
                                                                                       monkeypatch):
    """Faulty or hostile software at Calais seals its text with zeros missing from the padding: the
    event is stored and travels like any other; Bristol, a recipient, is told it is damaged."""
    _b_known_to_a(network, cli, tmp_path)
    home = Home(network.a)
    log = home.log()
    try:
        with monkeypatch.context() as patched:
            patched.setattr(envelope, "_framed", lambda plaintext: len(plaintext).to_bytes(4, "big") + plaintext)
            event = publishing.publish(log, home.keys(cli.PASSPHRASE), "support.request",
                                       {"region": "calais", "type": "legal", "people": "1", "urgency": "low"},
                                       private=SHORT, to=[network.group_b])
    finally:
        log.store.close()
    _to_b(network, cli, tmp_path, "a.bundle")
    shown = cli.run(network.b, "show", event.id.hex(), "--json")
    assert shown.returncode == 0 and "Traceback" not in shown.stderr
    assert DAMAGED_TEXT in shown.stderr and SHORT not in shown.stderr + shown.stdout
    data = json.loads(shown.stdout)
    assert data["private_status"] == "damaged" and data["private_details"] is None and data["has_private"]
    plain = cli.run(network.b, "show", event.id.hex())  # (its lines said "this device is not a recipient" too)
    assert "private details: damaged" in plain.stdout and "not a recipient" not in plain.stdout, plain.stdout
    listed = [e["id"] for e in cli.run_json(network.b, "ls", "--kind", "support.request")]
    assert event.id.hex() in listed  # nothing lost: the event is stored, its other fields shown
    assert [r["id"] for r in cli.run_json(network.b, "view", "support")] == [event.id.hex()]

