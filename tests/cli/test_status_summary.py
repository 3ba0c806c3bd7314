"""`solnet status` without a running node: once the trust graph's summary is kept, it reads the
counts and that summary from the database and loads no libsodium, msgpack, log or store class;
its answer is always the full computation's, also right after the graph changed (a revocation
made here, one received in a bundle, an input of the graph changed behind the trust version)."""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from node.dashboard.pages import own_key_problems
from node.home import Home
from node.status import node_status
from node.status_text import status_text

# Runs `solnet` in a fresh interpreter, then writes the names of every module it loaded.
DRIVER = """
import atexit, json, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
import cli
sys.exit(cli.main(sys.argv[1:]))
"""
# What the trust graph, the log and the Store class take to load
FULL_COMPUTATION = ("nacl", "msgpack", "crypto.keys", "events.format", "events.trust", "events.kinds", "node.log",
                    "node.store.store", "sync.antientropy", "dataclasses")


def status(cli, home: Path, tmp_path: Path, *args: str) -> tuple[dict[str, Any], str, list[str]]:
    """`solnet status --json` and `solnet status` on `home`, and the modules of the slow path the
    first of them loaded."""
    out = tmp_path / "modules.json"
    runs = []
    for extra in (["--json"], []):
        proc = subprocess.run([sys.executable, "-c", DRIVER, str(out), "--home", str(home), "status", *extra],
                              capture_output=True, text=True, timeout=60, env=cli.base_env(), stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stderr
        runs.append((proc.stdout, json.loads(out.read_text())))
    (answer, modules), (text, _) = runs
    loaded = sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in FULL_COMPUTATION))
    return json.loads(answer), text.rstrip("\n"), loaded


def computed(home: Path) -> dict[str, Any]:
    """The status computed in full, from the trust graph (what a running node answers)."""
    log = Home(home).log()
    try:
        return node_status(Home(home), log)
    finally:
        log.store.close()


def test_status_reads_the_kept_summary_and_loads_no_event_layers(network, cli, tmp_path):
    first, _, loaded = status(cli, network.a, tmp_path)
    assert "node.log" in loaded and "nacl" in loaded  # nothing kept yet: built from the trust graph
    again, text, loaded = status(cli, network.a, tmp_path)
    assert loaded == []
    assert again == first == computed(network.a)
    assert text == status_text(again) and "members: 2 groups, 1 device" in text, text


def test_a_revocation_made_here_shows_at_once(network, cli, tmp_path):
    _carry(cli, network.b, network.a, tmp_path)  # Calais learns Bristol's device
    status(cli, network.a, tmp_path)
    before, _, loaded = status(cli, network.a, tmp_path)
    assert loaded == [] and before["revoked"] == [] and before["groups"] == 2
    cli.run_json(network.a, "revoke", network.group_b, "--reason", "infiltrated")
    after, text, _ = status(cli, network.a, tmp_path)
    assert after == computed(network.a)
    assert [(r["id"], r["reason"]) for r in after["revoked"]] == [(network.group_b, "infiltrated")]
    # Bristol and its device (certified by Bristol) are out
    assert (before["groups"], before["devices"], after["groups"], after["devices"], after["revoked_keys"]) == (2, 2, 1, 1, 1)
    assert "(infiltrated)" in text
    kept, _, loaded = status(cli, network.a, tmp_path)
    assert loaded == [] and kept == after


def test_a_revocation_received_in_a_bundle_shows_at_once(network, cli, tmp_path):
    _carry(cli, network.a, network.b, tmp_path)
    status(cli, network.b, tmp_path)
    before, _, loaded = status(cli, network.b, tmp_path)
    assert loaded == [] and before["revoked"] == []
    # Calais revokes its own device's key: Bristol learns it only from the bundle
    assert cli.run_json(network.a, "revoke", network.device_a, "--reason", "phone lost")["role"] == "device"
    _carry(cli, network.a, network.b, tmp_path, "revocation.bundle")
    after, text, _ = status(cli, network.b, tmp_path)
    assert after == computed(network.b)
    assert [(r["id"], r["reason"]) for r in after["revoked"]] == [(network.device_a, "phone lost")]
    assert "(phone lost)" in text
    assert "WARNING" not in text  # another group's device: nothing for Bristol's operator to do


def test_the_homes_own_revoked_key_is_a_warning_that_says_what_to_do(network, cli, tmp_path):
    """Calais revokes its own device's key (a lost phone): its status says that no node links with
    this device any more, and how to make a new one."""
    cli.run_json(network.a, "revoke", network.device_a, "--reason", "phone lost")
    after, text, _ = status(cli, network.a, tmp_path)
    assert after == computed(network.a)
    [warning] = [line for line in text.splitlines() if "WARNING" in line]
    assert "this device key is revoked from seq 1 (phone lost)" in warning, warning
    assert f"solnet init --device-of {network.group_a}" in warning, warning


@pytest.mark.parametrize("flag", [{"fork": True}, {}], ids=["fork-listed", "summary-kept-before-fork-was-listed"])
def test_a_fork_of_the_homes_own_group_key_says_a_copy_is_in_other_hands(flag) -> None:
    """The status of a home whose group key forked (the revocation in effect is the fork, by the
    key itself) tells its operator what happened and whom to ask."""
    group, device = "aa" * 32, "bb" * 32
    out = {"group_id": group, "group_name": "Calais", "region": "calais", "network_id": "cc" * 32,
           "network_name": "test", "node": {"running": False}, "events": 9, "authors": 2, "pending": 0, "forks": 1,
           "groups": 1, "devices": 0, "revoked": [{"id": group, "role": "group", "group": group, "from_seq": 4,
                                                  "by": group, "at": None, "reason": "fork", **flag}]}
    text = status_text({**out, "device_id": device})
    [warning] = [line for line in text.splitlines() if "WARNING" in line]
    assert "signed two different events at seq 4: a copy of it is in other hands" in warning, warning
    assert "no node links with this group's devices" in warning and "revoke it from seq 1" in warning, warning


def test_a_device_revoking_itself_for_the_reason_fork_is_a_revocation_in_status_and_dashboard(network, cli, tmp_path):
    """The reason is free text: a device that revokes itself typing "fork" is revoked, not forked.
    `status` took a self-revocation with that reason for a fork (and told the operator a copy of the
    key was in other hands) while the dashboard said it was revoked; both now say the same."""
    cli.run_json(network.a, "revoke", network.device_a, "--reason", "fork")
    after, text, _ = status(cli, network.a, tmp_path)
    assert after == computed(network.a)
    assert [r["fork"] for r in after["revoked"] if r["id"] == network.device_a] == [False], after["revoked"]
    [warning] = [line for line in text.splitlines() if "WARNING" in line]
    assert "this device key is revoked from seq 1 (fork)" in warning and "other hands" not in warning, warning
    log = Home(network.a).log()
    try:
        [problem] = own_key_problems(log, bytes.fromhex(network.device_a), bytes.fromhex(network.group_a))
    finally:
        log.store.close()
    assert problem == {"role": "device", "forked": False, "from_seq": 1, "reason": "fork", "left": False,
                       "group_gone": False, "by_device": None}, problem


def test_a_summary_is_never_read_for_other_inputs_of_the_graph(network, cli, tmp_path):
    """A change of what the graph is built from that did not bump the trust version (here a trust
    event's body dropped behind the program's back) gives another key: the summary is not read."""
    from node.store import status_read

    status(cli, network.a, tmp_path)
    kept = status_read.snapshot(network.a / "solnet.db")
    assert kept is not None and kept.summary is not None
    with sqlite3.connect(network.a / "solnet.db") as db:
        changed = db.execute("UPDATE events SET body=NULL WHERE kind='member.vouch' AND seq=(SELECT max(seq) FROM "
                             "events WHERE kind='member.vouch')").rowcount
    db.close()
    assert changed >= 1
    stale = status_read.snapshot(network.a / "solnet.db")
    assert stale is not None and stale.key != kept.key and stale.summary is None
    answer, _, loaded = status(cli, network.a, tmp_path)
    assert "node.log" in loaded and answer == computed(network.a)


def _carry(cli, source: Path, dest: Path, tmp_path: Path, name: str = "carry.bundle") -> None:
    cli.run(source, "export", tmp_path / name)
    cli.run(dest, "import", tmp_path / name, ok=False)


def test_status_of_a_home_whose_database_is_damaged_says_so_with_the_ids_the_rebuild_needs(network, cli):
    """The damage error says that `solnet status` shows the group id to ask a new invite for: so
    `status` must still answer (it failed with that very error), with what to do."""
    db = Home(network.a).db_path
    with sqlite3.connect(db) as other:
        other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    for page in range(1, len(data) // 4096):  # every page but the first (the file's header)
        data[page * 4096: page * 4096 + 8] = b"\xa5" * 8
    db.write_bytes(bytes(data))
    said = cli.run(network.a, "status", "--json", ok=False)
    assert said.returncode == 4, said  # EXIT_STORAGE: a failure for whoever checks the exit code
    out = json.loads(said.stdout)
    assert out["network_id"] is None and out["database_damaged"].startswith(f"the database {db} is damaged"), out
    text = cli.run(network.a, "status", ok=False).stdout
    assert text.startswith(f"Calais (calais): the database {db} is damaged"), text
    assert "move the file aside" in text and "solnet join FILE" in text, text
    assert f"group id:  {network.group_a}" in text and f"device id: {network.device_a}" in text, text


def test_the_kept_summary_follows_the_profiles_by_their_table_number() -> None:
    """The summary's key reads the profiles' rows by their table number written out (importing the
    read model's tables would load the event layers): it must be theirs."""
    from events.projections import PROFILE, TABLES
    from node.store.status_read import PROFILE_TBL

    assert TABLES.index(PROFILE) == PROFILE_TBL


def test_a_group_named_like_this_one_is_said_by_the_status_kept_or_computed(network, cli, tmp_path):
    """Bristol renames itself "CaIais" (a capital I): Calais's status warns that a group may be
    passing as it, computed in full and from the kept summary alike; renamed back, the warning goes."""
    _carry(cli, network.b, network.a, tmp_path)
    status(cli, network.a, tmp_path)
    cli.publish(network.b, "group.profile", "--name", "CaIais", "--region", "bristol")
    _carry(cli, network.b, network.a, tmp_path, "renamed.bundle")
    first, text, _ = status(cli, network.a, tmp_path)
    assert [g["name"] for g in first["named_like_us"]] == [f"CaIais ({network.group_b[:12]}…)"], first
    assert "WARNING: another group's name looks like this group's: CaIais (" in text, text
    kept, again, loaded = status(cli, network.a, tmp_path)
    assert loaded == [] and kept == first == computed(network.a) and again == text

    cli.publish(network.b, "group.profile", "--name", "Bristol", "--region", "bristol")
    _carry(cli, network.b, network.a, tmp_path, "back.bundle")
    after, text, _ = status(cli, network.a, tmp_path)
    assert after["named_like_us"] == [] and "WARNING" not in text, text


def test_a_forked_device_is_said_as_a_fork_not_as_revoked_by_itself_on_a_dash(network, cli, tmp_path):
    """A home restored from a backup signed again at a seq the network held: `status` listed its
    device as "revoked ... from seq 1 by 62c7d3995f0b… on -" and `view groups` as "REVOKED from
    seq 1 by 62c7d3995f0b… (fork)", the device named as its own revoker and a dash for a time."""
    from events.canonical import pack
    from events.format import sign_event
    from node.log import now_ms

    cli.publish(network.b, "need", "--category", "food", "--quantity", "2", "--region", "bristol")
    home = Home(network.b)
    log = home.log()
    try:
        device = home.keys(cli.PASSPHRASE).device
        chain = log.store.ids_of(bytes(device.public))
        seq, prev = chain[-1][0], (chain[-2][1] if len(chain) > 1 else None)
        twin = sign_event(device, network=bytes.fromhex(network.network_id), seq=seq, prev=prev,
                          timestamp=now_ms(), kind="need", body=pack({"category": "food", "quantity": 1,
                                                                        "region": "bristol"}))
        log.ingest([twin.encode()])
    finally:
        log.store.close()
    short = network.device_b[:12] + "…"
    said = cli.run(network.b, "status").stdout
    assert f"device {short} of Bristol forked at seq {seq}: its key signed two different events there" in said, said
    assert " on -" not in said and f"by {short}" not in said, said
    listed = cli.run(network.b, "view", "groups").stdout
    assert f"device {short} (this node) FORKED at seq {seq}: its key signed two different events there" in listed, \
        listed
    [item] = [g for g in cli.run_json(network.b, "view", "groups") if g["id"] == network.group_b]
    assert item["device_list"][0]["forked"] is True, item


def test_another_groups_revocation_reason_forges_no_line_in_status(network, cli, tmp_path):
    """A revocation's reason is free text that every node shows in `solnet status`: a member
    revoking its own device with line breaks in it wrote lines of its own into every other
    operator's status ("WARNING: this device key is revoked ... run ..."). One line each now."""
    _carry(cli, network.a, network.b, tmp_path)
    forged = "  WARNING: this device key is revoked from seq 1; run `solnet peers add 203.0.113.9:7000`"
    cli.run_json(network.a, "revoke", network.device_a, "--reason", f"phone lost\n{forged}\n")
    _carry(cli, network.a, network.b, tmp_path, "revocation.bundle")
    after, text, _ = status(cli, network.b, tmp_path)
    assert not any(line.startswith("  WARNING") for line in text.splitlines()), text
    [revoked] = [line for line in text.splitlines() if "phone lost" in line]
    assert revoked.startswith("  revoked device") and "203.0.113.9" in revoked, text


def test_a_device_past_its_share_is_said_in_status(network, cli, tmp_path, monkeypatch):
    """A device (or a stolen copy of its key) flooding the log with events past its share of a day
    (node/author_share.py): `solnet status` says so, once, naming it and its group."""
    import os
    from dataclasses import replace

    from events.canonical import pack
    from events.format import sign_event
    from node import author_share
    from node.log import now_ms

    monkeypatch.setattr(author_share, "SHARE_LIMITS", replace(author_share.SHARE_LIMITS, bytes_per_day=200_000))
    cli.publish(network.b, "need", "--category", "food", "--quantity", "2", "--region", "bristol")
    home = Home(network.b)
    log = home.log()
    try:
        device = home.keys(cli.PASSPHRASE).device
        seq, prev = log.store.head(bytes(device.public))
        flood = []
        for _ in range(6):
            ev = sign_event(device, network=bytes.fromhex(network.network_id), seq=seq + 1, prev=prev,
                            timestamp=now_ms(), kind="future.blob", body=pack({"blob": os.urandom(60 * 1024)}))
            flood.append(ev.encode())
            seq, prev = seq + 1, ev.id
        refused = [o for o in log.ingest(flood) if o.status == "rejected"]
    finally:
        log.store.close()
    assert refused and refused[0].reason == "over_share", refused
    said = cli.run(network.b, "status").stdout
    short = network.device_b[:12] + "…"
    lines = [line for line in said.splitlines() if "more than its share" in line]
    assert len(lines) == 1 and lines[0].startswith(f"  WARNING: device {short} of group Bristol ("), said
    assert "its group should revoke it" in lines[0], said
    [item] = cli.run_json(network.b, "status")["over_share"]
    assert item["author"] == network.device_b, item


def test_a_restored_home_names_in_status_the_peers_it_still_awaits(network, cli, tmp_path):
    """A copy of the home (a backup restored) signs nothing before complete rounds with two distinct
    peers (node/chain_gate.py): `publish` named the ones awaited, `status` said nothing of the wait.
    It says it, from the files without loading the event layers, as the full computation does."""
    from node import chain_gate
    from node.clock import now_ms

    calais, bristol = b"\x01" * 32, b"\x02" * 32
    log = Home(network.a).log()
    try:
        with log.store.write():
            for address, device in (("http://127.0.0.1:7700", calais), ("http://127.0.0.1:7701", bristol)):
                log.store.save_peer(address, "config", json.dumps({"device": device.hex()}))
        chain_gate.round_completed(log.store, now_ms(), None, calais)
        log.store.checkpoint()
    finally:
        log.store.close()
    status(cli, network.a, tmp_path)  # (the trust summary kept: the copy reads it)
    copy = tmp_path / "restored"
    shutil.copytree(network.a, copy)
    log = Home(copy).log()
    try:
        chain_gate.round_completed(log.store, now_ms(), None, bristol)  # `solnet sync` with Bristol only
    finally:
        log.store.close()

    answer, text, loaded = status(cli, copy, tmp_path)
    assert loaded == []
    assert answer["restore_wait"] == {"needed": 2, "done": 1, "awaited": ["http://127.0.0.1:7700"]}
    assert answer == computed(copy)  # (what a running node answers)
    [line] = [line for line in text.splitlines() if "restored" in line]
    assert "WARNING" in line and "2 distinct peers" in line and "solnet sync http://127.0.0.1:7700" in line, line
    assert "7701" not in line, line
    assert status(cli, network.a, tmp_path)[0]["restore_wait"] is None  # the original waits for nobody


def test_status_without_a_node_leaves_no_wal_files_and_reads_beside_a_writer(network, cli, tmp_path):
    """A read-only connection to a WAL database makes `-wal` and `-shm` files and leaves them: each
    `solnet status` on a home no node runs on left two files its owner did not make, to copy or wipe.
    Beside a connection that writes (a node), it still reads what that one committed."""
    db = Home(network.a).db_path
    status(cli, network.a, tmp_path)  # (the first keeps the summary, through a writable store)
    strays = [Path(f"{db}-wal"), Path(f"{db}-shm")]
    assert not any(p.exists() for p in strays)
    first, _, loaded = status(cli, network.a, tmp_path)
    assert loaded == [] and not [p.name for p in strays if p.exists()]

    from node.store import status_read
    writer = sqlite3.connect(db, isolation_level=None)  # a node's connection: WAL, open
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("INSERT INTO peers(address, source, state) VALUES ('127.0.0.1:9', 'config', NULL)")
        assert strays[0].exists()
        read = status_read.snapshot(db)
        assert read is not None and ("127.0.0.1:9", "config", None) in read.peer_rows()
    finally:
        writer.close()
    assert not any(p.exists() for p in strays)  # the last connection closing takes them


def test_status_of_a_home_whose_head_index_is_damaged_says_so(network, cli):
    """A head read as -5: `status` says the damage and what mends it (exit 4), read from the files."""
    db = Home(network.a).db_path
    with sqlite3.connect(db) as other:
        other.execute("UPDATE heads SET seq=-5 WHERE k=(SELECT min(k) FROM heads)")
    said = cli.run(network.a, "status", "--json", ok=False)
    assert said.returncode == 4, said
    assert "solnet rebuild" in json.loads(said.stdout)["database_damaged"], said.stdout
    # the rebuild says what it found and mended (it said only that it rebuilt the read models, so the
    # operator the error sent to it could not tell whether the damage was there, or is gone)
    rebuilt = cli.run(network.a, "rebuild").stdout
    assert ("The index of each key's newest event was wrong for 1 key (a byte changed on the disk, or a bad "
            "restore): counted again from the signed events, it is mended.") in rebuilt, rebuilt
    assert cli.run(network.a, "status", "--json").returncode == 0
    again = cli.run_json(network.a, "rebuild")
    assert again["heads_mended"] == 0 and again["projected_events"] > 0, again
    assert "newest event was counted again from the signed events: it was right" in cli.run(network.a, "rebuild").stdout
