"""The desk's marks (proj.urg) of needs and support requests, kept in rows as their steps come.

events/desk_marks.py says what the state is and how a step changes it; this mixin of the store
keeps it (schema.DESK_SCHEMA) and works it out inside each write, before it commits (`_settle`):
- a step (need.update, need.fulfil, need.decline, support.claim, support.close) whose item is held
  changes its item's state in a few statements (its item, its author's and its group's parts):
  never a read of the item's other steps, so a flood of 2,000 updates costs 2,000 times one;
- a step taken out (a redaction, a revocation) is taken out of the part it counted in, worked out
  from that part's own steps (`_take_out`); an item that comes (its steps may have come before
  it), or whose step cannot be taken out so (a withdrawal, a close by its group, a decline), is
  worked out again from its row and all its steps held: once per item and write;
- an item no step has reached keeps no state: its row is written with its mark (ingest's workers
  work it out, events.desk_marks.marked_alone), its state is its row's own, worked out from it when
  the first step comes (2 statements a write for all its new items, where a state row each cost 34
  bytes an event and a rebuild of the item from its event).
"""
from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

import msgpack

from events import desk_marks
from events.projections import FULFIL, FUNDRAISER_UPDATE, NEED, NEED_UPDATE, SUPPORT, SUPPORT_STATUS, TABLES, Row
from node.store.schema import MARKS_OWED, by_id, id_number

_TBL = {name: i for i, name in enumerate(TABLES)}
ITEMS = (NEED, SUPPORT)
STEPS = {NEED_UPDATE: NEED, FULFIL: NEED, SUPPORT_STATUS: SUPPORT}
REPLIES = (FULFIL, FUNDRAISER_UPDATE)  # the rows of what a decline may name (references.REPLY_KINDS, as stored)
_ITEM_TBLS = ",".join(str(_TBL[t]) for t in ITEMS)
_STEP_TBLS = ",".join(str(_TBL[t]) for t in STEPS)
AUTHOR, GROUP = 0, 1  # desk_part.part
WALK_CHUNK = 64  # rows a turn of each of `_author_steps`'s two walks


def _pack(value: dict[str, Any]) -> bytes:
    return msgpack.packb(value, use_bin_type=True)


def _unpack(blob: bytes) -> dict[str, Any]:
    return msgpack.unpackb(blob, raw=False)


# An item's state (desk_item.state) is packed as a list: its kind's number, then its values in
# this order (a dict with these names was 110 bytes a need, rewritten at each step; a list is 15).
# A state packed as a dict (before 2026-12-06) is read as it is.
_ITEM_FIELDS = {"need": ("owner", "high", "qty", "withdrawn", "covered", "unresolved", "u_authors", "high_authors",
                         "q_max", "urg"),
                "support": ("owner", "high", "private", "closed", "holders", "urg")}
_KINDS = tuple(_ITEM_FIELDS)


def _pack_item(item: dict[str, Any]) -> bytes:
    fields = _ITEM_FIELDS[item["kind"]]
    if len(item) != len(fields) + 1:  # (a state of other names: kept whole)
        return _pack(item)
    return msgpack.packb([_KINDS.index(item["kind"]), *(item[f] for f in fields)], use_bin_type=True)


def _unpack_item(blob: bytes) -> dict[str, Any]:
    found = msgpack.unpackb(blob, raw=False)
    if isinstance(found, dict):
        return found
    kind = _KINDS[found[0]]
    return {"kind": kind, **dict(zip(_ITEM_FIELDS[kind], found[1:], strict=True))}


_NO_PART = _pack({})


class _Work:
    """The state of one item being changed: its parts read once, written back together."""

    def __init__(self, store: DeskMarks, n: int, item: dict[str, Any], fresh: bool, blob: bytes | None = None) -> None:
        """`blob`: the item's state as kept (`item` unpacked), not written again if it is unchanged."""
        self.store, self.n, self.item, self.fresh, self.blob = store, n, item, fresh, blob
        self.parts: dict[tuple[int, int], dict[str, Any]] = {}
        self.kept: dict[tuple[int, int], bytes] = {}  # (the parts as read: those unchanged are not written again)
        self.dirty: set[tuple[int, int]] = set()

    def part(self, part: int, k: int) -> dict[str, Any]:
        if (part, k) not in self.parts:
            blob = None if self.fresh else self.store._one(
                "SELECT state FROM desk_part WHERE item=? AND part=? AND k=?", (self.n, part, k))
            self.parts[(part, k)] = _unpack(blob) if blob is not None else {}
            self.kept[(part, k)] = blob if blob is not None else _NO_PART
        self.dirty.add((part, k))
        return self.parts[(part, k)]

    def save(self) -> None:
        # (a step that changes nothing, e.g. another group's update or a row stored again, writes nothing;
        # a part missing reads as an empty one)
        packed = [(part, k, _pack(self.parts[(part, k)])) for part, k in sorted(self.dirty)]
        rows = [(self.n, part, k, self.parts[(part, k)].get("q", [None])[-1] if part == AUTHOR else None, state)
                for part, k, state in packed if state != self.kept.get((part, k), _NO_PART)]
        if rows:
            self.store._many("INSERT OR REPLACE INTO desk_part(item, part, k, a, state) VALUES (?,?,?,?,?)", rows)
        urg = 1 if desk_marks.marked(self.item) else None
        if urg != self.item["urg"] or self.fresh:
            self.item["urg"] = urg
            self.store._x("UPDATE proj SET urg=? WHERE n=?", (urg, self.n))
        state = _pack_item(self.item)
        if self.fresh or state != self.blob:
            self.store._x("INSERT OR REPLACE INTO desk_item(n, state) VALUES (?, ?)", (self.n, state))


class DeskMarks:
    """Mixin of ProjectionTables (which gives `_x`, `_many`, `_one`, `_rows_at`, `_k`, `_key`, `event_n`)."""

    @property
    def _marks_owed(self) -> tuple[set[int], set[tuple[int, int]], set[tuple[int, int]], dict[int, bytes]]:
        """(items to work out again, steps to apply, replies a pending decline may name, items
        added with their mark) of the write under way: items by proj n (the last by n and id), the
        others by (n, vid) (ProjectionTables._rows_at)."""
        owed = self.__dict__.get("_desk_owed")
        if owed is None:
            owed = self.__dict__["_desk_owed"] = (set(), set(), set(), {})
        return owed

    def desk_row_added(self, n: int, vid: int, table: str, key: bytes, marked: bool = False) -> None:
        """A row of `table` was added (or stored again) as `n` (its id number `vid`, its key `key`)
        in this write; `marked`: an item's row was written with its mark before any step
        (events.desk_marks.marked_alone), so unless a step or a state of it is held it needs no work."""
        if table in ITEMS:
            if marked:
                self._marks_owed[3][n] = key
            else:
                self._marks_owed[0].add(n)
        elif table in STEPS:
            self._marks_owed[1].add((n, vid))
        if table in REPLIES:
            self._marks_owed[2].add((n, vid))

    def desk_rows_dropping(self, made_by: str, args: Any) -> None:
        """The rows the query `made_by` selects (their n) are about to go: their items' state goes;
        each step among them is taken out of its item's state (`_take_out`: the part it counted in,
        worked out from its own author's or group's steps), or, where that cannot be told (a
        withdrawal, a close by the request's group, a decline), its item is worked out again at the
        commit. A mole's redaction of one of 2,000 steps re-read every step of the item: a flood of
        them was quadratic."""
        items = self._marks_owed[0]
        # (+tbl, +ref: by the rows' n; the planner took proj_by_ref, a walk of every step of the table)
        gone = {n for (n,) in self._x(f"SELECT n FROM proj WHERE +tbl IN ({_ITEM_TBLS}) AND n IN ({made_by})", args)}
        for n in gone:
            self._forget_item(n)
            self._marks_owed[3].pop(n, None)
        dropped = self._x(f"SELECT n, vid, ref FROM proj WHERE +tbl IN ({_STEP_TBLS}) AND +ref IS NOT NULL "
                          f"AND n IN ({made_by})", args).fetchall()
        leaving = {n for n, _, _ in dropped}
        for n, vid, ref in dropped:
            item, blob = self._item_of(ref)
            if item is None or item in gone or item in items:
                continue
            step = self._rows_at([(n, vid)])
            if blob is None or not step or not self._take_out(item, blob, step[0], leaving):
                items.add(item)
        items.update(n for (n,) in self._x(
            f"SELECT item FROM desk_named WHERE named IN (SELECT id FROM events WHERE n IN ({made_by}))", args))
        items.difference_update(gone)

    def _take_out(self, n: int, blob: bytes, step: Row, leaving: set[int]) -> bool:
        """Take the step `step` (about to go, with the rows `leaving`) out of the state of item `n`
        (`blob`, as kept); False when it cannot be told here (the item is then worked out again)."""
        work = _Work(self, n, _unpack_item(blob), fresh=False, blob=blob)
        item, data = work.item, step.data
        group, author = self._k(data["group"]), self._k(data["author"])
        key = [data["seq"], step.version[0], id_number(step.version[1])]
        if step.table == FULFIL:
            if self._x("DELETE FROM desk_fulfil WHERE id=?", (step.key,)).rowcount == 0:
                return True  # (never counted)
            if "decline" in data:
                return group != item["owner"]  # (another group's counts for nothing)
            desk_marks.need_unfulfil(item, work.part(GROUP, group), data, self._key(item["owner"]))
        elif step.table == NEED_UPDATE:
            if group != item["owner"]:
                return True
            if data.get("status") == "withdrawn":
                return False
            part = work.part(AUTHOR, author)
            if key not in (part.get("u", [None] * 3)[:3], part.get("q", [None] * 3)[:3]):
                return True  # (not the last it set: nothing of it counts)
            desk_marks.forget_urgency(item, part)
            for later in self._author_steps(author, NEED_UPDATE, step.ref, leaving):
                desk_marks.need_update(item, part, group, (later.data["seq"], later.version[0],
                                                           id_number(later.version[1])), later.data)
                if "u" in part and "q" in part:
                    break
            item["q_max"] = self._largest_asked(work)
        else:
            if data["status"] == "closed" and group == item["owner"]:
                return False
            part, group_part = work.part(AUTHOR, author), work.part(GROUP, group)
            if part.get("s") == key:
                part.pop("s", None)
                part.pop("claim", None)
                for later in self._author_steps(author, SUPPORT_STATUS, step.ref, leaving):
                    part["s"], part["claim"] = [later.data["seq"], later.version[0], id_number(later.version[1])], \
                        later.data["status"] == "claimed"
                    break
            if group_part.get("v") == key[1:]:
                group_part.pop("v", None)
                group_part.pop("author", None)
                for pair in self._x("SELECT n, vid FROM proj WHERE tbl=? AND g=? AND lapsed IS NULL AND ref=? "
                                    "ORDER BY vts DESC, vid DESC LIMIT ?",
                                    (_TBL[SUPPORT_STATUS], group, step.ref, len(leaving) + 1)).fetchall():
                    newest = self._rows_at([pair]) if pair[0] not in leaving else []
                    if newest:
                        group_part["v"] = [newest[0].version[0], id_number(newest[0].version[1])]
                        group_part["author"] = self._k(newest[0].data["author"])
                        break
            holder = group_part.get("author")
            desk_marks.holds_from(item, group_part, work.part(AUTHOR, holder) if holder is not None else None,
                                  self._claim_counts(item, group))
        work.save()
        return True

    def _author_steps(self, author: int, table: str, ref: bytes, leaving: set[int]) -> Iterator[Row]:
        """The steps of `table` on the item `ref` by the device `author` (key number), the last it
        signed first, those `leaving` left out. Two walks in turns, WALK_CHUNK rows at a time: the
        device's own events down from its head (their (a, seq) index: a flood of other devices'
        steps on the item is never read), and the item's steps (proj_by_ref: a device's long
        history is never read); once the item's are all read, the rest come from them. So the work
        is about twice the smaller of the two: revoking a device that claimed 2,000 requests walked
        its whole history for each claim (49M SQLite VM steps, 7.7 s; about a minute on a Pi)."""
        head = self._one("SELECT max(seq) FROM events WHERE a=?", (author,))
        if head is None:
            return
        tbl, below, after = _TBL[table], head + 1, -1
        mine: list[tuple[int, int, int]] = []  # (seq, n, vid): the device's steps the item's walk found
        while below > 0:
            found = self._x("SELECT e.seq, p.n, p.vid FROM events e JOIN proj p ON p.n = e.n WHERE e.a=? AND e.seq<? "
                            "AND e.seq>=? AND p.tbl=? AND p.ref=? ORDER BY e.seq DESC",
                            (author, below, below - WALK_CHUNK, tbl, ref)).fetchall()
            below -= WALK_CHUNK
            yield from self._rows_at([(n, vid) for _, n, vid in found if n not in leaving])
            if below <= 0:
                return
            steps = self._x(f"SELECT p.n, p.vid, e.a, e.seq FROM proj p JOIN events e ON e.n = p.n WHERE p.tbl={tbl} "
                            "AND p.ref=? AND p.n>? ORDER BY p.n LIMIT ?", (ref, after, WALK_CHUNK)).fetchall()
            mine += [(seq, n, vid) for n, vid, a, seq in steps if a == author]
            if len(steps) < WALK_CHUNK:  # (every step of the item read: the device's below `below` are known)
                yield from self._rows_at([(n, vid) for seq, n, vid in sorted(mine, reverse=True)
                                          if seq < below and n not in leaving])
                return
            after = steps[-1][0]

    def _claim_counts(self, item: dict[str, Any], group: int) -> bool:
        gone = self._one("SELECT 1 FROM desk_gone WHERE g=?", (self._key(group),)) is not None
        return desk_marks.claim_counts(item, group, gone)

    def desk_gone_changed(self, groups: Collection[bytes]) -> bool:
        """Whether the groups gone (left or revoked) are no longer those `desk_groups_gone` kept."""
        return {g for (g,) in self._x("SELECT g FROM desk_gone")} != set(groups)

    def desk_groups_gone(self, groups: Collection[bytes]) -> None:
        """Inside a write: the groups the trust graph says are gone (readmodels.departure) are
        `groups`. A gone group's claim takes no request (readmodels.support_requests: it waits for a
        group again): the requests a group claimed are worked out again when it goes or comes back
        (found by its status rows, proj_by_group: bounded by its own steps), whenever its claims came."""
        held = {g for (g,) in self._x("SELECT g FROM desk_gone")}
        wanted = set(groups)
        self._many("DELETE FROM desk_gone WHERE g=?", [(g,) for g in held - wanted])
        self._many("INSERT INTO desk_gone(g) VALUES (?)", [(g,) for g in wanted - held])
        for k in self._key_numbers(held ^ wanted):
            refs = {ref for (ref,) in self._x("SELECT DISTINCT ref FROM proj WHERE tbl=? AND g=? AND lapsed IS NULL "
                                               "AND ref IS NOT NULL", (_TBL[SUPPORT_STATUS], k))}
            self._marks_owed[0].update(n for n in (self._item_of(ref)[0] for ref in refs) if n is not None)

    def desk_clear(self) -> None:
        for table in ("desk_item", "desk_part", "desk_fulfil", "desk_pending", "desk_named"):
            self._x(f"DELETE FROM {table}")
        for owed in self._marks_owed:
            owed.clear()

    def desk_forget_owed(self) -> None:
        """A write rolled back: what it owed goes with it."""
        self.__dict__.pop("_desk_owed", None)

    def _forget_item(self, n: int) -> None:
        for sql in ("DELETE FROM desk_item WHERE n=?", "DELETE FROM desk_part WHERE item=?",
                    "DELETE FROM desk_fulfil WHERE item=?", "DELETE FROM desk_pending WHERE item=?",
                    "DELETE FROM desk_named WHERE item=?"):
            self._x(sql, (n,))

    def settle_marks(self) -> None:
        """Inside a write, before it commits: the items owed are worked out again, then the new
        steps of the others are applied (in order of n: their effect is the same in any order)."""
        items, steps, replies, added = self._marks_owed
        self.__dict__["_desk_owed"] = (set(), set(), set(), {})
        items.update(self._with_state(added))
        done: set[int] = set()
        for n in sorted(items):
            self._work_out(n)
            done.add(n)
        if steps:
            self._apply_steps(steps, done)
        if replies:
            self._resolve_pending(replies, done)

    def _with_state(self, added: dict[int, bytes]) -> set[int]:
        """Of the items `added` (n: key), written with their mark before any step, those that need
        working out: a step of it held (it may have come first), or a state kept (a row stored
        again). The others' state is their row's own: no desk_item row, nor a statement each."""
        ns = sorted(added)
        owed: set[int] = set()
        for i in range(0, len(ns), 500):
            chunk = ns[i: i + 500]
            marks = ",".join("?" * len(chunk))
            # Both probes in one statement (a publish's item paid two): the kept states by n, the steps by ref
            refs = set()
            for n, ref in self._x(f"SELECT n, NULL FROM desk_item WHERE n IN ({marks}) UNION ALL "
                                  f"SELECT NULL, ref FROM proj WHERE tbl IN ({_STEP_TBLS}) AND ref IN ({marks})",
                                  [*chunk, *(added[n] for n in chunk)]):
                if n is not None:
                    owed.add(n)
                else:
                    refs.add(ref)
            owed.update(n for n in chunk if added[n] in refs)
        return owed

    def _apply_steps(self, steps: set[tuple[int, int]], done: set[int]) -> None:
        for row in self._rows_at(self._held(steps)):  # (a part of the write may have rolled back; a redaction dropped it)
            item, blob = self._item_of(row.ref)
            if item is None or item in done:
                continue  # (not held yet: worked out when it comes; or just worked out with this step)
            if blob is None:
                self._work_out(item)
                done.add(item)
                continue
            work = _Work(self, item, _unpack_item(blob), fresh=False, blob=blob)
            self._apply(work, row)
            work.save()

    def _resolve_pending(self, replies: set[tuple[int, int]], done: set[int]) -> None:
        """The declines waiting for the replies that came in this write (of any need: a decline
        may name another need's fulfilment, whose group it then declines) take effect now, as they
        would have had the reply come first."""
        for reply in self._rows_at(self._held(replies)):
            for item, step in self._x("SELECT item, step FROM desk_pending WHERE named=?", (reply.key,)).fetchall():
                if item in done:
                    continue  # (worked out again in this write, with the reply held)
                blob = self._one("SELECT state FROM desk_item WHERE n=?", (item,))
                self._x("DELETE FROM desk_pending WHERE named=? AND item=? AND step=?", (reply.key, item, step))
                if blob is None:
                    continue
                work = _Work(self, item, _unpack_item(blob), fresh=False, blob=blob)
                work.item["unresolved"] -= 1
                self._decline_reply(work, reply)
                work.save()

    def _held(self, pairs: set[tuple[int, int]]) -> list[tuple[int, int]]:
        """Of the rows `pairs` ((n, vid)), those still in proj, in order: `_rows_at` gives a row it
        rebuilt lately from its cache, though a redaction or a revocation took it out since."""
        ns = sorted(pairs)
        held: set[tuple[int, int]] = set()
        for i in range(0, len(ns), 500):
            chunk = [n for n, _ in ns[i: i + 500]]
            held.update(self._x(f"SELECT n, vid FROM proj WHERE n IN ({','.join('?' * len(chunk))})", chunk).fetchall())
        return [pair for pair in ns if pair in held]

    def settle_owed_marks(self) -> None:
        """After the upgrade to schema 15 (meta MARKS_OWED): every item held is worked out, once (in
        its own write; a kill before it ends leaves it owed)."""
        if not self._one("SELECT value FROM meta WHERE key=?", (MARKS_OWED,)):
            return
        with self.write():
            self._marks_owed[0].update(n for (n,) in self._x(f"SELECT n FROM proj WHERE tbl IN ({_ITEM_TBLS})"))
            self._x("DELETE FROM meta WHERE key=?", (MARKS_OWED,))

    def _item_of(self, ref: bytes | None) -> tuple[int | None, bytes | None]:
        """The proj n of the need or support request `ref` if held, and its state if it has one."""
        if not isinstance(ref, bytes):
            return None, None
        where, args = by_id(ref)
        found = self._x(f"SELECT p.n, d.state FROM proj p LEFT JOIN desk_item d ON d.n = p.n "
                        f"WHERE p.n = (SELECT n FROM events WHERE {where}) AND p.tbl IN ({_ITEM_TBLS})", args).fetchone()
        return (found[0], found[1]) if found is not None else (None, None)

    def _work_out(self, n: int) -> None:
        """The state of item `n` from its row and every step of it held (bounded by its steps)."""
        # Its state kept, and its row: one statement (each is some 10 us of a publish's new need).
        kept, vid = self._x("SELECT (SELECT 1 FROM desk_item WHERE n=?1), (SELECT vid FROM proj WHERE n=?1)",
                            (n,)).fetchone()
        if kept:  # (a new item has none: nothing to forget)
            self._forget_item(n)
        rows = self._rows_at([(n, vid)]) if vid is not None else []
        if not rows:
            return
        row = rows[0]
        owner = self._k(row.data["group"])
        start = desk_marks.need_item if row.table == NEED else desk_marks.support_item
        work = _Work(self, n, start(owner, row.data), fresh=True)
        tbls = [_TBL[t] for t, item in STEPS.items() if item == row.table]
        steps = self._x(f"SELECT n, vid FROM proj WHERE tbl IN ({','.join(map(str, tbls))}) AND ref=?",
                        (row.key,)).fetchall()
        if not steps:  # (its state is its row's own: none kept, it is worked out again when a step comes)
            urg = 1 if desk_marks.marked(work.item) else None
            self._x("UPDATE proj SET urg=? WHERE n=? AND urg IS NOT ?", (urg, n, urg))
            return
        for step in self._rows_at(steps):
            self._apply(work, step)
        work.save()

    def _apply(self, work: _Work, step: Row) -> None:
        item, data = work.item, step.data
        group, author = self._k(data["group"]), self._k(data["author"])
        key = (data["seq"], step.version[0], id_number(step.version[1]))
        if step.table == NEED_UPDATE:
            if group != item["owner"]:
                return  # (another group's update counts for nothing: no part of its own either)
            if desk_marks.need_update(item, work.part(AUTHOR, author), group, key, data):
                item["q_max"] = self._largest_asked(work)
        elif step.table == FULFIL:
            if self._x("INSERT OR IGNORE INTO desk_fulfil(id, item) VALUES (?, ?)", (step.key, work.n)).rowcount == 0:
                return  # (counted already: a row stored again)
            if "decline" in data:
                if group == item["owner"]:
                    self._decline(work, data["decline"], step.key)
            else:
                desk_marks.need_fulfil(item, work.part(GROUP, group), data, self._key(item["owner"]))
        else:
            newest = desk_marks.support_step(item, work.part(GROUP, group), work.part(AUTHOR, author), group, author,
                                             key, data["status"] == "claimed")
            desk_marks.holds_from(item, work.part(GROUP, group), work.part(AUTHOR, newest),
                                  self._claim_counts(item, group))

    def _largest_asked(self, work: _Work) -> int | None:
        """The largest of the quantities the need's devices set last: of the parts read in `work`,
        and of its other authors' parts (desk_part.a), a few rows (its group's devices)."""
        touched = {k: p for (kind, k), p in work.parts.items() if kind == AUTHOR}
        asked = [p["q"][-1] for p in touched.values() if p.get("q")]
        if not work.fresh:
            asked += [a for k, a in self._x("SELECT k, a FROM desk_part WHERE item=? AND part=? AND a IS NOT NULL",
                                            (work.n, AUTHOR)) if k not in touched]
        return max(asked, default=None)

    def _decline(self, work: _Work, named: bytes, step: bytes) -> None:
        """A decline by the need's group naming `named`: the group of that reply is declined (as
        readmodels._declined_group finds it: a fulfilment's or pledge's group; nothing for a
        decline); one not held (yet) keeps the need marked until its fulfilment comes."""
        n = self.event_n(named)
        found = None if n is None else self._x(
            f"SELECT n, vid, tbl FROM proj WHERE n=? AND tbl IN ({','.join(str(_TBL[t]) for t in REPLIES)})",
            (n,)).fetchone()
        if found is None:
            self._x("INSERT OR IGNORE INTO desk_pending(named, item, step) VALUES (?,?,?)", (named, work.n, step))
            work.item["unresolved"] += 1
            return
        reply = self._rows_at([(found[0], found[1])])
        if reply:
            self._decline_reply(work, reply[0])

    def _decline_reply(self, work: _Work, reply: Row) -> None:
        """A decline by the need's group names `reply`: a fulfilment's or a pledge's group is
        declined (references.replied_by: the group that signed a reply); a decline names no group.
        Remembered (desk_named): if the reply is taken out, the need is worked out again."""
        self._x("INSERT OR IGNORE INTO desk_named(named, item) VALUES (?, ?)", (reply.key, work.n))
        if "decline" not in reply.data:
            group = self._k(reply.data["group"])
            desk_marks.decline_group(work.item, work.part(GROUP, group), group)
