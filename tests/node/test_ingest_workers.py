"""Ingest with its work on worker processes (node/verify_pool.py, events/examine.py): a real worker
process judges every kind of bad input as the decoder does, a batch ingested through the workers
ends exactly as one ingested in a single process, and a worker killed mid-batch loses nothing."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import msgpack
import pytest

from node_fixtures import Author, Net, action, wires
from crypto.keys import SigningKey
from events.errors import InvalidEvent
from events.examine import Examined, count_records, examine_all, read_records, unpack_records
from events.format import MAX_BODY_BYTES, MAX_EVENT_BYTES, Event, decode_event, sign_event
from node import verify_pool
from node.verify_worker import READY
from node.log import MAX_CLOCK_SKEW_MS, now_ms

ROOT = Path(__file__).resolve().parents[2]
needs_workers = pytest.mark.skipif(verify_pool.worker_count() == 0, reason="no worker processes on one core")


def _forged(ev: Event) -> bytes:
    header, sig, body = msgpack.unpackb(ev.encode())
    return msgpack.packb([header, bytes([sig[0] ^ 1]) + sig[1:], body])


def _hostile_batch(net: Net) -> tuple[list[bytes], bytes]:
    """Every way an event can be refused, among enough good ones that the batch goes to the
    workers; and the one whose signature is forged."""
    dev = net.device
    good = [dev.sign("action", action(i)) for i in range(70)]
    bad_field = dev.sign("action", {**action(70), "colour": "red"})  # breaks the kind's rules
    after = dev.sign("need", {"category": "tents", "quantity": 3, "region": "calais"})  # after it: a gap
    outsider = Author(SigningKey.generate(), net.genesis.network_id)  # not a member: kept aside
    waiting = outsider.sign("need", {"category": "tents", "quantity": 1, "region": "calais"})
    refused = outsider.sign("need", {"category": "tents", "quantity": -1, "region": "calais"})  # a bad body: not kept
    forged = _forged(net.group.sign("group.profile", {"name": "Calais", "region": "calais"}))
    header, sig, body = msgpack.unpackb(good[5].encode())
    batch = [
        *wires([*net.group.made[:2], *good[:40]]),
        forged,
        *wires(good[40:]),
        *wires([bad_field, after, waiting, refused]),
        good[3].encode(),  # a duplicate within the batch
        good[3].encode()[:-7],  # truncated
        b"\x93\xc5\x00\x03abc" + b"\x00" * 10,  # not msgpack of an event
        b"\x00" * (MAX_EVENT_BYTES + 1),  # oversize
        msgpack.packb([header, sig, body[:-1] + bytes([body[-1] ^ 1])]),  # body does not match its hash
        b"\x93" + msgpack.packb(header) + b"\xc5\x00\x40" + sig + msgpack.packb(body),  # a long length form
        Author(net.founder.group, bytes(32)).sign("group.profile", {"name": "X", "region": "x"}).encode(),
        # stamped ahead, and nothing later of its author proves its clock right (node/stamped_ahead.py)
        dev.sign("action", action(99), ts=now_ms() + MAX_CLOCK_SKEW_MS + 60_000, seq=700, prev=bytes(32)).encode(),
        dev.sign("unknown.kind", {"anything": 1}, seq=600, prev=bytes(32)).encode(),  # a gap: kept aside
    ]
    return batch, forged


def _ask_worker(batch: list[bytes]) -> list[Examined]:
    """The answer of a real worker process to one request."""
    return read_records(unpack_records(_worker_answer(batch)), batch)


def _worker_answer(batch: list[bytes]) -> bytes:
    """What a real worker process answers to one request, as it comes."""
    payload = msgpack.packb(batch, use_bin_type=True)
    proc = subprocess.run([sys.executable, "-m", "node.verify_worker"], input=len(payload).to_bytes(4, "big") + payload,
                          capture_output=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.removeprefix(READY)  # (said first, before any request)
    size = int.from_bytes(out[:4], "big")
    assert len(proc.stdout) == len(READY) + 4 + size
    return out[4:]


def _decoded(wire: bytes) -> Event | InvalidEvent:
    try:
        return decode_event(wire)
    except InvalidEvent as exc:
        return exc


def test_a_worker_judges_every_input_as_the_decoder_does(net: Net) -> None:
    batch, forged = _hostile_batch(net)
    answered = _ask_worker(batch)
    here = examine_all(batch, verify=True)
    assert len(answered) == len(batch)
    for wire, got, local in zip(batch, answered, here):
        expected = _decoded(wire)
        if isinstance(expected, InvalidEvent):
            assert got.event is None and got.refusal is not None
            assert (got.refusal.reason, str(got.refusal), got.refusal.event_id) == \
                   (expected.reason, str(expected), expected.event_id)
        else:
            assert got.event == expected  # header, signature and body cut from the wire, byte for byte
            assert got.signature_ok == (wire is not forged)
        assert got == local or (got.refusal is not None and str(got.refusal) == str(local.refusal))
    reasons = {x.refusal.reason for x in answered if x.refusal is not None}
    assert reasons == {"malformed", "oversize", "body_mismatch", "non_canonical"}
    bad_body = [x.facts.problem for x in answered if x.facts is not None and x.facts.problem is not None]
    assert [p[0] for p in bad_body] == ["bad_field", "bad_field"]


def test_a_worker_answer_is_counted_without_unpacking_it(net: Net) -> None:
    """The node keeps a worker's answer packed until the batch is stored (a third of the memory),
    checking only its count when it comes: each length form of the array is read, and anything
    else is no answer (the worker is taken for dead and the chunk examined here)."""
    batch, _ = _hostile_batch(net)
    for size in (len(batch), 15, 1):
        answer = _worker_answer(batch[:size])
        assert count_records(answer) == size
        assert len(unpack_records(answer)) == size
    assert count_records(msgpack.packb([[0]] * 70_000)) == 70_000  # (array 32: more than a chunk ever holds)
    for broken in (b"", b"\xdc\x00", msgpack.packb({"a": 1}), msgpack.packb(b"x" * 100), b"\xc0"):
        assert count_records(broken) == -1


def test_parts_are_cut_from_the_wire_for_every_length_form(net: Net) -> None:
    """Bodies of each msgpack length form (bin 8, 16 and 32: the largest body allowed) and stubs."""
    key = SigningKey.generate()
    events = []
    for size in (1, 255, 256, 65535, MAX_BODY_BYTES):
        events.append(sign_event(key, network=net.genesis.network_id, seq=len(events) + 1,
                                 prev=events[-1].id if events else None, timestamp=now_ms(), kind="blob",
                                 body=os.urandom(size)))
    batch = [ev.encode() for ev in events] + [events[2].encode(with_body=False)]
    for got, wire in zip(examine_all(batch, verify=True), batch):
        assert got.event == decode_event(wire) and got.signature_ok


def _outcomes(log, batch):
    return [(o.id, o.status, o.reason, o.message) for o in log.ingest(batch)]


def _stored(log):
    return sorted(log.store.event_states()), log.store.projection_dump(), log.store.pending_count()


@needs_workers
def test_a_batch_ends_the_same_through_the_workers_as_in_one_process(net: Net, tmp_path: Path, monkeypatch) -> None:
    batch, _ = _hostile_batch(net)
    verify_pool.shutdown()
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "0")
    alone = net.new_log(tmp_path / "alone.db")
    expected = _outcomes(alone, batch)
    monkeypatch.delenv("SOLNET_VERIFY_WORKERS")
    verify_pool.start()
    try:
        assert verify_pool.worker_pids()
        shared = net.new_log(tmp_path / "shared.db")
        assert _outcomes(shared, batch) == expected
        assert _stored(shared) == _stored(alone)
    finally:
        verify_pool.shutdown()
    reasons = [o[2] for o in expected]
    for reason in ("bad_signature", "bad_field", "malformed", "oversize", "body_mismatch", "non_canonical",
                   "wrong_network", "future_timestamp", "not_a_member"):
        assert reason in reasons
    # The body that breaks its kind's rules is refused at its place in the chain; the one of an
    # author not certified yet too, before it would be kept aside (it could never go in), as in one
    # process.
    assert [o[1] for o in expected].count("accepted") == 2 + 70
    assert [o[2] for o in expected].count("bad_field") == 2


@needs_workers
def test_a_worker_killed_mid_batch_loses_nothing(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    first = [net.device.sign("action", action(i)) for i in range(400)]
    second = [net.device.sign("action", action(i)) for i in range(400, 700)]
    verify_pool.shutdown()
    verify_pool.start()
    try:
        before = verify_pool.worker_pids()
        batch = wires(first)
        batch[321] = _forged(first[321])
        prepared = log.prepare(batch)  # its chunks are queued, or on their way to the worker
        for pid in before:
            os.kill(pid, signal.SIGKILL)
        out = log.commit(prepared)
        assert [i for i, o in enumerate(out) if o.status != "accepted"] == list(range(321, 400))
        assert out[321].reason == "bad_signature"
        assert [o.status for o in out[322:]] == ["pending"] * 78  # after the forged one: a gap
        assert log.store.count() == 2 + 321
        # The next batch finds new workers; the gap is filled and everything goes in.
        out = log.ingest(wires(first[321:]) + wires(second))
        assert {o.status for o in out} <= {"accepted", "duplicate"}
        assert log.store.count() == 2 + 700
        assert verify_pool.worker_pids() and set(verify_pool.worker_pids()).isdisjoint(before)
    finally:
        verify_pool.shutdown()


def test_a_worker_outlives_ctrl_c_and_ends_with_its_input(net: Net) -> None:
    """Ctrl-C in a terminal reaches the node's workers too (one process group): a worker leaves the
    stopping to the node (it closes the worker's input) instead of dying with a traceback."""
    batch, _ = _hostile_batch(net)
    payload = msgpack.packb(batch, use_bin_type=True)
    request = len(payload).to_bytes(4, "big") + payload
    proc = subprocess.Popen([sys.executable, "-m", "node.verify_worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout.read(len(READY)) == READY
        answers = []
        for _ in range(2):
            proc.stdin.write(request)
            proc.stdin.flush()
            size = int.from_bytes(proc.stdout.read(4), "big")  # the first answer: its main loop runs
            answers.append(proc.stdout.read(size))
            proc.send_signal(signal.SIGINT)
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
        assert answers[0] == answers[1] and proc.stderr.read() == b""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def test_a_worker_whose_node_is_gone_ends_quietly(net: Net) -> None:
    """A node killed (kill -9) mid-sync: its worker's answer went into a pipe nobody reads, and the
    worker wrote a BrokenPipeError traceback into the node's log (its stderr is the node's)."""
    batch, _ = _hostile_batch(net)
    payload = msgpack.packb(batch, use_bin_type=True)
    proc = subprocess.Popen([sys.executable, "-m", "node.verify_worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout.read(len(READY)) == READY
        proc.stdout.close()  # the node is gone: nothing reads the answers
        proc.stdin.write(len(payload).to_bytes(4, "big") + payload)
        proc.stdin.flush()
        # (its stdin stays open: it is the broken pipe that must end it)
        assert proc.wait(timeout=60) == 0
        assert proc.stderr.read() == b""
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdin.close()
        proc.stderr.close()
