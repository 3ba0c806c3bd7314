"""The listening socket's defences against connections that never authenticate.

Anyone can open TCP connections to a node and then say nothing. Each one holds a file descriptor;
a few hundred of them used to exhaust the process's open-files limit, after which the node could
accept nobody (members included) and logged every failed accept. Here:

- the process raises its soft open-files limit to its hard limit at start (`raise_open_files_limit`);
- `ConnectionGuard` counts the connections that are not (yet) authenticated peer links, in total
  and per source address (an IPv6 source by its /64). Over either cap, a new connection takes the
  place of the oldest idle one (of its own source first), which is reset at once: the descriptors
  stay free for members, a flood pushes out its own silent sockets, and the kernel's accept queue
  never fills up. A sync handshake not yet through counts as idle here (anyone may start one and
  keep it going for a minute), so a flood of them pushes out its own too, until the dialler's
  device has signed the handshake and the trust graph counts it as a member, or its credentials
  show a member group certified it (its first contact: node/net/credentials.py `voucher_in`):
  from then on its connection is kept, so a member's handshake completes however fast anonymous
  connections arrive from its address (behind a relay, every visitor's). One device holds at most
  `RESERVED_PER_DEVICE` such places, and members together at most half the caps, so an
  infiltrating member cannot keep the owner out either. Before that signature a member's
  connection is one among the others, except that once the node has replied to its hello it is
  pushed out only when no other connection may be, and then at random (`_idlest`): until
  2026-12-05, 32 bare connections from its address in the 1.5 s a member behind Tor takes to sign
  pushed it out at every dial. Before the reply (one round trip) a flood fast enough to open 32
  in it still does (docs/design.md says what is left);
- deadlines that follow progress: a connection with no request being answered is closed once it
  has sent nothing for `SILENT_S` (a socket that never sends a byte), or once `HEAD_LIMIT_S` have
  passed without a complete request, however slowly it trickles bytes. A request whose body is
  still on its way counts as not complete (a handler waiting for a login form that never comes:
  32 such from one address, behind a relay every visitor's, shut out every other connection from
  it). A request being answered (a page, a live-update stream, the peer handshake, which
  sync.transport bounds by its own progress) is never cut here, and an authenticated peer link
  leaves the guard's care;
- bytes a sync handshake may bring before it is through: aiohttp holds a websocket frame whole
  until its last byte, and a frame may be 4 MiB, so 512 anonymous upgrades each sending most of
  one held 2 GiB (a Pi killed for want of memory by anyone who reaches its port; until
  2026-12-04). Now a handshake may bring `HANDSHAKE_BYTES`: the upgrade request, two messages of
  at most 512 bytes and one message of credentials (as node/net/credentials.py makes them; a
  dialler sends them right after its signature, so they may come before it is read); and all
  handshakes not kept for a member together `UNKEPT_BYTES`, over which the one holding the most
  is reset. A connection over its budget is reset;
- bytes of request heads not yet complete: aiohttp takes up to `HEAD_FIELDS` header lines of 8 KiB
  each (its default, 128, let a head reach 1 MiB), and holds a head's bytes, copied, until its
  last line: 64 connections each trickling a 1 MiB head grew the node by 123 MiB (until
  2026-12-07). All heads under way together may hold `HEADS_BYTES`, over which the connection
  holding the most is reset, as handshakes' bytes are. Heads pipelined behind a request being
  answered count too (aiohttp queues 32 a connection), each until its own request begins, and so do
  those come in the same read as a body's end;
- CPU for the handshakes of connections not yet known as members: the node's HelloBudget
  (node/hello_budget.py) is asked before a sync upgrade (`may_upgrade`: over it, 503 without
  that work) and, once the dialler's hello came and is for this network, before the node
  answers it (`may_reply`: an X25519 exchange and a signature; only this takes a token and a
  place). The guard tells the budget when a dialler signed (a member gets its token back) or its
  connection ended, and with the budget's places all taken it resets a connection holding one,
  so that the newcomer takes it (`_make_room`, one at random): trickling a handshake's messages
  holds no place against others, and neither a stream of unfinished hellos nor one of another
  network's takes a place or a token at all;
- a sync upgrade a web browser opens (`from_browser`: it carries an Origin header, which every
  browser sends with a websocket and no node's dial does) is refused before any work: a page's
  script may open a websocket to 127.0.0.1 or a LAN address and read every frame (websockets have
  no same-origin rule), and the handshake's reply names this node's device, so any site a member
  visited learned that a node ran on the visitor's machine, which device, and the visitor's IP;
- failed accepts (EMFILE and the like, which asyncio reports through the event loop's exception
  handler, many times a second) and the guard's own refusals and closes are logged at most once
  per `LOG_INTERVAL_S`, with counts.

Source addresses are counted in memory only and never logged.
"""
from __future__ import annotations

import asyncio
import ipaddress
import itertools
import logging
import resource
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from events.format import MAX_EVENT_BYTES
from node.hello_budget import RESERVE, HelloBudget
from sync.handshake import OVER_BUDGET, HandshakeError
from sync.messages import MAX_BATCH_BYTES

log = logging.getLogger(f"solnet.{__name__}")

SILENT_S = 10.0  # an idle connection that has sent nothing for this long is closed
HEAD_LIMIT_S = 30.0  # ... and one that has not completed a request in this long, however it trickles
SWEEP_S = 1.0
LOG_INTERVAL_S = 60.0
MAX_UNAUTHENTICATED = 512  # at most; fewer under a low open-files limit (see caps_for)
MAX_PER_SOURCE = 32
RESERVED_PER_DEVICE = 2  # a member's node and a one-off `solnet sync` beside it (sync/link_slots.py)
HANDSHAKE_BYTES = MAX_BATCH_BYTES + MAX_EVENT_BYTES + 16 * 1024  # a sync connection's until it is through
UNKEPT_BYTES = 32 * 1024 * 1024  # ... of every handshake not kept for a member, together
HEAD_FIELDS = 32  # header lines a request may carry (a browser sends ~15, a reverse proxy adds a few)
# ... and the bytes of every connection's request head not yet complete, together (with what of a body
# came in the same read): a head has no business being more than a few KiB
HEADS_BYTES = 8 * 1024 * 1024
ACCEPT_BACKLOG = 128
ACCEPT_FAILED = "socket.accept() out of system resource"  # asyncio's message for EMFILE, ENFILE, ...
_UNLIMITED = 1 << 30


def _files(limit: int) -> int:
    return _UNLIMITED if limit == resource.RLIM_INFINITY else limit


def raise_open_files_limit() -> int:
    """Raise this process's soft RLIMIT_NOFILE to its hard limit; the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for target in (hard, 10240):  # some systems refuse an unlimited soft limit; 10240 is macOS's OPEN_MAX
        if _files(soft) >= _files(target) or _files(target) > _files(hard):
            continue
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            continue
        log.info("open-files limit raised from %d to %d", _files(soft), _files(target))
        return _files(target)
    return _files(soft)


def caps_for(open_files: int) -> tuple[int, int]:
    """(in total, per source) caps on unauthenticated connections under an open-files limit: a
    quarter of it at most, so peer links, outbound dials, the database and the workers keep the rest."""
    total = max(8, min(MAX_UNAUTHENTICATED, _files(open_files) // 4))
    return total, max(4, min(MAX_PER_SOURCE, total // 4))


def source_key(peername: Any) -> str:
    """What a connection's source counts as: its IP address, an IPv6 one by its /64 (which one
    holder usually has whole). Kept in memory only."""
    host = peername[0] if isinstance(peername, tuple) and peername else None
    if not isinstance(host, str):
        return "local"
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class LogBudget:
    """A recurring event logged at most once per `interval`: the first at once, later ones as a
    count on the next line (`flush` writes a due count even when no new event comes)."""

    def __init__(self, level: int, message: str, interval: float = LOG_INTERVAL_S, *,
                 logger: logging.Logger = log) -> None:
        self.logger = logger  # the module the lines are about
        self.level = level
        self.message = message
        self.interval = interval
        self.pending = 0
        self._last: float | None = None

    def note(self, now: float, n: int = 1) -> None:
        self.pending += n
        self.flush(now)

    def flush(self, now: float, *, force: bool = False) -> None:
        if not self.pending or not (force or self._last is None or now - self._last >= self.interval):
            return
        when = (f"more are counted, and told at most once every {self.interval:.0f} s" if self._last is None
                else f"in the last {now - self._last:.0f} s")
        self.logger.log(self.level, "%s: %d (%s)", self.message, self.pending, when)
        self.pending, self._last = 0, now


@dataclass
class _Connection:
    source: str
    transport: asyncio.BaseTransport
    since: float  # when it connected, or when its last request was answered
    last_byte: float
    bytes_in: int = 0
    requests: int = 0  # being answered now
    body: Any = None  # the newest request's body (aiohttp's StreamReader), None: it had none
    handshaking: bool = False  # a sync handshake under way (no secret needed to start one)
    signed: bool = False  # ... whose dialler's device signed it
    member: bytes | None = None  # ... a member device: kept (ConnectionGuard.handshake_signed)
    upgraded_at: int = 0  # `bytes_in` when the handshake began (a kept-alive connection's earlier requests)
    budgeted: bool = False  # the hello budget let the node reply to its hello; its place not yet given back
    placed: int = 0  # ... the how-manyth place taken
    replied: bool = False  # ... and the node replied to its hello (a token's work done, message 3 awaited)
    charged: bool = False  # ... and took a token for it, not given back for a member
    reserve: bool = False  # ... from the hello budget's reserve: a member's device must sign it (`handshake_signed`)
    granted: float = 0.0  # ... tokens taken to judge its credentials (`allowance`), settled at its charge
    head_bytes: int = 0  # bytes of its next requests' heads, come and not yet begun (`HEADS_BYTES`)

    def body_coming(self) -> bool:
        """The newest request's body is still on its way: its handler reads it, or aiohttp reads
        what the handler left unread (an answer given before it: the body is discarded)."""
        return self.body is not None and not self.body.is_eof()

    def waits_on_client(self) -> bool:
        """Nothing is being answered, or the request being answered still waits for its body."""
        return not self.requests or self.body_coming()

    def may_make_room(self) -> bool:
        """Whether a newcomer may take its place: it waits on its client, or it is a sync handshake
        not yet through. Anyone may upgrade to /sync/v1 and trickle bytes (60 s a handshake): behind
        a relay, 32 of them renewed kept every other connection from 127.0.0.1 out, the owner's and
        the members' dials. Its deadlines stay the handshake's own (sync.transport.accept). A
        handshake a member's device signed is kept: no anonymous flood pushes a member out."""
        return self.unkept() or self.waits_on_client()

    def awaits_signature(self) -> bool:
        """Holding a place in the hello budget, replied to: message 3 awaited (ConnectionGuard._make_room)."""
        return self.budgeted and self.replied

    def unkept(self) -> bool:
        """A sync handshake not kept for a member (ConnectionGuard.unkept_bytes)."""
        return self.handshaking and self.member is None

    def handshake_bytes(self) -> int:
        """Bytes the sync handshake brought (0: none is under way)."""
        return self.bytes_in - self.upgraded_at if self.handshaking else 0


def _head_size(request: web.BaseRequest) -> int:
    """The bytes `request`'s head took as its client sent it the usual way ("Name: value" lines),
    and those of its body come so far. Extra spaces the parser dropped stay counted as held until
    the connection ends (which errs only against the sender); "Name:value" lines are taken as a
    byte longer than they came, at most HEAD_FIELDS bytes a request left uncounted."""
    line = len(request.method) + len(request.raw_path) + len("  HTTP/1.1\r\n")
    fields = sum(len(name) + len(value) + 4 for name, value in request.raw_headers)
    return line + fields + 2 + request.content.total_bytes


def _oldest_else_replied_at_random(candidates: Iterable[_Connection]) -> _Connection | None:
    """The connection to push out of `candidates` (given oldest first): the oldest not awaiting its
    dialler's signature; only when every one is (the node replied to its hello), one of them at random
    (ConnectionGuard._idlest and _make_room say why). None: no candidate."""
    replied = []
    for conn in candidates:
        if not conn.awaits_signature():
            return conn
        replied.append(conn)
    # (secrets: which place goes must not be foreseeable from the node's other answers)
    return secrets.choice(replied) if replied else None


class ConnectionGuard:
    """Caps and deadlines for the connections of one listening socket (see the module docstring)."""

    def __init__(self, max_total: int = MAX_UNAUTHENTICATED, max_per_source: int = MAX_PER_SOURCE, *,
                 silent_s: float = SILENT_S, head_limit_s: float = HEAD_LIMIT_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_total = max_total
        self.max_per_source = max_per_source
        self.silent_s = silent_s
        self.head_limit_s = head_limit_s
        self.clock = clock
        self._open: dict[asyncio.BaseTransport, _Connection] = {}  # unauthenticated connections
        self._per_source: Counter[str] = Counter()
        self.handshakes_signed = 0  # connections whose sync handshake the dialler's device signed (member or not)
        self._unkept = 0  # the handshake bytes of the connections that are `unkept()`
        self._heads = 0  # the bytes of the request heads under way (`_head_received`)
        self._refused = LogBudget(logging.WARNING, "refused incoming connections: every one of the connections "
                                  "not yet authenticated is busy with a request "
                                  f"(at most {max_total} in all, {max_per_source} from one address)")
        self._closed = LogBudget(logging.INFO, f"closed idle incoming connections: no byte in {silent_s:.0f} s, "
                                 f"or no complete request in {head_limit_s:.0f} s")
        self._evicted = LogBudget(logging.INFO, "closed idle incoming connections to make room for new ones "
                                  f"(at most {max_total} not yet authenticated, {max_per_source} from one address)")
        self._overfull = LogBudget(logging.INFO, "reset incoming sync handshakes that brought more bytes than a "
                                   "handshake and its credentials take")
        self._overhead = LogBudget(logging.INFO, "reset incoming connections whose request heads, not yet "
                                   f"complete, held the most of {HEADS_BYTES // (1024 * 1024)} MiB together")
        self._accept_failed = LogBudget(logging.WARNING, "could not accept incoming connections: this process has "
                                        "too many files open (peer links already open carry on)")
        self._browsers = LogBudget(logging.WARNING, "refused sync connections opened by a web browser: a web page "
                                   "(any site visited on this machine or its network can try) asked this node to "
                                   "name its device; it was told nothing")
        self._budgets = [self._closed, self._evicted, self._refused, self._overfull, self._overhead,
                         self._accept_failed, self._browsers]
        self._sweeper: asyncio.Task | None = None
        self._previous_handler: Any = None
        self.hello_budget: HelloBudget | None = None  # the CPU budget of handshake replies (see `may_reply`)
        self._places = itertools.count(1)  # (_Connection.placed)

    def use_hello_budget(self, budget: HelloBudget) -> None:
        """Ask `budget` before replying to a sync hello (`may_reply`), and tell it what became of them."""
        self.hello_budget = budget
        self._turned_away = LogBudget(logging.WARNING, "turned away incoming sync handshakes not yet known as "
                                      f"members: the node spends at most {budget.share:.0%} of one core on them "
                                      "(members that dial retry; the links this node dials are not affected)")
        self._outwaited = LogBudget(logging.INFO, "closed incoming sync handshakes still waiting for the dialler's "
                                    "next message to make room for new ones (at most "
                                    f"{budget.in_flight_cap} under way, {budget.in_flight_per_source_cap} "
                                    "from one address)")
        self.add_log_budget(self._turned_away)
        self.add_log_budget(self._outwaited)

    def add_log_budget(self, budget: LogBudget) -> None:
        """Tell `budget`'s due counts at each sweep too (and the rest when the guard stops)."""
        self._budgets.append(budget)

    @classmethod
    def for_open_files(cls, open_files: int) -> ConnectionGuard:
        return cls(*caps_for(open_files))

    @property
    def unauthenticated(self) -> int:
        return len(self._open)

    @property
    def reserved(self) -> int:
        """Connections kept for a member's handshake under way (see `handshake_signed`)."""
        return sum(1 for conn in self._open.values() if conn.member is not None)

    # --- connections in and out --------------------------------------------------------------------
    def _admit(self, transport: asyncio.BaseTransport) -> _Connection | None:
        """Count a new connection in, making room by closing the oldest idle one of the same source
        (over the per-source cap) or of any (over the total): a flood of silent connections then
        pushes out its own, never a connection being answered. None: no room, refuse it."""
        source = source_key(transport.get_extra_info("peername"))
        now = self.clock()
        for same_source in (True, False):
            if (self._per_source[source] >= self.max_per_source if same_source
                    else len(self._open) >= self.max_total):
                victim = self._idlest(source if same_source else None)
                if victim is None:
                    self._refused.note(now)
                    return None
                self._push_out(victim)
                self._evicted.note(now)
        conn = self._open[transport] = _Connection(source, transport, now, now)
        self._per_source[source] += 1
        return conn

    def _idlest(self, source: str | None) -> _Connection | None:
        """The connection a newcomer from `source` (None: any) pushes out: the oldest that may make
        room, but a handshake the node replied to (awaiting its dialler's signature) only when no
        other may, and then one at random. A slow dialler's handshake (its signature 1.5 s after
        the reply, behind Tor) was otherwise pushed out by 32 newer bare connections from its
        address, which cost the sender nothing (behind an onion service, every visitor's address:
        anyone's 20 a second); the places replied to are few (the hello budget's IN_FLIGHT) and
        each took a token of the budget (`_make_room` chooses among them the same way)."""
        # (the guard's dict holds them in the order they came: the oldest first)
        return _oldest_else_replied_at_random(
            c for c in self._open.values() if c.may_make_room() and (source is None or c.source == source))

    def _push_out(self, conn: _Connection) -> None:
        """Forget `conn` and reset it (which frees its descriptor at once, and its place in the hello budget)."""
        self._release(conn.transport)
        conn.transport.abort()  # type: ignore[attr-defined]

    def _release(self, transport: asyncio.BaseTransport | None) -> None:
        conn = self._open.pop(transport, None) if transport is not None else None
        if conn is not None:
            self._budget_ended(conn)
            self._head_done(conn)
            if conn.unkept():
                self._unkept -= conn.handshake_bytes()
            self._per_source[conn.source] -= 1
            if self._per_source[conn.source] <= 0:
                del self._per_source[conn.source]

    def _budget_ended(self, conn: _Connection) -> None:
        if conn.budgeted and self.hello_budget is not None:
            conn.budgeted = False
            self.hello_budget.ended(conn.source)

    # --- what the application asks and tells the guard -----------------------------------------------
    def from_browser(self, request: web.BaseRequest) -> bool:
        """Whether a sync upgrade comes from a web browser (a page's script): refuse it before any
        work (see the module docstring). Browsers send Origin with every websocket, "null" from a
        sandboxed frame or a file, and a script cannot leave it out; a node's dial never sends one."""
        if "Origin" not in request.headers:
            return False
        self._browsers.note(self.clock())
        return True

    def may_upgrade(self, transport: asyncio.BaseTransport | None) -> bool:
        """May this connection's sync upgrade go ahead (could the node reply to a hello now)? It takes
        no token and no place: a request that brings no hello for this network costs the node no
        key work, and used to drain the budget (node/hello_budget.py). False: answer it 503."""
        if self.hello_budget is None:
            return True
        conn = self._open.get(transport) if transport is not None else None
        if conn is None:  # (closed already: nothing to upgrade)
            return False
        if conn.budgeted:
            return True
        if not self.hello_budget.may_upgrade(conn.source):
            self._turned_away.note(self.clock())
            return False
        return True

    def may_reply(self, transport: asyncio.BaseTransport | None) -> bool:
        """May the node answer this connection's sync hello, come whole and for this network (an
        X25519 exchange and a signature), now? True takes a token and a place; False: close it
        without a reply, within the CPU budget of node/hello_budget.py."""
        if self.hello_budget is None:
            return True  # (no budget: no limit)
        conn = self._open.get(transport) if transport is not None else None
        if conn is None:  # closed (or reset) behind its hello: no reply could reach it. Replied to
            return False  # without a token, such hellos had the node sign at its loop's pace.
        if conn.budgeted:
            return True
        served = self.hello_budget.take_served(conn.source, self._make_room)
        if served is None:
            self._turned_away.note(self.clock())
            return False
        conn.reserve = served == RESERVE  # (the buckets spent, maybe a stranger's debt: only a member goes on)
        conn.budgeted = conn.charged = conn.replied = True  # (the reply is made at once, in this step)
        conn.placed = next(self._places)
        return True

    def _make_room(self, source: str | None) -> bool:
        """Reset a connection holding a place in the hello budget (of `source`; None: of any) to free
        it: whether there was one. A place is taken only for a hello the node replies to, so each
        awaits the dialler's signature (message 3), and one goes at random. Oldest-first let a
        stream of hellos (20 a second) push out every member whose message 3 came 1.5 s after the
        reply (behind Tor, on a Pi): 23 newer hellos made it the oldest. Only a full hello for this
        network, which the node must answer within its budget, can push out a place, and at
        random, so a slow dialler most often survives and its next dial soon does; one trickling
        its messages still holds no place against every newcomer (HelloBudget)."""
        victim = _oldest_else_replied_at_random(sorted(
            (c for c in self._open.values() if c.budgeted and (source is None or c.source == source)),
            key=lambda c: c.placed))
        if victim is None:
            return False
        self._push_out(victim)  # (gives its place back)
        self._outwaited.note(self.clock())
        return True

    def charger(self, transport: asyncio.BaseTransport | None) -> Callable[[float], None]:
        """What to tell once this connection's sync handshake, replied to, ended without a link
        having cost `cost_s` of the node's CPU in all (sync/transport.py `Replied`): its source is
        charged it (node/hello_budget.py), unless its dialler proved a member (`handshake_signed`
        gave its token back: a member refused for want of a link slot costs the budget nothing).
        The connection is found now: the charge may come after it is gone (its credentials judged
        on the database thread)."""
        conn = self._open.get(transport) if transport is not None else None

        def replied(cost_s: float) -> None:
            if conn is not None and conn.charged and self.hello_budget is not None:
                conn.charged = False  # (charged once)
                self.hello_budget.charge(conn.source, cost_s, conn.reserve, conn.granted)
                conn.granted = 0.0
        return replied

    def allowance(self, transport: asyncio.BaseTransport | None) -> Callable[[], float | None]:
        """What this connection's sync dialler's credentials may take to judge, asked as they come
        (sync/transport.py `Allowance`): None (no bound) for a member's, whose token was given back
        (`handshake_signed`), or with no hello budget; else what the tokens the hello budget's
        `take_allowance` takes for it are worth, settled when it is charged (`charger`), or given
        back if it links (`authenticator`) or proves a member. The connection is found now, as
        `charger` finds it."""
        conn = self._open.get(transport) if transport is not None else None

        def allowance() -> float | None:
            if conn is None or not conn.charged or self.hello_budget is None:
                return None
            taken = self.hello_budget.take_allowance(conn.source)
            conn.granted += taken
            return taken * self.hello_budget.cost_s
        return allowance

    def handshaking(self, transport: asyncio.BaseTransport | None) -> None:
        """This connection's request is a sync handshake: until it is through (`authenticator`) or
        over, a newcomer may take its place (_Connection.may_make_room)."""
        conn = self._open.get(transport) if transport is not None else None
        if conn is not None and not conn.handshaking:
            conn.handshaking, conn.upgraded_at = True, conn.bytes_in

    def signer(self, transport: asyncio.BaseTransport | None) -> Callable[[bytes, bool], None]:
        """What to tell once this connection's sync dialler signed (`handshake_signed`). The connection
        is found now, at its upgrade, as `charger` finds it: one gone from the guard's books by the
        time its message 3 is read (its dialler reset it right after sending message 3 and its
        credentials, or a newcomer pushed it out) still holds what its hello was served from. Looked
        up at the signature, it was not found, and a stranger served from the reserve went on: its
        credentials, read from the buffers, judged, and their cost the reserve's debt (until 2026-12-07)."""
        conn = self._open.get(transport) if transport is not None else None
        return lambda device, member: self.handshake_signed(conn, device, member)

    def handshake_signed(self, conn: _Connection | None, device: bytes, member: bool) -> None:
        """The dialler of this sync handshake proved `device` (its signature), a member or not (as
        the node holds its trust graph, or as the credentials it then presented show it): a
        member's connection is kept, no longer pushed out by newcomers, while its device holds
        fewer than RESERVED_PER_DEVICE such places and members together fewer than half of either
        cap (the owner's dashboard keeps room against a member too). Raises HandshakeError
        (OVER_BUDGET) for a hello replied to from the hello budget's reserve whose device is no
        member this node knows: it is refused before its credentials are read, even once the
        connection is gone from the guard's books (`signer`)."""
        if conn is None:
            return
        if not conn.signed:
            conn.signed = True
            self.handshakes_signed += 1
        if conn.reserve and not member:
            # Replied to from the hello budget's reserve (its buckets in a stranger's debt): only a
            # device this node knows as a member's goes on; anyone else is refused before its
            # credentials are read, as a hello over the budget is, having cost a reply.
            raise HandshakeError(OVER_BUDGET, "hellos not yet known as members are over their budget", ours=True)
        if member and conn.charged and self.hello_budget is not None:
            conn.charged = False
            # a member's reply (and any time taken for its credentials) is not counted against the budget
            self.hello_budget.member(conn.source, conn.reserve, conn.granted)
            conn.granted = 0.0
        self._budget_ended(conn)
        if not member or conn.member is not None or self._open.get(conn.transport) is not conn:
            return  # (a connection closed or pushed out is kept no more)
        kept = [c for c in self._open.values() if c.member is not None]
        if (sum(1 for c in kept if c.member == device) >= RESERVED_PER_DEVICE
                or sum(1 for c in kept if c.source == conn.source) >= self.max_per_source // 2
                or len(kept) >= self.max_total // 2):
            return
        self._unkept -= conn.handshake_bytes()  # (`unkept()` until now)
        conn.member = device

    def authenticator(self, transport: asyncio.BaseTransport | None) -> Callable[[], None]:
        """What to tell once this connection is an authenticated peer link: no longer counted, no
        longer timed, and the tokens taken to judge its credentials (a new group's first contact)
        given back. The connection is found now, at its upgrade, as `charger` and `allowance` find
        it: looked up when the link formed, one gone from the guard's books by then (pushed out,
        reset) was not found, and its grant, never settled, shrank every later allowance (until
        2026-12-07)."""
        conn = self._open.get(transport) if transport is not None else None
        return lambda: self._linked(conn)

    def _linked(self, conn: _Connection | None) -> None:
        if conn is None:
            return
        if conn.charged and conn.granted and self.hello_budget is not None:
            conn.charged = False  # (a link is charged nothing: `charger` is not told)
            self.hello_budget.linked(conn.source, conn.granted)
            conn.granted = 0.0
        self._release(conn.transport)

    @property
    def unkept_bytes(self) -> int:
        """Bytes brought by the sync handshakes under way not kept for a member."""
        return self._unkept

    def _received(self, conn: _Connection, size: int) -> bool:
        """Count `size` more bytes of `conn`; False if it is to be reset for bringing too many (a
        handshake's allowance, or it holds the most of the unkept handshakes' bytes)."""
        conn.bytes_in += size
        conn.last_byte = self.clock()
        if not conn.handshaking:
            # Bytes behind a request whose body is all in (or that has none), answered or not, are
            # the next requests' heads: pipelined ones are queued by aiohttp, up to 32, held until
            # each is answered, and those behind a request being answered were not counted (a
            # stranger holding its answer back by not reading it held 32 heads of 256 KiB a
            # connection, uncounted: until 2026-12-07).
            return conn.body_coming() or self._head_received(conn, size)
        if conn.unkept():
            self._unkept += size
        if conn.handshake_bytes() > HANDSHAKE_BYTES:
            self._overfull.note(self.clock())
            return False
        if self._unkept > UNKEPT_BYTES:
            hog = max((c for c in self._open.values() if c.unkept()), key=_Connection.handshake_bytes)
            self._overfull.note(self.clock())
            if hog is conn:
                return False
            self._push_out(hog)
        return True

    def _head_received(self, conn: _Connection, size: int) -> bool:
        """Count `size` more bytes of `conn`'s request head under way; False if it is to be reset for
        holding the most of all heads' bytes, over HEADS_BYTES."""
        conn.head_bytes += size
        self._heads += size
        if self._heads <= HEADS_BYTES:
            return True
        hog = max(self._open.values(), key=lambda c: c.head_bytes)
        self._overhead.note(self.clock())
        if hog is conn:
            return False
        self._push_out(hog)
        return True

    def _head_done(self, conn: _Connection, request: web.BaseRequest | None = None) -> None:
        """`conn`'s `request` began: its head (and what of its body came with it) is no longer held
        as a head; None: the connection is gone, and all it held with it. Only this request's bytes
        are taken off: heads pipelined behind it are still queued in aiohttp (counting them all
        done at the first one's start let a connection hold 31 more heads uncounted)."""
        done = conn.head_bytes if request is None else min(conn.head_bytes, _head_size(request))
        self._heads -= done
        conn.head_bytes -= done

    @property
    def head_bytes(self) -> int:
        """Bytes of the request heads under way, together."""
        return self._heads

    def bytes_received(self, transport: asyncio.BaseTransport | None) -> int:
        """Bytes received so far on an unauthenticated connection (for deadlines that follow progress)."""
        conn = self._open.get(transport) if transport is not None else None
        return conn.bytes_in if conn is not None else 0

    @web.middleware
    async def track_requests(self, request: web.Request,
                             handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        """aiohttp middleware: a connection whose request is being answered is not idle."""
        conn = self._open.get(request.transport) if request.transport is not None else None
        if conn is None:
            return await handler(request)
        conn.requests += 1
        conn.body = request.content if request.body_exists else None
        self._head_done(conn, request)
        try:
            return await handler(request)
        finally:
            conn.requests -= 1
            conn.since = conn.last_byte = self.clock()  # idle from now: its deadlines start again

    # --- deadlines -----------------------------------------------------------------------------------
    def _late(self, conn: _Connection, now: float) -> bool:
        if not conn.waits_on_client():
            return False
        if now - conn.since >= self.head_limit_s:
            return True
        # An answer still on its way to a slow reader is left to drain (until the head limit).
        return now - conn.last_byte >= self.silent_s and not conn.transport.get_write_buffer_size()  # type: ignore[attr-defined]

    def sweep(self) -> int:
        """Close idle connections past a deadline (reset, which frees the descriptor at once); how many."""
        now = self.clock()
        late = [c for c in self._open.values() if self._late(c, now)]
        for conn in late:
            self._push_out(conn)
        if late:
            self._closed.note(now, len(late))
        if self.hello_budget is not None:
            self.hello_budget.sweep()
        for budget in self._budgets:
            budget.flush(now)
        return len(late)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_S)
            self.sweep()

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Run the deadlines and take over the loop's reports of failed accepts."""
        if self._sweeper is None:
            self._sweeper = loop.create_task(self._sweep_forever(), name="connection-guard")
            previous = loop.get_exception_handler()

            def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
                if context.get("message") == ACCEPT_FAILED:
                    self._accept_failed.note(self.clock())
                elif previous is not None:
                    previous(loop, context)
                else:
                    loop.default_exception_handler(context)

            loop.set_exception_handler(handler)
            self._previous_handler = previous

    def stop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Stop the deadlines, give back the loop's exception handler, and tell the counts not yet told."""
        for budget in self._budgets:
            budget.flush(self.clock(), force=True)
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
            loop.set_exception_handler(self._previous_handler)


class _GuardedProtocol(asyncio.Protocol):
    """Between the transport and aiohttp's request handler: admits the connection (or resets it,
    before aiohttp ever sees it), counts the bytes it receives, and forgets it when it closes."""

    def __init__(self, guard: ConnectionGuard, make_inner: Callable[[], asyncio.Protocol]) -> None:
        self._guard = guard
        self._make_inner = make_inner
        self._inner: asyncio.Protocol | None = None
        self._conn: _Connection | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._conn = self._guard._admit(transport)
        if self._conn is None:
            transport.abort()  # type: ignore[attr-defined]  # the descriptor is freed at once
            return
        self._inner = self._make_inner()
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._inner is None or self._conn is None:
            return
        if self._conn.transport not in self._guard._open:  # authenticated: no longer counted
            self._inner.data_received(data)
            return
        conn = self._conn
        body = conn.body if not conn.handshaking and conn.body_coming() else None
        had = body.total_bytes if body is not None else 0
        if not self._guard._received(conn, len(data)):
            self._guard._push_out(conn)
            return
        self._inner.data_received(data)
        if body is not None and body.is_eof():
            # The body ended in this read, counted whole as body: what came after its end are the
            # next requests' heads, held by aiohttp (40 connections each held 240 KiB of a head so,
            # uncounted: until 2026-12-07). A chunked body's framing counts as head, against its sender.
            after = len(data) - (body.total_bytes - had)
            if after > 0 and not self._guard._head_received(conn, after):
                self._guard._push_out(conn)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._inner is None or self._conn is None:
            return
        self._guard._release(self._conn.transport)
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()


class GuardedSite(web.BaseSite):
    """An aiohttp site on host:port whose every connection passes through a ConnectionGuard."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, guard: ConnectionGuard,
                 handlers: Callable[[web.Server], Callable[[], asyncio.Protocol]] | None = None) -> None:
        super().__init__(runner, backlog=ACCEPT_BACKLOG)
        self._host = host
        self._port = port
        self.guard = guard
        self._handlers = handlers  # makes the request handlers from the runner's server (default: the server)

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def port(self) -> int:
        """The bound port (the one the system chose when 0 was asked for)."""
        sockets = self._server.sockets if self._server is not None else None
        return sockets[0].getsockname()[1] if sockets else self._port

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        inner = self._handlers(server) if self._handlers is not None else server
        self._server = await loop.create_server(lambda: _GuardedProtocol(self.guard, inner), self._host,
                                                self._port, backlog=self._backlog, reuse_address=True)
        self.guard.start(loop)

    async def stop(self) -> None:
        self.guard.stop(asyncio.get_running_loop())
        await super().stop()
