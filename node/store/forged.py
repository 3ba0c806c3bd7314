"""Events of a device refused as off the chain its group pinned, kept as proofs in waiting
(schema.FORGED_SCHEMA), and the bounds shared with the events kept past a fork point.

A pin (events/trust.py `Member.pinned`) counts only while its revocation does, and only below its
author's fork point: whoever holds a copy of the group key can fork it at the pinning revocation's
seq, and then the pin stops counting. A forgery refused while it counted must then be a fork again,
exactly as on a node that received it after the pin stopped counting; no peer sends it again (sync
compares heads, and the device's chain is whole below them). So it is kept here, within bounds,
until the pin stops counting or it ages out (node/log.py `_refind_forks`).
"""
from __future__ import annotations

from dataclasses import dataclass

from events.format import Event
from node.store.events import wire_of
from node.store.shares import ShareTables


@dataclass(frozen=True)
class ForkedLimits:
    """How much of a device's events that were never in this log is kept out of it, in case a pin
    (or its end) decides which of two chains is the device's: what a phone signs in a long while,
    and a bound on what keys forked on purpose can fill."""

    per_author_events: int = 2_000
    per_author_bytes: int = 8 * 1024 * 1024
    events: int = 50_000
    bytes: int = 128 * 1024 * 1024
    max_age_ms: int = 90 * 24 * 3_600_000  # a seized phone may be revoked weeks after the raid (then dropped)


FORGED_LIMITS = ForkedLimits()
_SIZE = "length(header) + length(coalesce(body, ''))"


class ForgedTables(ShareTables):
    def keep_forged(self, ev: Event, now: int) -> bool:
        """Keep `ev`, refused as off its author's pinned chain; True if it is kept. Within
        FORGED_LIMITS the lowest (seq, id) of a device's stay (the lowest seq is the fork point if
        the pin stops counting): the kept set does not depend on the order they came in, and a
        flood of forgeries at high seqs cannot push out one at a lower seq. In all, the device
        holding the most gives way."""
        if self._one("SELECT 1 FROM forged WHERE id=?", (ev.id,)) is not None:
            return False
        author, length, place = ev.author, len(ev.header_bytes) + len(ev.body or b""), (ev.seq, ev.id)
        limits = FORGED_LIMITS
        while True:
            count, size = self._x(f"SELECT count(*), coalesce(sum({_SIZE}), 0) FROM forged WHERE author=?",
                                  (author,)).fetchone()
            if count + 1 <= limits.per_author_events and size + length <= limits.per_author_bytes:
                break
            if not self._give_way(author, place):
                return False
        while True:
            total, total_size = self._x(f"SELECT count(*), coalesce(sum({_SIZE}), 0) FROM forged").fetchone()
            if total + 1 <= limits.events and total_size + length <= limits.bytes:
                break
            top = self._x("SELECT author, count(*) FROM forged GROUP BY author ORDER BY 2 DESC, author LIMIT 1").fetchone()
            if top is None or (top[0] != author and top[1] <= count + 1):
                return False
            if not self._give_way(top[0], place if top[0] == author else None):
                return False
        self._forget("forged_authors", "forged_next_due")
        self._x("INSERT INTO forged VALUES (?,?,?,?,?,?,?,?,?)",
                (ev.id, author, ev.seq, ev.kind, ev.header_bytes, ev.signature, ev.body, ev.header.expires, now))
        return True

    def _give_way(self, author: bytes, above: tuple[int, bytes] | None) -> bool:
        """Drop `author`'s highest (seq, id), if it is above `above` (None: any); False if none is."""
        top = self._x("SELECT seq, id FROM forged WHERE author=? ORDER BY seq DESC, id DESC LIMIT 1",
                      (author,)).fetchone()
        if top is None or (above is not None and tuple(top) <= above):
            return False
        self._forget("forged_authors", "forged_next_due")
        self._x("DELETE FROM forged WHERE id=?", (top[1],))
        return True

    def forged_of(self, author: bytes) -> list[tuple[bytes, int, bytes]]:
        """(id, seq, wire) of `author`'s kept forgeries, by seq and id."""
        return [(i, seq, self._whole_wire(i, wire_of(header, sig, body))) for i, seq, header, sig, body in self._x(
            "SELECT id, seq, header, sig, body FROM forged WHERE author=? ORDER BY seq, id", (author,))]

    def forged_count(self, author: bytes) -> int:
        return self._one("SELECT count(*) FROM forged WHERE author=?", (author,))

    def forged_authors(self) -> list[bytes]:
        """The devices with kept forgeries (asked at the end of every write: usually none, and then
        known without a statement)."""
        return list(self._kept_or_read("forged_authors", lambda: [r[0] for r in self._x(
            "SELECT DISTINCT author FROM forged ORDER BY author")]))

    def release_forged(self, event_id: bytes) -> None:
        self._forget("forged_authors", "forged_next_due")
        self._x("DELETE FROM forged WHERE id=?", (event_id,))

    def expire_forged(self, now: int) -> int:
        """Drop the kept forgeries older than FORGED_LIMITS allows, and their bodies at expiry."""
        return self._expire_kept("forged", FORGED_LIMITS.max_age_ms, now)

    def _expire_kept(self, table: str, max_age_ms: int, now: int) -> int:
        """Drop the rows of `table` (forked, forged) seen more than `max_age_ms` ago, and the bodies
        expired at `now`; how many rows lost their body or went. While nothing kept is due, no
        statement."""
        fact = f"{table}_next_due"
        due = self._kept_or_read(fact, lambda: self._one(
            f"SELECT min(t) FROM (SELECT min(seen) + ? AS t FROM {table} UNION ALL "
            f"SELECT min(expires) FROM {table} WHERE body IS NOT NULL)", (max_age_ms,)))
        if due is None or due > now:
            return 0
        self._forget(fact, f"{table}_authors", f"{table}_tally")  # (forked's: trust.FORKED_TALLY)
        gone = self._x(f"DELETE FROM {table} WHERE seen<?", (now - max_age_ms,)).rowcount
        return gone + self._x(f"UPDATE {table} SET body=NULL WHERE expires IS NOT NULL AND body IS NOT NULL AND "
                              "expires<=?", (now,)).rowcount
