"""Upgrades in place: MIGRATIONS[v] turns a database of schema v into v + 1, inside one transaction
(the caller's), on the raw connection. 0.1.0 wrote schema 1 (user_version 0, meta schema_version '1')."""
from __future__ import annotations

import sqlite3
from typing import Callable

import msgpack

from events.projections import ALERT, FUNDRAISER, PROFILE, PUBLIC_YES, TABLES
from node.clock import now_ms
from node.store.schema import (ACTION_TBL, ARRIVED_SCHEMA, BY_REF_SCHEMA, DESK_SCHEMA, FILLED_SCHEMA, FORGED_SCHEMA, FORKED_SCHEMA, FROZEN_CLAIMS_SCHEMA, FROZEN_REVOCATIONS_SCHEMA,
                               IDS_SCHEMA, LAPSE_LAG_MS, LAPSE_MARK, LAPSE_SCHEMA, LAPSING_TBLS, MISSING_SCHEMA,
                               MARKS_OWED, MAY_LAPSE, PENDING_AGE_SCHEMA, PUBLIC_SCHEMA, REGIONS_SCHEMA, SCHEMA,
                               URGENT_SCHEMA, id_number, short_header)


def _migrate_1_to_2(db: sqlite3.Connection) -> None:
    """0.2: events kept aside say their kind (the trust graph reads the trust events among them);
    redactions are remembered by id. The kinds of rows already kept aside are read from their wire."""
    db.execute("ALTER TABLE pending ADD COLUMN kind TEXT")
    for event_id, wire in db.execute("SELECT id, wire FROM pending").fetchall():
        try:
            kind = msgpack.unpackb(msgpack.unpackb(wire)[0])[6]
        except (ValueError, TypeError, IndexError, msgpack.UnpackException):
            kind = None
        db.execute("UPDATE pending SET kind=? WHERE id=?", (kind if isinstance(kind, str) else None, event_id))
    db.execute("CREATE TABLE IF NOT EXISTS redactions(id BLOB PRIMARY KEY, author BLOB NOT NULL) WITHOUT ROWID")


_V2_INDEXES = ("events_by_time", "events_by_kind", "events_trust", "events_announce", "events_expiring",
               "proj_by_event", "proj_lww", "proj_by_region", "proj_newest", "proj_by_time", "proj_by_ref")


def _migrate_2_to_3(db: sqlite3.Connection) -> None:
    """0.3: keys numbered once; headers stored without network and author; read-model rows without
    a copy of their data; heads kept as events are stored; ids indexed by their first 8 bytes. The
    events keep their row numbers, so the read-model rows keep pointing at them."""
    db.execute("ALTER TABLE events RENAME TO events_v2")
    db.execute("ALTER TABLE proj RENAME TO proj_v2")
    for name in _V2_INDEXES:
        db.execute(f"DROP INDEX IF EXISTS {name}")
    _add_pending_stored(db)  # the schema below indexes it
    for statement in SCHEMA.split(";\n"):
        if statement.strip():
            db.execute(statement)
    key_no: dict[bytes, int] = {}

    def k(key: bytes) -> int:
        if key not in key_no:
            key_no[key] = db.execute("INSERT INTO keys(key) VALUES (?)", (key,)).lastrowid
        return key_no[key]

    network = None
    last = 0
    while True:
        rows = db.execute("SELECT n, id, author, seq, ts, kind, expires, body_state, header, sig, body FROM events_v2 "
                          "WHERE n > ? ORDER BY n LIMIT 5000", (last,)).fetchall()
        if not rows:
            break
        if network is None:
            network = rows[0][8][4:36]
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('network_id', ?)", (network,))
        db.executemany("INSERT INTO events(n, id, a, seq, ts, kind, expires, body_state, header, sig, body) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       [(n, i, k(author), seq, ts, kind, exp, state, short_header(header, network, author), sig, body)
                        for n, i, author, seq, ts, kind, exp, state, header, sig, body in rows])
        last = rows[-1][0]
    db.execute("INSERT INTO heads(k, seq, id) SELECT a, max(seq), id FROM events GROUP BY a")
    tables = {name: i for i, name in enumerate(TABLES)}
    rows = []
    region_no = _number_regions(db)
    for tbl, key, region, t, ref, vts, vid, data, n in db.execute(
            "SELECT tbl, key, region, t, ref, vts, vid, data, n FROM proj_v2").fetchall():
        if tbl not in tables:
            continue
        group = msgpack.unpackb(data, raw=False).get("group")
        rows.append((n, tables[tbl], k(group), region_no(region), t, ref, vts, id_number(vid), k(key) if tbl == PROFILE else None))
    db.executemany("INSERT OR REPLACE INTO proj(n, tbl, g, region, t, ref, vts, vid, lww) VALUES (?,?,?,?,?,?,?,?,?)",
                   rows)
    db.execute("DROP TABLE proj_v2")
    db.execute("DROP TABLE events_v2")


def _number_regions(db: sqlite3.Connection) -> Callable[[str | None], int | None]:
    """The number of a region name in `regions`, numbering it if it has none: the proj that schema 3
    makes is this schema's (its region a number, schema 17), so schema 2's rows are numbered as
    they are copied into it (a name there would be taken for a number if it looked like one)."""
    region_no: dict[str, int] = {}

    def r(name: str | None) -> int | None:
        if name is None:
            return None
        if name not in region_no:
            found = db.execute("SELECT r FROM regions WHERE name=?", (name,)).fetchone()
            region_no[name] = found[0] if found else db.execute(
                "INSERT INTO regions(name) VALUES (?)", (name,)).lastrowid
        return region_no[name]
    return r


def _migrate_3_to_4(db: sqlite3.Connection) -> None:
    """0.4: the read model's time index holds actions only (the rows listed by time); the other
    rows' entries were random inserts that no query walked. Rows and events are unchanged."""
    db.execute("DROP INDEX IF EXISTS proj_by_time")
    db.execute(f"CREATE INDEX proj_by_time ON proj(tbl, region, t, vid) WHERE tbl = {ACTION_TBL}")


def _migrate_4_to_5(db: sqlite3.Connection) -> None:
    """0.5: the ids are indexed in two parts (schema.IDS_SCHEMA) instead of one index, whose random
    inserts wrote a page per event at a million events. `ids` is filled from the events in key
    order; `ids_new` starts empty. (A home migrated from schema 2 got the tables with schema 3's.)"""
    db.execute("DROP INDEX IF EXISTS events_by_id")
    # One statement at a time: executescript would commit the caller's transaction.
    for statement in IDS_SCHEMA.strip().split(";\n"):
        db.execute(statement)
    db.execute("DELETE FROM ids_new")  # (empty unless the tables were there already: filled from the events alone)
    db.execute("DELETE FROM ids")
    db.execute("INSERT INTO ids(p, n) SELECT substr(id, 1, 8), n FROM events ORDER BY 1, 2")


def _migrate_5_to_6(db: sqlite3.Connection) -> None:
    """0.6: a frozen key's revocations signed past its fork point are kept (they still count).
    Those that schema 5 dropped at a fork are gone on every node that ran it; new ones are kept."""
    for statement in FROZEN_REVOCATIONS_SCHEMA.strip().split(";\n"):
        db.execute(statement)


def _migrate_6_to_7(db: sqlite3.Connection) -> None:
    """0.7: a frozen key's vouches signed past its fork point are kept as claims (they count in who
    claims which key). Those that schema 6 dropped at a fork come back when a peer sends them."""
    db.execute(FROZEN_CLAIMS_SCHEMA.strip().rstrip(";"))


def _migrate_7_to_8(db: sqlite3.Connection) -> None:
    """0.8: the events of a frozen device past its fork point are kept a while (schema.FORKED_SCHEMA),
    so a revocation by its group that pins its chain brings its past back. Those that schema 7
    deleted at a fork come back from a peer that never learnt of the fork, if any. Events that a
    revocation took out of the log wait aside without a share and longer (`pending.stored`); those
    kept aside before are counted as received (schema 7 kept them so)."""
    for statement in FORKED_SCHEMA.strip().split(";\n"):
        db.execute(statement)
    _add_pending_stored(db)


def _add_pending_stored(db: sqlite3.Connection) -> None:
    """Give `pending` its `stored` and `expires` columns and the indexes that read them (schema 8), once."""
    if not any(row[1] == "stored" for row in db.execute("PRAGMA table_info(pending)")):
        db.execute("ALTER TABLE pending ADD COLUMN stored INTEGER NOT NULL DEFAULT 0")
        db.execute("ALTER TABLE pending ADD COLUMN expires INTEGER")  # (bodies kept aside before keep theirs)
        db.execute("DROP INDEX IF EXISTS pending_by_age")
    for statement in PENDING_AGE_SCHEMA.strip().split(";\n"):
        db.execute(statement)


def _migrate_8_to_9(db: sqlite3.Connection) -> None:
    """0.9: events of a device refused as off the chain its group pinned are kept a while
    (schema.FORGED_SCHEMA), so that the fork they prove is found if the pin stops counting. Those
    that schema 8 refused are not here: a fork found by another node comes with its proof. Events
    missing their bodies are indexed: sync asks peers for them (a redaction that left the log)."""
    for statement in FORGED_SCHEMA.strip().split(";\n"):
        db.execute(statement)
    db.execute(MISSING_SCHEMA)


def _migrate_9_to_10(db: sqlite3.Connection) -> None:
    """0.10: a read-model row says whether people without a node may see it (proj.pub: an alert
    marked public), so that the public pages choose those in SQL before their limit. Filled in from
    the stored alerts' bodies. (A home migrated from schema 2 got the column with schema 3's table.)"""
    if "pub" not in {r[1] for r in db.execute("PRAGMA table_info(proj)")}:
        db.execute("ALTER TABLE proj ADD COLUMN pub INTEGER")
    alert = TABLES.index(ALERT)
    public = [n for n, body in db.execute(f"SELECT p.n, e.body FROM proj p JOIN events e ON e.n = p.n "
                                          f"WHERE p.tbl = {alert} AND e.body IS NOT NULL")
              if _public(body)]
    db.executemany("UPDATE proj SET pub = 1 WHERE n = ?", [(n,) for n in public])
    for statement in PUBLIC_SCHEMA.split(";\n"):
        db.execute(statement)


def _migrate_10_to_11(db: sqlite3.Connection) -> None:
    """0.11: the needs, offers and support offers that lapsed are marked (proj.lapsed), and the
    newest-first indexes are each split into the open rows' and the lapsed rows' (schema.LAPSE_SCHEMA),
    so that a listing of the open ones no longer walks every lapsed one. The rows lapsed by now are
    marked before the indexes are made (each row goes into its part once); the mark is set to the
    time they were marked by."""
    if "lapsed" not in {r[1] for r in db.execute("PRAGMA table_info(proj)")}:
        db.execute("ALTER TABLE proj ADD COLUMN lapsed INTEGER")
    db.execute("DROP INDEX IF EXISTS proj_newest")
    db.execute("DROP INDEX IF EXISTS proj_by_group")
    due = now_ms() - LAPSE_LAG_MS
    db.execute(f"UPDATE proj SET lapsed=1 WHERE tbl IN {LAPSING_TBLS} AND t IS NOT NULL AND t<?", (due,))
    for statement in LAPSE_SCHEMA.split(";\n"):
        db.execute(statement)
    db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (LAPSE_MARK, due))


def _migrate_11_to_12(db: sqlite3.Connection) -> None:
    """0.12: fundraisers lapse too, at their `ends_at` (schema.LAPSING_TBLS): the regions view lists
    the open ones, and dropped the ended ones only after taking the newest few, so a region whose
    newest had ended showed too few or none. The ended ones before the mark are marked (every
    marked row's time stays before it: the next pass marks the rest), and proj_lapsing, whose
    condition names the tables, is made again with theirs."""
    db.execute("DROP INDEX IF EXISTS proj_lapsing")
    mark = db.execute("SELECT value FROM meta WHERE key=?", (LAPSE_MARK,)).fetchone()
    if mark is not None and isinstance(mark[0], int):
        db.execute("UPDATE proj SET lapsed=1 WHERE tbl=? AND t IS NOT NULL AND t<?", (TABLES.index(FUNDRAISER), mark[0]))
    db.execute(LAPSE_SCHEMA.split(";\n")[-1])  # proj_lapsing


def _migrate_12_to_13(db: sqlite3.Connection) -> None:
    """0.13: each key's share of the log (node/author_share.py) is kept with its head (`heads.day`,
    `heads.used`: NULL here, counted from its chain when its next event comes), and the keys that
    signed more than theirs are remembered (`over_share`, made by the schema)."""
    columns = {r[1] for r in db.execute("PRAGMA table_info(heads)")}
    for column in ("day", "used"):
        if column not in columns:
            db.execute(f"ALTER TABLE heads ADD COLUMN {column} INTEGER")


# Kinds a node of an earlier schema stored without projecting them (unknown to it then: docs/design.md
# section 4), by the schema that first knows them: the meta fact PROJECT_KINDS lists them, and the
# event log projects their stored events once, with the trust graph (node.log.EventLog), then clears it.
PROJECT_KINDS = "project_kinds"
NEW_KINDS = {14: ("action.update",), 19: ("support.share",)}


def _migrate_13_to_14(db: sqlite3.Connection) -> None:
    """0.14: an action's group moves or cancels it (action.update, a read-model table of its own,
    numbered after the others: no row changes). Those a node stored before it knew the kind, from a
    newer peer, are projected by the event log when it next opens (PROJECT_KINDS)."""
    _owe_projection(db, NEW_KINDS[14])


def _migrate_14_to_15(db: sqlite3.Connection) -> None:
    """0.15: the needs and support requests the desk must not leave out are marked (proj.urg,
    schema.URGENT_SCHEMA), from a state kept per item as its steps come (schema.DESK_SCHEMA): the
    desk looked among a region's newest 100 only. Every item's state and mark is worked out by the
    store when it next opens (MARKS_OWED: node/store/desk_marks.py, which rebuilds rows from events)."""
    if "urg" not in {r[1] for r in db.execute("PRAGMA table_info(proj)")}:
        db.execute("ALTER TABLE proj ADD COLUMN urg INTEGER")
    for statement in (URGENT_SCHEMA + ";\n" + DESK_SCHEMA).split(";\n"):
        db.execute(statement)
    db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, 1)", (MARKS_OWED,))


def _migrate_15_to_16(db: sqlite3.Connection) -> None:
    """0.16: one index of the marked needs and support requests serves the region's and the group's
    walks (schema.URGENT_SCHEMA; schema 15 had two, proj_urgent and proj_urgent_by_group). A home
    upgraded from before 15 got the one already (that step makes URGENT_SCHEMA as it is now)."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE type='index' AND name='proj_urgent_by_group'").fetchone():
        db.execute("DROP INDEX proj_urgent_by_group")
        db.execute("DROP INDEX IF EXISTS proj_urgent")
        db.execute(URGENT_SCHEMA)


def _migrate_16_to_17(db: sqlite3.Connection) -> None:
    """0.17: a read-model row names its region by number (`regions`, schema.REGIONS_SCHEMA): ~30 bytes
    an event less (the name was in the row and in five of its indexes). proj is made again, so that
    its region column has INTEGER affinity: a new table filled from the old one in row order, the
    old one dropped (its indexes with it), the new one renamed and indexed as the schema says.
    Regions are numbered in name order. A row whose region is a number already (a home whose
    proj the schema made since, upgraded from schema 2: see `_number_regions`) keeps it."""
    db.execute(REGIONS_SCHEMA)
    db.execute("INSERT OR IGNORE INTO regions(name) SELECT DISTINCT region FROM proj "
               "WHERE typeof(region)='text' ORDER BY region")
    statements = [s for s in SCHEMA.split(";\n") if "ON proj(" in s or "EXISTS proj(" in s]
    [table] = [s for s in statements if "EXISTS proj(" in s]
    db.execute("DROP TABLE IF EXISTS proj_new")
    db.execute(table.replace("CREATE TABLE IF NOT EXISTS proj(", "CREATE TABLE proj_new("))
    db.execute("INSERT INTO proj_new(n, tbl, g, region, t, ref, vts, vid, lww, pub, lapsed, urg) "
               "SELECT p.n, p.tbl, p.g, CASE WHEN typeof(p.region)='text' "
               "THEN (SELECT r FROM regions WHERE name=p.region) ELSE p.region END, "
               "p.t, p.ref, p.vts, p.vid, p.lww, p.pub, p.lapsed, p.urg FROM proj p ORDER BY p.n")
    db.execute("DROP TABLE proj")
    db.execute("ALTER TABLE proj_new RENAME TO proj")
    for statement in statements:
        if statement is not table:
            db.execute(statement)


def _migrate_17_to_18(db: sqlite3.Connection) -> None:
    """0.18: proj_lapsing's condition names the lapsing tables one by one (schema.MAY_LAPSE): its
    `tbl IN (...)` made SQLite build a temporary table of the list for every open row stored."""
    db.execute("DROP INDEX IF EXISTS proj_lapsing")
    db.execute(f"CREATE INDEX proj_lapsing ON proj(t) WHERE {MAY_LAPSE}")


def _migrate_18_to_19(db: sqlite3.Connection) -> None:
    """0.19: a request's shares (support.share) make a read-model row of their own, which names the
    request (`ref`, by the proj_by_ref index): a request's page read and checked every share held to
    find its own. Those stored before are projected by the event log when it next opens
    (PROJECT_KINDS), as a new kind's are."""
    _owe_projection(db, NEW_KINDS[19])


def _migrate_19_to_20(db: sqlite3.Connection) -> None:
    """0.20: when each event was stored (schema.ARRIVED_SCHEMA), which `export --since` selects by.
    Of the events stored before, only that they came by now is known: a bundle since an earlier time
    carries them all (a whole bundle), never leaves out one that may have come after its start."""
    db.execute(ARRIVED_SCHEMA)
    highest = db.execute("SELECT max(n) FROM events").fetchone()[0]
    if highest is not None:
        db.execute("INSERT INTO arrived(at, n) VALUES (?, ?)", (now_ms(), highest))


def _migrate_20_to_21(db: sqlite3.Connection) -> None:
    """0.21: proj_by_ref holds each row's number and vid (schema.BY_REF_SCHEMA): a desk's lookups of
    its items' steps read the index alone, not each row found from the table."""
    db.execute("DROP INDEX IF EXISTS proj_by_ref")
    db.execute(BY_REF_SCHEMA)


def _migrate_21_to_22(db: sqlite3.Connection) -> None:
    """0.22: when each stub got its body (schema.FILLED_SCHEMA), which `export --since` also selects
    by. A stub filled before counts as `arrived` says (its filling's rows there stay)."""
    db.execute(FILLED_SCHEMA)


def _owe_projection(db: sqlite3.Connection, kinds: tuple[str, ...]) -> None:
    """Remember that the stored events of `kinds` (if any) are still to be projected."""
    held = [k for k in kinds if db.execute("SELECT 1 FROM events WHERE kind=? LIMIT 1", (k,)).fetchone()]
    row = db.execute("SELECT value FROM meta WHERE key=?", (PROJECT_KINDS,)).fetchone()
    owed = [k for k in (row[0].decode() if row and isinstance(row[0], bytes) else "").split(",") if k]
    if held:
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                   (PROJECT_KINDS, ",".join(dict.fromkeys(owed + held)).encode()))


def _public(body: bytes) -> bool:
    """Whether an alert's stored body marks it public (as events.projections.row_shape reads it)."""
    try:
        fields = msgpack.unpackb(body, raw=False)
    except (ValueError, TypeError, msgpack.UnpackException):
        return False
    return isinstance(fields, dict) and fields.get("public") == PUBLIC_YES


MIGRATIONS = {1: _migrate_1_to_2, 2: _migrate_2_to_3, 3: _migrate_3_to_4, 4: _migrate_4_to_5, 5: _migrate_5_to_6,
              6: _migrate_6_to_7, 7: _migrate_7_to_8,
              8: _migrate_8_to_9, 9: _migrate_9_to_10, 10: _migrate_10_to_11, 11: _migrate_11_to_12,
              12: _migrate_12_to_13, 13: _migrate_13_to_14, 14: _migrate_14_to_15,
              15: _migrate_15_to_16, 16: _migrate_16_to_17, 17: _migrate_17_to_18,
              18: _migrate_18_to_19, 19: _migrate_19_to_20,
              20: _migrate_20_to_21, 21: _migrate_21_to_22}
