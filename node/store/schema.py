"""The database schema (version SCHEMA_VERSION) and how a header is kept on disk.

Space is what an SD card lacks, so nothing is stored twice:
- keys are numbered once (`keys`); events and read-model rows name an author or group by number;
- region names are numbered once too (`regions`, schema 17): a read-model row names its region by
  number (a name was stored in the row and in five of its indexes: ~30 bytes an event at 100k).
  The numbers are this node's own: what leaves the node (the API, feeds, sync, exports) names them;
- the signed header is stored without the network id (the same for every event of a home) and
  the author key (named by number): both are put back, byte for byte, when it is read;
- a read-model row holds only what selects and orders it (table, region, time, reference,
  version); its data is the event's projection, recomputed when it is read;
- `heads` holds each author's newest (seq, id): an anti-entropy round, `solnet status` and the
  event count read it instead of scanning the log; and its share of the log as of that event
  (node/author_share.py: `day`, `used`; NULL when not known, counted again from its chain).

Every index costs a b-tree insert per event, and one whose key is random (an id, a time in the
future) dirties a page of its own per event once it is larger than a batch: that page is written
to the WAL at commit and again at the checkpoint. So the read model's time index holds only the
rows that are listed by time (actions), and the ids are indexed in two parts (`ids`, `ids_new`:
see IDS_SCHEMA).
"""
from __future__ import annotations

SCHEMA_VERSION = 22  # PRAGMA user_version of a database this code writes; see migrations.py
BODY_PRESENT, BODY_MISSING, BODY_REDACTED, BODY_EXPIRED = 0, 1, 2, 3
TRUST_KINDS = ("member.vouch", "member.revoke")
# proj.tbl of actions (their place in events.projections.TABLES, which numbers the stored tables and
# is not imported here: `solnet status` reads this module without the event layers), the only rows
# listed by time (node/views.py).
ACTION_TBL = 1
# proj.tbl of fundraisers, needs, offers and support offers (their places in events.projections.TABLES,
# checked there): listed while open, until their time `t` (a fundraiser's `ends_at`; a need's or
# offer's `until`, else its expiry), so their rows lapse (LAPSE_SCHEMA; fundraisers since schema 12).
LAPSING_TBLS = (2, 4, 5, 12)
LAPSE_MARK = "lapsed_before"  # in meta: every row marked lapsed has a time before it (LAPSE_SCHEMA)
LAPSE_LAG_MS = 5 * 60_000  # a row is marked this long after its time (LAPSE_SCHEMA)

# The rows that lapse are marked so that the open listings' newest-first walks skip them: those
# walks filter by time (`t` from now, the truth), and with every lapsed row of a region in their
# index they read all of them whenever fewer rows were open than the listing's limit (a page's cost
# grew with the log: 35 ms for the needs, 62 ms for the regions at 100k events). proj.lapsed is
# NULL while a row is open, 1 once a pass (ProjectionTables.lapse_rows, at the end of every write
# and on the node's expiry timer) found its time past; the newest-first indexes are each split in
# two partial ones, the open rows' and the lapsed rows', so a row has an entry in one of each pair
# (no more entries than before) and a listing of the open rows walks only the open ones.
# meta LAPSE_MARK holds a time before which every marked row's time lies: a listing from a time at
# or after it walks the open rows alone (a marked row is out of its window anyway), one from
# earlier walks both and merges them (the time filter decides, as it always did). A pass at `now`
# marks the rows whose time is before now - LAPSE_LAG_MS and moves the mark there: a listing from
# a moment of the last minutes (a request that began as a batch was being stored) still walks the
# open rows alone; rows that lapsed since are filtered out of it by their time, a few. A row stored
# with a time before the mark is stored marked (no move later). proj_lapsing finds the open rows
# whose time has come without a scan: an entry per open need, offer or support offer with a time,
# taken out when it lapses (the only entry these rows add at ingest).
# The open rows that may lapse: proj_lapsing's condition, which the lapse pass repeats word for word
# (so SQLite walks that partial index).
# The tables are named one by one (schema 18): the condition of a partial index is worked out for
# every row stored, and SQLite worked `tbl IN (...)` out by building a temporary table of the list
# each time, for every row still open (~30,000 CPU instructions a row, a twentieth of an event's
# whole storing; an OR of equalities ~300).
MAY_LAPSE = f"lapsed IS NULL AND ({' OR '.join(f'tbl = {tbl}' for tbl in LAPSING_TBLS)}) AND t IS NOT NULL"
LAPSE_SCHEMA = """CREATE INDEX IF NOT EXISTS proj_newest ON proj(tbl, region, vts, vid) WHERE lapsed IS NULL;
CREATE INDEX IF NOT EXISTS proj_newest_lapsed ON proj(tbl, region, vts, vid) WHERE lapsed IS NOT NULL;
CREATE INDEX IF NOT EXISTS proj_by_group ON proj(tbl, g, region, vts, vid) WHERE lapsed IS NULL;
CREATE INDEX IF NOT EXISTS proj_by_group_lapsed ON proj(tbl, g, region, vts, vid) WHERE lapsed IS NOT NULL;
CREATE INDEX IF NOT EXISTS proj_lapsing ON proj(t) WHERE """ + MAY_LAPSE

# Lookups by id go from the id's first 8 bytes (p; a third the size of a whole id, and equal ids
# mean equal headers, so UNIQUE(a, seq) already keeps an id from being stored twice) to the event's
# row number n. Ids come in random order, so an index of them takes each insert at a random place:
# once it is larger than a transaction's inserts, every stored event dirtied a page of its own,
# written to the WAL at commit and again at the checkpoint (at a million events ~1 page of 4 KiB
# per event, most of what a stored event wrote). So the newest ids go to `ids_new`, small enough
# that a transaction's inserts share its pages, and are moved into `ids` in key order once it
# holds ~sqrt(2000 n) of them (EventTables.merge_new_ids): a walk through `ids` that rewrites each of its
# pages once for many ids. A look-up reads both. The store writes an event's id with its row
# (StoreBase._flush) and takes it out with it (EventTables.take_out): a trigger did the same at
# a higher cost (measured: 8-12 us more per event in the last tenth of a 1M-event ingest).
IDS_SCHEMA = """
CREATE TABLE IF NOT EXISTS ids(p BLOB NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(p, n)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ids_new(p BLOB NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(p, n)) WITHOUT ROWID;
"""

# Revocations a frozen key signed at or after its fork point (events/trust.py: they still count).
# Per author and subject only those no other one dominates (node/store/trust.py
# `keep_frozen_revocation`): the same set whatever the arrival order.
FROZEN_REVOCATIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS frozen_revocations(
    id BLOB PRIMARY KEY, author BLOB NOT NULL, seq INTEGER NOT NULL, subject BLOB NOT NULL,
    from_seq INTEGER NOT NULL, wire BLOB NOT NULL, seen INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS frozen_revocations_by_subject ON frozen_revocations(author, subject, seq);"""

# Vouches a frozen key signed at or after its fork point. They take no effect, but who claims which
# key counts every vouch received (events/trust.py), so a fork must not take them out of that count
# (a node that stored one before it learnt of the fork, and one that learnt of the fork first, would
# count different claims). One per author, subject and claim (0 an admission, 1 a device without its
# consent, 2 with it, 3 an accept: the group it joined through): the lowest (seq, id), the same
# whatever the arrival order.
FROZEN_CLAIMS_SCHEMA = """
CREATE TABLE IF NOT EXISTS frozen_claims(
    author BLOB NOT NULL, subject BLOB NOT NULL, claim INTEGER NOT NULL, seq INTEGER NOT NULL,
    id BLOB NOT NULL UNIQUE, wire BLOB NOT NULL, seen INTEGER NOT NULL,
    PRIMARY KEY(author, subject, claim)
) WITHOUT ROWID;"""

# Events kept aside too long are dropped (node/pending_queue.py), found without a scan; those that
# were in the log keep longer (node/store/trust.py `expire_pending`).
PENDING_AGE_SCHEMA = """
CREATE INDEX IF NOT EXISTS pending_by_age ON pending(received) WHERE stored=0;
CREATE INDEX IF NOT EXISTS pending_stored_by_age ON pending(received) WHERE stored=1;
CREATE INDEX IF NOT EXISTS pending_expiring ON pending(expires) WHERE expires IS NOT NULL;"""

# The events of a frozen device key from its fork point on, both branches, as they were taken out of
# the log (stored=1) or refused past the fork point (stored=0): if its group key pins its chain in a
# revocation, the pinned branch comes back from here (node/log.py `_resolve_pinned_forks`). Bounded
# (node/store/trust.py FORKED_LIMITS). A body goes at its expiry and at a panic wipe, as it would
# from the log (a redaction stored in the log names only events below it, in the log too).
FORKED_SCHEMA = """
CREATE TABLE IF NOT EXISTS forked(
    id BLOB PRIMARY KEY, author BLOB NOT NULL, seq INTEGER NOT NULL, prev BLOB, kind TEXT NOT NULL,
    header BLOB NOT NULL, sig BLOB NOT NULL, body BLOB, expires INTEGER, stored INTEGER NOT NULL,
    seen INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS forked_by_author ON forked(author, seq);
CREATE INDEX IF NOT EXISTS forked_by_age ON forked(seen);
CREATE INDEX IF NOT EXISTS forked_expiring ON forked(expires) WHERE expires IS NOT NULL AND body IS NOT NULL;"""

# Events whose bodies this node lacks (BODY_MISSING), which sync asks peers for: few, found without a scan.
MISSING_SCHEMA = f"CREATE INDEX IF NOT EXISTS events_missing ON events(n) WHERE body_state = {BODY_MISSING}"
PUBLIC_SCHEMA = """CREATE INDEX IF NOT EXISTS proj_public ON proj(tbl, region, vts, vid) WHERE pub = 1;
CREATE INDEX IF NOT EXISTS proj_public_by_group ON proj(tbl, g, region, vts, vid) WHERE pub = 1;"""

# The needs and support requests the coordinator's desk must never leave out, of any age (schema 15):
# proj.urg 1 for those its state (DESK_SCHEMA, node/store/desk_marks.py) says may be an open need of
# high urgency, or a support request not closed that is of high urgency or that no group takes; the
# desk walks them newest first with LIMIT, each region's and each group's, and keeps those the read
# model finds so (the mark is never narrower than the read model, events/desk_marks.py). One index
# serves both walks (schema 16; two took 23.4 B an event at 100k, a third of the rows being marked):
# a group's walk in a region is one range of it, and a region's walk is the merge of its groups'
# walks, each with LIMIT, the groups found by a loose scan of the same index
# (ProjectionTables._urgent_groups): its cost follows the groups marked there, never the rows.
# `urg` leads: the walk's `p.urg=1` makes it the planner's choice.
URGENT_SCHEMA = "CREATE INDEX IF NOT EXISTS proj_urgent ON proj(urg, tbl, region, g, lapsed, vts, vid) WHERE urg = 1"
# The rows naming an event (a step on its item: proj.ref), by table: the steps of a desk's needs and
# requests are looked up by their items' ids, thousands a page. With the row number and vid in the
# index, a lookup reads the index alone: schema 20's (tbl, ref) read each row found from the table,
# whose pages the page's other reads had pushed out of SQLite's small cache (770 of a busy regions
# page's 2,241 reads of the file; 172 so). The row number stays next after ref: a walk of one item's
# steps by row number (desk_marks' `_author_steps`) is still a range of it (schema 21).
BY_REF_SCHEMA = "CREATE INDEX IF NOT EXISTS proj_by_ref ON proj(tbl, ref, n, vid) WHERE ref IS NOT NULL"
# What each need and support request's mark is worked out from, kept as its steps come (a few rows
# an item, changed in O(1) statements a step: events/desk_marks.py says what each column holds).
# desk_item: per item a step reached (its proj n; the others' state is their row's own);
# desk_part: per item and author (part 0) or group (part 1), by
# key number (a: an author's last quantity set, for the largest); desk_fulfil: the fulfilments and
# declines counted (by id), so that a row stored again is not counted twice; desk_pending: a decline
# whose named reply is not held (yet); desk_named: the replies the item's declines named, held (if one
# is taken out, the item is worked out again); desk_gone: the groups the trust graph says are gone
# (left or revoked), kept by node.log: a claim of theirs takes no request.
DESK_SCHEMA = """CREATE TABLE IF NOT EXISTS desk_item(n INTEGER PRIMARY KEY, state BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS desk_part(item INTEGER NOT NULL, part INTEGER NOT NULL, k INTEGER NOT NULL,
    a INTEGER, state BLOB NOT NULL, PRIMARY KEY (item, part, k)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS desk_fulfil(id BLOB PRIMARY KEY, item INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS desk_fulfil_item ON desk_fulfil(item);
CREATE TABLE IF NOT EXISTS desk_pending(named BLOB NOT NULL, item INTEGER NOT NULL, step BLOB NOT NULL,
    PRIMARY KEY (named, item, step)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS desk_pending_item ON desk_pending(item);
CREATE TABLE IF NOT EXISTS desk_named(named BLOB NOT NULL, item INTEGER NOT NULL, PRIMARY KEY (named, item)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS desk_named_item ON desk_named(item);
CREATE TABLE IF NOT EXISTS desk_gone(g BLOB PRIMARY KEY) WITHOUT ROWID"""
MARKS_OWED = "marks_owed"  # in meta: every item's mark is still to be worked out (after the upgrade to 15)

# Events of a device refused as off the chain its group pinned (node/store/forged.py): if the pin
# stops counting they prove a fork, as they would have on a node that received them then. Bounded
# (forged.FORGED_LIMITS: a device's lowest seqs stay); a body goes at its expiry and at a panic wipe.
FORGED_SCHEMA = """
CREATE TABLE IF NOT EXISTS forged(
    id BLOB PRIMARY KEY, author BLOB NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
    header BLOB NOT NULL, sig BLOB NOT NULL, body BLOB, expires INTEGER, seen INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS forged_by_author ON forged(author, seq, id);
CREATE INDEX IF NOT EXISTS forged_by_age ON forged(seen);
CREATE INDEX IF NOT EXISTS forged_expiring ON forged(expires) WHERE expires IS NOT NULL AND body IS NOT NULL;"""

# Keys that signed more than their share of the log (node/author_share.py), each as found first:
# its group (key and name then) and the seq from which nothing of it is stored. One row a key, so
# the log and `solnet status` say it once.
OVER_SHARE_SCHEMA = """
CREATE TABLE IF NOT EXISTS over_share(
    author BLOB PRIMARY KEY, grp BLOB, name TEXT, seq INTEGER NOT NULL, day INTEGER NOT NULL, seen INTEGER NOT NULL
);"""

# Region names, each numbered once (schema 17): proj.region holds the number. A name goes with the
# last row placed there (a redaction leaves no trace of it); a number is never given again
# (AUTOINCREMENT), so one a connection has kept the name of never names another region.
# When this home stored its events (schema 20): a row per run of write transactions that stored some, its
# time by this machine's clock (ms) and the highest row number `n` it gave. Row numbers only grow, so
# the events stored before a time are those up to the highest `n` of the rows before it that no row
# from then on precedes (a clock can read earlier than before: EventTables.stored_before):
# `export --since` carries every event stored from then on, whatever its author's stamp (an offline
# phone's alert stamped days ago that reached this home an hour ago). Rows by transactions, never per
# event (an event's own column would cost an index entry at every insert); the migration's row says
# the events stored before it came by then. Thinned as it is written: consecutive transactions within
# one minute (ARRIVED_SPAN, from its start) share a row (Store._note_arrived), and stored_before
# counts from the start of a minute, where it sees the rows before it and from it on as it saw a row
# a transaction: a node writing all day keeps about 1,440 rows a day (more only where its clock was
# set back, or another process wrote between its transactions), not one a transaction.
ARRIVED_SCHEMA = "CREATE TABLE IF NOT EXISTS arrived(at INTEGER PRIMARY KEY, n INTEGER NOT NULL)"
ARRIVED_SPAN = 60_000
# When a stub (an event stored without its body) got its body here (schema 22): a row per filling,
# its time by this machine's clock (ms) and the stub's row number, which it keeps. `export --since`
# carries the events filled from its start's minute on too (EventTables.iter_wire), so a courier's
# sealed bundle carries a body that came after the stub. Kept apart from `arrived`: there a filling's
# low row number in the current minute read as if every event numbered after it was stored then
# (stored_before, and the name hold's count of recent vouches, node/audience.py).
FILLED_SCHEMA = "CREATE TABLE IF NOT EXISTS filled(at INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(at, n)) WITHOUT ROWID"

REGIONS_SCHEMA = "CREATE TABLE IF NOT EXISTS regions(r INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE)"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS keys(k INTEGER PRIMARY KEY, key BLOB NOT NULL UNIQUE);
""" + REGIONS_SCHEMA + """;
""" + ARRIVED_SCHEMA + """;
""" + FILLED_SCHEMA + """;
CREATE TABLE IF NOT EXISTS heads(k INTEGER PRIMARY KEY, seq INTEGER NOT NULL, id BLOB NOT NULL, day INTEGER, used INTEGER);
CREATE TABLE IF NOT EXISTS events(
    n INTEGER PRIMARY KEY,
    id BLOB NOT NULL,
    a INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    kind TEXT NOT NULL,
    expires INTEGER,
    body_state INTEGER NOT NULL,
    header BLOB NOT NULL,
    sig BLOB NOT NULL,
    body BLOB,
    UNIQUE(a, seq)
);
-- (kind, n): a kind's events newest first, and the trust events and announcements at start-up.
CREATE INDEX IF NOT EXISTS events_by_kind ON events(kind);
-- (ts, n): `solnet ls` newest first by the authors' clocks; bundles of the events since a time.
CREATE INDEX IF NOT EXISTS events_by_time ON events(ts);
CREATE INDEX IF NOT EXISTS events_expiring ON events(expires) WHERE expires IS NOT NULL AND body IS NOT NULL;
CREATE TABLE IF NOT EXISTS forks(
    id BLOB PRIMARY KEY, author BLOB NOT NULL, seq INTEGER NOT NULL, other BLOB NOT NULL,
    wire BLOB NOT NULL, seen INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS frozen(author BLOB PRIMARY KEY, seq INTEGER NOT NULL, since INTEGER NOT NULL);
""" + FROZEN_REVOCATIONS_SCHEMA + FROZEN_CLAIMS_SCHEMA + FORKED_SCHEMA + FORGED_SCHEMA + OVER_SHARE_SCHEMA + """
-- stored: it was in this log, and left it by a revocation (node/pending_queue.py: no share, a longer age)
CREATE TABLE IF NOT EXISTS pending(
    id BLOB PRIMARY KEY, author BLOB NOT NULL, seq INTEGER NOT NULL, wire BLOB NOT NULL,
    reason TEXT NOT NULL, received INTEGER NOT NULL, kind TEXT, stored INTEGER NOT NULL DEFAULT 0,
    expires INTEGER  -- its body's expiry, while the body is kept
);
CREATE INDEX IF NOT EXISTS pending_by_author ON pending(author, seq);
CREATE INDEX IF NOT EXISTS pending_trust ON pending(author, seq) WHERE kind IN ('member.vouch', 'member.revoke');
""" + PENDING_AGE_SCHEMA + """
-- Read-model rows, one per event at most (so keyed by the event's n): tbl is the index of the
-- table in events.projections.TABLES, g the author's group (by key number), lww the key number
-- of a last-writer-wins row's key (a profile's group; NULL for rows keyed by their event's id),
-- vid the first 6 bytes of the event id as a number: ties of time or version are broken by the
-- event id (the same order on every node) within the index, without reading the events; pub 1
-- for a row people without a node may see (an alert marked public), else NULL (schema 10); lapsed
-- NULL while a need, offer or support offer is open (and for every other row), 1 once it lapsed
-- (schema 11: LAPSE_SCHEMA); urg 1 for a need or support request the desk must not leave out
-- (schema 15: URGENT_SCHEMA); region the number of its region (`regions`, schema 17).
CREATE TABLE IF NOT EXISTS proj(
    n INTEGER PRIMARY KEY, tbl INTEGER NOT NULL, g INTEGER NOT NULL, region INTEGER, t INTEGER, ref BLOB,
    vts INTEGER NOT NULL, vid INTEGER NOT NULL, lww INTEGER, pub INTEGER, lapsed INTEGER, urg INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS proj_lww ON proj(tbl, lww) WHERE lww IS NOT NULL;
-- Actions of one region soonest first (their time windows too), and every table's rows newest
-- first (proj_newest: the open ones; proj_newest_lapsed: fundraisers, needs, offers and support
-- offers that ended or lapsed, LAPSE_SCHEMA); a listing without a region merges the regions (a few), each an index walk
-- with LIMIT. Only actions are listed by time: the other rows' times (when they lapse or expire)
-- filter a newest-first walk, so they stay out of this index, where each was a random insert (schema 4).
CREATE INDEX IF NOT EXISTS proj_by_time ON proj(tbl, region, t, vid) WHERE tbl = """ + str(ACTION_TBL) + """;
-- One group's rows of a table (actions: by time) in a region (proj_by_group: the open ones;
-- proj_by_group_lapsed: the lapsed ones): what keeps a capped listing fair to every group when one
-- floods it (ProjectionTables.rows_of_each_group).
""" + LAPSE_SCHEMA + """;
CREATE INDEX IF NOT EXISTS proj_by_group_time ON proj(tbl, g, region, t, vid) WHERE tbl = """ + str(ACTION_TBL) + """;
-- The public rows (alerts marked public) newest first, and each group's: the public pages choose
-- them in SQL before their limit, so a flood of alerts not marked public leaves them full (schema 10).
""" + PUBLIC_SCHEMA + """;
""" + URGENT_SCHEMA + """;
""" + DESK_SCHEMA + """;
-- (region, n): the events of a region newest first (`events?region=`).
CREATE INDEX IF NOT EXISTS proj_by_region ON proj(region) WHERE region IS NOT NULL;
""" + BY_REF_SCHEMA + """;
CREATE TABLE IF NOT EXISTS peers(address TEXT PRIMARY KEY, source TEXT NOT NULL, state TEXT);
-- Ids named by a signed redaction of their own author: their bodies are never stored, whenever
-- they arrive (so a redaction holds whatever order events come in).
CREATE TABLE IF NOT EXISTS redactions(id BLOB PRIMARY KEY, author BLOB NOT NULL) WITHOUT ROWID;
""" + IDS_SCHEMA + MISSING_SCHEMA + ";\n"

# A canonical header starts [1, network, author, ...]: 0x9a (a list of 10), 0x01, then each key
# as bin 8 of 32 bytes (0xc4 0x20 + 32 bytes). The stored form drops bytes 2..69.
_KEY_MARK = b"\xc4\x20"
_CUT = 70


def id_number(event_id: bytes) -> int:
    """The first 6 bytes of an id as a number (proj.vid): sorts as the ids do."""
    return int.from_bytes(event_id[:6], "big")


def by_prefixes(prefixes: list[bytes]) -> tuple[str, list[bytes]]:
    """A condition on `events` matching the events whose ids start with one of these 8-byte
    prefixes, and its arguments: it reads both parts of the id index (IDS_SCHEMA)."""
    marks = ",".join("?" * len(prefixes))
    return (f"n IN (SELECT n FROM ids WHERE p IN ({marks}) UNION ALL SELECT n FROM ids_new WHERE p IN ({marks}))",
            prefixes + prefixes)


def by_ids(ids: list[bytes] | tuple[bytes, ...]) -> tuple[str, list[bytes]]:
    """A condition on `events` matching these ids, and its arguments."""
    where, args = by_prefixes([i[:8] for i in ids])
    return f"{where} AND id IN ({','.join('?' * len(ids))})", args + list(ids)


def by_id(event_id: bytes) -> tuple[str, tuple[bytes, bytes, bytes]]:
    p = event_id[:8]
    return "n IN (SELECT n FROM ids WHERE p=? UNION ALL SELECT n FROM ids_new WHERE p=?) AND id=?", (p, p, event_id)


def short_header(header: bytes, network: bytes, author: bytes) -> bytes:
    """The stored form of a signed header of `author` in `network`."""
    if header[2:4] != _KEY_MARK or header[4:36] != network or header[36:38] != _KEY_MARK or header[38:70] != author:
        raise ValueError("not a canonical header of this network and author")
    return header[:2] + header[_CUT:]


def full_header(short: bytes, network: bytes, author: bytes) -> bytes:
    """The signed header, byte for byte, from its stored form."""
    return short[:2] + _KEY_MARK + network + _KEY_MARK + author + short[2:]
