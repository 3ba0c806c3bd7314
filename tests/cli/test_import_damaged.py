"""`solnet import` of damaged, cut, foreign and wrong files: it refuses (exit 1), says why, and never
stores an event whose content differs from what its author signed."""
from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

import msgpack
import pytest

from node.store import Store
from stored_earlier import stored_earlier


def db_events(home: Path) -> dict[bytes, tuple]:
    """id -> (id, author, seq, kind, header, sig, body, body_state) of every stored event."""
    with closing(Store(home / "solnet.db", readonly=True)) as store:
        return {e.id: (e.id, e.author, e.seq, e.kind, e.header, e.sig, e.body, e.body_state) for e in store.all_events()}


def db_pending(home: Path) -> list[bytes]:
    with closing(Store(home / "solnet.db", readonly=True)) as store:
        return store.pending_wires()


class Bundle:
    """Where things are in a bundle file: the magic line, then msgpack items (header, events, trailer)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        start = base = data.index(b"\n") + 1
        assert data[:base] == b"solnet-bundle-v1\n"
        unpacker = msgpack.Unpacker(raw=False)
        unpacker.feed(data[base:])
        self.items: list[tuple[int, int, object]] = []  # (start, end, value)
        for value in unpacker:
            end = base + unpacker.tell()
            self.items.append((start, end, value))
            start = end
        assert start == len(data)
        self.header, self.trailer = self.items[0], self.items[-1]
        self.events = self.items[1:-1]

    def event(self, author: str, seq: int) -> tuple[int, int, list]:
        """(start, end, [header, sig, body]) of the item holding that author's event."""
        for start, end, wire in self.events:
            parts = msgpack.unpackb(wire, raw=False)
            fields = msgpack.unpackb(parts[0], raw=False)
            if fields[2].hex() == author and fields[3] == seq:
                return start, end, parts
        raise AssertionError(f"no event {author[:8]}/{seq} in the bundle")

    def offset_in_event(self, author: str, seq: int, part: int, needle: bytes = b"", at: int = 0) -> int:
        """File offset of byte `at` after `needle` (or after the start) inside part 0 (header), 1
        (signature) or 2 (body)."""
        start, end, parts = self.event(author, seq)
        item = self.data[start:end]
        base = start + item.index(parts[part])
        return base + (parts[part].index(needle) if needle else 0) + at

    def offset_in_item(self, item: tuple[int, int, object], needle: bytes, at: int = 0) -> int:
        start, end, _ = item
        return start + self.data[start:end].index(needle) + at

    def ids_ending_by(self, cut: int) -> set[bytes]:
        out = set()
        for start, end, wire in self.events:
            if end <= cut:
                parts = msgpack.unpackb(wire, raw=False)
                out.add(_event_id(parts[0], parts[1]))
        return out


def _event_id(header: bytes, sig: bytes) -> bytes:
    return hashlib.blake2b(header + sig, digest_size=32).digest()


def flipped(data: bytes, offset: int, mask: int = 0x01) -> bytes:
    return data[:offset] + bytes([data[offset] ^ mask]) + data[offset + 1:]


def assert_b_holds_only_what_a_signed(net, cli) -> None:
    """Every event B stores (and every one it holds pending) is one of A's or B's own: same header
    and signature, and either A's body or none (a stub, e.g. one A redacted whose redaction B has
    not received). B's `ls --json` shows each of A's events as A does, but for a body it lacks and the
    inside of an event sealed to A."""
    a_rows, b_rows = db_events(net.a), db_events(net.b)
    own = {bytes.fromhex(net.group_b), bytes.fromhex(net.device_b)}
    for event_id, row in b_rows.items():
        if row[1] in own:
            continue
        assert event_id in a_rows, f"B stores an event A never made: {row[3]} seq {row[2]}"
        assert row[:6] == a_rows[event_id][:6], f"B stores {row[3]} seq {row[2]} with other bytes than A"
        assert row[6] in (None, a_rows[event_id][6]), f"B stores {row[3]} seq {row[2]} with another body"
        assert (row[6] is None) == (row[7] != 0)
    # (as a stub too: a bundle in clear carries node.announce without its body)
    a_wires = {msgpack.packb([r[4], r[5], body], use_bin_type=True) for r in a_rows.values()
               for body in ((r[6], None) if r[3] == "node.announce" else (r[6],))}
    for wire in db_pending(net.b):
        header, sig, body = msgpack.unpackb(wire, raw=False)
        assert _event_id(header, sig) in a_rows and wire in a_wires, "B holds a pending event A never made"
    a_ls = {e["id"]: e for e in cli.run_json(net.a, "ls", "--limit", "1000")}
    for event in cli.run_json(net.b, "ls", "--limit", "1000"):
        if event["author"] in (net.group_b, net.device_b):
            continue
        if event["body"] == "present":
            # A's copy of an event sealed to A also shows what is inside; B, not a recipient, never does.
            theirs = a_ls[event["id"]]
            assert "inner" not in event, "B shows the inside of an event sealed to A only"
            assert event == {k: v for k, v in theirs.items() if k != "inner"}
        else:
            assert {k: v for k, v in event.items() if k != "body"}.items() <= a_ls[event["id"]].items()


def a_authored(rows: dict[bytes, tuple], net) -> set[bytes]:
    mine = {bytes.fromhex(net.group_a), bytes.fromhex(net.device_a)}
    return {i for i, r in rows.items() if r[1] in mine}


TARGET_SEQ = 6  # A's device event "need" (notes "adult sizes"); seq 1-5 come before it


# What of A's events B should hold after importing the damaged bundle:
ALL = "all"  # every event is intact; only the bundle's own signature or digest fails
CHAIN = "chain"  # all but the damaged event and the later ones of its author (they wait for it)
PREFIX = "prefix"  # the stream breaks there: what came before it (and what B already held)

TAMPERS: list[tuple[str, Callable[[Bundle, object], int], tuple[str, ...], str]] = [
    ("event header: kind", lambda b, n: b.offset_in_event(n.device_a, TARGET_SEQ, 0, b"need"),
     ("rejected", "[bad_signature]"), CHAIN),
    ("event header: author", lambda b, n: b.offset_in_event(n.device_a, TARGET_SEQ, 0, bytes.fromhex(n.device_a), 5),
     ("rejected", "[bad_signature]"), CHAIN),
    ("event header: seq", lambda b, n: b.offset_in_event(n.device_a, TARGET_SEQ, 0, bytes.fromhex(n.device_a), 32),
     ("rejected", "[bad_signature]"), CHAIN),
    ("event signature", lambda b, n: b.offset_in_event(n.device_a, TARGET_SEQ, 1, at=20),
     ("rejected", "[bad_signature]"), CHAIN),
    ("event body", lambda b, n: b.offset_in_event(n.device_a, TARGET_SEQ, 2, b"adult"),
     ("rejected", "[body_mismatch]"), CHAIN),
    ("event framing", lambda b, n: b.event(n.device_a, TARGET_SEQ)[0],
     ("damaged",), PREFIX),
    ("bundle header", lambda b, n: b.header[1] - 1,
     ("altered after export",), ALL),
    ("trailer digest", lambda b, n: b.offset_in_item(b.trailer, b"digest", 10),
     ("altered after export",), ALL),
    ("trailer signature", lambda b, n: b.trailer[1] - 7,
     ("altered after export",), ALL),
]


@pytest.mark.parametrize("where, offset_of, says, kept", TAMPERS, ids=[t[0] for t in TAMPERS])
def test_a_flipped_byte_never_gets_a_tampered_event_stored(populated, cli, tmp_path, where, offset_of, says, kept):
    net = populated
    good = tmp_path / "good.bundle"
    cli.run(net.a, "export", good)
    bundle = Bundle(good.read_bytes())
    before = db_events(net.b)
    bad = tmp_path / "bad.bundle"
    bad.write_bytes(flipped(bundle.data, offset_of(bundle, net)))

    result = cli.run(net.b, "import", bad, ok=False)
    assert result.returncode == 1, result.stderr
    for words in says:
        assert words in result.stderr, f"{where}: stderr does not say {words!r}:\n{result.stderr}"
    assert_b_holds_only_what_a_signed(net, cli)

    a_rows, b_rows = db_events(net.a), db_events(net.b)
    device_a = bytes.fromhex(net.device_a)
    expected = {
        ALL: a_authored(a_rows, net),
        CHAIN: {i for i in a_authored(a_rows, net) if a_rows[i][1] != device_a or a_rows[i][2] < TARGET_SEQ},
        PREFIX: a_authored(before, net) | bundle.ids_ending_by(bundle.event(net.device_a, TARGET_SEQ)[0]),
    }[kept]
    assert a_authored(b_rows, net) == expected


# What Python's decoders say, which people should never have to read.
LIBRARY_WORDS = re.compile(r"codec|decode byte|position \d|start byte|unpack|ExtraData|Unpack|\(\)")


@pytest.mark.parametrize("damage", ["a key that is not a string", "a key that is not UTF-8", "a length past the end"])
def test_a_damaged_header_map_is_refused_cleanly(populated, cli, tmp_path, damage):
    """One changed byte in the header map used to end `solnet import` in a traceback."""
    net = populated
    good = tmp_path / "good.bundle"
    cli.run(net.a, "export", good)
    bundle = Bundle(good.read_bytes())
    start = bundle.header[0]
    data = bytearray(bundle.data)
    assert data[start] == 0x86 and data[start + 1] == 0xa0 + len("network")  # {"network": ..., 5 more}
    if damage == "a key that is not a string":
        data[start + 1] = 0x07  # the fixstr "network" becomes the integer 7
    elif damage == "a key that is not UTF-8":
        data[start + 2] = 0xff
    else:
        data[start + 1] = 0xdb  # str32: its length runs past the end of the file
    bad = tmp_path / "bad.bundle"
    bad.write_bytes(bytes(data))
    before = db_events(net.b)

    result = cli.run(net.b, "import", bad, ok=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Error" not in result.stderr, result.stderr
    assert not LIBRARY_WORDS.search(result.stderr), result.stderr  # what the decoder said helps no one
    assert "bundle header is" in result.stderr and "damaged" in result.stderr, result.stderr
    assert "nothing was imported" in result.stderr, result.stderr
    assert "new copy" in result.stderr, result.stderr
    assert db_events(net.b) == before and db_pending(net.b) == []


@pytest.mark.parametrize("seed", range(4))
def test_a_byte_flipped_anywhere_never_gets_a_tampered_event_stored(populated, cli, tmp_path, seed):
    net = populated
    good = tmp_path / "good.bundle"
    cli.run(net.a, "export", good)
    data = good.read_bytes()
    offset = random.Random(seed).randrange(len(b"solnet-bundle-v1\n"), len(data))
    bad = tmp_path / "bad.bundle"
    bad.write_bytes(flipped(data, offset, mask=1 << (seed % 8)))
    result = cli.run(net.b, "import", bad, ok=False)
    assert "Traceback" not in result.stderr
    assert_b_holds_only_what_a_signed(net, cli)
    if result.returncode == 0:  # only a byte nothing depends on (the trailer's unsigned count)
        assert a_authored(db_events(net.b), net) == a_authored(db_events(net.a), net)
    else:
        assert result.returncode == 1, f"byte {offset}: {result.stdout}{result.stderr}"


def test_after_a_damaged_import_the_intact_bundle_brings_everything(populated, cli, tmp_path):
    """The events after a damaged one wait (pending); the intact copy fills the gap and they go in."""
    net = populated
    good = tmp_path / "good.bundle"
    cli.run(net.a, "export", good)
    bundle = Bundle(good.read_bytes())
    bad = tmp_path / "bad.bundle"
    bad.write_bytes(flipped(bundle.data, bundle.offset_in_event(net.device_a, TARGET_SEQ, 2, b"adult")))
    damaged = cli.run(net.b, "import", bad, "--json", ok=False)
    assert damaged.returncode == 1
    report = json.loads(damaged.stdout)
    assert report["rejected"] == 1 and report["pending"] > 0 and report["signature_ok"] is False
    assert report["rejections"][0]["reason"] == "body_mismatch"

    again = cli.run(net.b, "import", good, ok=False)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    assert a_authored(db_events(net.b), net) == a_authored(db_events(net.a), net)
    assert db_pending(net.b) == [] and cli.run_json(net.b, "status")["frozen_authors"] == []
    assert_b_holds_only_what_a_signed(net, cli)


def test_a_full_bundle_after_a_since_bundle_brings_everything(populated, cli, tmp_path):
    """`export --since` gives B the newest events first (they wait for the older ones); the full
    bundle afterwards must bring them all in, without a crash or a false fork."""
    net = populated
    cli.publish(net.a, "offer", "--category", "firewood", "--quantity", "2", "--region", "calais")
    stored_earlier(net.a)  # (stored times are kept to the minute: else this one decides)
    since = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    newest = [cli.publish(net.a, "offer", "--category", "water", "--quantity", str(n), "--region", "calais")
              for n in (10, 20)]
    recent, full = tmp_path / "recent.bundle", tmp_path / "full.bundle"
    assert cli.run_json(net.a, "export", recent, "--since", since)["events"] == 2
    cli.run(net.a, "export", full)
    first = cli.run_json(net.b, "import", recent)
    assert first["pending"] == 2 and first["rejected"] == 0

    second = cli.run(net.b, "import", full, ok=False)
    assert second.returncode == 0, second.stderr
    assert a_authored(db_events(net.b), net) == a_authored(db_events(net.a), net)
    assert {cli.run_json(net.b, "show", i)["quantity"] for i in newest} == {10, 20}
    status = cli.run_json(net.b, "status")
    assert status["pending"] == 0 and status["frozen_authors"] == [] and status["forks"] == 0


@pytest.mark.parametrize("cut_at", ["inside an event", "inside the trailer", "after the header"])
def test_a_cut_bundle_imports_its_intact_prefix(populated, cli, tmp_path, cut_at):
    net = populated
    good = tmp_path / "good.bundle"
    cli.run(net.a, "export", good)
    bundle = Bundle(good.read_bytes())
    start, end, _ = bundle.event(net.device_a, TARGET_SEQ)
    cut = {"inside an event": (start + end) // 2, "inside the trailer": bundle.trailer[0] + 20,
           "after the header": bundle.header[1]}[cut_at]
    before = db_events(net.b)
    short = tmp_path / "short.bundle"
    short.write_bytes(bundle.data[:cut])

    result = cli.run(net.b, "import", short, ok=False)
    assert result.returncode == 1
    assert "cut short" in result.stderr or "ends early" in result.stderr, result.stderr
    assert_b_holds_only_what_a_signed(net, cli)
    assert a_authored(db_events(net.b), net) == a_authored(before, net) | bundle.ids_ending_by(cut)


@pytest.mark.parametrize("content", ["empty", "text", "invite token", "database", "magic only"])
def test_a_file_that_is_not_a_bundle_imports_nothing(populated, cli, tmp_path, content):
    net = populated
    path = tmp_path / "not-a-bundle"
    if content == "database":
        path.write_bytes((net.a / "solnet.db").read_bytes())
    elif content == "invite token":
        path = tmp_path / "token"
        cli.run(net.a, "invite", "ab" * 32, "--out", path)
    else:
        path.write_bytes({"empty": b"", "text": "Liste des besoins: 40 sacs de couchage\n".encode(),
                          "magic only": b"solnet-bundle-v1\n"}[content])
    before = db_events(net.b)
    count = cli.run_json(net.b, "status")["events"]
    result = cli.run(net.b, "import", path, ok=False)
    assert result.returncode == 1
    assert "bundle" in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert db_events(net.b) == before and db_pending(net.b) == []
    assert cli.run_json(net.b, "status")["events"] == count


def test_a_missing_file_is_refused(network, cli, tmp_path):
    result = cli.run(network.b, "import", tmp_path / "nope.bundle", ok=False)
    assert result.returncode == 1 and "cannot read" in result.stderr and "nope.bundle" in result.stderr


def test_a_bundle_from_another_network_imports_nothing(populated, cli, tmp_path):
    net = populated
    other = tmp_path / "C"
    founded = cli.run_json(other, "init", "--group", "Dunkerque", "--region", "dunkerque", "--new-network")
    cli.publish(other, "action", "--title", "Distribution", "--region", "dunkerque",
                "--starts-at", "2026-12-02T12:00", "--type", "distribution")
    bundle = tmp_path / "dunkerque.bundle"
    cli.run(other, "export", bundle)
    before = db_events(net.b)

    result = cli.run(net.b, "import", bundle, ok=False)
    assert result.returncode == 1
    assert "network" in result.stderr
    assert founded["network_id"][:12] in result.stderr and net.network_id[:12] in result.stderr
    assert db_events(net.b) == before and db_pending(net.b) == []


@pytest.mark.parametrize("damage", ["an item that is not UTF-8", "an item of no msgpack type"])
def test_a_damaged_item_is_said_without_the_decoders_words(populated, cli, tmp_path, damage):
    net = populated
    good = tmp_path / "good.bundle"
    cli.run(net.a, "export", good)
    bundle = Bundle(good.read_bytes())
    data = bytearray(bundle.data)
    start = bundle.events[1][0]
    data[start] = 0xa3 if damage == "an item that is not UTF-8" else 0xc1  # a 3-byte str / a never-used byte
    bad = tmp_path / "bad.bundle"
    bad.write_bytes(bytes(data))
    result = cli.run(net.b, "import", bad, ok=False)
    assert f"the file is damaged near byte {start}: unreadable data; the events after it were not read" \
        in result.stderr, result.stderr
    assert not LIBRARY_WORDS.search(result.stderr), result.stderr


def test_a_network_id_changed_past_its_short_form_is_shown_whole(populated, cli, tmp_path):
    """The network ids were shown by their first 12 characters, the same for both: "from network
    8a69b066e495…, this node is in 8a69b066e495…"."""
    net = populated
    good = tmp_path / "good.bundle"
    cli.run(net.a, "export", good)
    data = bytearray(good.read_bytes())
    network = bytes.fromhex(net.network_id)
    at = bytes(data).index(network) + 20
    data[at] ^= 0x01
    bad = tmp_path / "bad.bundle"
    bad.write_bytes(bytes(data))
    result = cli.run(net.b, "import", bad, ok=False)
    assert result.returncode == 1 and f"this node is in {net.network_id}; nothing was imported" in result.stderr, \
        result.stderr
    assert "damaged on the way" in result.stderr, result.stderr
