"""`solnet sync ADDRESS`: one anti-entropy round against a running node, with a summary."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from events.canonical import pack
from events.format import sign_event
from local_cluster import (Cluster, api, cli, cli_env, cli_json, descendants, event_ids, publish, publish_action,
                           query, status)
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.verify_worker import READY
from sync.peers import PeerLimits


def test_one_shot_sync_against_a_running_node(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    cluster.start(calais)  # Bristol does not run: it only syncs once, on demand
    calais_own = {publish_action(calais, f"Calais action {i}") for i in range(3)}
    bristol_own = {publish(bristol, "need", category="blankets", quantity=5 + i, region="bristol") for i in range(2)}
    assert event_ids(calais) - event_ids(bristol) == calais_own

    first = cli(bristol, "sync", calais.address)
    assert first.stdout.startswith(f"Synced with http://{calais.address}"), first.stdout
    summary = re.search(r"received (\d+) events? \((\d+) new, .*\), sent (\d+) events?\.", first.stdout)
    assert summary, first.stdout
    received, new, sent = map(int, summary.groups())
    assert received == new == len(calais_own), first.stdout
    # Bristol's group chain may travel in the handshake (its credentials); its device's events cannot.
    assert len(bristol_own) <= sent <= len(bristol_own) + 2, first.stdout
    assert "Traceback" not in first.stderr
    assert event_ids(bristol) == event_ids(calais)
    assert bristol_own <= event_ids(calais)  # stored by the peer before `sync` returns (confirming round)
    assert status(calais)["frontier_digest"] == status(bristol)["frontier_digest"]

    newer = publish_action(calais, "Published after the first sync")  # `solnet run` is running on this home
    summary = cli_json(bristol, "sync", f"http://{calais.address}")
    assert summary["received"] == 1 and summary["sent"] == 0, summary
    assert summary["outcomes"] == {"accepted": 1}, summary
    # Caught up by this round: in sync now (it said `in_sync: false` beside `complete: true`)
    assert summary["complete"] is True and summary["in_sync"] is True, summary
    assert summary["already_in_sync"] is False, summary
    assert newer in event_ids(bristol)

    again = cli(bristol, "sync", calais.address)
    assert again.stdout.startswith(f"Already in sync with http://{calais.address}"), again.stdout
    again_json = cli_json(bristol, "sync", calais.address)
    assert again_json["in_sync"] is again_json["already_in_sync"] is True and again_json["received"] == again_json["sent"] == 0, again_json
    assert "Traceback" not in again.stderr


def test_one_shot_sync_to_nothing_listening_fails_clearly(cluster: Cluster) -> None:
    calais, = cluster.network([("Calais", "calais")])
    port, = localnet.free_ports(1)
    before = event_ids(calais)
    proc = cli(calais, "sync", f"127.0.0.1:{port}", ok=False, timeout=30)
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "cannot reach" in proc.stderr and str(port) in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert event_ids(calais) == before


# --- a slow sink --------------------------------------------------------------------------------

SLOW_EVENTS = 10_000
# The old deadlines: a watchdog that sampled progress every message timeout (only a stall across
# two samples was sure to trip it) and a websocket heartbeat. Stalled this long, the old code cut
# the link (the heartbeat, at 45 s, is what cut Pi-sized syncs).
STALL_S = 2 * PeerLimits().message_timeout_s + 2


def store_own_events(node: LocalNode, count: int, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """`count` events of the node's device, stored in its home through the ingest path; its key."""
    key = node.keys.device
    author = bytes(key.public)
    head = query(node, "SELECT seq, id FROM heads WHERE k=(SELECT k FROM keys WHERE key=?)", (author,))
    seq, prev = head[0] if head else (0, None)
    log = node.home.log()
    network = log.network_id
    now = int(time.time() * 1000)
    wires = []
    for i in range(count):
        ev = sign_event(key, network=network, seq=seq + 1 + i, prev=prev, timestamp=now - count + i, kind="need",
                        body=pack({"category": "tents", "quantity": i + 1, "region": "calais"}))
        prev = ev.id
        wires.append(ev.encode())
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "0")  # no worker processes in the test process
    try:
        for outcomes in log.ingest_stream(wires[i:i + 500] for i in range(0, count, 500)):
            assert {o.status for o in outcomes} == {"accepted"}, outcomes[0]
    finally:
        log.store.close()
    return author


def signature_workers(pid: int) -> list[int]:
    """The signature workers below `pid` that said they are ready (READY, their first write: before,
    the sink takes them no chunk, and stopping one stalls nothing)."""
    workers = []
    for child in descendants(pid):
        try:
            if b"node.verify_worker" in Path(f"/proc/{child}/cmdline").read_bytes() and _written(child) >= len(READY):
                workers.append(child)
        except OSError:
            pass
    return workers


def _written(pid: int) -> int:
    """The bytes `pid` wrote so far (/proc/PID/io)."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="no signature worker process to stall on one core")
def test_a_sink_whose_storing_stalls_finishes_and_reports_what_it_stored(cluster: Cluster,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The sink's signature worker is stopped (SIGSTOP) mid-sync for longer than any old deadline:
    the sink is alive but stores nothing, like a Pi whose CPU or SD card is far slower than the
    machine the deadlines were tuned on. It must not be cut: it finishes once it can, and its
    report equals what it stored."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    author = store_own_events(calais, SLOW_EVENTS, monkeypatch)
    cluster.start(calais)
    cmd = [*localnet.solnet_command(), "--home", str(bristol.home.path), "sync", calais.address, "--json"]
    # (no bytecode written: a worker's first write is its READY)
    sync = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**cli_env(), "PYTHONDONTWRITEBYTECODE": "1"}, stdin=subprocess.DEVNULL)
    frozen: set[int] = set()
    try:
        # The worker is spawned with the first batch; stop it (and any other) as soon as it is ready.
        cluster.wait(lambda: bool(signature_workers(sync.pid)) or sync.poll() is not None, 30,
                     "the sink's signature worker", interval=0.005)
        stalled_at = time.monotonic()
        while time.monotonic() - stalled_at < STALL_S and sync.poll() is None:
            for pid in set(signature_workers(sync.pid)) - frozen:
                os.kill(pid, signal.SIGSTOP)
                frozen.add(pid)
            time.sleep(0.05)
        assert frozen, "no signature worker to stall"
        held = query(bristol, "SELECT count(*) FROM events WHERE a=(SELECT k FROM keys WHERE key=?)", (author,))[0][0]
        assert held < SLOW_EVENTS, "the sync finished before the stall: it tested nothing"
        assert sync.poll() is None, (f"the sync ended during the stall (exit {sync.returncode}) with {held} of "
                                     f"{SLOW_EVENTS} stored:\n{sync.stderr.read()}\n{cluster.log_tails()}")
    finally:
        for pid in frozen:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
    try:
        out, err = sync.communicate(timeout=60)
    finally:
        if sync.poll() is None:
            sync.kill()
            sync.wait(5)
    assert sync.returncode == 0, (sync.returncode, out, err, cluster.log_tails())
    report = json.loads(out)
    stored = query(bristol, "SELECT count(*) FROM events WHERE a=(SELECT k FROM keys WHERE key=?)", (author,))[0][0]
    assert stored == SLOW_EVENTS
    assert report["complete"] is True and report["received"] == stored, report
    assert report["outcomes"] == {"accepted": stored} and report["seconds"] >= STALL_S, report
    assert "no progress" not in (calais.log_path.read_text()), cluster.log_tails()


def test_a_sync_beside_the_running_node_leaves_that_nodes_status_alone(cluster: Cluster) -> None:
    """`solnet sync` on a home whose node runs (the README's with-nodes block) is a second process
    on that home: it used to write its own pid and no port over what the running node saved, so
    `status` named a process already gone and `dashboard-link` pointed at another group's node."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    cluster.start(calais)
    cluster.start(bristol)
    before = status(bristol)["node"]
    assert before["running"] and before["pid"] == bristol.proc.pid, before
    publish_action(calais, "Something to fetch")
    cli(bristol, "sync", calais.address)
    after = status(bristol)["node"]
    assert after["pid"] == bristol.proc.pid and after.get("port") == before.get("port"), after
    link = cli_json(bristol, "dashboard-link")["url"]
    assert f":{bristol.port}/" in link and f":{calais.port}/" not in link, link


def test_a_one_off_sync_is_not_listed_as_a_peer_cut_off(cluster: Cluster) -> None:
    """`solnet sync` from another group's home is a visit: once it is done, the node it synced with
    does not list that group as a peer "cut off since" (an alarm for a link that is meant to end)."""
    calais, lille = cluster.network([("Calais", "calais"), ("Lille", "lille")])
    cluster.start(calais)
    cli(lille, "sync", calais.address)
    lille_device = lille.home.config().device_id

    def live() -> list[dict]:  # as the node sees its peers now (the API; `peers` shows what it saved)
        return [p for p in api(calais, "/api/v1/peers")["peers"] if p.get("device") == lille_device]

    cluster.wait(lambda: not any(p.get("connected") for p in live()), 10, "the visit's link closed on Calais")
    assert not any(p.get("cut_off_since") for p in live()), live()
