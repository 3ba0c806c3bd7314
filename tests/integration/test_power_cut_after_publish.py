"""A publish this home acknowledged is on the disk: a power cut right after cannot take it back.

At synchronous=NORMAL SQLite's WAL is synced only at checkpoints, so a power cut could lose the last
commits: an alert the coordinator was told was published, and already gossiped to a peer, was gone
from the home after the cut, and the next publish (an alert during the blackout, `--offline`) signed a
different event at its seq: a fork, the device frozen on every node that saw both. A real node
publishes (through the running node's local channel, its API, and `solnet publish` with no node
running); strace shows which writes were synced; the files are cut as the disk would hold them
(tests/integration/power_cut.py). The acknowledged event must be there, and the next publish must
follow it."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from local_cluster import Cluster, api, cli, cli_env, cli_json, holds, publish, query
from node.demo import localnet
from node.demo.localnet import LocalNode
import power_cut

ALERT = {"region": "bristol", "type": "raid", "location": "North station", "text": "Checks at the north exit"}


def seq_of(node: LocalNode, event_id: bytes) -> int:
    return query(node, "SELECT seq FROM events WHERE id=?", (event_id,))[0][0]


def _after_the_cut_the_next_publish_follows(calais: LocalNode, bristol: LocalNode, alert: bytes,
                                            lost: dict[str, int]) -> None:
    assert holds(bristol, alert), f"the acknowledged alert was lost to the power cut (cut: {lost})"
    # During the blackout, with no peer to sync from: what the dashboard's override and --offline do.
    need = bytes.fromhex(cli_json(bristol, "publish", "need", "--category", "blankets", "--quantity", "5",
                                  "--region", "bristol", "--offline")["id"])
    assert seq_of(bristol, need) == seq_of(bristol, alert) + 1
    cli(bristol, "sync", calais.address)
    assert holds(calais, need)
    for node in (calais, bristol):
        assert not query(node, "SELECT 1 FROM forks") and not query(node, "SELECT 1 FROM frozen"), node.name


def _running(cluster: Cluster) -> tuple[LocalNode, LocalNode]:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    bristol.peers.append(calais.port)
    cluster.start(calais)
    cluster.start(bristol)
    cluster.wait(lambda: cli_json(bristol, "status")["publish_wait"] is None, 30, "Bristol's first round with Calais")
    return calais, bristol


def test_an_alert_acknowledged_through_the_local_channel_survives_a_power_cut(cluster: Cluster, tmp_path: Path) -> None:
    calais, bristol = _running(cluster)
    trace = tmp_path / "bristol.strace"
    with power_cut.attached(bristol.proc.pid, trace):
        alert = publish(bristol, "alert", **ALERT)  # the running node signs it: the command returns once it answered
        cluster.wait(lambda: holds(calais, alert), 15, "Bristol's alert on Calais")
        cluster.kill(bristol)  # the power cut (what the disk holds: power_cut.cut_power, below)
    lost = power_cut.cut_power(trace, bristol.home.path)
    _after_the_cut_the_next_publish_follows(calais, bristol, alert, lost)


def test_an_alert_acknowledged_by_the_api_survives_a_power_cut(cluster: Cluster, tmp_path: Path) -> None:
    calais, bristol = _running(cluster)
    trace = tmp_path / "bristol.strace"
    with power_cut.attached(bristol.proc.pid, trace):
        answer = api(bristol, "/api/v1/events", {"kind": "alert", "fields": ALERT})
        alert = bytes.fromhex(answer["event"]["id"])
        cluster.wait(lambda: holds(calais, alert), 15, "Bristol's alert on Calais")
        cluster.kill(bristol)
    lost = power_cut.cut_power(trace, bristol.home.path)
    _after_the_cut_the_next_publish_follows(calais, bristol, alert, lost)


def test_a_publish_with_no_node_running_is_on_the_disk_when_the_command_answers(cluster: Cluster, tmp_path: Path) -> None:
    _, bristol = _running(cluster)
    localnet.stop(bristol)  # (a clean stop: the command may sign within minutes of the node's last round)
    trace = tmp_path / "publish.strace"
    args = [f"--{name}={value}" for name, value in ALERT.items()]
    done = subprocess.run([*power_cut.command(trace), *localnet.solnet_command(), "--home", str(bristol.home.path),
                           "publish", "alert", *args, "--json"], capture_output=True, text=True, timeout=120,
                          env={**cli_env(), "PYTHONUNBUFFERED": "1"}, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    assert holds(bristol, bytes.fromhex(json.loads(done.stdout)["id"]))
    # (the command then closes the database, which checkpoints it: a cut at its answer is read from the trace)
    home = power_cut.home_files(bristol.home.path)
    lost = power_cut.lost_tails(trace.read_text(errors="replace"), home, until_answer=True)
    assert home[0] not in lost and home[1] not in lost, f"a power cut at the answer would cut {lost}"
