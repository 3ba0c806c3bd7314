"""The node's lines about a peer group's links and rounds, at a pace a person can read.

A round that moved events is said in one line (the peer's label, events received and sent, how
long), and so is each link that opens or closes, and a link that asks for events its group was sent
lately (once a link). A member group opens rounds at its budget (node/net/peer_policy.py
`limit_rounds`: 2 a second), and a round that moves one event it claims to lack is cheap: two lines
a second for as long as it likes. Its eight devices (sync/link_slots.py) may link and drop again in
a loop, as fast as handshakes go (a member's are not held to the hello budget): lines per link.
Either buries the lines that matter and wears a Pi's SD card. So the lines of one peer group (of a
device whose group is not known, the device's own) go at budgets of their own, one for each kind of
line: a burst, then one every LINE_EVERY_S. What comes past it is counted and said in one line with its totals once
the budget allows (`due`, asked often by the node), or as the node stops (`flush`). Lines name a peer by
the label the caller gives (node/net/peer_directory.py `name_of`), never by an address or what moved.

Pure: no logging and no clock here (`now` in ms is given); the caller writes the lines returned.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from sync.peers import TokenBucket

LINE_BURST = 10  # an honest peer's catch-up after a restart, round by round, is said in full
LINE_EVERY_S = 30.0  # then a line a group at most every 30 s: an honest group's devices, each round


@dataclass
class _Group:
    bucket: TokenBucket
    name: str = ""  # the label of the device of the latest thing counted
    line: str = ""  # ... and its own line (said as it is when it was the only one)
    count: int = 0  # things counted, not said yet ...
    totals: list[float] = field(default_factory=list)  # ... their figures, summed
    since: int = 0  # when the first of them happened (ms)


class GroupLines(ABC):
    """Which lines of one kind to write, per peer group: a burst, then one every `every_s`, the
    things counted meanwhile said together by `totals`(name, count, figures summed, seconds over)."""

    def __init__(self, burst: int = LINE_BURST, every_s: float = LINE_EVERY_S) -> None:
        self.burst = burst
        self.every_s = every_s
        self._groups: dict[bytes, _Group] = {}

    @abstractmethod
    def totals(self, name: str, count: int, figures: list[float], seconds: float) -> str:
        """The line of `count` things of a group said together (its latest device labelled `name`)."""

    def counted(self, group: bytes, name: str, line: str, figures: tuple[float, ...], now: int) -> str | None:
        """A thing of `group` (its device labelled `name`) whose own line is `line`: the line to
        write now, if the group's budget allows one (None: counted, said in a later line)."""
        g = self._groups.get(group)
        if g is None:
            g = self._groups[group] = _Group(TokenBucket(1 / self.every_s, self.burst))
        if not g.count:
            g.since, g.totals = now, [0.0] * len(figures)
        g.name, g.line, g.count = name, line, g.count + 1
        g.totals = [total + figure for total, figure in zip(g.totals, figures)]
        return self._said(group, g, now) if g.bucket.take(1, now) else None

    def due(self, now: int) -> list[str]:
        """The counted things' lines the budgets allow now; groups with nothing to say and a full
        budget are forgotten (they would start afresh the same)."""
        lines = [self._said(group, g, now) for group, g in list(self._groups.items())
                 if g.count and g.bucket.take(1, now)]
        for group in [group for group, g in self._groups.items()
                      if not g.count and g.bucket.available(now) >= g.bucket.burst]:
            del self._groups[group]
        return lines

    def flush(self, now: int) -> list[str]:
        """Every group's counted things' lines, whatever the budgets: the node is stopping, and
        nothing would say them later (`due` is asked by the dialling loop, stopped first)."""
        return [self._said(group, g, now) for group, g in list(self._groups.items()) if g.count]

    def _said(self, group: bytes, g: _Group, now: int) -> str:
        line = g.line if g.count == 1 else self.totals(g.name, g.count, g.totals, max(0, now - g.since) / 1000)
        self._groups[group] = _Group(g.bucket)
        return line


class SyncedLines(GroupLines):
    """The "synced" lines: one per round that moved events."""

    def round_done(self, group: bytes, name: str, received: int, sent: int, seconds: float, now: int) -> str | None:
        """A round with a device of `group` (labelled `name`) moved events: the line to write now,
        if the group's budget allows one (None: counted, said in a later line)."""
        return self.counted(group, name, f"{name}: synced, received {received}, sent {sent} in {seconds:.1f} s",
                            (received, sent, seconds), now)

    def totals(self, name: str, count: int, figures: list[float], seconds: float) -> str:
        received, sent, _ = figures
        return (f"{name}: synced, received {received:.0f}, sent {sent:.0f} in {count} rounds with its group's "
                f"devices over the last {seconds:.0f} s (a group opening rounds this often is said at most once "
                f"every {self.every_s:.0f} s)")


class LinkLines(GroupLines):
    """The "connected" and "disconnected" lines: one as each link opens and closes."""

    def connected(self, group: bytes, name: str, outbound: bool, now: int) -> str | None:
        """A link with a device of `group` (labelled `name`) opened: the line to write now, if any."""
        return self.counted(group, name, f"{name} connected ({'outbound' if outbound else 'inbound'})", (1, 0), now)

    def disconnected(self, group: bytes, name: str, now: int) -> str | None:
        """A link with a device of `group` (labelled `name`) closed: the line to write now, if any."""
        return self.counted(group, name, f"{name} disconnected", (0, 1), now)

    def totals(self, name: str, count: int, figures: list[float], seconds: float) -> str:
        opened, closed = figures
        return (f"{name}: {opened:.0f} link(s) with its group's devices connected and {closed:.0f} disconnected "
                f"over the last {seconds:.0f} s (a group linking this often is said at most once every "
                f"{self.every_s:.0f} s)")


class RepeatLines(GroupLines):
    """The lines of a link that asks for events its group's devices were sent lately: one a link."""

    def asked_again(self, group: bytes, name: str, line: str, now: int) -> str | None:
        """A link with a device of `group` (labelled `name`) asked again for what its group was sent
        (`line` says how it was answered): the line to write now, if any."""
        return self.counted(group, name, line, (), now)

    def totals(self, name: str, count: int, figures: list[float], seconds: float) -> str:
        return (f"{name}: {count} links with its group's devices asked for events this node sent them within the "
                f"hour, over the last {seconds:.0f} s (sent again at the group's slower pace of repeats, those past "
                f"its budget not at all; a group asking this often is said at most once every "
                f"{self.every_s:.0f} s)")
