"""Panic wipe: keys, private parts and peer addresses are gone from disk within seconds, even
while the node runs; the public log stays unless --all."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from node import wipe as wipe_module
from node.demo import localnet
from node.home import Home
from node.private import seal_private
from node.store import Store

pytestmark = pytest.mark.integration  # `solnet wipe` and `solnet run` as processes

PASS = "wipe test passphrase"


def _solnet(home: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([*localnet.solnet_command(), "--home", str(home), *args], capture_output=True, text=True,
                          env={**os.environ, "SOLNET_PASSPHRASE": PASS}, stdin=subprocess.DEVNULL, timeout=60)
    assert (proc.returncode == 0) == ok, proc.stderr
    return proc


def _network_with_a_private_request(tmp_path: Path) -> tuple[localnet.LocalNode, localnet.LocalNode, bytes]:
    calais, bristol = localnet.create_network(tmp_path, [("Calais", "calais"), ("Bristol", "bristol")], PASS)
    home = calais.home
    keys = home.keys(PASS)
    log = home.log()
    sealed = seal_private("Name, age 14, at the bus station", log.trust, [], bytes(keys.group.public))
    log.append(keys.device, "support.request", {"region": "calais", "type": "housing", "people": "1",
                                                "urgency": "high", "sealed": sealed})
    log.store.close()
    return calais, bristol, sealed


def test_wipe_while_running_destroys_keys_private_parts_and_peers(tmp_path: Path) -> None:
    calais, bristol, sealed = _network_with_a_private_request(tmp_path)
    calais.peers.append(bristol.port)
    localnet.start(calais, PASS, sync_interval=1)
    try:
        assert (why := localnet.wait_started(calais)) is None, why
        assert localnet.wait_until(lambda: _runtime_pid(calais.home) == calais.proc.pid, 15)  # (saved as it listens)
        keystore = calais.home.keystore_path.read_bytes()
        config = calais.home.config_path.read_bytes()
        salt = calais.home.admin_salt_path.read_bytes()  # made by the running node's API
        out = json.loads(_solnet(calais.home.path, "wipe", "--yes", "--json").stdout)
        assert calais.proc.wait(10) is not None  # the running node was stopped
        assert out["stopped_pid"] == calais.proc.pid and out["seconds"] < 10
        assert out["private_parts_dropped"] == 1 and out["peers_forgotten"] >= 1
    finally:
        localnet.stop(calais)
    assert not calais.home.keystore_path.exists()
    # Nothing says which group this node was: config.json (name, ids) and the admin token go too.
    # (node.log is this test's capture of the node's output, not a file the node writes; node.lock
    # is the one-node-per-home lock and node.starting the mark of a `solnet run` not serving yet,
    # each holding at most a pid.)
    assert {f.name for f in calais.home.path.iterdir()} <= {"solnet.db", "solnet.db-wal", "solnet.db-shm", "node.log",
                                                          "node.lock", "node.starting"}
    assert {"keystore", "config.json", "admin-token.salt"} <= set(out["files_destroyed"])
    for f in calais.home.path.iterdir():
        data = f.read_bytes()
        assert keystore[-64:] not in data and sealed[-64:] not in data, f.name
        assert config not in data and salt.strip() not in data, f.name
        assert f"127.0.0.1:{bristol.port}".encode() not in data, f.name
    store = Store(calais.home.db_path)
    assert store.count() > 0  # the public log stays
    store.close()
    # when this home stored each event (schema 20, for `export --since`) says when it was online and
    # when a courier came: it goes with the runtime facts
    with closing(sqlite3.connect(calais.home.db_path)) as db:
        assert db.execute("SELECT count(*) FROM arrived").fetchone() == (0,)
    refused = _solnet(calais.home.path, "publish", "need", "--category", "tents", "--quantity", "1", "--region",
                      "calais", ok=False)
    assert "was wiped" in refused.stderr and "new folder" in refused.stderr, refused.stderr


def test_wipe_all_removes_the_home(tmp_path: Path) -> None:
    calais, _, _ = _network_with_a_private_request(tmp_path)
    calais.admin_token()
    calais.home.old_admin_token_path.write_text("a token kept by an earlier version\n")
    out = json.loads(_solnet(calais.home.path, "wipe", "--yes", "--all", "--json").stdout)
    assert not calais.home.path.exists()
    assert {"keystore", "config.json", "admin-token.salt", "admin-token", "solnet.db"} <= set(out["files_destroyed"])


def test_leftovers_of_interrupted_writes_go_too(tmp_path: Path) -> None:
    calais, _, _ = _network_with_a_private_request(tmp_path)
    home = calais.home.path
    leftovers = [home / "keystore.tmp", home / "config.json.tmp", home / ".admin-token.4242.tmp"]
    for path in leftovers:
        path.write_bytes(b"half-written secret")
    _solnet(home, "wipe", "--yes")
    assert not any(path.exists() for path in leftovers)
    assert {f.name for f in home.iterdir()} <= {"solnet.db", "solnet.db-wal", "solnet.db-shm", "node.starting"}


def test_wipe_needs_confirmation_when_not_in_a_terminal(tmp_path: Path) -> None:
    calais, _, _ = _network_with_a_private_request(tmp_path)
    refused = _solnet(calais.home.path, "wipe", ok=False)
    assert "--yes" in refused.stderr
    assert calais.home.keystore_path.exists()


def _runtime_pid(home: Home) -> int | None:
    store = Store(home.db_path)
    try:
        raw = store.get_meta("runtime")
    finally:
        store.close()
    return json.loads(raw)["pid"] if raw else None


def test_wipe_drops_sealed_case_notes_and_unused_login_links(tmp_path: Path) -> None:
    calais, _, sealed = _network_with_a_private_request(tmp_path)
    log = calais.home.log()
    keys = calais.home.keys(PASS)
    request = log.store.list_events(kind="support.request", limit=1)[0].id
    note = seal_private("Host at 12 Acacia Road", log.trust, [], bytes(keys.group.public))
    log.append(keys.device, "support.claim", {"request": request, "sealed": note})
    public = log.append(keys.device, "support.close", {"request": request, "outcome": "resolved", "note": "done"})
    log.store.close()
    link = json.loads(_solnet(calais.home.path, "dashboard-link", "--base-url", "http://127.0.0.1:1", "--json").stdout)
    assert any((calais.home.path / "login-links").iterdir()), link
    out = json.loads(_solnet(calais.home.path, "wipe", "--yes", "--json").stdout)
    assert out["private_parts_dropped"] == 2  # the request and the sealed claim; the public close stays
    assert not (calais.home.path / "login-links").exists()
    store = Store(calais.home.db_path)
    try:
        assert store.event_row(public.id)[8] is not None
        for f in calais.home.path.iterdir():
            data = f.read_bytes()
            assert note[-64:] not in data and sealed[-64:] not in data, f.name
    finally:
        store.close()


def test_wipe_drops_the_bodies_of_events_for_chosen_groups(tmp_path: Path) -> None:
    from node import publishing

    calais, _, _ = _network_with_a_private_request(tmp_path)
    log = calais.home.log()
    sealed = publishing.publish(log, calais.home.keys(PASS), "action", {
        "title": "Blockade at dawn", "region": "calais", "type": "direct_action", "starts_at": "2031-06-01T05:00"},
        to=["Calais"])
    log.store.close()
    out = json.loads(_solnet(calais.home.path, "wipe", "--yes", "--json").stdout)
    assert out["private_parts_dropped"] == 2  # the request's private part and the sealed action
    store = Store(calais.home.db_path)
    try:
        assert store.event_row(sealed.id).body is None  # the signed header stays, the envelope is gone
    finally:
        store.close()


@pytest.mark.parametrize("how", ["relative", "equals", "env", "default"])
def test_the_node_is_found_by_its_command_line_when_the_home_cannot_be_read(tmp_path: Path, how: str) -> None:
    """On a failing disk the runtime record and the lock cannot be read: the wipe finds the node
    holding the keys by its command line, however the home was given to it."""
    home = Home(tmp_path / (".solnet" if how == "default" else "calais"))
    env = {k: v for k, v in os.environ.items() if k != "SOLNET_HOME"}
    args = ["run"]
    if how == "relative":
        args = ["--home", "calais", "run"]
    elif how == "equals":
        args = [f"--home={home.path}", "run"]
    elif how == "env":
        env["SOLNET_HOME"] = str(home.path)
    else:
        env["HOME"] = str(tmp_path)
    # A stand-in with a node's command line (the word solnet, the run command), in the folder given.
    fake = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)  # solnet", *args], cwd=tmp_path,
                            env=env)
    try:
        assert localnet.wait_until(lambda: b"sleep(60)" in Path(f"/proc/{fake.pid}/cmdline").read_bytes(), 5)
        assert wipe_module._pid_by_command_line(home) == fake.pid
        assert wipe_module._pid_by_command_line(Home(tmp_path / "bristol")) is None
    finally:
        fake.kill()
        fake.wait(5)


def _files_holding(folder: Path, needle: bytes) -> list[str]:
    return sorted(f.name for f in folder.iterdir() if f.is_file() and needle in f.read_bytes())


def test_a_wipe_a_reader_holds_back_says_so(tmp_path: Path, monkeypatch) -> None:
    """A command reading the database (or a backup tool) keeps the WAL from being emptied, and the
    deleted sealed part and peer address in it: the wipe said all was done. It tries again for a
    while, then says what is left and what to do."""
    calais, _, sealed = _network_with_a_private_request(tmp_path)
    monkeypatch.setattr(wipe_module, "RECLAIM_PATIENCE_S", 0.3)
    with closing(sqlite3.connect(calais.home.db_path)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM events").fetchone()  # a read transaction, held open
        report = wipe_module.wipe(calais.home)
        assert len(report.failed) == 1 and "another program reads the database" in report.failed[0], report.failed
    report = wipe_module.wipe(calais.home)  # again, once the reader is gone: all done
    assert report.failed == []
    assert _files_holding(calais.home.path, sealed) == []


def test_a_database_of_a_newer_solnet_is_wiped_table_by_table(tmp_path: Path) -> None:
    """A newer solnet ran on this home (its schema is newer than this one reads): the wipe left the
    sealed parts and the peer list where they were, and said the disk was failing."""
    calais, _, sealed = _network_with_a_private_request(tmp_path)
    log = calais.home.log()
    log.append(calais.keys.device, "node.announce", {"addresses": ["http://127.0.0.74:7700"]})
    log.store.close()
    store = Store(calais.home.db_path)
    with store.write():
        store.save_peer("127.0.0.1:7701", "config")
    store.close()
    with closing(sqlite3.connect(calais.home.db_path)) as db:
        db.execute("PRAGMA user_version=99")
        db.commit()
    report = wipe_module.wipe(calais.home)
    assert report.failed == [] and report.private_parts_dropped == 1 and report.peers_forgotten == 1
    assert _files_holding(calais.home.path, sealed) == []
    assert _files_holding(calais.home.path, b"127.0.0.1:7701") == []
    assert _files_holding(calais.home.path, b"127.0.0.74") == []  # where a node is (node.announce)


def test_a_wiped_home_can_be_wiped_whole_and_says_how_to_take_part_again(tmp_path: Path) -> None:
    """After a wipe the home keeps its public events and no config: `wipe --all` refused it ("no
    solnet node here"), and the advice to `solnet init` there led to "already in a network"."""
    calais, _, _ = _network_with_a_private_request(tmp_path)
    first = _solnet(calais.home.path, "wipe", "--yes").stdout
    assert "new folder" in first and "wipe --all" in first, first
    _solnet(calais.home.path, "wipe", "--yes", "--all")
    assert not calais.home.path.exists()


def test_status_and_init_in_a_wiped_home_say_it_was_wiped_and_what_to_do(tmp_path: Path) -> None:
    """After a wipe, `status` said "no solnet node in HOME: run `solnet --home HOME init ...` first";
    init there then made keys, and join refused them: "this node is already in a network"."""
    calais, _, _ = _network_with_a_private_request(tmp_path)
    home = calais.home.path
    _solnet(home, "wipe", "--yes")
    said = _solnet(home, "status", ok=False)
    assert said.returncode == 3 and "was wiped" in said.stderr, said.stderr
    assert "new folder" in said.stderr and f"solnet --home {home} wipe --all" in said.stderr, said.stderr
    made = _solnet(home, "init", "--group", "Calais", "--region", "calais", ok=False)
    assert made.returncode == 3 and "was wiped" in made.stderr and "wipe --all" in made.stderr, made.stderr
    assert sorted(p.name for p in home.iterdir() if p.name in ("config.json", "keystore")) == []


def _wires(store: Store) -> list[bytes]:
    from node.store.events import wire_of

    return [wire_of(ev.header, ev.sig, ev.body) for ev in store.all_events()]


def _heads(home: Home) -> list:
    store = Store(home.db_path)
    try:
        return sorted(store.heads())
    finally:
        store.close()


def test_wipe_forgets_where_other_nodes_are_and_still_serves_their_chains(tmp_path: Path) -> None:
    """The wipe said "peers forgotten", and the database still named where every announcing node
    was: the bodies of their node.announce events, in clear, each tied to its group; and the record
    of rounds named the peers that answered. Now the bodies go (in the database, its WAL and its
    shared memory), their signed headers stay: the chains and heads are those of before (no fork),
    and a peer given those events (stubs) takes them and fills their bodies from another node."""
    from node.outcome import ACCEPTED

    calais, bristol, cardiff = localnet.create_network(
        tmp_path, [("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff")], PASS)
    hosts = {"Calais": b"127.0.0.71", "Bristol": b"127.0.0.72", "Cardiff": b"127.0.0.73"}
    for node in (calais, bristol, cardiff):
        log = node.home.log()
        log.append(node.keys.device, "node.announce", {"addresses": [f"http://{hosts[node.name].decode()}:7700"]})
        log.store.close()
    gathered = calais.home.log()
    for node in (bristol, cardiff):
        source = Store(node.home.db_path)
        assert all(o.status != "rejected" for o in gathered.ingest(_wires(source)))
        source.close()
    assert gathered.store.count_of_kind("node.announce") == 3
    peer = "ab" * 32
    with gathered.store.write():
        gathered.store.set_meta("own_chain", json.dumps({"pid": None, "started": None, "confirmed": 5, "copy": "x:y",
                                                         "restored": True, "peers": [peer]}).encode())
    gathered.store.close()
    before = _heads(calais.home)

    _solnet(calais.home.path, "wipe", "--yes")

    for host in hosts.values():
        assert _files_holding(calais.home.path, host) == [], host
    assert _files_holding(calais.home.path, peer.encode()) == []
    assert _heads(calais.home) == before  # every chain as it was: nothing looks forked
    wiped = Store(calais.home.db_path)
    try:
        announces = [ev for ev in wiped.all_events() if ev.kind == "node.announce"]
        assert len(announces) == 3 and all(ev.body is None for ev in announces)
        kept = json.loads(wiped.get_meta("own_chain"))
        assert kept["peers"] == [] and kept["confirmed"] == 5 and kept["restored"] is True  # still held before a round
        served = _wires(wiped)
    finally:
        wiped.close()
    # What the wiped node sends a peer: Bristol lacks Cardiff's events; it takes them from the wiped
    # node (the announce without its body), then the body from Cardiff itself.
    log = bristol.home.log()
    try:
        outcomes = log.ingest(served)
        assert all(o.status in (ACCEPTED, "duplicate") for o in outcomes), outcomes
        cardiffs = log.store.list_events(kind="node.announce")
        stub = next(ev for ev in cardiffs if ev.author == bytes(cardiff.keys.device.public))
        assert stub.body is None and stub.id in log.store.missing_bodies(10)
        whole = Store(cardiff.home.db_path)
        log.ingest(whole.wires_by_id([stub.id]))
        whole.close()
        assert log.store.event_row(stub.id).body is not None
        assert sorted(log.store.heads()) == before
    finally:
        log.store.close()


def test_the_passphrase_file_named_in_the_environment_is_destroyed_too(tmp_path: Path, monkeypatch) -> None:
    """A service's $SOLNET_PASSPHRASE_FILE (outside the home, as the README advises) opens any copy of
    the keystore taken before the wipe: it was left in plaintext, unmentioned."""
    calais, _, _ = _network_with_a_private_request(tmp_path)
    secret = tmp_path / "etc" / "passphrase"
    secret.parent.mkdir()
    secret.write_text(PASS + "\n")
    secret.chmod(0o600)
    _unlocked_by(calais.home, secret, monkeypatch)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
    proc = subprocess.run([*localnet.solnet_command(), "--home", str(calais.home.path), "wipe", "--yes", "--all"],
                          capture_output=True, text=True, env={**env, "SOLNET_PASSPHRASE_FILE": str(secret)},
                          stdin=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert not secret.exists() and not calais.home.path.exists()
    assert f"passphrase file {secret}: overwritten and deleted" in proc.stdout, proc.stdout
    # what the wipe cannot reach is said: the shell's history of the commands typed here
    assert "not touched: your shell's history" in proc.stdout and "history -c && history -w" in proc.stdout


def test_without_the_variable_the_wipe_says_to_destroy_a_passphrase_file(tmp_path: Path) -> None:
    calais, _, _ = _network_with_a_private_request(tmp_path)
    said = _solnet(calais.home.path, "wipe", "--yes").stdout
    assert "if a file outside this home holds this node's passphrase" in said and "shred -u" in said, said


def test_the_wipe_stops_a_node_whose_proc_entries_it_cannot_read(tmp_path: Path, monkeypatch) -> None:
    """A node forbids core dumps (node/no_core_dump.py), so Linux hides its /proc/PID/cwd and
    environ from other processes of its user: the wipe, run by that user, could not confirm the
    node's pid there, did not stop it, and the node ran on with its keys unlocked. The node holding
    the home's lock is the node: stopped all the same."""
    calais, _bristol, _sealed = _network_with_a_private_request(tmp_path)
    localnet.start(calais, PASS, sync_interval=3600)
    try:
        assert (why := localnet.wait_started(calais)) is None, why
        assert localnet.wait_until(lambda: _runtime_pid(calais.home) == calais.proc.pid, 15)  # (saved as it listens)
        monkeypatch.setattr(wipe_module, "_runs_home", lambda pid, home, run=False: False)  # /proc hidden
        assert wipe_module._stop_running_node(Home(calais.home.path)) == calais.proc.pid
        assert calais.proc.wait(10) is not None
    finally:
        localnet.stop(calais)


def _unlocked_by(home: Home, secret: Path, monkeypatch) -> None:
    """`home`'s keys unlocked by the passphrase file `secret`, as a service's `solnet run` does."""
    with monkeypatch.context() as m:
        m.delenv("SOLNET_PASSPHRASE", raising=False)
        m.setenv("SOLNET_PASSPHRASE_FILE", str(secret))
        Home(home.path).keys()


def test_the_wipe_leaves_a_passphrase_file_that_never_unlocked_this_home(tmp_path: Path, monkeypatch) -> None:
    """A shell set up for the real node ($SOLNET_PASSPHRASE_FILE exported) wiped a test home: the
    real node's passphrase file was destroyed, and that node could no longer start. Only the file
    that unlocked the wiped home goes; the other is left, and said."""
    calais, _, _ = _network_with_a_private_request(tmp_path / "test")
    real = tmp_path / "etc" / "real-passphrase"
    real.parent.mkdir()
    real.write_text("the real node's passphrase, not this one\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
    proc = subprocess.run([*localnet.solnet_command(), "--home", str(calais.home.path), "wipe", "--yes", "--json"],
                          capture_output=True, text=True, env={**env, "SOLNET_PASSPHRASE_FILE": str(real)},
                          stdin=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert real.read_text().startswith("the real node's passphrase")
    assert out["passphrase_file"] is None and "never unlocked this home's keys" in out["passphrase_file_left"], out


def test_a_passphrase_file_overwritten_but_not_deleted_is_said_so(tmp_path: Path, monkeypatch) -> None:
    """The README's service keeps its passphrase file in /etc/solnet/, a folder of root's, the file the
    node's user's: the wipe, run as that user, overwrites it but cannot delete it. It said the file
    "was NOT destroyed: destroy it yourself", as if it still held the passphrase. (The folder is
    root's only in words here: the tests run as root, so the unlink is what refuses.)"""
    from node import render

    calais, _, _ = _network_with_a_private_request(tmp_path)
    secret = tmp_path / "etc" / "passphrase"
    secret.parent.mkdir()
    secret.write_text(PASS + "\n")
    _unlocked_by(calais.home, secret, monkeypatch)
    unlink = Path.unlink

    def refused(path: Path, missing_ok: bool = False) -> None:
        if path == secret:
            raise PermissionError(13, "Permission denied", str(path))
        unlink(path, missing_ok=missing_ok)
    monkeypatch.setattr(Path, "unlink", refused)
    report = wipe_module.wipe(Home(calais.home.path))
    assert secret.exists() and PASS.encode() not in secret.read_bytes()
    assert report.passphrase_file == str(secret) and report.passphrase_file_not_deleted == "Permission denied"
    said = render.wipe_text(report, str(calais.home.path))
    assert (f"passphrase file {secret}: overwritten with random bytes (it no longer holds the passphrase) but not "
            f"deleted (Permission denied") in said and f"sudo rm {secret}" in said, said
    assert "NOT destroyed" not in said
