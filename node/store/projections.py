"""Read-model rows: applied with the events that make them, selected by index walks with LIMIT.

A stored row holds only what selects and orders it; its data is the projection of its event
(`events.projections.project`), recomputed when read, so event bodies are not stored twice."""
from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain, islice
from typing import Any

import msgpack

from events.format import Event, Header
from events.projections import FUNDRAISER, NEED, OFFER, PROFILE, SUPPORT_OFFER, TABLES, Drop, Row, project
from node.store.base import UNKNOWN
from node.store.desk_marks import DeskMarks
from node.store.each_group import GROUPS_A_STATEMENT, each_group_walks
from node.store.errors import translate
from node.store.rows import ProjectionDumpRow
from node.store.schema import ACTION_TBL, LAPSE_LAG_MS, LAPSE_MARK, LAPSING_TBLS, MAY_LAPSE, by_ids, id_number
from node.store.trust import TrustTables

_TBL = {name: i for i, name in enumerate(TABLES)}
_LWW = frozenset({PROFILE})  # tables of last-writer-wins rows: a unique index keeps one row per key
# The tables whose rows lapse (schema.LAPSE_SCHEMA): schema.py numbers them without this module.
_LAPSING = frozenset(_TBL[t] for t in (FUNDRAISER, NEED, OFFER, SUPPORT_OFFER))
if _LAPSING != frozenset(LAPSING_TBLS):
    raise ImportError("schema.LAPSING_TBLS does not number the fundraisers, needs, offers and support offers of TABLES")
# The two parts of the newest-first indexes (schema.LAPSE_SCHEMA), as a walk names them: written as
# the partial indexes' own conditions, so that SQLite walks them.
OPEN, LAPSED = "p.lapsed IS NULL", "p.lapsed IS NOT NULL"
_ROW_COLS = "p.n, p.tbl, p.g, p.lww, e.id, e.a, e.header, e.sig, e.body"
ROW_CACHE = 8192  # rebuilt rows kept per store (~10 MB): what the dashboard and the API read most. A
# dashboard overview reads ~4,500 rows (its sections' DEEP rows with their updates): with 4,096 kept, each
# page dropped half of them and rebuilt them all again on the next (a third of its time).


def _tbl_is(tbl: int) -> str:
    """`p.tbl=N` with the table number written into the SQL (a number from _TBL, never input).
    Bound as `tbl=?`, the statement would be prepared again by SQLite at every run: the time index
    is partial (`tbl = 1`), so the plan depends on the value (3-9 x the cost of a short statement;
    the regions' loose index scan took 146 us bound, 17 us written)."""
    return f"p.tbl={int(tbl)}"


def _table_window(tbl: int, t_from: int | None, t_before: int | None,
                  public: bool = False, urgent: bool = False) -> tuple[list[str], list[Any]]:
    """The WHERE terms and arguments for the rows of table number `tbl` in a time window (a row
    with no time, e.g. an open-ended offer, is in every window that has no end); with `public`,
    only the rows people without a node may see (written out: the partial indexes need `pub = 1`);
    with `urgent`, only those the desk must not leave out (`urg = 1`, schema.URGENT_SCHEMA)."""
    where: list[str] = [*(["p.urg=1"] if urgent else []), _tbl_is(tbl), *(["p.pub=1"] if public else [])]
    args: list[Any] = []
    if t_from is not None:
        where.append("(p.t IS NULL OR p.t>=?)")
        args.append(t_from)
    if t_before is not None:
        where.append("p.t<?")
        args.append(t_before)
    return where, args


def _walk_windows(tbl: int, t_from: int | None, t_before: int | None, order: str | None,
                  public: bool = False, urgent: bool = False) -> list[tuple[list[str], list[Any]]]:
    """The WHERE terms and arguments of the index walks that list a time window in `order`. A walk
    by time seeks its window's start only if no other term may hold there: "a time from t_from, or
    none" made SQLite walk every older row of the table in the region (every past action, at each
    listing of those to come), so that window is walked as two ranges, the rows without a time and
    those from t_from (merged in order as any walks are). With an end, rows without a time are out
    of the window anyway. `public`, `urgent`: as _table_window."""
    if order not in ("t", "latest") or t_from is None:
        return [_table_window(tbl, t_from, t_before, public, urgent)]
    rows, _ = _table_window(tbl, None, None, public, urgent)
    if t_before is not None:
        return [([*rows, "p.t>=?", "p.t<?"], [t_from, t_before])]
    return [([*rows, "p.t IS NULL"], []), ([*rows, "p.t>=?"], [t_from])]


class ProjectionTables(DeskMarks, TrustTables):
    orphaned_profiles: set[bytes]  # see _drop_rows
    _profile_writes = 0  # counts writes and drops of profile rows, and the ends of transactions that made any
    _profiles_in_transaction = False

    @property
    def profiles_version(self) -> tuple[int, int]:
        """Differs whenever the current profiles may have changed since it was last read: this
        connection wrote or dropped one (and again when that transaction ended, committed or rolled
        back), or another connection committed. For what is worked out from all the profiles
        (node/references.py: the names people are shown)."""
        # Inside a write transaction no other connection commits: data_version is the one read at its start
        return self._profile_writes, self._data_version if self._checked else self._one("PRAGMA data_version")

    def _profiles_touched(self) -> None:
        self._profile_writes += 1
        self._profiles_in_transaction = True

    def _transaction_ended(self) -> None:
        super()._transaction_ended()
        if self._profiles_in_transaction:  # rolled back, a profile read meanwhile is no longer there
            self._profiles_in_transaction = False
            self._profile_writes += 1

    # --- writing ----------------------------------------------------------------------------------
    def apply_projection(self, changes: Iterable[Row | Drop], n: int | None = None) -> None:
        """Apply the read-model changes of the event stored as row `n` (Drops need no `n`)."""
        for change in changes:
            if isinstance(change, Drop):
                if change.keys:
                    where, args = by_ids(change.keys)
                    self._drop_rows(f"SELECT n FROM events WHERE {where}", args)
                continue
            if n is None:
                raise ValueError("a read-model row needs the row number of the event that made it")
            if change.last_writer_wins != (change.table in _LWW):
                raise ValueError(f"last-writer-wins rows need a unique index: add one for {change.table}")
            if change.last_writer_wins:
                self._apply_newest(self._values(n, change.table, change.data["group"], change.region, change.time,
                                                change.ref, change.version), change)
            else:
                self.add_row(n, change.table, change.data["group"], change.region, change.time, change.ref,
                             change.version, change.public, change.urgent)

    def add_row(self, n: int, table: str, group: bytes, region: str | None, time: int | None, ref: bytes | None,
                version: tuple[int, bytes], public: bool = False, urgent: bool | None = None) -> None:
        """Add the read-model row (not last-writer-wins) of the event stored as row `n`, with the
        rest of the batch (ingest calls this with a row worked out by a worker: events/examine.py);
        `public`: people without a node may see it (an alert marked public); `urgent`: of a need or
        support request, its desk mark before any step (events.desk_marks.marked_alone; None: not
        known, worked out from its event before the write commits)."""
        if table in _LWW:
            raise ValueError(f"{table} rows are last-writer-wins: apply them with apply_projection")
        values = self._values(n, table, group, region, time, ref, version)  # first: numbering a key flushes the buffers
        lapsed = None
        if values[1] in _LAPSING and time is not None:
            if time < self._lapse_mark():  # lapsed before the last pass: stored marked, never moved
                lapsed = 1
            else:
                soonest = self._kept("next_lapse")
                if soonest is not UNKNOWN:
                    self._keep("next_lapse", time if soonest is None else min(soonest, time))
        self._row_buf.append((*values, None, 1 if public else None, lapsed, 1 if urgent else None))
        self.desk_row_added(n, values[7], table, version[1], urgent is not None)  # (node/store/desk_marks.py)

    def _values(self, n: int, table: str, group: bytes, region: str | None, time: int | None, ref: bytes | None,
                version: tuple[int, bytes]) -> tuple:
        return (n, _TBL[table], self._k(group), None if region is None else self._r(region), time, ref, version[0],
                id_number(version[1]))

    def _apply_newest(self, values: tuple, change: Row) -> None:
        """A last-writer-wins row replaces the row of its key only if its version is newer."""
        lww = self._k(change.key)
        current = self._x(f"SELECT p.n, p.vts, e.id, p.region FROM proj p JOIN events e ON e.n = p.n "
                          f"WHERE {_tbl_is(values[1])} AND p.lww=?", (lww,)).fetchone()
        if current is not None:
            if (current[1], current[2]) >= change.version:
                if values[3] is not None:  # numbered for a row it does not make: no name without a row
                    self._unplace([values[3]])
                return
            self._x("DELETE FROM proj WHERE n=?", (current[0],))
        self._profiles_touched()
        self._x("INSERT OR REPLACE INTO proj(n, tbl, g, region, t, ref, vts, vid, lww) VALUES (?,?,?,?,?,?,?,?,?)",
                (*values, lww))  # (pub: NULL, no profile is shown as public)
        if current is not None and current[3] is not None:
            self._unplace([current[3]])  # (a group that moved)

    def _drop_rows(self, made_by: str, args: Sequence[Any]) -> None:
        """Delete the read-model rows made by the events that the query `made_by` (their `n`)
        selects. A group whose current profile goes is remembered in `orphaned_profiles`: its next
        newest profile must take its place (the caller restores it), as if the dropped one had never
        arrived."""
        orphaned = [self._key(r[0]) for r in self._x(
            f"SELECT lww FROM proj WHERE tbl={_TBL[PROFILE]} AND n IN ({made_by})", args)]
        if orphaned:
            self.orphaned_profiles.update(orphaned)
            self._profiles_touched()
        self.desk_rows_dropping(made_by, args)
        places = [r[0] for r in self._x(f"SELECT DISTINCT region FROM proj WHERE n IN ({made_by}) "
                                        "AND region IS NOT NULL", args)]
        self._x(f"DELETE FROM proj WHERE n IN ({made_by})", args)
        self._unplace(places)

    def clear_projections(self) -> None:
        self._profiles_touched()
        self.desk_clear()
        self._x("DELETE FROM proj")
        for (name,) in self._x("SELECT name FROM regions").fetchall():  # (numbered again as rows come)
            self._forget(("region", name))
        self._x("DELETE FROM regions")

    def _settle(self) -> None:
        super()._settle()
        self.settle_marks()

    def _write_failed(self) -> None:
        super()._write_failed()
        self.desk_forget_owed()

    def newest_stamp(self, table: str, ref: bytes, group: bytes) -> int | None:
        """The timestamp of `group`'s newest row of `table` naming `ref` (a step on an item: a claim,
        an update), or None: by proj_by_ref, no row rebuilt (a publish asks it: node/publishing.py)."""
        found = self._key_numbers([group])
        if not found:
            return None
        return self._one("SELECT max(vts) FROM proj WHERE tbl=? AND ref=? AND g=?", (_TBL[table], ref, *found))

    # --- lapsing (schema.LAPSE_SCHEMA) ------------------------------------------------------------
    def _lapse_mark(self) -> int | float:
        """The time before which every row marked lapsed has its time (meta LAPSE_MARK); if it is
        missing, none is trusted to be past (infinity: every listing walks the lapsed rows too)."""
        value = self._kept_or_read(("meta", LAPSE_MARK),
                                   lambda: self._one("SELECT value FROM meta WHERE key=?", (LAPSE_MARK,)))
        return value if isinstance(value, int) else float("inf")

    def _set_lapse_mark(self, mark: int) -> None:
        self._x("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (LAPSE_MARK, mark))
        self._keep(("meta", LAPSE_MARK), mark)

    def lapse_rows(self, now: int) -> int:
        """Mark the open fundraisers, needs, offers and support offers whose time is before now - LAPSE_LAG_MS as
        lapsed (inside a write), so that the listings of the open rows no longer walk them; how many.
        Every write transaction asks (as for expired bodies): while the soonest such time known is
        still to come, no statement. It changes no listing: the listings filter by time, and walk the
        lapsed rows too when asked from before the mark. If the clock went back past the mark (it had
        been set ahead), the rows marked since that time are open again: the listings of now walk the
        open rows alone again (once, a walk of the marked rows)."""
        mark, due = self._lapse_mark(), now - LAPSE_LAG_MS
        if now < mark:  # a mark in the future (an earlier clock was ahead), or none trusted (missing)
            self._x(f"UPDATE proj SET lapsed=NULL WHERE lapsed IS NOT NULL AND tbl IN {LAPSING_TBLS} AND t>=?",
                    (due,))
            self._set_lapse_mark(due)
            self._forget("next_lapse")
            mark = due
        soonest = self._kept("next_lapse")
        if soonest is not UNKNOWN and (soonest is None or soonest >= due):
            return 0
        # INDEXED BY: without statistics SQLite would rather walk the tables' rows by group (tbl IN ...)
        count = self._x(f"UPDATE proj INDEXED BY proj_lapsing SET lapsed=1 WHERE {MAY_LAPSE} AND t<?",
                        (due,)).rowcount
        if count and due > mark:
            self._set_lapse_mark(due)
        self._keep("next_lapse", self._one(f"SELECT min(t) FROM proj INDEXED BY proj_lapsing WHERE {MAY_LAPSE}"))
        return count

    # --- reading ----------------------------------------------------------------------------------
    def rows(self, table: str, *, region: str | None = None, t_from: int | None = None,
             refs: list[bytes] | None = None, order: str | None = None, limit: int | None = None,
             t_before: int | None = None, regions: list[str] | None = None,
             groups: Iterable[bytes] | None = None, public: bool = False, urgent: bool = False) -> list[Row]:
        """Rows of one read-model table; `order` is "t" (soonest first, then by event id), "latest"
        (the reverse) or "newest" (by version, newest first), and `limit` bounds them in SQL (the
        API and the dashboard never decode a whole table). Without a region, each region's rows are
        walked (with the limit) and merged: a region is one index range, so no listing scans the
        table. `regions` asks for the rows of any of several regions in one query. `groups` keeps
        the rows of those groups only, before the limit (the public feeds: the groups that opted
        in), walking each group's rows (proj_by_group), so no other group's rows are read.
        `public` keeps the rows people without a node may see (alerts marked public), before the
        limit too (proj_public, proj_public_by_group). `urgent` keeps the needs and support requests
        the desk must not leave out (schema.URGENT_SCHEMA), before the limit (proj_urgent: a
        region's walk merges its groups' walks)."""
        if (regions is not None and (region, refs, groups) != (None, None, None)
                or groups is not None and refs is not None or (public or urgent) and (regions, refs) != (None, None)):
            raise ValueError("'regions' goes without 'region', 'refs' and 'groups'; 'groups' without 'refs'; "
                             "'public' and 'urgent' without 'regions' and 'refs'")
        with self.reading():
            if regions is not None:
                numbers = [r for r in map(self._find_r, regions) if r is not None]
                return self._rows_in(table, "p.region", numbers, t_from, t_before, order, limit)
            r = None if region is None else self._find_r(region)
            if region is not None and r is None:  # no row is placed there
                return []
            if refs is not None:
                return self._rows_in(table, "p.ref", refs, t_from, t_before, order, limit, r)
            return self._walked(_TBL[table], r, t_from, t_before, order, limit, groups, public, urgent)

    def _walked(self, tbl: int, region: int | None, t_from: int | None, t_before: int | None, order: str | None,
                limit: int | None, groups: Iterable[bytes] | None, public: bool, urgent: bool = False) -> list[Row]:
        """`rows` of table number `tbl` by index walks (see `rows`), in region number `region`."""
        # Each order is an index walk: (tbl, region, t, vid) or (tbl, region, vts, vid). Without a
        # region, the regions' walks are merged as they go: SQLite steps each walk only as far as
        # the merge takes rows from it, so a page of `limit` rows reads about `limit` index entries
        # (and rows, for a time window), not `limit` of every region. Only the rows that make the
        # cut are rebuilt. The rows that lapsed are walked apart, only when the window may hold some.
        column, walk = _walk(order)
        cut = " LIMIT ?" if limit is not None else ""
        walks: list[sqlite3.Cursor] = []
        try:
            ranges: list[tuple[str, int | None, int | None]] = []
            places: dict[tuple[int | str, ...], list] = {}
            marked: dict[int | None, list[int]] = {}  # (urgent: the groups marked in each region)
            for side in self._sides(tbl, t_from):
                if groups is None:
                    regs = [region] if region is not None else [*self._regions_of(tbl, side), None]
                    if not urgent:
                        ranges += [(side, None, reg) for reg in regs]
                        continue
                    # One index holds the marked rows by region and group (schema.URGENT_SCHEMA): a
                    # region's walk is the merge of its groups' walks, each with LIMIT.
                    for reg in regs:
                        if reg not in marked:
                            marked[reg] = self._urgent_groups(tbl, reg)
                        ranges += [(side, g, reg) for g in marked[reg]]
                else:
                    ranges += [(side, g, reg) for g in sorted(self._key_numbers(groups))
                               for reg in self._group_regions(tbl, g, region, places, side)]
            windows = _walk_windows(tbl, t_from, t_before, order, public, urgent)
            for side, g, reg in ranges:
                term = _walk_side(tbl, column, side)
                open_only = f"AND {term} " if term else ""
                for where, args in windows:
                    walks.append(self._x(
                        f"SELECT p.n, {column or 'NULL'}, p.vid FROM proj p WHERE {' AND '.join(where)} {open_only}"
                        f"{'AND p.g=? ' if g is not None else ''}AND p.region IS ?{walk}{cut}",
                        (*args, *([g] if g is not None else []), reg, *([limit] if limit is not None else []))))
            chosen = [(c[0], c[2]) for c in islice(_merged(walks, order), limit)]
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from exc
        finally:
            for cursor in walks:
                cursor.close()  # ends the statements left part-way (and so their read of the file)
        return self._rows_at(chosen)

    def _sides(self, tbl: int, t_from: int | None) -> tuple[str, ...]:
        """Which parts of the newest-first indexes (OPEN, LAPSED) a listing of table number `tbl`
        from `t_from` walks: the lapsed rows too unless the window starts at or after the mark
        before which every lapsed row's time lies (schema.LAPSE_SCHEMA). Read in the listing's
        read transaction (`reading`), with the rows it walks."""
        if tbl not in _LAPSING or t_from is not None and t_from >= self._lapse_mark():
            return (OPEN,)
        return (OPEN, LAPSED)

    def rows_of_each_group(self, table: str, *, order: str, per_group: int, region: str | None = None,
                           t_from: int | None = None, t_before: int | None = None,
                           skip: Iterable[bytes] = (), groups: Iterable[bytes] | None = None,
                           public: bool = False, places: dict[tuple[int | str, ...], list] | None = None,
                           each: Mapping[bytes, int] | None = None, urgent: bool = False) -> list[Row]:
        """The first `per_group` rows of each group in `table`, in `order` ("t", "latest" or
        "newest", as `rows`), in a time window, in `region` if one is given; not of the groups in
        `skip` (their first rows are known already). For a capped listing whose first rows come
        from one group (a member flooding needs or actions), so that the others' still show.
        Index walks with LIMIT (proj_by_group, proj_by_group_time): one per group and region, so
        its cost follows the groups and regions, never the rows of a flood; all of them in one
        statement (node/store/each_group.py) per side (open, lapsed) and GROUPS_A_STATEMENT groups,
        so the statements do not grow with the groups either. `groups`: of those groups only,
        `public`, `urgent`: those rows only (as `rows`). `places`: where the groups' rows lie, kept by
        the caller for the listings of one page or request (the coordinator's desk lists each
        table in each region): the groups with rows in the table, found once by a loose index scan.
        `each`: of those groups alone (for `groups`), the first `each[g]` rows of each (at most
        `per_group`), read together."""
        places = {} if places is None else places
        tbl = _TBL[table]
        r = None if region is None else self._find_r(region)
        if region is not None and r is None:  # no row is placed there
            return []
        column, walk = _walk(order)
        if column is None:
            raise ValueError("rows of each group need an order")
        windows = _walk_windows(tbl, t_from, t_before, order, public, urgent)
        skipped = self._key_numbers(skip)
        # Of each group, its walks' rows: by (side, region, window), in the order its walks were
        # merged when each was a statement of its own (ties, if any, go as they went then).
        walked: dict[int, dict[tuple[int, bool, str, int], list[tuple[Any, ...]]]] = {}
        with self.reading():
            sides = self._sides(tbl, t_from)
            if each is not None:
                groups = each
                how_many = {self._find_k(g): min(n, per_group) for g, n in each.items()}
            keys = [g for g in (self._groups_of(tbl, places, sides) if groups is None
                                else sorted(self._key_numbers(groups))) if g not in skipped]
            if not keys:  # (a flood of one group's rows, that group skipped: no other has any here)
                return []
            try:
                for s, side in enumerate(sides):
                    for i in range(0, len(keys), GROUPS_A_STATEMENT):
                        sql, args = each_group_walks(_tbl_is(tbl), _walk_side(tbl, column, side), column, walk, windows,
                                                     keys[i: i + GROUPS_A_STATEMENT], r, per_group)
                        for g, reg, w, n, at, vid in self._x(sql, args):
                            name = "" if reg is None else self._region(reg)  # (the walks in region name order)
                            walked.setdefault(g, {}).setdefault((s, reg is None, name, w), []).append((n, at, vid))
            except sqlite3.Error as exc:
                raise translate(exc, self.path) from exc
            chosen: list[tuple[int, int]] = []
            for g in keys:
                walks = [_in_walk_order(found, order) for _, found in sorted(walked.get(g, {}).items())]
                chosen += [(c[0], c[2]) for c in islice(_merged(walks, order), per_group if each is None else how_many[g])]
            return self._rows_at(chosen)

    def _urgent_groups(self, tbl: int, region: int | None) -> list[int]:
        """The groups (key numbers) with rows of table number `tbl` marked urgent in region number `region`: a
        loose scan of proj_urgent, one probe per group."""
        marked = f"p.urg=1 AND {_tbl_is(tbl)} AND p.region IS ?1"
        return [r[0] for r in self._x(
            "WITH RECURSIVE r(g) AS ("
            f" SELECT min(g) FROM proj p WHERE {marked}"
            f" UNION ALL SELECT (SELECT min(g) FROM proj p WHERE {marked} AND g > r.g)"
            " FROM r WHERE r.g IS NOT NULL"
            ") SELECT g FROM r WHERE g IS NOT NULL", (region,))]

    def _groups_of(self, tbl: int, places: dict[tuple[int | str, ...], list], sides: Sequence[str]) -> list[int]:
        """The groups (key numbers) with rows in table number `tbl`, in those `sides` (OPEN, LAPSED)
        of proj_by_group: a loose index scan, one probe per group (once per `places`)."""
        for side in sides:
            if (tbl, side) not in places:
                places[(tbl, side)] = self._groups_with_rows(tbl, side)
        return sorted({g for side in sides for g in places[(tbl, side)]})

    def _groups_with_rows(self, tbl: int, side: str) -> list[int]:
        return [r[0] for r in self._x(
            "WITH RECURSIVE r(g) AS ("
            f" SELECT min(g) FROM proj p WHERE {_tbl_is(tbl)} AND {side}"
            f" UNION ALL SELECT (SELECT min(g) FROM proj p WHERE {_tbl_is(tbl)} AND {side} AND g > r.g)"
            " FROM r WHERE r.g IS NOT NULL"
            ") SELECT g FROM r WHERE g IS NOT NULL")]

    def _group_regions(self, tbl: int, g: int, region: int | None, places: dict[tuple[int | str, ...], list],
                       side: str) -> list[int | None]:
        """The regions to walk for group `g` in `side` (OPEN, LAPSED): `region` if one is asked for
        and the group has rows there, else each of its own (and rows without a region). Its regions
        once per `places`."""
        if (tbl, g, side) not in places:
            places[(tbl, g, side)] = self._regions_of_group(tbl, g, side)
        own = places[(tbl, g, side)]
        if region is not None:
            return [region] if region in own else []
        return [*own, None]

    def _regions_of_group(self, tbl: int, g: int, side: str) -> list[int]:
        """The distinct regions (numbers, in name order) of group `g`'s rows in table number `tbl`, in
        `side` (a loose index scan)."""
        return self._by_name([r[0] for r in self._x(
            "WITH RECURSIVE r(region) AS ("
            f" SELECT min(region) FROM proj p WHERE {_tbl_is(tbl)} AND {side} AND g=?1 AND region IS NOT NULL"
            f" UNION ALL SELECT (SELECT min(region) FROM proj p WHERE {_tbl_is(tbl)} AND {side} AND g=?1"
            " AND region > r.region)"
            " FROM r WHERE r.region IS NOT NULL"
            ") SELECT region FROM r WHERE region IS NOT NULL", (g,))])

    def _by_name(self, numbers: list[int]) -> list[int]:
        """Region numbers in their names' order: the order the walks of several regions were merged in
        (ties, and listings without an order) when rows held names (before schema 17)."""
        return sorted(numbers, key=self._region)

    def newest_row(self, table: str, key: bytes) -> Row | None:
        """The row of `key` in a last-writer-wins table (a group's profile): one index probe."""
        if table not in _LWW:
            raise ValueError(f"{table} rows are not kept one per key")
        k = self._find_k(key)
        found = None if k is None else self._x(f"SELECT p.n, p.vid FROM proj p WHERE {_tbl_is(_TBL[table])} "
                                               "AND p.lww=?", (k,)).fetchone()
        return self._rows_at([found])[0] if found is not None else None

    def referring_events(self, table: str, ref: bytes) -> list[tuple[int, bytes, bytes, int, bytes]]:
        """(n, id, author, ts, body) of the stored events with their body whose rows in `table` name
        `ref` (a request's shares), oldest first: one walk of proj_by_ref, each event then found by
        its row number; checked, as every read of a body is."""
        rows = self._x(f"SELECT e.n, e.id, e.a, e.ts, e.body, e.header, e.sig FROM proj p JOIN events e ON e.n=p.n "
                       f"WHERE {_tbl_is(_TBL[table])} AND p.ref=? AND e.body IS NOT NULL ORDER BY p.n",
                       (ref,)).fetchall()
        return [(n, event_id, self._key(a), ts, body) for n, event_id, a, ts, body, header, sig in rows
                if self._signed(event_id, a, header, sig, body)]

    def row_of(self, table: str, key: bytes) -> Row | None:
        """The row the event `key` made in `table` (None: it made none there, or is not held): one
        probe by its row number, however old it is."""
        n = self.event_n(key)
        found = None if n is None else self._x(f"SELECT p.n, p.vid FROM proj p WHERE p.n=? AND {_tbl_is(_TBL[table])}",
                                               (n,)).fetchone()
        rows = self._rows_at([found]) if found is not None else []
        return rows[0] if rows else None

    def rows_named(self, table: str, ids: Sequence[bytes]) -> list[Row]:
        """The rows the events `ids` made in `table` (those that made none there, or are not held,
        left out), 500 ids a statement: rebuilt from their events and checked against what their
        authors signed as every row read is (`_rows_at`), then kept (ROW_CACHE): the needs an offer's
        draw-downs name, read by every page that lists the offer, are not decoded again each page."""
        chosen: list[tuple[int, int]] = []
        for i in range(0, len(ids), 500):
            where, args = by_ids(list(ids[i: i + 500]))
            chosen += self._x(f"SELECT p.n, p.vid FROM proj p WHERE p.n IN (SELECT n FROM events WHERE {where}) "
                              f"AND {_tbl_is(_TBL[table])}", args).fetchall()
        return self._rows_at(chosen)

    def _rows_in(self, table: str, column: str, values: Sequence[Any], t_from: int | None, t_before: int | None,
                 order: str | None, limit: int | None, region: str | None = None) -> list[Row]:
        """The rows whose `column` (p.ref or p.region) is one of `values`."""
        if not values:
            return []
        tbl = _TBL[table]
        where, args = _table_window(tbl, t_from, t_before)
        if region is not None:
            where.append("p.region=?")
            args.append(region)
        chosen: list[tuple[int, int]] = []
        # By region, each part of proj_newest (the sides keep its partial indexes usable); by
        # reference, proj_by_ref holds every row.
        for side in self._sides(tbl, t_from) if column == "p.region" else (None,):
            for i in range(0, len(values), 500):
                chunk = list(values[i: i + 500])
                chosen += self._x(f"SELECT p.n, p.vid FROM proj p WHERE {' AND '.join([*where, *filter(None, [side])])} "
                                  f"AND {column} IN ({','.join('?' * len(chunk))})", (*args, *chunk)).fetchall()
        found = self._ordered(self._rows_at(chosen), order)
        return found[:limit] if limit is not None else found

    def _rows_at(self, chosen: list[tuple[int, int]]) -> list[Row]:
        """The rows made by the events stored as `n` with id number `vid` ((n, vid) pairs), in that
        order: from the cache of rows rebuilt lately, the others rebuilt from their events."""
        rows: list[Row | None] = list(map(self._row_cache.get, chosen))
        if None not in rows:  # (all kept: a page's rows, most of the time; ~5,500 a busy regions page)
            return rows  # type: ignore[return-value]
        place = {n: i for i, ((n, _vid), row) in enumerate(zip(chosen, rows)) if row is None}
        ns = list(place)
        for i in range(0, len(ns), 500):
            chunk = ns[i: i + 500]
            found = self._x(f"SELECT {_ROW_COLS} FROM proj p JOIN events e ON e.n = p.n "
                            f"WHERE p.n IN ({','.join('?' * len(chunk))})", chunk).fetchall()
            for r, row in zip(found, self._rebuilt(found)):
                rows[place[r[0]]] = row
                self._remember(r[0], row)
            self.__dict__["_rebuilt_count"] = self.rows_rebuilt + len(found)
        return [row for row in rows if row is not None]

    @property
    def rows_rebuilt(self) -> int:
        """How many rows were rebuilt from their events so far (read their bodies): see `release_pages`."""
        return self.__dict__.get("_rebuilt_count", 0)

    def release_pages(self) -> None:
        """Hand back the database pages SQLite keeps cached (PRAGMA shrink_memory): after a read that
        rebuilt thousands of rows, their events' pages fill the cache (4.8 MiB of a dashboard's first
        overview at 100k events), though the rows are kept rebuilt (`_remember`) and those pages are
        not read again. The pages still read (indexes) come back at the next reads, from the OS."""
        self._x("PRAGMA shrink_memory")

    @property
    def _row_cache(self) -> dict[tuple[int, int], Row]:
        cache = self.__dict__.get("_rows_rebuilt")
        if cache is None:
            cache = self.__dict__["_rows_rebuilt"] = {}
        return cache

    def _remember(self, n: int, row: Row) -> None:
        """Keep a rebuilt row: a page or a listing reads the same newest rows again and again. A row
        is a function of its event (n, id) alone, so it never goes stale: an event whose body is
        dropped loses its row in SQL and is not selected again, and a reused `n` has another id.
        Bounded: when full, the older half goes (the first kept), so the rows of the pages read
        now stay, and no request pays for rebuilding every page's rows at once."""
        cache = self._row_cache
        if len(cache) >= ROW_CACHE:
            for old in list(islice(cache, max(1, ROW_CACHE // 2))):
                del cache[old]
        cache[(n, id_number(row.version[1]))] = row

    @staticmethod
    def _ordered(rows: list[Row], order: str | None) -> list[Row]:
        return sorted(rows, key=_SORT_KEYS[order]) if order else rows

    def _rebuilt(self, cursor: Iterable[tuple]) -> list[Row]:
        """Rows from (n, tbl, g, lww, id, a, header, sig, body): each its event's projection."""
        out = []
        for _n, tbl, g, _lww, event_id, a, short, sig, body in cursor:
            header_bytes = self._signed(event_id, a, short, sig, body)
            # Read back from this node's own log, checked when it arrived: decoded without the checks.
            header = Header(*msgpack.unpackb(header_bytes)[1:], version=1)
            [row] = [r for r in project(Event(event_id, header, header_bytes, sig, body),
                                        msgpack.unpackb(body, raw=False), self._key(g)) if isinstance(r, Row)]
            out.append(row)
        return out

    def _regions_of(self, tbl: int, side: str) -> list[int]:
        """The distinct regions (numbers, in name order) of one table's rows in `side` (OPEN, LAPSED):
        a loose index scan (one probe per region), once a read transaction (`StoreBase._of_reading`): an
        overview asked it 93 times for 14 answers, a twelfth of its SQLite steps."""
        return self._of_reading(("regions of", tbl, side), lambda: self._by_name([r[0] for r in self._x(
            "WITH RECURSIVE r(region) AS ("
            f" SELECT min(region) FROM proj p WHERE {_tbl_is(tbl)} AND {side} AND region IS NOT NULL"
            f" UNION ALL SELECT (SELECT min(region) FROM proj p WHERE {_tbl_is(tbl)} AND {side} AND region > r.region)"
            " FROM r WHERE r.region IS NOT NULL"
            ") SELECT region FROM r WHERE region IS NOT NULL")]))

    def regions(self, tables: Sequence[str]) -> list[str]:
        """The distinct regions of rows in `tables` (open or lapsed), sorted: a few hundred
        microseconds whatever the number of rows."""
        found: set[str] = set()
        with self.reading():  # (the numbers and their names of one moment: another connection may let a name go)
            for tbl, side in _sides(tables):
                found.update(map(self._region, self._regions_of(tbl, side)))
        return sorted(found)

    def holds_region(self, tables: Sequence[str], region: str) -> bool:
        """Whether a row of `tables` (open or lapsed) is placed in `region`: an index probe per table
        and side, stopping at the first found (what a publish asks of its region, where listing
        every region cost 90 us, a ninth of the publish)."""
        r = self._find_r(region)
        return r is not None and any(self._x(f"SELECT 1 FROM proj p WHERE {_tbl_is(tbl)} AND {side} AND region=? LIMIT 1",
                                             (r,)).fetchone() for tbl, side in _sides(tables))

    def _table_filter(self, tables: Sequence[str]) -> str:
        """SQL that keeps rows of `tables` only (nothing when that is every table), the table
        numbers written in (see _tbl_is)."""
        if set(tables) >= set(TABLES):
            return ""
        return f" AND p.tbl IN ({','.join(str(_TBL[t]) for t in tables)})"

    def projection_dump(self) -> list[ProjectionDumpRow]:
        """Every read-model row, ordered by (table, key): what the rebuild test compares."""
        out = []
        for n, tbl, g, lww, event_id, region, t, ref, vts, pub, urg in self._x(
                "SELECT p.n, p.tbl, p.g, p.lww, e.id, p.region, p.t, p.ref, p.vts, p.pub, p.urg FROM proj p "
                "JOIN events e ON e.n = p.n"):
            key = self._key(lww) if lww is not None else event_id
            out.append(ProjectionDumpRow(TABLES[tbl], key, None if region is None else self._region(region), t, ref, vts, event_id, self._key(g), pub == 1,
                                         urg == 1))
        return sorted(out)

    def projection_rows(self) -> list[Row]:
        """Every read-model row with its data (for tests comparing with the in-memory reference)."""
        return sorted((r for table in TABLES for r in self.rows(table)), key=lambda r: (r.table, r.key))

    def profile_events(self) -> list[tuple[int, bytes]]:
        """(n, wire) of every stored group profile with its body."""
        return [(n, self._wire(i, a, h, s, b)) for n, i, a, h, s, b in self._x(
            "SELECT n, id, a, header, sig, body FROM events WHERE kind='group.profile' AND body IS NOT NULL")]


def _walk_side(tbl: int, column: str | None, side: str) -> str | None:
    """The term of `side` (OPEN, LAPSED) in a walk of table number `tbl` by `column`; None for
    actions by time: actions never lapse, and their time indexes (proj_by_time, proj_by_group_time)
    hold every one, so a walk without the term reads its index alone, where the term read each row's
    mark from the table (267 of a busy overview's 1,729 reads of the file). Every walk of actions by
    time goes by it: a region's (`_walked`) and each group's (`rows_of_each_group`)."""
    return None if tbl == ACTION_TBL and column == "p.t" else side


def _walk(order: str | None) -> tuple[str | None, str]:
    """The column a listing in `order` walks, and its ORDER BY (one of the read model's indexes)."""
    column, descending = {None: (None, False), "t": ("p.t", False), "latest": ("p.t", True),
                          "newest": ("p.vts", True)}[order]
    way = "DESC" if descending else "ASC"
    return column, f" ORDER BY {column} {way}, p.vid {way}, p.n {way}" if column else ""


def _in_walk_order(found: list[tuple[Any, ...]], order: str | None) -> list[tuple[Any, ...]]:
    """(n, ordering column, vid) rows of one walk in the order its ORDER BY (`_walk`) gives them
    (SQL sorts NULL first, so last in a descending walk)."""
    return sorted(found, key=lambda c: (c[1] is not None, c[1] or 0, c[2], c[0]), reverse=order != "t")


def _merged(walks: Sequence[Iterable[tuple]], order: str | None) -> Iterable[tuple]:
    """The (n, ordering column, vid) rows of several index walks in `order`, merged as they go:
    SQLite steps each walk only as far as the merge takes rows from it."""
    if order is None or len(walks) == 1:
        return chain.from_iterable(walks)
    if order == "newest":
        return heapq.merge(*walks, key=lambda c: (c[1], c[2]), reverse=True)
    # NULL times first in time order (as SQL sorts them), last in reverse. heapq.merge keeps the
    # walks' order among equal keys, as a stable sort of them all would.
    return heapq.merge(*walks, key=lambda c: (c[1] is not None, c[1] or 0, c[2]), reverse=order == "latest")


_SORT_KEYS = {"t": lambda r: (r.time is not None, r.time if r.time is not None else 0, r.version[1]),
              "latest": lambda r: (r.time is None, -(r.time or 0), bytes(255 - b for b in r.version[1])),
              "newest": lambda r: (-r.version[0], bytes(255 - b for b in r.version[1]))}


def _sides(tables: Sequence[str]) -> Iterator[tuple[int, str]]:
    """Each table number of `tables` with the sides its rows may be on (open; lapsed too where rows lapse)."""
    for table in tables:
        tbl = _TBL[table]
        for side in (OPEN, LAPSED) if tbl in _LAPSING else (OPEN,):
            yield tbl, side
