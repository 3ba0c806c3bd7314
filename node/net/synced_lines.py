"""The node's "synced" log lines: one per anti-entropy round that moved events, at a pace a person can read.

A round that moved events is said in one line (the peer's label, events received and sent, how
long). A member group opens rounds at its budget (node/net/peer_policy.py `limit_rounds`: 2 a
second), and a round that moves one event it claims to lack is cheap: two lines a second for as
long as it likes, which bury the lines that matter and wear a Pi's SD card. So the lines of one
peer group (of a device whose group is not known, the device's own) go at a budget of their own: a
burst, then one every LINE_EVERY_S. Rounds past it are counted and said in one line with their
totals once the budget allows (`due`, asked often by the node). Lines name a peer by the label the
caller gives (node/net/peer_directory.py `name_of`), never by an address or what moved.

Pure: no logging and no clock here (`now` in ms is given); the caller writes the lines returned.
"""
from __future__ import annotations

from dataclasses import dataclass

from sync.peers import TokenBucket

LINE_BURST = 10  # an honest peer's catch-up after a restart, round by round, is said in full
LINE_EVERY_S = 30.0  # then a line a group at most every 30 s: an honest group's devices, each round


@dataclass
class _Group:
    bucket: TokenBucket
    name: str = ""  # the label of the device of the latest round counted
    rounds: int = 0  # rounds counted, not said yet ...
    received: int = 0  # ... their events received
    sent: int = 0  # ... and sent
    seconds: float = 0.0  # ... and how long they took, in all
    since: int = 0  # when the first of them ended (ms)


class SyncedLines:
    """Which "synced" lines to write, per peer group."""

    def __init__(self, burst: int = LINE_BURST, every_s: float = LINE_EVERY_S) -> None:
        self.burst = burst
        self.every_s = every_s
        self._groups: dict[bytes, _Group] = {}

    def round_done(self, group: bytes, name: str, received: int, sent: int, seconds: float, now: int) -> str | None:
        """A round with a device of `group` (labelled `name`) moved events: the line to write now,
        if the group's budget allows one (None: counted, said in a later line)."""
        g = self._groups.get(group)
        if g is None:
            g = self._groups[group] = _Group(TokenBucket(1 / self.every_s, self.burst))
        if not g.rounds:
            g.since = now
        g.name, g.rounds = name, g.rounds + 1
        g.received, g.sent, g.seconds = g.received + received, g.sent + sent, g.seconds + seconds
        return self._said(group, g, now) if g.bucket.take(1, now) else None

    def due(self, now: int) -> list[str]:
        """The counted rounds' lines the budgets allow now; groups with nothing to say and a full
        budget are forgotten (they would start afresh the same)."""
        lines = [self._said(group, g, now) for group, g in list(self._groups.items())
                 if g.rounds and g.bucket.take(1, now)]
        for group in [group for group, g in self._groups.items()
                      if not g.rounds and g.bucket.available(now) >= g.bucket.burst]:
            del self._groups[group]
        return lines

    def _said(self, group: bytes, g: _Group, now: int) -> str:
        if g.rounds == 1:
            line = f"{g.name}: synced, received {g.received}, sent {g.sent} in {g.seconds:.1f} s"
        else:
            line = (f"{g.name}: synced, received {g.received}, sent {g.sent} in {g.rounds} rounds with its group's "
                    f"devices over the last {max(0, now - g.since) / 1000:.0f} s (a group opening rounds this often "
                    f"is said at most once every {self.every_s:.0f} s)")
        self._groups[group] = _Group(g.bucket)
        return line
