"""Each key's share of the log (node/author_share.py), kept with its head, and the keys found
signing more than theirs (`over_share`)."""
from __future__ import annotations

from events.format import decode_header
from node.author_share import NOTHING_YET, Share, cost, replay
from node.store import status_sql
from node.store.events import EventTables
from node.store.rows import OverShare
from node.store.schema import full_header


class ShareTables(EventTables):
    def share(self, author: bytes) -> Share:
        """`author`'s share as of its newest stored event: kept with its head; counted again from
        its chain when not known (a log stored before shares were counted, a tail taken out)."""
        a = self._find_k(author)
        if a is None:
            return NOTHING_YET
        return self._kept_or_read(("share", a), lambda: self._share_row(a, author))

    def _share_row(self, a: int, author: bytes) -> Share:
        row = self._x("SELECT seq, day, used FROM heads WHERE k=?", (a,)).fetchone()
        if row is None:
            return NOTHING_YET
        if row[1] is not None and row[2] is not None:
            return Share(*row)
        net = self._net()
        share = replay([(seq, ts, _stored_cost(h, net, author)) for seq, ts, h in
                        self._x("SELECT seq, ts, header FROM events WHERE a=? ORDER BY seq", (a,)).fetchall()])
        self._x("UPDATE heads SET day=?, used=? WHERE k=? AND seq=?", (share.day, share.used, a, share.seq))
        return share

    def note_over_share(self, author: bytes, group: bytes | None, name: str | None, seq: int, day: int,
                        now: int) -> bool:
        """Remember that `author` signed more than its share from `seq` on; True the first time."""
        return self._x("INSERT OR IGNORE INTO over_share VALUES (?,?,?,?,?,?)",
                       (author, group, name, seq, day, now)).rowcount > 0

    def went_over_share(self, author: bytes) -> bool:
        """Whether `author` was found signing more than its share (`note_over_share`)."""
        return self._x("SELECT 1 FROM over_share WHERE author=?", (author,)).fetchone() is not None

    def over_share(self) -> list[OverShare]:
        """The keys found signing more than their share, the first found first."""
        return [OverShare(*r) for r in self._x(status_sql.OVER_SHARE)]


def _stored_cost(short: bytes, network: bytes, author: bytes) -> int:
    header = full_header(short, network, author)
    return cost(len(header), decode_header(header).body_len)
