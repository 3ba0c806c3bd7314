"""A node restored from an old backup of its home (a copy of the folder taken earlier) must find its
own newer events on the network and continue after them: never fork its chain, which would
freeze it on every node (docs/design.md section 5.5; node/chain_gate.py). The backup is taken
seconds after the node's last sync: the record of that sync travels in it, and counts only on the
home that made it."""
from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from events.errors import InvalidEvent
from local_cluster import (PASSPHRASE, Cluster, chain_problems, cli, holds, log_text, publish, publish_action,
                           query, status)
from node import chain_gate
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.log import now_ms

HOUR_MS = 3_600_000


def device_head(node: LocalNode) -> int:
    device = bytes.fromhex(node.home.config().device_id)
    return query(node, "SELECT coalesce(max(seq), 0) FROM events WHERE a=(SELECT k FROM keys WHERE key=?)", (device,))[0][0]


def seq_of(node: LocalNode, event_id: bytes) -> int:
    return query(node, "SELECT seq FROM events WHERE id=?", (event_id,))[0][0]


def restore(node: LocalNode, backup: Path) -> None:
    shutil.rmtree(node.home.path)
    shutil.copytree(backup, node.home.path)


def no_forks(node: LocalNode) -> bool:
    return not query(node, "SELECT 1 FROM forks") and not query(node, "SELECT 1 FROM frozen")


def test_a_restored_home_continues_after_its_newer_events_on_the_network(cluster: Cluster, tmp_path: Path) -> None:
    calais, bristol, cardiff = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff")])
    bristol.peers.append(calais.port)
    cardiff.peers.append(calais.port)
    for node in (calais, cardiff, bristol):
        cluster.start(node)
    first = publish_action(bristol, "Before the backup", region="bristol")
    cluster.wait(lambda: holds(calais, first), 15, "Bristol's first event on Calais")
    assert localnet.stop(bristol) == 0
    backup = tmp_path / "bristol-backup"
    shutil.copytree(bristol.home.path, backup)  # seconds after its node's last round

    cluster.start(bristol)
    newer = [publish_action(bristol, f"After the backup {i}", region="bristol") for i in range(2)]
    cluster.wait(lambda: all(holds(n, e) for n in (calais, cardiff) for e in newer), 15,
                 "Bristol's newer events on Calais and Cardiff")
    assert localnet.stop(bristol) == 0
    # The node stopped on its own home: its last round still counts there, a publish is signed at once.
    newer.append(publish_action(bristol, "After the node stopped", region="bristol"))
    cli(bristol, "sync", calais.address)
    network_head = seq_of(calais, newer[-1])

    # 1. Restored, node not running: publishing is refused with what to do, and nothing is signed,
    # though the backup's record of a round is minutes old.
    restore(bristol, backup)
    assert device_head(bristol) == network_head - 3
    refused = cli(bristol, "publish", "action", "--title", "Would fork", "--region", "bristol",
                  "--starts-at", "2031-06-01T18:00", "--type", "protest", ok=False)
    assert refused.returncode == 1, refused.stdout
    said = refused.stderr
    assert "restored from a backup or copied" in said and "sequence number" in said, said
    assert "solnet sync" in said and "--offline" in said and "freezes this device" in said and "Traceback" not in said
    assert device_head(bristol) == network_head - 3

    # 2. `solnet sync` fetches its own newer events (ordinary ingest); the next event continues after them.
    synced = cli(bristol, "sync", calais.address)
    assert "received" in synced.stdout, synced.stdout
    assert device_head(bristol) == network_head
    after_sync = publish_action(bristol, "After the sync", region="bristol")
    assert seq_of(bristol, after_sync) == network_head + 1
    network_head += 1
    cli(bristol, "sync", calais.address)  # the network holds it too before the home is lost again
    assert holds(calais, after_sync)

    # 3. Restored again, and started as a node while its peer is down: its own publishing is held
    # (a second writer is refused at once; `solnet publish` would wait for the first round).
    calais_proc = calais.proc
    assert localnet.stop(calais) == 0
    restore(bristol, backup)
    cluster.start(bristol)
    second_writer = bristol.home.log()
    try:
        with pytest.raises(InvalidEvent) as held:
            second_writer.append(bristol.home.keys(PASSPHRASE).device, "action", {
                "title": "Would fork too", "region": "bristol", "type": "protest", "starts_at": now_ms() + HOUR_MS})
    finally:
        second_writer.store.close()
    assert held.value.reason == chain_gate.NOT_CAUGHT_UP and "restored from a backup" in str(held.value)
    assert device_head(bristol) == 1
    assert "this home was restored from a backup or copied" in log_text(bristol)  # said as it starts

    # The peer is back: the first round brings the newer events; publishing continues after them.
    cluster.start(calais)
    assert calais.proc is not calais_proc
    cluster.wait(lambda: device_head(bristol) == network_head, 30, "the restored node fetching its own newer events")
    last = publish(bristol, "need", category="blankets", quantity=12, region="bristol")
    assert seq_of(bristol, last) == network_head + 1
    cluster.wait(lambda: holds(calais, last) and holds(cardiff, last), 20, "the new event accepted by every node")
    for node in (calais, bristol, cardiff):
        assert no_forks(node), f"{node.name} recorded a fork"
        assert chain_problems(node) == [], node.name
        assert status(node)["forks"] == 0 and status(node)["frozen_authors"] == []


def group_head(node: LocalNode, of: LocalNode | None = None) -> int:
    """The newest seq of `of`'s group key (default: `node`'s own) that `node` holds."""
    group = bytes.fromhex((of or node).home.config().group_id)
    return query(node, "SELECT coalesce(max(seq), 0) FROM events WHERE a=(SELECT k FROM keys WHERE key=?)", (group,))[0][0]


def damage(node: LocalNode) -> None:
    """An SD card's bad sectors: every page of the database but the first (its header) is garbage."""
    path = node.home.path / "solnet.db"
    data = bytearray(path.read_bytes())
    for page in range(1, len(data) // 4096):
        data[page * 4096: page * 4096 + 16] = b"\xa5" * 16
    path.write_bytes(bytes(data))


def test_a_damaged_database_is_rebuilt_from_the_network_as_the_error_says(cluster: Cluster, tmp_path: Path) -> None:
    """Bristol's database is damaged while the group that admitted it (Calais) lacks Bristol's newest
    events (Cardiff has them). Following the error's advice (a new invite from Calais, `join`, `sync`)
    brings every event back and signs nothing over them: joining again used to certify the device
    once more at the seq after Calais's copy of the group's chain, which the network already held (a
    fork of the group key, which freezes it everywhere), and the device could publish at once over
    its own earlier events (the invite names no peer, so nothing held it)."""
    calais, bristol, cardiff = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff")])
    cluster.start(cardiff)
    cli(bristol, "sync", cardiff.address)
    cli(calais, "sync", cardiff.address)  # Calais holds Bristol's chains as they were then
    newest = publish(bristol, "group.profile", name="Bristol", region="bristol", public_feeds="yes", **{"as": "group"})
    action = publish_action(bristol, "Before the damage", region="bristol")
    cli(bristol, "sync", cardiff.address)
    assert holds(cardiff, newest) and holds(cardiff, action) and not holds(calais, newest)
    head, inviter_knows = group_head(bristol), group_head(calais, of=bristol)
    assert 0 < inviter_knows < head
    damage(bristol)

    assert bristol.home.config().network_id is not None  # kept beside the keys, outside the database
    broken = cli(bristol, "status", ok=False)  # the damage, what to do, and the group id to ask an invite for
    assert broken.returncode == 4 and "Traceback" not in broken.stderr, broken.stderr
    said = broken.stdout
    assert "is damaged" in said and "solnet invite" in said and "solnet join" in said, said
    assert f"group id:  {bristol.home.config().group_id}" in said, said

    # What the error says, step by step.
    shutil.move(bristol.home.path / "solnet.db", tmp_path / "solnet.db.damaged")
    for suffix in ("-wal", "-shm"):
        (bristol.home.path / f"solnet.db{suffix}").unlink(missing_ok=True)
    gone = cli(bristol, "ls", ok=False)  # what a command needing the database says now
    assert "its database" in gone.stderr and "solnet invite" in gone.stderr and "join" in gone.stderr, gone.stderr
    said = cli(bristol, "status").stdout
    assert "its database is gone" in said and "solnet join FILE" in said, said
    before = status(bristol)
    assert before["database_lost_from"] == bristol.home.config().network_id and before["network_id"] is None
    group_id = before["group_id"]
    token = tmp_path / "bristol-again.token"
    cli(calais, "invite", group_id, "--out", str(token), "--offline")
    joined = cli(bristol, "join", str(token))
    assert "nothing was signed now" in joined.stdout and "solnet sync PEER" in joined.stdout, joined.stdout
    assert group_head(bristol) == inviter_knows, "joining again signed over the group's own chain"
    refused = cli(bristol, "publish", "action", "--title", "Too early", "--region", "bristol",
                  "--starts-at", "2031-06-01T18:00", "--type", "protest", ok=False)  # it has no peer configured
    assert refused.returncode == 1 and "solnet sync" in refused.stderr, refused.stderr
    assert query(bristol, "SELECT count(*) FROM peers") == [(0,)]
    cli(bristol, "sync", cardiff.address)
    assert holds(bristol, newest) and holds(bristol, action) and group_head(bristol) == head

    after = publish_action(bristol, "After the rebuild", region="bristol")
    cli(bristol, "sync", cardiff.address)
    assert holds(cardiff, after)
    for node in (bristol, cardiff):
        assert no_forks(node), f"{node.name} recorded a fork"
        assert status(node)["forks"] == 0 and status(node)["frozen_authors"] == []


def test_a_founding_groups_damaged_database_is_rebuilt_through_a_group_it_admitted(cluster: Cluster,
                                                                                  tmp_path: Path) -> None:
    """The founding group was never invited: the advice (ask a member group for a new invite) must
    say that a group it admitted makes one, and following it must work for the founder too."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    action = publish_action(calais, "Before the damage", region="calais")
    cluster.start(bristol)
    cli(calais, "sync", bristol.address)
    head = group_head(calais)
    damage(calais)
    said = cli(calais, "status", ok=False).stdout
    assert "a founding group too: any group it admitted can make one" in said, said

    shutil.move(calais.home.path / "solnet.db", tmp_path / "solnet.db.damaged")
    for suffix in ("-wal", "-shm"):
        (calais.home.path / f"solnet.db{suffix}").unlink(missing_ok=True)
    assert "a founding group too" in cli(calais, "status").stdout
    token = tmp_path / "calais-again.token"
    cli(bristol, "invite", calais.home.config().group_id, "--out", str(token), "--offline")
    joined = cli(calais, "join", str(token))
    assert "nothing was signed now" in joined.stdout, joined.stdout
    cli(calais, "sync", bristol.address)
    assert holds(calais, action) and group_head(calais) == head
    after = publish_action(calais, "After the rebuild", region="calais")
    cli(calais, "sync", bristol.address)
    assert holds(bristol, after) and no_forks(calais) and no_forks(bristol)


def test_a_copy_of_a_running_home_signs_nothing_on_the_strength_of_its_nodes_round(
        cluster: Cluster, tmp_path: Path) -> None:
    """A thief's `cp -r` of a home whose node runs and has just synced (or a member's, moving to a
    new Pi): the copy carries the record of the node's last round, minutes old, and signed on it at
    the seq the original signs next. The copy is taken with the node frozen (SIGSTOP): what a power
    cut would leave, which SQLite reads whole."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    bristol.peers.append(calais.port)
    for node in (calais, bristol):
        cluster.start(node)
    first = publish_action(bristol, "Before the copy", region="bristol")  # signed once its first round is done
    cluster.wait(lambda: holds(calais, first), 15, "Bristol's event on Calais")
    copy = tmp_path / "bristol-copy"
    assert bristol.proc is not None
    bristol.proc.send_signal(signal.SIGSTOP)
    try:
        shutil.copytree(bristol.home.path, copy, ignore=shutil.ignore_patterns("node.sock"))
    finally:
        bristol.proc.send_signal(signal.SIGCONT)
    head = device_head(bristol)

    refused = cli(copy, "publish", "action", "--title", "The copy's", "--region", "bristol",
                  "--starts-at", "2031-06-01T18:00", "--type", "protest", ok=False)
    said = refused.stderr
    assert refused.returncode == 1, refused.stdout
    assert "restored from a backup or copied" in said and "--offline" in said and "Traceback" not in said, said
    assert query(copy, "SELECT coalesce(max(seq), 0) FROM events WHERE a=(SELECT k FROM keys WHERE key=?)",
                 (bytes.fromhex(bristol.home.config().device_id),)) == [(head,)]
    after = publish_action(bristol, "The original goes on", region="bristol")  # the original is not held
    cluster.wait(lambda: holds(calais, after), 15, "the original's next event on Calais")
    assert seq_of(calais, after) == head + 1 and no_forks(calais)
