"""One sync link's rules as a pure state machine: messages in, commands out (sans-IO, as h11).

A link is one authenticated connection between two nodes, whichever side dialled. On it come
credentials first (each side's signed group chain: the dialler's, then the listener's once it has
checked them; or, from a dialler that does not know the device that answered, credentials holding
nothing, and the listener's only if it counts the dialler a member: see `open`); then gossip at any time
(Push, IHave, IWant) and, one at a time, anti-entropy
rounds, which only the dialler opens. A round: Offer (frontier digest), answered by Same (in sync:
the round is over) or by heads both ways (MoreHeads parts, if they do not fit one message, then
Heads); then each side streams what the other lacks (Events ..., End(count)). A round is over once
both sides have sent End and every batch that came is stored.

`LinkProtocol` holds one side's state. Its driver (node/net/peer_link.py) feeds it what the peer
sent (`receive`) and what this node did (`open`, `credentials_accepted`, `start_round`,
`heads_loaded`, `stream_finished`, `batch_stored`, `close`), and carries out the commands it
returns: messages to send, storage to read or write, a finished round. `tick` is the link's
liveness: the driver calls it every `tick_s` and sends the keepalive, ping or cut it asks for.
Liveness is proven only by what authenticates: sealed frames of the link's channel. A keepalive is
a sealed empty IHave, a ping a sealed IWant for an event the peer certainly holds (one of the
credentials it presented, or of ours it stored to accept us), which any version answers with a
sealed Push; websocket pings and pongs, which anyone on the path can write, prove nothing, but from
a peer of an earlier version (`peer_seals_liveness` False, as its handshake said: sync/handshake.py),
which while busy sent nothing else: cut for want of sealed frames, it was cut at every round. No
I/O and no clock in here: time comes in as an argument, so a simulator can drive many links on a
virtual clock, and tests feed messages directly.

What may come when is one table, `TRANSITIONS` (role -> state -> event -> next state). An event is
the type of a message from the peer, or the name of something this node did (`LOCAL_EVENTS`).
An event not in the table raises RemoteProtocolError if the peer sent it (only that costs the peer
penalty points) and LocalProtocolError if this node did it (a bug here; the peer is not blamed).
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

from sync.antientropy import (
    Head,
    SendEvidence,
    SendRange,
    claimed,
    event_count,
    every_seq,
    frontier_digest,
    lags,
    lead,
    ranges_to_send,
)
from sync.frontier import is_marker
from sync.errors import LocalProtocolError, RemoteProtocolError
from sync.link_commands import (
    Admit,
    Answer,
    Command,
    Cut,
    KeepAlive,
    LoadHeads,
    LookUp,
    Present,
    Probe,
    RoundDone,
    Send,
    Store,
    Stream,
)
from sync.messages import (
    HEAD_PREFIX,
    HEADS_PER_MESSAGE,
    MAX_ROUND_HEADS,
    Credentials,
    End,
    Events,
    Heads,
    IHave,
    IWant,
    Message,
    MoreHeads,
    Offer,
    Push,
    Same,
    heads_messages,
)

STREAM_BATCH = 500  # events per Events batch we stream, and at most this many answered per IWant
WATCH_TICKS = 3  # liveness looks this many times per message timeout
# A link quiet this many message timeouts outside a round gets a ping: longer than a dialler's round
# interval with its jitter (30 s x 1.3 at the defaults), so a link whose rounds run is never pinged.
# Each ping is a sealed IWant and a whole event back (~460 bytes against a websocket ping's 8): at 2
# timeouts every link of a node paid it between rounds, 380 KB an hour more on a Pi's 8 links.
IDLE_PROBE_TIMEOUTS = 3
# A round that waits on the peer (its heads, its next batch, its End) while nothing of the round
# moves, the peer sending keepalives alone, is cut after this many message timeouts: an honest
# peer's heads or next batch come within seconds of its database, and the keepalives of one that
# never answered an Offer (a pong every few seconds) held the dialler's rounds with it for ever.
ROUND_WAIT_TIMEOUTS = 20


class Role(enum.Enum):
    DIALLER = "dialler"
    LISTENER = "listener"


class State(enum.Enum):
    NEW = "new"                  # the handshake is done; nothing sent on the link yet
    CREDENTIALS = "credentials"  # waiting for the peer's credentials (its first message)
    CHECKING = "checking"        # this node is storing the peer's credentials and checking its membership
    IDLE = "idle"                # authenticated, no round running
    OFFERED = "offered"          # dialler: our Offer is out; Same or the peer's Heads comes next
    LOADING = "loading"          # listener: an Offer came; this node reads its heads to answer it
    HEADS_SENT = "heads_sent"    # listener: our Heads are out; the dialler's Heads come next
    STREAMING = "streaming"      # both sides stream what the other lacks
    PEER_ENDED = "peer_ended"    # the peer's End came; our stream goes on
    WE_ENDED = "we_ended"        # our End went; the peer's stream goes on
    STORING = "storing"          # both Ends exchanged; batches that came are still being stored
    CLOSED = "closed"


# What this node does, as events of the table (the peer's events are its message types).
OPEN = "open"                        # start the link (the dialler presents its credentials)
ACCEPTED = "credentials_accepted"    # the peer's credentials are stored and it is a member
START_ROUND = "start_round"          # the dialler opens an anti-entropy round
HEADS_DIFFER = "heads_differ"        # our heads are loaded and the peer's digest differs: send ours
HEADS_MATCH = "heads_match"          # ... or matches: in sync, the round is over
STREAM_FINISHED = "stream_finished"  # our stream is sent: End goes out
BATCH_STORED = "batch_stored"        # a batch of the round is stored
ROUND_OVER = "round_over"            # both Ends exchanged and nothing left to store (taken at once)
LOCAL_EVENTS = frozenset({OPEN, ACCEPTED, START_ROUND, HEADS_DIFFER, HEADS_MATCH, STREAM_FINISHED,
                          BATCH_STORED, ROUND_OVER})

S = State
_STREAMING: dict[type | str, State] = {
    Events: S.STREAMING, End: S.PEER_ENDED, STREAM_FINISHED: S.WE_ENDED, BATCH_STORED: S.STREAMING}
_PEER_ENDED: dict[type | str, State] = {STREAM_FINISHED: S.STORING, BATCH_STORED: S.PEER_ENDED}
_WE_ENDED: dict[type | str, State] = {Events: S.WE_ENDED, End: S.STORING, BATCH_STORED: S.WE_ENDED}
_STORING: dict[type | str, State] = {BATCH_STORED: S.STORING, ROUND_OVER: S.IDLE}


def _with_gossip(table: dict[type | str, State], state: State) -> dict[type | str, State]:
    """Gossip (Push, IHave, IWant) may come in every state once credentials are accepted, and
    leaves the state as it is."""
    return {**table, Push: state, IHave: state, IWant: state}


TRANSITIONS: dict[Role, dict[State, dict[type | str, State]]] = {
    Role.DIALLER: {
        S.NEW: {OPEN: S.CREDENTIALS},
        S.CREDENTIALS: {Credentials: S.CHECKING},
        S.CHECKING: {ACCEPTED: S.IDLE},
        S.IDLE: _with_gossip({START_ROUND: S.OFFERED}, S.IDLE),
        S.OFFERED: _with_gossip({Same: S.IDLE, MoreHeads: S.OFFERED, Heads: S.STREAMING}, S.OFFERED),
        S.STREAMING: _with_gossip(_STREAMING, S.STREAMING),
        S.PEER_ENDED: _with_gossip(_PEER_ENDED, S.PEER_ENDED),
        S.WE_ENDED: _with_gossip(_WE_ENDED, S.WE_ENDED),
        S.STORING: _with_gossip(_STORING, S.STORING),
        S.CLOSED: {},
    },
    Role.LISTENER: {
        S.NEW: {OPEN: S.CREDENTIALS},
        S.CREDENTIALS: {Credentials: S.CHECKING},
        S.CHECKING: {ACCEPTED: S.IDLE},
        S.IDLE: _with_gossip({Offer: S.LOADING}, S.IDLE),
        S.LOADING: _with_gossip({HEADS_DIFFER: S.HEADS_SENT, HEADS_MATCH: S.IDLE}, S.LOADING),
        S.HEADS_SENT: _with_gossip({MoreHeads: S.HEADS_SENT, Heads: S.STREAMING}, S.HEADS_SENT),
        S.STREAMING: _with_gossip(_STREAMING, S.STREAMING),
        # The dialler's round ends once it has stored what we sent, ours once we have stored what
        # it sent: its next Offer may come while we still store. It waits for the end of ours.
        S.PEER_ENDED: _with_gossip({**_PEER_ENDED, Offer: S.PEER_ENDED}, S.PEER_ENDED),
        S.WE_ENDED: _with_gossip(_WE_ENDED, S.WE_ENDED),
        S.STORING: _with_gossip({**_STORING, Offer: S.STORING}, S.STORING),
        S.CLOSED: {},
    },
}
ROUND_STATES = frozenset({S.OFFERED, S.LOADING, S.HEADS_SENT, S.STREAMING, S.PEER_ENDED, S.WE_ENDED, S.STORING})
PEER_OWES = frozenset({S.OFFERED, S.HEADS_SENT, S.STREAMING, S.WE_ENDED})  # round states waiting on a peer's message
ROUND_MESSAGES = (Same, Heads, Events, End)


# --- the state machine ------------------------------------------------------------------------------

@dataclass
class _Round:
    heads: list[Head]
    first: Callable[[bytes], bool]
    forks: dict[bytes, int]
    watch: bytes = b""  # the author whose head the peer offers RoundDone carries (`watched`)
    watched: tuple[int, bytes] | None = None
    # The peer's heads were all this side's own (same authors, seqs and ids), by `plan`: what a
    # matching digest says, found by heads that went out all the same (one side asked for them)
    same_heads: bool = False
    digest: bytes = b""
    theirs: dict[bytes, tuple[int, bytes]] = field(default_factory=dict)  # the peer's heads so far (see take_heads)
    heads_taken: int = 0  # heads the peer sent in this round
    # The first seq of an author this node would not take (its revocation point, else 2^63), None
    # for an author it does not know (antientropy.lag): what a head may count for in the lag
    takes_below: Callable[[bytes], int | None] = every_seq
    # The authors the lag counts events of (antientropy.lags), each with how many: those this node
    # holds nothing of and would take as the heads come, the rest in `plan`
    lagging: dict[bytes, int] = field(default_factory=dict)
    unknown_claimed: int = 0  # ... of all authors this node holds nothing of, at the heads' word (the allowance)
    unknown_authors: int = 0  # authors of the peer's heads this node does not know (no member of its trust graph)
    evidence: int = 0  # events kept past fork points, by the peer's marker heads
    allowance: int = 0  # events the peer may send in this round, from its heads (see `plan`)
    arrived: int = 0
    lag: int = 0
    peer_lag: int = 0  # events we hold that the peer lacked (the reverse of `lag`)
    sent: int = 0
    storing: int = 0  # batches handed out with Store and not yet reported stored
    foreign: bool = False  # the peer's heads named an author (or marker) this node holds nothing of
    _mine: set[bytes] | None = None  # the authors of our heads, while the peer's come

    def __post_init__(self) -> None:
        self.digest = frontier_digest(self.heads)

    def heads_sends(self) -> list[Send]:
        return [Send(m) for m in heads_messages([(h.author, h.seq, h.id[:HEAD_PREFIX]) for h in self.heads])]

    def take_heads(self, part: Heads | MoreHeads) -> None:
        """Add a part of the peer's heads to those it sent before in this round. Only the heads of
        authors this node holds (or knows forked) are kept: the plan needs no other, and of the rest
        only their events count (the lag). So heads cost memory as this node's own log does, and a
        peer inventing authors (heads need no signature) costs it a count. An author named twice
        among those kept breaks the protocol: the plan would depend on which came last."""
        self.heads_taken += len(part.heads)
        if self.heads_taken > MAX_ROUND_HEADS:  # each still costs a look-up
            raise RemoteProtocolError(f"more than {MAX_ROUND_HEADS} heads in one round", "oversize")
        if self._mine is None:  # the first part
            self._mine = {h.author for h in self.heads} | set(self.forks)
        table, mine = self.theirs, self._mine
        for author, seq, prefix in part.heads:
            if is_marker(author):
                self.evidence += seq
            if author in mine:
                if author in table:
                    raise RemoteProtocolError("an author appears twice in heads")
                table[author] = (seq, prefix)
                if author == self.watch:
                    self.watched = (seq, prefix)
            else:
                self.foreign = True
                if not is_marker(author):
                    self.unknown_claimed += seq
                    if (below := self.takes_below(author)) is None:
                        self.unknown_authors += 1
                    elif (behind := lead(seq, 0, below)) > 0:
                        self.lagging[author] = behind

    def plan(self) -> tuple[SendRange | SendEvidence, ...]:
        """What to send the peer, once all its heads came (they are not kept past this)."""
        table, self.theirs, self._mine = self.theirs, {}, None
        self.lagging.update(lags(self.heads, table, self.takes_below))  # (table: only authors of our heads)
        self.lag = sum(self.lagging.values())
        self.peer_lag = sum(max(0, h.seq - table.get(h.author, (0, b""))[0]) for h in self.heads
                            if not is_marker(h.author))
        # What the peer's own heads say it can send us: the events we lack, what it keeps past fork
        # points, and a few per author for fork proofs. More is no sync: a member claiming to hold
        # nothing streamed 40,000 events past its push budget, or the same events 400,000 times.
        self.allowance = (claimed(self.heads, table) + self.unknown_claimed + self.evidence + 4 * self.heads_taken
                          + 2 * STREAM_BATCH)
        self.same_heads = not self.foreign and len(table) == len(self.heads) and all(
            table.get(h.author) == (h.seq, h.id[:HEAD_PREFIX]) for h in self.heads)
        return tuple(ranges_to_send(self.heads, table, self.first, self.forks))


@dataclass
class _Watch:
    progress: Hashable = None
    quiet_since: float = 0.0
    probed_at: float | None = None
    restart: bool = False  # a round began: the wait on the peer starts at the next look
    round_progress: Hashable = None  # what moved the round last (see `tick`), and since when
    round_since: float = 0.0


class LinkProtocol:
    """One side of one link (see the module docstring). `message_timeout_s` is how long the peer
    may keep a round waiting without a sign of life, and a third of the idle ping's patience.
    `peer_seals_liveness`: what the peer's authenticated handshake said (see `tick`)."""

    def __init__(self, role: Role, *, message_timeout_s: float, peer_seals_liveness: bool = True) -> None:
        if not message_timeout_s > 0:
            raise ValueError("the message timeout must be positive")
        self.role = role
        self.state = State.NEW
        self.message_timeout_s = message_timeout_s
        self.peer_seals_liveness = peer_seals_liveness
        self._round: _Round | None = None
        self._offer: Offer | None = None  # the dialler's next Offer, waiting for our round to end
        self._watch = _Watch()
        self._round_messages = 0  # moves of the round by the peer
        self._proof: bytes | None = None  # an event the peer certainly holds: what a ping asks for

    # --- reading ---------------------------------------------------------------------------------
    @property
    def in_round(self) -> bool:
        return self.state in ROUND_STATES

    @property
    def closed(self) -> bool:
        return self.state == State.CLOSED

    @property
    def arrived(self) -> int:
        """Events that came in this round's batches so far (0 outside rounds)."""
        return self._round.arrived if self._round and self.in_round else 0

    @property
    def lag(self) -> int:
        """Events the peer held that we lacked at the start of this round (once heads are exchanged)."""
        return self._round.lag if self._round and self.in_round else 0

    @property
    def lagging(self) -> dict[bytes, int]:
        """The authors `lag` counts events of in this round, each with how many ({} outside rounds):
        what the peer sends of others (authors this node does not know) is not in it."""
        return self._round.lagging if self._round and self.in_round else {}

    @property
    def unknown_authors(self) -> int:
        """Authors of the peer's heads this node does not know yet, in this round (no member of its
        trust graph: a new group's devices before their vouches arrive, or made up)."""
        return self._round.unknown_authors if self._round and self.in_round else 0

    @property
    def peer_lag(self) -> int:
        """Events we held that the peer lacked at the start of this round (once heads are exchanged)."""
        return self._round.peer_lag if self._round and self.in_round else 0

    @property
    def tick_s(self) -> float:
        """How often the driver calls `tick`."""
        return self.message_timeout_s / WATCH_TICKS

    # --- the table --------------------------------------------------------------------------------
    def _go(self, event: type | str) -> State:
        """Take the transition `event` from the current state, or raise: the peer's fault when
        `event` is a message type, ours when it is a local event."""
        nxt = TRANSITIONS[self.role][self.state].get(event)
        if nxt is not None:
            self.state = nxt
            return nxt
        if isinstance(event, str):
            raise LocalProtocolError(f"{event} is not allowed to the {self.role.value} in state {self.state.value}")
        complaint = self._complaint(event)
        self.state = State.CLOSED  # the link ends with the peer's violation
        raise RemoteProtocolError(complaint)

    def _complaint(self, event: type) -> str:
        name, state = event.__name__, self.state
        if event is Credentials:
            return "credentials came twice"
        if state == S.CREDENTIALS:
            return f"the peer did not present its credentials first ({name} came)"
        if event is Offer and self.role == Role.DIALLER:
            return "only the dialling side opens anti-entropy rounds"
        if event is Offer and state in ROUND_STATES:
            return "a new round before the last one ended"
        if event in (Heads, MoreHeads, Events, End, Same) and state == S.IDLE:
            return f"{name} outside a round"
        return f"{name} is out of place in state {state.value}"

    # --- what the peer sent -----------------------------------------------------------------------
    def receive(self, message: Message) -> list[Command]:
        """Advance on a message from the peer; RemoteProtocolError if the protocol does not allow it."""
        before = self.state
        if before == S.CLOSED:
            raise LocalProtocolError("the link is closed: nothing more is read from it")
        self._go(type(message))
        if isinstance(message, ROUND_MESSAGES) \
                and not (isinstance(message, Events) and not message.events):
            # (a batch of no events carries nothing: it moved a round as a keepalive does not, and a
            # peer sending one a moment, never its End, held the round waiting on it for ever;
            # MoreHeads parts move it by their heads, below)
            self._round_messages += 1
        if isinstance(message, Credentials):
            return [Admit(message.events)]
        if isinstance(message, Push):
            return [Store(message.events, pushed=True)] if message.events else []
        if isinstance(message, IHave):
            return [LookUp(message.ids)] if message.ids else []
        if isinstance(message, IWant):
            return [Answer(message.ids[:STREAM_BATCH])] if message.ids else []
        if isinstance(message, Offer):
            if before != S.IDLE:  # the dialler's next round, while we finish storing this one
                if self._offer is not None:
                    self.state = S.CLOSED
                    raise RemoteProtocolError("a second Offer before the first was answered")
                self._offer = message
                return []
            self._offer = message
            return [LoadHeads()]
        r = self._round
        assert r is not None  # every other message is part of a round (the table let it through)
        if isinstance(message, Same):  # dialler: in sync
            return self._round_over(in_sync=True)
        if isinstance(message, MoreHeads):
            before = r.heads_taken
            self._take_heads(r, message)
            # The round moves once per HEADS_PER_MESSAGE heads, as an honest peer's full parts do:
            # parts of one head each (valid on the wire), each counted, held the round waiting on
            # a peer that sent one every few minutes and never its Heads for up to MAX_ROUND_HEADS parts
            self._round_messages += r.heads_taken // HEADS_PER_MESSAGE - before // HEADS_PER_MESSAGE
            return []
        if isinstance(message, Heads):
            self._take_heads(r, message)
            plan = self._plan(r)
            if self.role == Role.DIALLER:
                return [*r.heads_sends(), Stream(plan)]
            return [Stream(plan)]
        if isinstance(message, Events):
            r.arrived += len(message.events)
            if r.arrived > r.allowance:
                self.state = S.CLOSED
                raise RemoteProtocolError(f"{r.arrived} events came in a round whose heads let the peer send at most "
                                          f"{r.allowance}")
            if not message.events:
                return []
            r.storing += 1
            return [Store(message.events, pushed=False)]
        assert isinstance(message, End)
        if message.sent != r.arrived:
            self.state = S.CLOSED
            raise RemoteProtocolError(f"peer says it sent {message.sent} events but {r.arrived} arrived")
        return self._settle()

    def _take_heads(self, r: _Round, part: Heads | MoreHeads) -> None:
        try:
            r.take_heads(part)
        except RemoteProtocolError:
            self.state = S.CLOSED
            raise

    def _plan(self, r: _Round) -> tuple[SendRange | SendEvidence, ...]:
        try:
            return r.plan()
        except RemoteProtocolError:
            self.state = S.CLOSED
            raise

    # --- what this node did -----------------------------------------------------------------------
    def open(self, *, ask_first: bool = False) -> list[Command]:
        """The handshake is done: the dialler presents its credentials at once, the listener once
        it has accepted the dialler's (so it reveals nothing to a non-member).

        A dialler whose trust graph holds nothing of the device that answered (a member it has
        not heard of yet, or a stranger at the address) must not hand it its group chain: with
        `ask_first` it sends credentials holding nothing, which asks the listener to present
        first. A listener (of any version) then checks the dialler by its own trust graph alone
        and presents only if it counts it a member; the dialler, once it has checked those, has
        nothing more to send (the listener needed nothing of it)."""
        if ask_first and self.role != Role.DIALLER:
            raise LocalProtocolError("only the dialling side asks its peer to present first")
        self._go(OPEN)
        if self.role == Role.LISTENER:
            return []
        return [Send(Credentials(()))] if ask_first else [Present()]

    def credentials_accepted(self, proof: bytes | None = None) -> list[Command]:
        """The peer's credentials are stored and it is a member of the network. `proof`: the id of
        an event the peer certainly holds (one of the credentials it presented; of a dialler that
        presented none, one of this node's, which it stored to accept them): a ping asks for it,
        and the peer's sealed answer is what shows it alive (see `tick`)."""
        self._go(ACCEPTED)
        self._proof = proof
        return [Present()] if self.role == Role.LISTENER else []

    def start_round(self, heads: list[Head], first: Callable[[bytes], bool] = lambda author: False,
                    forks: dict[bytes, int] | None = None, watch: bytes = b"",
                    ask_heads: bool = False,
                    takes_below: Callable[[bytes], int | None] = every_seq) -> list[Command]:
        """Dialler: open an anti-entropy round with this node's heads (`first`: authors to send
        first, `forks`: the fork points this node knows, `watch`: the author whose head the peer
        offers RoundDone carries; `ask_heads`: the peer's heads are wanted even if in sync, so the
        Offer's digest matches none: a Same, which shows nothing, cannot answer it; `takes_below`:
        the first seq of an author this node would not take, None for one it does not know: what
        the peer's heads count for in the lag)."""
        if self.role != Role.DIALLER:
            raise LocalProtocolError("only the dialling side opens anti-entropy rounds")
        self._go(START_ROUND)
        self._watch.restart = True  # we wait on the peer from now, not since it last spoke
        r = self._round = _Round(list(heads), first, dict(forks or {}), watch, takes_below=takes_below)
        return [Send(Offer(bytes(b ^ 0xFF for b in r.digest) if ask_heads else r.digest, event_count(r.heads)))]

    def heads_loaded(self, heads: list[Head], first: Callable[[bytes], bool] = lambda author: False,
                     forks: dict[bytes, int] | None = None, watch: bytes = b"",
                     ask_heads: bool = False,
                     takes_below: Callable[[bytes], int | None] = every_seq) -> list[Command]:
        """Listener: this node's heads, to answer the Offer that asked for them (`watch`, `ask_heads`:
        see `start_round`; heads go out even if the digests match)."""
        if self.state != S.LOADING or self._offer is None:
            raise LocalProtocolError(f"heads_loaded is not allowed in state {self.state.value}")
        r = self._round = _Round(list(heads), first, dict(forks or {}), watch, takes_below=takes_below)
        offer, self._offer = self._offer, None
        if offer.digest == r.digest and not ask_heads:
            self._go(HEADS_MATCH)
            return [Send(Same()), *self._done(r, in_sync=True)]
        self._go(HEADS_DIFFER)
        return r.heads_sends()

    def stream_finished(self, sent: int) -> list[Command]:
        """Our stream of this round is out (`sent` events): End goes to the peer."""
        r = self._round
        if r is None or sent < 0:
            raise LocalProtocolError("stream_finished without a stream")
        self._go(STREAM_FINISHED)
        r.sent = sent
        return [Send(End(sent)), *self._settle()]

    def batch_stored(self) -> list[Command]:
        """A batch this round handed out with Store (not a pushed one) is stored."""
        r = self._round
        if r is None or r.storing <= 0 or not self.in_round:
            raise LocalProtocolError("batch_stored without a batch of this round being stored")
        self._go(BATCH_STORED)
        r.storing -= 1
        return self._settle()

    def close(self) -> None:
        """The link is closed (by either side, or cut): nothing more goes through this object."""
        self.state = S.CLOSED

    # --- the end of a round -----------------------------------------------------------------------
    def _settle(self) -> list[Command]:
        """Once both Ends are exchanged (STORING) and nothing is left to store, the round is over."""
        r = self._round
        if self.state == S.STORING and r is not None and r.storing == 0:
            self._go(ROUND_OVER)
            return self._round_over(in_sync=False)
        return []

    def _round_over(self, *, in_sync: bool) -> list[Command]:
        r = self._round
        assert r is not None and self.state == S.IDLE
        out = self._done(r, in_sync=in_sync)
        if self._offer is not None:  # the dialler's next round was waiting for this one to end
            self._go(Offer)
            out.append(LoadHeads())
        return out

    @staticmethod
    def _done(r: _Round, *, in_sync: bool) -> list[Command]:
        # Heads that went out though the digests matched (either side asked for them: the dialler's
        # Offer then matches no digest, and the listener cannot tell) and showed nothing differing,
        # with nothing sent either way: in sync. Told by the heads, not by who asked: a phone that
        # never signed anything heard "Synced, received 0" where it heard "Already in sync", and a
        # listener that was asked logged "synced, received 0, sent 0" at each publish.
        in_sync = in_sync or (r.same_heads and not (r.lag or r.peer_lag or r.arrived or r.sent))
        return [RoundDone(in_sync=in_sync, arrived=r.arrived, sent=r.sent, lag=r.lag, watched=r.watched)]

    # --- liveness ---------------------------------------------------------------------------------
    def tick(self, now: float, *, progress: Hashable, busy: bool, last_write: float,
             round_progress: Hashable = None, pongs: Hashable = None) -> list[Command]:
        """Called every `tick_s`, with the time and what the driver sees: `progress` changes whenever
        the peer is heard or data moves (a sealed frame from the peer that authenticates, a batch
        it took from us, a batch stored: never a websocket ping or pong, which a relay on the path
        can write while it holds back all data); `busy` while this node works on the peer's data;
        `last_write` is when we last sent the peer a frame; `pongs` changes with each websocket
        ping or pong heard from the peer. They count as progress only from a peer of an earlier
        version (`peer_seals_liveness` False): busy loading its heads or storing our batches, it
        sent a pong a tick and nothing else, and a node of this version cut it at every round.
        A peer whose handshake named sealed liveness gets nothing for them: a relay could strip
        its sealed frames and write pongs, but cannot strip that word from a handshake it signed.

        The link is cut when the peer has gone quiet and nothing moves; never for slowness. The
        clock runs against the peer only while we wait on it: in a round (from its start, for
        the dialler), or with a ping out. While this node is busy, the peer hears a sealed
        keepalive each tick, so neither side cuts the other for being slow. Outside rounds a quiet
        link gets a ping (a sealed IWant for the event `credentials_accepted` named, which the
        peer answers with a sealed Push, as nodes of every version do once their reader gets to
        it; an earlier version's pongs meanwhile show it alive), and is cut if one more
        timeout passes without a sealed word. So the listener, which opens no rounds, proves
        its dialler alive too, whatever the dialler's round interval.

        Keepalives are not the round: `round_progress` (given by a driver that tells apart what
        moves the round: batches the peer took from us, batches stored) and the round's messages
        from the peer must move, or this node be busy, at least every ROUND_WAIT_TIMEOUTS message
        timeouts while the round waits on the peer (PEER_OWES), else the link is cut."""
        w, timeout = self._watch, self.message_timeout_s
        if not self.peer_seals_liveness:
            progress = (progress, pongs)
        if round_progress is not None:
            moved = (self.state, self._round_messages, round_progress)
            if moved != w.round_progress or busy or self.state not in PEER_OWES:
                w.round_progress, w.round_since = moved, now
            elif now - w.round_since >= ROUND_WAIT_TIMEOUTS * timeout:
                return [Cut(f"the peer kept the anti-entropy round waiting {now - w.round_since:.0f} s, sending "
                            "nothing of it")]
        if w.restart:
            w.restart, w.progress, w.quiet_since, w.probed_at = False, progress, now, None
        if progress != w.progress or busy:
            w.progress, w.quiet_since, w.probed_at = progress, now, None
            return [KeepAlive()] if busy and now - last_write >= self.tick_s else []
        quiet = now - w.quiet_since
        if self.in_round:
            if quiet >= timeout:
                return [Cut(f"no progress for {quiet:.0f} s in an anti-entropy round")]
        elif w.probed_at is None and quiet >= IDLE_PROBE_TIMEOUTS * timeout:
            w.probed_at = now
            return [Probe((self._proof,) if self._proof is not None else ())]
        elif w.probed_at is not None and now - w.probed_at >= timeout:
            return [Cut(f"no answer to a ping for {now - w.probed_at:.0f} s")]
        return []


def transitions_of(role: Role) -> Iterable[tuple[State, type | str, State]]:
    """Every (state, event, next state) of `role`'s table, for documentation and tests."""
    for state, events in TRANSITIONS[role].items():
        for event, nxt in events.items():
            yield state, event, nxt

