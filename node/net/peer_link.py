"""Driving one authenticated link: the I/O around its protocol object (sync/link.py).

The protocol decides (what may come when, when a round begins and ends, when the peer has gone
quiet); this module reads messages from the link and feeds them to it, and carries out the
commands it returns against the store, the gossip router and the link: streaming ranges, storing
batches with back-pressure (node/net/link_ingest.py), answering IHave and IWant, keepalives and
pings. It sees the node only through the narrow interfaces of node/ports.py.

Blame: only the peer's breaches of the protocol (RemoteProtocolError, a bad frame) and its invalid
events cost it penalty points. A failure of this node's own code ends the link with a logged
traceback, and the peer is not charged for it.

No deadline here guesses how long work should take: a slow node (a Pi storing a big sync) is
never cut for its slowness. The link is cut when the peer is quiet and nothing moves while we wait
on it; while this node is busy with the peer's data, the peer hears keepalives.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from events.errors import FORK, FROZEN, FUTURE, NOT_KEPT, InvalidEvent
from events.format import decode_event, stored_author_seq
from node.listener import LogBudget
from node.log import now_ms
from node.net.link_ingest import Batch, LinkIngest
from node.outcome import ACCEPTED, DUPLICATE, PENDING, REJECTED, Outcome
from node.ports import LinkGossip, LinkPolicy, LinkStorage, StorageFailed
from sync.antientropy import Head, SendEvidence, SendRange
from sync.errors import RemoteProtocolError
from sync.gossip import REPAIR_ANNOUNCE_MAX
from sync.link import IDLE_PROBE_TIMEOUTS, STREAM_BATCH
from sync.link_commands import (
    Answer,
    Command,
    Cut,
    KeepAlive,
    LoadHeads,
    LookUp,
    Probe,
    RoundDone,
    Send,
    Store,
    Stream,
)
from sync.messages import Events, IHave, IWant, Offer, Push, event_batches
from sync.transport import Link, LinkClosed

log = logging.getLogger(f"solnet.{__name__}")
_NOT_KEPT_LOG = LogBudget(logging.INFO, "events from peers not kept aside, as the queue of events waiting for a vouch "
                                        "or an earlier event is full (no penalty: sync fetches them again)")
_FUTURE_LOGS: dict[str | None, LogBudget] = {}  # by the authors' group (None: no member's), at most _FUTURE_GROUPS
_FUTURE_GROUPS = 64  # a bound against a flood of groups: the oldest budget goes first


def _future_log(group: str | None) -> LogBudget:
    """The budget of the warning of events of `group` refused as stamped ahead: one per group, so
    that each group is named (a quiet group's warning is not lost in a busy one's count)."""
    budget = _FUTURE_LOGS.pop(group, None)
    if budget is None:
        of = f"events of {group}" if group else "events of authors who are not members"
        their = f"{group}'s device clock is ahead" if group else "their authors' clocks are ahead"
        budget = LogBudget(logging.WARNING, f"{of} from peers were refused as stamped more than 10 minutes after this "
                                            "machine's clock. If this machine's clock is behind (a Raspberry Pi has "
                                            "no real-time clock: after a power cut it runs late until it reaches a "
                                            "time server), set it (`timedatectl`): until then it refuses its peers' "
                                            "fresh events, alerts included, and they come again at each round. If it "
                                            f"is right, {their}: its later events wait behind them until one of "
                                            "that device comes rightly stamped (no peer is charged for either)")
    _FUTURE_LOGS[group] = budget  # newest last
    if len(_FUTURE_LOGS) > _FUTURE_GROUPS:
        del _FUTURE_LOGS[next(iter(_FUTURE_LOGS))]
    return budget
T = TypeVar("T")
READ_UNSIZED = 64  # events read at once before their size is known (a stream's first read, an IWant's answer)
STREAM_READ_BYTES = 2 * 1024 * 1024
# A ping's answer goes past the repeats' budget at most once in this many message timeouts (of this
# node's limits for the link): an honest peer pings a quiet link once every IDLE_PROBE_TIMEOUTS of
# its own, so one fewer leaves room for a peer configured with a somewhat shorter timeout.
PING_ANSWER_TIMEOUTS = IDLE_PROBE_TIMEOUTS - 1


@dataclass
class RoundResult:
    in_sync: bool = False
    complete: bool = False  # both sides sent everything, and all that arrived here is stored
    arrived: int = 0  # events that came in the round's batches (stored or not: see `received`)
    sent: int = 0
    lag: int = 0
    outcomes: Counter = field(default_factory=Counter)  # of every batch stored from the peer meanwhile
    seconds: float = 0.0
    # Of the refused: events of a key found to have forked (the proof, and what it signed past its
    # fork point). Not the peer's doing: it passed on what it held.
    of_forked_keys: int = 0
    own_sent: tuple[int, int] | None = None  # this device's events streamed to the peer (first, last seq)
    own_head: int = 0  # this device's seq in the heads this side offered the round
    # The seq of the peer's head of this device's chain, from the heads it offered, if the event
    # there is this device's own (its id prefix is ours: a peer's head at that seq says it holds
    # the chain below too); 0 if it offered none, or one of another branch (a copied home's, a
    # forked key), or said Same (which shows no head: any member can say it to any Offer; a round
    # asks for heads while this device's head is past what the link's peer showed it holding)
    own_seen: int = 0
    own_diverged: bool = False  # the peer offered a head of this device that is not this device's event
    # This device's events the peer sent in the round that were not stored (refused: stamped ahead of
    # this clock, the pending queue full; or kept waiting; not forged ones): the peer holds more of
    # this device's chain than this home does, so the round does not say the home caught up
    # (node/chain_gate.py).
    own_not_stored: int = 0
    # Authors of the peer's heads this node did not know when the round compared them (a new group's
    # devices before their vouches arrive, or made up): their events count in no `lag`
    unknown_authors: int = 0

    @property
    def own_held(self) -> int | None:
        """The seq up to which the peer is known to hold this device's events: its head of this
        device's chain in a complete round, if the event there is this device's (`own_seen`;
        node/own_unsent.py). Not those streamed: a round ends before the peer has stored them, and
        it may refuse them (revoked there), so the round after says. Not from the head's seq alone:
        a peer holding a copied home's branch of this key was taken as holding this device's
        events, and one that said Same to any Offer as holding all of them."""
        return (self.own_seen or None) if self.complete else None

    @property
    def caught_up(self) -> bool:
        """A complete round that left nothing of this device's chain at the peer alone: a restored
        home on a machine whose clock was a day behind refused its own newer events as stamped
        ahead, counted the round all the same, and its next publish forked its device (until
        2026-12-06)."""
        return self.complete and not self.own_not_stored

    @property
    def received(self) -> int:
        """Events taken in from the peer and stored or refused: counted from ingest outcomes, so
        never an event that arrived but was not stored."""
        return sum(self.outcomes.values())

    def add(self, other: RoundResult) -> None:
        """Fold in the round that followed (`solnet sync`'s confirming round)."""
        self.complete = self.complete and other.complete
        self.arrived += other.arrived
        self.sent += other.sent
        self.outcomes.update(other.outcomes)
        self.of_forked_keys += other.of_forked_keys
        self.own_not_stored += other.own_not_stored
        self.seconds += other.seconds
        # The later round's word, once it compared heads to its end (the first one's vouches may
        # have made those authors known); cut short, the larger
        self.unknown_authors = (other.unknown_authors if other.complete
                                else max(self.unknown_authors, other.unknown_authors))


def _carries_nothing(message: object) -> bool:
    """Whether `message` is gossip or a round's batch holding no event and no id. (An empty
    MoreHeads does not decode: sync/messages.py `decode`; the peer's link ends on it.)"""
    if isinstance(message, (Push, Events)):
        return not message.events
    return isinstance(message, (IHave, IWant)) and not message.ids


class RoundCut(LinkClosed):
    """The link ended before the round did; `result` counts what was stored until then."""

    def __init__(self, message: str, reason: str, result: RoundResult) -> None:
        super().__init__(message, reason)
        self.result = result


@dataclass(frozen=True)
class LinkPorts:
    """What a link may use of its node (node/ports.py), whom it tells of a finished round, and how
    logs name its peer (`name_of`; `said_of` puts that name in a text of the link layer)."""
    storage: LinkStorage
    gossip: LinkGossip
    policy: LinkPolicy
    round_finished: Callable[[Link, RoundResult], None] = lambda link, result: None
    name_of: Callable[[Link], str] = lambda link: link.name
    said_of: Callable[[Link, object], str] = lambda link, problem: str(problem)
    own_device: Callable[[], bytes] = lambda: b""  # whose events a round's RoundResult.own_sent follows
    accepted: Callable[[list[bytes]], None] = lambda wires: None  # events the peer brought that were stored
    round_opened: Callable[[Link], None] = lambda link: None  # the peer opened a round (node/linked_twice.py)
    # Says a line of a link asking again for what its group was sent, at the group's budget of
    # such lines (node/net/synced_lines.py `RepeatLines`)
    asked_again: Callable[[Link, str], None] = lambda link, line: log.info("%s", line)


def streamed_again(before: dict[bytes, tuple[int, int]], now: dict[bytes, tuple[int, int]]) -> int:
    """How many of the events streamed `now` (author -> (first, last) seq) the last complete round
    streamed too (`before`): the peer lacks them again. Pure."""
    again = 0
    for author, (first, last) in now.items():
        was = before.get(author)
        if was is not None and was[0] <= first <= was[1]:
            again += min(last, was[1]) - first + 1
    return again


class PeerLink:
    def __init__(self, link: Link, ports: LinkPorts) -> None:
        self.link = link
        self.protocol = link.protocol
        self.storage, self.gossip, self.policy = ports.storage, ports.gossip, ports.policy
        self._round_finished = ports.round_finished
        self._round_opened = ports.round_opened
        self._own_device = ports.own_device
        self._accepted = ports.accepted
        self._asked_again = ports.asked_again
        self.name = ports.name_of(link)
        self._said_of = ports.said_of
        self.round = RoundResult()
        self.round_started = 0.0
        self.round_done = asyncio.Event()
        self.stream_task: asyncio.Task | None = None
        self._asked_bodies: set[bytes] = set()  # missing bodies asked for on this link (`_ask_missing_bodies`)
        self._awaiting_bodies: set[bytes] = set()  # of those, the last ask's not answered yet
        self._reading = 0  # reads from storage for the peer under way (heads, ranges to stream, ...)
        self._holding = False  # our stream waits on the peer's budget of events streamed it again
        # The log said this link's peer asks for events again: once a link, whichever line came first
        # (held to the pace of repeats, or past the budget and not sent), as RepeatLines counts links
        self._said_repeats = False
        self._ping_answered: float | None = None  # when a ping was last answered past the repeats' budget
        self._stored = 0
        # The highest seq of this device's chain the peer's heads on this link showed it holding,
        # and (read with the round's heads) the node-wide record of what any peer held: a round asks
        # for the peer's heads while this device's head is past both (`_ask_heads`)
        self._own_seen = 0
        self._own_recorded = 0
        self._round_stored = 0  # batches of rounds stored (not pushed ones): what moves a round (the watchdog)
        self._streamed_batches = 0
        self._reader_done = False
        self.ingest = LinkIngest(self.name, self.storage,
                                 limit_events=lambda n: self.policy.limit_events(link.peer_device, n),
                                 on_stored=self._stored_batch, on_failed=self._storage_failed,
                                 release=self.gossip.release)
        # `solnet sync`: (received, expected, authors this node does not know: Links.sync_once)
        self.progress: Callable[[int, int, int], None] | None = None
        self.cut: LinkClosed | None = None  # why the link ended, if it did
        # The current lag both ways, as `solnet peers` and the dashboard show it: set when a round
        # compares heads, brought down as its batches are stored here and streamed there, and once
        # it ends complete, 0 behind and, ahead, what the peer did not store (None: no round
        # compared heads yet on this link).
        self.opened_ms = now_ms()
        self.behind: int | None = None  # events the peer holds that we lack
        self.unknown_authors = 0  # authors of its heads this node does not know yet (not in `behind`)
        # While they are, what is left behind of each author `behind` counts (a round's batches mix
        # theirs with those authors' events)
        self._behind_of: dict[bytes, int] = {}
        self.ahead: int | None = None  # events we hold that the peer lacks
        # What this round streams the peer, and what the last complete one did (author -> first,
        # last seq): a range streamed again from within the last one's was not taken there (stamped
        # ahead of its clock, kept aside, refused), and the peer lacks it still once the round ends.
        self._streaming: dict[bytes, tuple[int, int]] = {}
        self._streamed: dict[bytes, tuple[int, int]] = {}
        # The rounds the peer opened on this link (only a dialler opens them; on a link this node
        # dialled, those the peer answered): how many, when the first, the one before the latest and
        # the latest came (ms). Two running nodes with one key each drive, or answer, a link
        # (node/linked_twice.py).
        self.rounds_opened = 0
        self.first_round_ms: int | None = None
        self.earlier_round_ms: int | None = None
        self.latest_round_ms: int | None = None

    # --- the reader loop ------------------------------------------------------------------------
    async def serve(self) -> None:
        """Read the peer's messages until the link ends; then store what already arrived."""
        watchdog = asyncio.create_task(self._watchdog(), name=f"link-{self.link.number}-watchdog")
        try:
            while True:
                before = self.link.bytes_in
                message = await self.link.receive(None)
                await self.policy.limit_bytes(self.link.peer_device, self.link.bytes_in - before)
                self._still_open()  # closed meanwhile (cut, banned, stopping): the message goes unread
                if isinstance(message, Offer):
                    self.count_round()
                try:
                    commands = self.protocol.receive(message)
                except RemoteProtocolError as exc:  # the peer's breach, and only that, is charged
                    raise LinkClosed(f"{self.link.name}: {exc}", exc.reason) from None
                if _carries_nothing(message):
                    # A keepalive (an empty IHave), or an empty Push, IWant or Events, cost its opening and
                    # decoding alone: one event of the group's events/s budget (waiting here stops reading
                    # its link). Held by the bytes/s budget alone, ~190,000 such frames a second went
                    # through; an honest node sends one keepalive a tick.
                    await self.policy.limit_events(self.link.peer_device, 1)
                await self._execute(commands)
                # One message a turn of the event loop: the frames a peer sent at once are buffered,
                # and read back to back they never suspended this loop (268 a turn were measured),
                # so a flooding member held every other connection's turn, an honest member's
                # handshake reply included (5 s and more under load). (tests/sync/test_link_reader_turns.py)
                await asyncio.sleep(0)
        except LinkClosed as exc:
            if exc.reason in ("protocol", "oversize"):
                self.policy.penalize(self.link, exc.reason)
            if not exc.plain:  # (a plain end is said by the "disconnected" line, at its group's budget of lines)
                log.info("%s", self._said_of(self.link, exc))
            self.cut = self.cut or exc
        except Exception as exc:  # a bug of this node (LocalProtocolError among them): never the peer's fault
            log.exception("%s: this node failed while serving the link; closing it (the peer is not blamed)",
                          self.name)
            self.cut = self.cut or LinkClosed(f"{self.link.name}: this node failed ({type(exc).__name__})", "failed")
        finally:
            watchdog.cancel()
            if self.stream_task:
                self.stream_task.cancel()
            try:
                await self.ingest.finish(stopping=self.storage.stopping)
            finally:
                self._reader_done = True
                self.round_done.set()
                await self.link.close()

    @property
    def round_moved(self) -> bool:
        """A round on this link moved: a batch of it stored here, or streamed to the peer."""
        return self._round_stored > 0 or self._streamed_batches > 0

    def count_round(self) -> None:
        """The peer opened a round on this link, or answered one this node opened (above)."""
        self.rounds_opened += 1
        self.earlier_round_ms, self.latest_round_ms = self.latest_round_ms, now_ms()
        if self.first_round_ms is None:
            self.first_round_ms = self.latest_round_ms
        self._round_opened(self.link)

    def _still_open(self) -> None:
        """LinkClosed if the link was closed while this node awaited something: its protocol object
        takes nothing more, and that is nobody's mistake."""
        if self.link.closed or self.protocol.closed:
            raise LinkClosed.gone(self.link.name)

    def _busy(self) -> bool:
        """This node is working on the peer's round or data: batches to verify and store, ranges
        to read. Then the peer is waiting on us, not we on it."""
        return self.ingest.busy or self._reading > 0 or self._holding

    async def _read(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """A read from storage for the peer (it may wait behind other links' batches on the
        database thread): this node is busy for the peer meanwhile."""
        self._reading += 1
        try:
            return await fn(*args)
        except StorageFailed as exc:  # events this node cannot send as signed (a damaged database)
            closed = LinkClosed(f"{self.link.name}: closed, this node cannot read its events (its log says why)",
                                "storage")
            self.cut = self.cut or closed
            await self.link.close("storage", "the peer cannot read its events right now")
            raise closed from exc
        finally:
            self._reading -= 1

    async def _watchdog(self) -> None:
        """Liveness, as the protocol decides it (`LinkProtocol.tick`), on the event loop's clock.
        Progress: a sealed frame from the peer that authenticated (its keepalives too; never a
        websocket ping or pong, which a relay holding back all data can write, but from a peer of an
        earlier version: LinkProtocol.tick), a round batch it took from
        us, a batch we stored. Our own gossip to the peer is not progress (it flows whether the
        peer listens or not). While our stream waits for the peer to read it, only what it takes
        counts: a peer that reads nothing and sends a pong now and then held its stream's frames
        and read buffers (29 MiB with 60 KiB events) for ever, eight such peers most of a Pi."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.protocol.tick_s)
            streaming = self.stream_task is not None and not self.stream_task.done()
            stalled = streaming and self.link.stalled
            progress = (None if stalled else self.link.heard, self._streamed_batches, self._stored)
            for command in self.protocol.tick(loop.time(), progress=progress, busy=self._busy(),
                                              last_write=self.link.last_write,
                                              round_progress=(self._streamed_batches, self._round_stored),
                                              pongs=None if stalled else self.link.pongs):
                if isinstance(command, KeepAlive):
                    self.link.keepalive()
                elif isinstance(command, Probe):
                    self.link.probe(command.ids)
                elif isinstance(command, Cut):
                    log.info("%s: %s; closing", self.name, command.why)
                    self.cut = LinkClosed(f"{self.link.name}: {command.why}", "timeout")
                    await self.link.close("timeout", command.why)
                    return

    # --- carrying out the protocol's commands ---------------------------------------------------
    async def _execute(self, commands: list[Command]) -> None:
        for command in commands:
            if isinstance(command, Send):
                await self.link.send(command.message)
            elif isinstance(command, Stream):
                own = self._own_device()
                self.round.own_sent = next(((r.first, r.last) for r in command.ranges
                                            if isinstance(r, SendRange) and r.author == own), None)
                self.round.lag = self.protocol.lag
                self.behind, self.ahead = self.protocol.lag, self.protocol.peer_lag
                self.unknown_authors = self.round.unknown_authors = self.protocol.unknown_authors
                self._behind_of = dict(self.protocol.lagging) if self.unknown_authors else {}
                self._streaming = {r.author: (r.first, r.last) for r in command.ranges if isinstance(r, SendRange)}
                self.stream_task = asyncio.create_task(self._stream(command.ranges),
                                                       name=f"link-{self.link.number}-stream")
            elif isinstance(command, Store):
                await self._queue(command)
            elif isinstance(command, LookUp):
                await self._look_up(command.ids)
            elif isinstance(command, Answer):
                # Held to the peer's budgets as its pushes are (waiting here stops reading its link):
                # an IWant of 500 ids, asked again and again, drew 7.6 times its size back (448 times
                # with 60 KiB events) as fast as this node could read them.
                await self.policy.limit_events(self.link.peer_device, len(command.ids))
                for i in range(0, len(command.ids), READ_UNSIZED):  # (not 500 large events held at once)
                    wires = await self._read(self.storage.wires_by_id, list(command.ids[i:i + READ_UNSIZED]))
                    wires = self._answerable(wires)
                    for batch in event_batches(wires):
                        await self.policy.limit_bytes(self.link.peer_device, sum(map(len, batch)))
                        await self.link.send(Push(batch))
            elif isinstance(command, LoadHeads):
                await self._answer_offer()
            elif isinstance(command, RoundDone):
                if command.watched is not None:
                    await self._check_own_head(*command.watched)
                self._round_over(command)
                await self._ask_missing_bodies()
            else:
                raise TypeError(f"the link cannot carry out {command!r} here")

    # --- anti-entropy ---------------------------------------------------------------------------
    async def _round_heads(self) -> list[Head]:
        """This node's heads for a round, with the record of this device's events a peer holds."""
        heads, self._own_recorded = await self._read(self.storage.round_heads, self._own_device())
        return heads

    def _begin(self, heads: Sequence[Head] = ()) -> None:
        own = self._own_device()
        self.round = RoundResult(own_head=next((h.seq for h in heads if h.author == own), 0))
        self.round_started = time.monotonic()
        self.round_done.clear()

    async def run_round(self) -> RoundResult:
        """Dialling side: one anti-entropy round, until both sides are done and all is stored.
        No deadline: it lasts as long as the round makes progress. RoundCut (with what was stored
        until then) if the link ends first: cut by the watchdog, the peer, or a storage failure."""
        heads = await self._round_heads()
        if self.link.closed or self.protocol.closed:  # the link ended before the round began
            self._begin()
            if self._reader_done:
                self.round_done.set()  # else the reader sets it as it ends
        else:
            self._begin(heads)
            commands = self.protocol.start_round(heads, self.storage.is_group_key, self.storage.fork_points(),
                                                 self._own_device(), self._ask_heads(), self.storage.takes_below)
            try:
                await self._execute(commands)
            except LinkClosed:
                pass  # the reader ends the round, with the reason
        await self.round_done.wait()
        if not self.round.complete:
            self.round.seconds = time.monotonic() - self.round_started
            if self.ingest.failure is not None:
                raise RoundCut(self.ingest.failure, "storage", self.round)
            cut = self.cut or LinkClosed(f"{self.link.name}: connection lost during the round")
            raise RoundCut(str(cut), cut.reason, self.round)
        return self.round

    async def _answer_offer(self) -> None:
        """Listening side: the dialler opened a round; answer it with our heads, within the peer's
        budget of rounds (node/net/peer_policy.py `limit_rounds`). This node is busy meanwhile:
        the peer is not blamed for the wait, and hears keepalives."""
        self._holding = True
        try:
            await self.policy.limit_rounds(self.link.peer_device)
        finally:
            self._holding = False
        self._still_open()
        heads = await self._round_heads()
        self._still_open()
        self._begin(heads)
        await self._execute(self.protocol.heads_loaded(heads, self.storage.is_group_key, self.storage.fork_points(),
                                                       self._own_device(), self._ask_heads(), self.storage.takes_below))

    async def _stream(self, ranges: tuple[SendRange | SendEvidence, ...]) -> None:
        sent = 0
        try:
            for r in ranges:
                if isinstance(r, SendEvidence):  # (a frozen key's kept revocations and vouches may be many)
                    wires = await self._read(self.storage.fork_evidence, r.author)
                    if wires:  # (sent lately: held as a range's events are; a head past the fork asks for it)
                        await self._hold_repeats(r.author, [(stored_author_seq(w)[1], w) for w in wires])
                    sent += await self._send_events(wires)
                    continue
                first = r.first
                limit = READ_UNSIZED
                while first <= r.last:
                    rows = await self._read(self.storage.range_wire, r.author, first, r.last, limit)
                    if not rows:
                        break
                    wires = [w for _, w in rows]
                    # Later reads sized by what the events weigh: 500 events of 60 KiB were 30 MB held at once.
                    limit = max(1, min(STREAM_BATCH, STREAM_READ_BYTES * len(wires) // sum(map(len, wires))))
                    await self._hold_repeats(r.author, rows)
                    sent += await self._send_events(wires)
                    first = rows[-1][0] + 1
            self._still_open()
            await self._execute(self.protocol.stream_finished(sent))
        except LinkClosed:
            return
        except Exception:  # a bug of this node: end the link now (not at the watchdog), blaming nobody
            log.exception("%s: this node failed while streaming to the peer; closing the link", self.name)
            self.cut = self.cut or LinkClosed(f"{self.link.name}: this node failed while streaming", "failed")
            await self.link.close()

    def _answerable(self, wires: list[bytes]) -> list[bytes]:
        """Those of `wires`, asked for in an IWant, to send the peer: not those it was sent lately
        past its budget of repeats (node/net/peer_policy.py `answerable`). Asked again every 2.5 s
        for 500 events of 60 KiB it had pushed, this node sent 10 MiB/s back, ~1,700 times the asks."""
        asked = [(*stored_author_seq(w), len(w)) for w in wires]
        sent = self.policy.answerable(self.link.peer_device, asked, always=self._ping_answer(asked))
        kept = [w for w, ok in zip(wires, sent) if ok]
        if len(kept) < len(wires) and not self._said_repeats:
            self._said_repeats = True
            self._asked_again(self.link, f"{self.name} asks for events this node sent its group's devices (it or "
                                         "another of them) within the hour, past the group's budget of repeats; "
                                         "those past it are not sent (it may ask again later)")
        return kept

    def _ping_answer(self, asked: list[tuple[bytes, int, int]]) -> tuple[bytes, int] | None:
        """The event a ping of the peer's asks for (`Link.proof`), to answer past its group's budget
        of repeats (never left out: a ping unanswered cuts the link), if `asked` holds it and it was
        not answered so within PING_ANSWER_TIMEOUTS message timeouts. The peer pings a quiet link
        once every IDLE_PROBE_TIMEOUTS; a peer asking for it in every IWant had it sent whole, free,
        at each ask: the others are charged as any event asked for again."""
        proof = self.link.proof
        if proof is None or not any((author, seq) == proof for author, seq, _ in asked):
            return None
        now = asyncio.get_running_loop().time()
        if self._ping_answered is not None and \
                now - self._ping_answered < PING_ANSWER_TIMEOUTS * self.link.limits.message_timeout_s:
            return None
        self._ping_answered = now
        return proof

    async def _hold_repeats(self, author: bytes, rows: list[tuple[int, bytes]]) -> None:
        """Hold those of `rows` ((seq, wire) each) that this node sent the peer lately to its budgets of repeats
        (node/net/peer_policy.py `limit_streamed`): heads need no signature, and a member claiming
        to hold nothing was streamed the whole log at every round. This node is busy meanwhile: the
        peer is not blamed for the wait, and hears keepalives."""
        self._holding = True
        try:
            again = await self.policy.limit_streamed(self.link.peer_device, author, [seq for seq, _ in rows],
                                                     [len(wire) for _, wire in rows])
        finally:
            self._holding = False
        if again and not self._said_repeats:
            self._said_repeats = True
            # (Not "it lies": a device may be streamed what another device of its group was sent.)
            self._asked_again(self.link, f"{self.name} asks for events this node sent its group's devices (it or "
                                         "another of them) within the hour; those go at the group's slower pace of "
                                         "repeats")

    async def _send_events(self, wires: list[bytes]) -> int:
        """Stream `wires` in Events messages within the size bounds (sync/messages.py
        event_batches); each send waits while the peer is not reading. How many were sent."""
        for batch in event_batches(wires):
            await self.link.send(Events(batch))
            self._streamed_batches += 1
            self._count_sent(len(batch))
        return len(wires)

    def _count_sent(self, events: int) -> None:
        self.ahead = max(0, (self.ahead or 0) - events)

    def _ask_heads(self) -> bool:
        """Whether this round asks for the peer's heads even if in sync: this device's head is past
        what any peer was found holding (the node-wide record, node/own_unsent.py, which lasts
        across links) and what this link's peer's heads showed it holding (a Same shows nothing of
        it). Not past this link's alone: that starts at none on every link, so a new link (a relay
        reconnects each minute) and every one-shot sync traded all heads though nothing differed."""
        return self.round.own_head > max(self._own_seen, self._own_recorded)

    async def _check_own_head(self, seq: int, prefix: bytes) -> None:
        """The peer offered `seq` with id `prefix` as its head of this device's chain: whether the
        event this home holds there (stored by now, if the round brought it) is that one."""
        own = self._own_device()
        rows = await self._read(self.storage.range_wire, own, seq, seq, 1) if own and seq > 0 else []
        ours = decode_event(rows[0][1]).id if rows and rows[0][0] == seq else None
        if ours is not None and ours[:len(prefix)] == prefix and prefix:
            self.round.own_seen = seq
        else:
            self.round.own_diverged = seq > 0

    def _round_over(self, done: RoundDone) -> None:
        """Both sides sent everything and all of it is stored (or refused: what the peer did not
        take from the last round either, it still lacks)."""
        streamed, self._streamed, self._streaming = self._streamed, self._streaming, {}
        self.behind, self.ahead = 0, streamed_again(streamed, self._streamed)
        self.unknown_authors, self._behind_of = 0, {}  # it took in what it would of them, or refused it
        self.round.in_sync = done.in_sync
        self.round.arrived, self.round.sent, self.round.lag = done.arrived, done.sent, done.lag
        self.round.complete = True
        self._own_seen = max(self._own_seen, self.round.own_seen)
        self.round.seconds = time.monotonic() - self.round_started
        self.round_done.set()
        self._round_finished(self.link, self.round)

    async def _ask_missing_bodies(self) -> None:
        """After a complete round: ask the peer (IWant) for the bodies of events this node holds
        without them, each once on this link. Sync compares heads, not bodies, so nothing else
        brings back a body dropped by a redaction that a revocation or a fork then took out of the
        log (node/log.py `_unredact`), while the nodes that got the revocation first kept it. A
        peer answers with what it holds: the body, or the same stub (a redaction it honours)."""
        ids = await self._read(self.storage.missing_bodies, STREAM_BATCH)
        wanted = tuple(i for i in ids if i not in self._asked_bodies)
        if wanted and not self.link.closed:
            self._asked_bodies.update(wanted)
            self._awaiting_bodies = set(wanted)  # (those of an earlier ask not answered by now never will be)
            await self.link.send(IWant(wanted))

    def _answers_with_bodies(self, wires: tuple[bytes, ...]) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
        """Of pushed `wires`: the answers to `_ask_missing_bodies` that carry a body (stored
        whether or not gossip has seen their ids: this node held them, without the body), and the
        rest."""
        if not self._awaiting_bodies:
            return (), wires
        answers, rest = [], []
        for wire in wires:
            try:
                ev = decode_event(wire)
            except InvalidEvent:
                rest.append(wire)
                continue
            if ev.id in self._awaiting_bodies and not ev.is_stub:
                self._awaiting_bodies.discard(ev.id)
                answers.append(wire)
            else:
                rest.append(wire)
        return tuple(answers), tuple(rest)

    # --- ingest ---------------------------------------------------------------------------------
    async def _queue(self, command: Store) -> None:
        if command.pushed:
            answers, events = self._answers_with_bodies(command.events)
            wires, ids = self.gossip.take_unseen(events)
            if len(wires) < len(events):
                # Copies of events seen already cost no signature work, but each was decoded on the
                # loop to find its id: held to the events/s budget (waiting here stops reading its
                # link), as a round's duplicates are. Charged to none, one held event pushed 1,000
                # times a message went as fast as the bytes/s budget let it (~30,000 a second).
                await self.policy.limit_events(self.link.peer_device, len(events) - len(wires))
            if wires or answers:
                await self.ingest.put(Batch(answers + wires, True, ids))
        else:
            # Ranges we asked for: no seen-filter (an id seen in gossip may not be stored yet);
            # the store drops duplicates by id before any signature work anyway.
            self.round.arrived = self.protocol.arrived
            await self.ingest.put(Batch(command.events, False))

    async def _stored_batch(self, batch: Batch, outcomes: list[Outcome]) -> bool:
        """A batch is stored: count it, charge the peer for what was invalid, send the new events
        on, and tell the protocol (a round's batch). False once the peer is banned."""
        self._stored += len(batch.wires)
        if not batch.pushed:
            self._round_stored += 1
        self.round.outcomes.update(o.status for o in outcomes)
        if not batch.pushed and self.behind is not None:
            self._bring_down_behind(batch.wires)
        if self.progress is not None:
            # The whole is not known while authors this node does not know send (their events are no
            # part of the lag): what was behind when the round began, not what arrived
            self.progress(self.round.received, self.protocol.lag if self.unknown_authors
                          else max(self.protocol.lag, self.protocol.arrived), self.unknown_authors)
        self.round.own_not_stored += self._own_not_stored(batch.wires, outcomes)
        rejected = Counter(o.reason for o in outcomes if o.status == REJECTED)
        self.round.of_forked_keys += rejected[FORK] + rejected[FROZEN]
        not_kept = rejected.pop(NOT_KEPT, 0)
        if not_kept:  # this node's limit, not the peer's doing: told, never charged
            _NOT_KEPT_LOG.note(time.monotonic(), not_kept)
        future = rejected.pop(FUTURE, 0)
        if future:  # a wrong clock, this machine's or the author's: told, never charged
            by_group = Counter(o.group for o in outcomes if o.status == REJECTED and o.reason == FUTURE)
            for group, count in sorted(by_group.items(), key=lambda item: item[0] or ""):
                _future_log(group).note(time.monotonic(), count)
        if batch.pushed and (not_kept or future):
            # Refused for now, not for good (the queue had no room; the clock is not there yet):
            # taken when pushed again, by this peer or another. Left marked seen, every later push
            # of it was dropped unread, and it came only with an anti-entropy round.
            self.gossip.release([o.id for o in outcomes if o.status == REJECTED and o.reason in (NOT_KEPT, FUTURE)
                                 and o.id is not None])
        for reason, count in rejected.items():
            if self.policy.penalize(self.link, reason, count):
                await self.link.close("banned", "too many invalid events")
                return False
        if not batch.pushed:
            # A round's events that brought nothing (held already, or not kept) are held to the
            # peer's events/s budget as pushes are (waiting here stops reading its link). A round
            # is bounded by what the peer's heads say this node lacks, but heads need no signature:
            # one made-up author at seq 2^62 let a member stream the events this node holds, again
            # and again, as fast as it could take them.
            useless = sum(1 for o in outcomes if o.status == DUPLICATE) + not_kept
            if useless:
                await self.policy.limit_events(self.link.peer_device, useless)
        accepted = [(o, w) for o, w in zip(outcomes, batch.wires) if o.status == ACCEPTED]
        if accepted:
            self._accepted([w for _, w in accepted])
        repair = not batch.pushed and self.protocol.arrived <= REPAIR_ANNOUNCE_MAX
        await self.gossip.forward(accepted, source=self.link, pushed=batch.pushed, repair=repair)
        if not batch.pushed and not self.protocol.closed:
            try:
                await self._execute(self.protocol.batch_stored())
            except LinkClosed:  # the next round's answer could not go out: the link is over
                return False
        return True

    def _bring_down_behind(self, wires: Sequence[bytes]) -> None:
        """`behind` after a round's batch is stored. It counts only the events of members this node
        would take: stored events of authors it did not know (a new group's whole log) brought it
        down all the same, to 0 while those it counted were still to come. Then each event's author
        is read (only in such a round: a new group's arrival), else every event counts."""
        if not self._behind_of:
            self.behind = max(0, self.round.lag - self.round.received)
            return
        for wire in wires:
            try:
                author, _ = stored_author_seq(wire)
            except Exception:  # noqa: BLE001 (a malformed wire of the peer's is none of the events counted)
                continue
            if self._behind_of.get(author, 0) > 0:
                self._behind_of[author] -= 1
                self.behind = max(0, (self.behind or 0) - 1)

    def _own_not_stored(self, wires: Sequence[bytes], outcomes: list[Outcome]) -> int:
        """How many of this device's events in a batch were not stored for a reason of this node's
        (stamped ahead of its clock, its pending queue full) or kept waiting; the author is read only
        of those (a few), never of every event. Not those refused as invalid (a bad signature): a
        member forging one with this device as author each round would hold its publishing for good."""
        own = self._own_device()
        if not own:
            return 0
        count = 0
        for outcome, wire in zip(outcomes, wires):
            if outcome.status == PENDING or (outcome.status == REJECTED and outcome.reason in (FUTURE, NOT_KEPT)):
                try:
                    author, _ = stored_author_seq(wire)
                except Exception:  # noqa: BLE001 (a malformed wire of the peer's is no event of this device)
                    continue
                count += author == own
        return count

    async def _storage_failed(self, problem: str) -> None:
        await self.link.close("storage", "the peer cannot store events right now")

    async def _look_up(self, ids: tuple[bytes, ...]) -> None:
        unseen = [i for i in ids if not self.gossip.seen(i)]
        if not unseen:
            return
        # An IHave needs no signature and costs a database look-up per id: held to the peer's
        # events/s budget as its pushes are (waiting here stops reading its link). Made-up ids
        # as fast as a socket takes them kept the database thread busy for every other link.
        await self.policy.limit_events(self.link.peer_device, len(unseen))
        known = await self._read(self.storage.known, unseen)
        wanted = tuple(i for i in unseen if i not in known)
        if wanted:
            await self.link.send(IWant(wanted))
