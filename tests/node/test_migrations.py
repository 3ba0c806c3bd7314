"""Upgrades in place: a database written by solnet 0.1.0 opens with this version, migrates where it
is, keeps every event, and its read models equal a rebuild; so does one of schema 9 (which alerts
are public); a database of a newer schema is refused with a message that says what to do."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from events.format import decode_event
from node.log import EventLog, now_ms
from node.store import SCHEMA_VERSION, Store, StoreError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PASSPHRASE = "fixture passphrase 0.1.0"


@pytest.fixture
def old_home(tmp_path: Path) -> Path:
    home = tmp_path / "calais"
    shutil.copytree(FIXTURES / "home-0.1.0", home)
    return home


def raw(path: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


def test_a_0_1_0_database_migrates_in_place_and_keeps_every_event(old_home: Path) -> None:
    db = old_home / "solnet.db"
    before = raw(db, "SELECT id, author, seq, header, sig, body, body_state FROM events ORDER BY n")
    projections_before = raw(db, "SELECT tbl, key, region, t, ref, vts, vid, data FROM proj ORDER BY tbl, key")
    assert raw(db, "PRAGMA user_version") == [(0,)] and len(before) == 18 and len(projections_before) == 12

    store = Store(db)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    log = EventLog(store)
    after = [(e.id, e.author, e.seq, e.header, e.sig, e.body, e.body_state) for e in store.all_events()]
    assert after == before  # every event, byte for byte
    assert raw(db, "SELECT kind FROM pending") == [("action",)]  # the kind filled in
    migrated = store.projection_dump()
    # every read-model row kept, pointing at the same event, with the same place and version
    assert sorted((t, k, r, tm, ref, vts, vid) for t, k, r, tm, ref, vts, vid, _ in projections_before) == \
        [tuple(row[:7]) for row in migrated]
    # heads and counts are kept as events are stored: they equal what the log holds
    assert sorted(store.heads()) == sorted({(a, s, i) for i, a, s, *_ in before if s == max(
        s2 for _, a2, s2, *_ in before if a2 == a)})
    assert store.count() == len(before)
    log.rebuild()
    assert store.projection_dump() == migrated
    assert store.integrity() == "ok"
    # The event kept aside in 0.1.0 goes in once the one before it arrives.
    outcomes = log.ingest([(FIXTURES / "bristol-gap.event").read_bytes()])
    assert [o.status for o in outcomes] == ["accepted"]
    assert store.pending_count() == 0 and store.count() == 20
    store.close()
    # Opening again is a no-op.
    again = Store(db)
    assert again.count() == 20
    again.close()


@pytest.mark.integration
def test_the_migrated_home_works_with_the_cli(old_home: Path) -> None:
    env = {"SOLNET_PASSPHRASE": PASSPHRASE, "TZ": "UTC", "PATH": "/usr/bin:/bin"}
    solnet = [str(Path(sys.executable).with_name("solnet")), "--home", str(old_home)]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*solnet, *args], capture_output=True, text=True, env=env, timeout=60,
                              stdin=subprocess.DEVNULL)

    status = run("status")
    assert status.returncode == 0, status.stderr
    shown = run("ls", "--kind", "support.request", "--json")
    assert shown.returncode == 0 and '"has_private": true' in shown.stdout
    published = run("publish", "need", "--category", "shoes", "--quantity", "6", "--region", "calais", "--offline")
    assert published.returncode == 0, published.stderr
    assert run("rebuild").returncode == 0


def test_a_database_of_a_newer_version_is_refused_with_a_clear_message(old_home: Path) -> None:
    db = old_home / "solnet.db"
    with closing(sqlite3.connect(db)) as conn:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    before = db.read_bytes()
    with pytest.raises(StoreError) as refused:
        Store(db)
    # The way the README installs solnet (`pip install -U` alone was no command: pip asks for a requirement)
    assert "newer solnet" in str(refused.value) and "git pull && .venv/bin/pip install -q -e ." in str(refused.value)
    assert db.read_bytes() == before  # untouched
    with pytest.raises(StoreError) as read_only:  # (it advised a writable command, which refuses it too)
        Store(db, readonly=True)
    assert str(read_only.value) == str(refused.value)
    assert db.read_bytes() == before


def test_events_and_wire_forms_survive_the_migration(old_home: Path) -> None:
    store = Store(old_home / "solnet.db")
    for e in store.all_events():
        decode_event(store.wire((e.header, e.sig, e.body)))  # every stored event still decodes and verifies its body hash
    store.close()


def test_a_schema_9_database_learns_which_alerts_are_public(net, tmp_path: Path) -> None:
    """Schema 10 keeps in each read-model row whether it is public (an alert marked public), for the
    public pages to choose those in SQL before their limit. A database of schema 9 migrates: the
    stored alerts marked public are found in their bodies, and the public page lists them; the rows
    equal what a rebuild makes."""
    from node import public_site
    from node_fixtures import wires

    now = now_ms()
    public = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "for everyone", "public": "yes"},
                             expires=now + 86_400_000)
    net.device.sign("alert", {"region": "calais", "type": "raid", "text": "members only"}, expires=now + 86_400_000)
    db = tmp_path / "calais.db"
    log = net.new_log(db)
    log.ingest(wires(net.group.made + net.device.made))
    log.store.close()
    with closing(sqlite3.connect(db)) as conn:  # as schema 9 wrote it
        conn.execute("DROP INDEX proj_public")
        conn.execute("DROP INDEX proj_public_by_group")
        conn.execute("ALTER TABLE proj DROP COLUMN pub")
        conn.execute("PRAGMA user_version=9")
        conn.commit()

    log = EventLog(Store(db))
    try:
        assert log.store.schema_version() == SCHEMA_VERSION
        assert [a["id"] for a in public_site.public_data(log, now).alerts] == [public.id]
        migrated = log.store.projection_dump()
        assert [r.key for r in migrated if r.public] == [public.id]
        log.rebuild()
        assert log.store.projection_dump() == migrated
    finally:
        log.store.close()
