"""The node's open links: incoming connections accepted, peers dialled, anti-entropy rounds run.

The connector dials what the overlay (sync/overlay.py) plans: every configured peer whose backoff
allows it, and announced ones while the active view is short; it closes dialled links the view
has too many of, and shuffles the passive view now and then. An inbound link from a known peer
joins the active view and forgives that peer's backoff. A peer device holds at most two links (its node's
and a one-off `solnet sync`'s), and a member group a share of the inbound ones (sync/link_slots.py decides; a
refused dialler is told why in the handshake, a replaced link is closed with the reason).
Each link is driven by a PeerLink. Only on links it dialled does a node start rounds: at once, then
every `sync_interval_s` (with jitter), and not while its disk is full. `sync_once` is `solnet
sync`: dial, one round (and a confirming one if we sent anything), close.

Logs name peers by the same per-node label as `solnet peers` and the dashboard, never by address.
A peer that stays unreachable is said when it fails first, when the reason changes, and then at
its 2nd, 4th, 8th ... failure in a row (with the count; a lost link is the first): a configured peer is
dialled every few seconds
for as long as it is down, and a line each time filled a Pi's journal (SD cards wear out).
`views` describes every open link, dialled or accepted, with its current lag both ways, and the
peers whose links ended (cut off since then).
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections.abc import Awaitable, Callable, Iterable

import aiohttp
from aiohttp import web

from node.clock import OwnEventsRefused
from node.home import Home
from node.key_elsewhere import KeyElsewhere
from node.linked_twice import LINKED_TWICE, Rounds, TwiceWatch
from node.log import now_ms
from node.net.database import DbThread
from node.net.peer_directory import PeerDirectory
from node.net.peer_link import LinkPorts, PeerLink, RoundCut, RoundResult
from node.net.peer_policy import BlockedHere, PeerPolicy
from node.net.route import Route
from node.net.slot_keeper import SlotKeeper
from node.net.storage_health import POLL_S, StorageHealth
from node.net.synced_lines import LinkLines, RepeatLines, SyncedLines
from node.ports import LinkGossip, LinkStorage
from node.render import connection_problem
from node.words import (LINKED_TWICE_TOLD, key_elsewhere, linked_twice, linked_twice_here, own_events_refused,
                        plural)
from sync.handshake import DUPLICATE_LINK, FORKS, GROUP_FROZEN, NOT_A_MEMBER, OVER_BUDGET, REVOKED, HandshakeError
from sync.link_slots import MAX_INBOUND, MAX_INBOUND_PER_GROUP
from sync.overlay import Dial, Drop
from sync.addresses import normalize_address
from sync.proxy import ProxyFailure, check_route
from sync.dialled_place import skipped
from sync.transport import DROPPED, UNPROVEN, DialSkipped, Identity, Link, LinkClosed, Signed, accept, dial

log = logging.getLogger(f"solnet.{__name__}")

CONNECT_INTERVAL_S = 0.5
SHUFFLE_S = 60.0  # how often the passive view takes in other known addresses
GONE_KEPT = 256  # peers whose links ended, remembered for "cut off since" (the oldest are forgotten)
SYNC_DONE = "sync_done"  # how `solnet sync` closes its link: a visit that ended, not a peer cut off
# Why a dialled link that carried no round backs off (see _silent_from_the_start), as the log says it.
# Said first: what is likely (a path that drops is far more common than a hostile one).
SILENT_LINK = ("its link carried nothing: it answered the dial, then sent nothing of the round (a stalled connection, "
               "or someone on the path holding its data)")
# ... and one cut before its first round moved by a close without a word from the peer
CUT_LINK = ("its link was cut before its first round ended, closed without a word from its node (most likely a "
            "connection lost on the way, or its node stopping; if it happens again and again, someone on the path "
            "may be cutting it)")
# ... or by a frame that did not authenticate here: no dropped connection does that
ALTERED_LINK = ("its link was cut before its first round ended by a frame that did not authenticate (altered on the "
                "way: someone on the path may be altering its data)")
# ... and one that carried rounds but ended before it lasted long enough to forgive the failures before it
SHORT_LINK = ("its link ended before it had lasted a minute (an unsteady connection, or someone on the path cutting "
              "its links)")
# How a link ends when someone on the path cuts it: silence ('timeout', held data), a frame that did
# not authenticate, a close without the peer's word. Any other end is this node's doing or the peer's word.
PATH_CUTS = ("timeout", UNPROVEN, DROPPED)
DUPLICATE_WORDS = "this node already holds a link it dialled with your device, at another of your addresses"


def worth_saying_again(failures: int) -> bool:
    """Whether a failure that repeats the last one is logged: at the 1st, 2nd, 4th, 8th ... in a row."""
    return failures > 0 and failures & (failures - 1) == 0


def _keep_latest(times: dict[bytes, int], device: bytes, now: int) -> None:
    """`times[device] = now`, keeping the GONE_KEPT devices set last (the oldest are forgotten)."""
    times.pop(device, None)
    times[device] = now
    while len(times) > GONE_KEPT:
        del times[next(iter(times))]


def _silent_from_the_start(link: Link, peer: PeerLink) -> str | None:
    """Why a link this node dialled ended before any round on it completed (a completed round is
    one the peer answered, `_round_finished`) in a way a relay on the path can bring about, as the
    log says it; None if it did not. Cut for silence (the peer sent nothing while a round waited on
    it, or did not answer a ping); or by a frame that did not authenticate here, or a close without
    the peer's word (`DROPPED`: the peer refused a frame the relay altered, or the relay cut the
    connection). Until 2026-12-06 those two were redialled within 2 s, for ever: a relay flipping
    one bit of each link's first round made both nodes make a signed handshake and write three log
    lines a second each, and no event went through.

    A first round that moved (batches of it stored here, or taken by the peer) before the cut is a
    link that carried data, not one held from the start: what came is kept, and it ends as any
    link that carried rounds does (Links._serve: forgiven once it lived a minute, else one more
    failure within SHORT_LINK_CAP_MS). A first sync of 100k events takes minutes, and a path that
    drops every few minutes (a Tor circuit, wifi) had each of its links counted as a failed dial,
    backing off up to 5 minutes, and logged as someone altering its data (critic, session 49)."""
    if not link.outbound or peer.rounds_opened or peer.cut is None or peer.round_moved:
        return None
    if peer.cut.reason == "timeout":
        return SILENT_LINK
    return {UNPROVEN: ALTERED_LINK, DROPPED: CUT_LINK}.get(peer.cut.reason)


def refusal_words(exc: HandshakeError, refuser: HandshakeError | None = None) -> str:
    """Why a dial was refused, for the log and `solnet peers` (its last error): in words, and for a
    refusal that lasts (revoked, no member), that it is tried again less and less often. `refuser`:
    why this node does not count the refusing key as a member (None: it does)."""
    if refuser is not None and not exc.ours and exc.reason in (REVOKED, *FORKS, NOT_A_MEMBER):
        # A stranger's word on this device is not the network's: said as what the peer is.
        if isinstance(refuser, BlockedHere):
            return refusal_words(refuser)
        return (f"it is not a member of this network by what this node knows ({refuser.args[0]}), so what it said "
                f"of this node's device counts for nothing; {RETRIED_SLOWLY} (`solnet peers rm` it if it is not a "
                "node of this network)")
    if exc.reason == REVOKED and not exc.ours:  # the WARNING of node/revoked_here.py says what to do
        return "it refused this node's device as revoked (`solnet status` says what to do)"
    if exc.reason in FORKS and not exc.ours:  # its word: `solnet status` checks it against this home's chain
        whose = "this node's group key" if exc.reason == GROUP_FROZEN else "this node's device key"
        return (f"it refused this node's device, saying {whose} signed two different events at seq {exc.seq} (a "
                "fork): its word (`solnet status` says what this node knows of it, and what to do)")
    if isinstance(exc, BlockedHere):  # a member still: only this node's user keeps it out
        return ("blocked by this node's user (`solnet peers` lists what is blocked; `solnet peers unblock "
                "ADDRESS|ID` to link again)")
    if exc.reason in (REVOKED, *FORKS) and exc.ours:  # this node's own check of the device that answered a dial
        return (f"this node does not count it as a member: {exc.args[0]}; {RETRIED_SLOWLY} (`solnet peers rm` it if "
                "it is gone for good)")
    if exc.reason == NOT_A_MEMBER and exc.ours:
        return (f"this node does not count it as a member: {exc.args[0]}; {RETRIED_SLOWLY} (`solnet peers rm` it if "
                "it is gone for good)")
    if exc.reason == NOT_A_MEMBER:
        return ("it does not count this node's device as a member of this network (revoked, or blocked there); "
                + RETRIED_SLOWLY)
    return str(exc)


def dropped_words(exc: HandshakeError) -> tuple[str, str]:
    """What a peer whose open link ends for `exc` (this node's own check, after a trust change) is
    told: a reason code and a sentence. A fork in its own words, with its seq: nobody revoked that key."""
    if exc.reason in FORKS:
        whose = "your group's key" if exc.reason == GROUP_FROZEN else "your device key"
        return exc.told(), f"{whose} signed two different events at seq {exc.seq} (a fork): every node has frozen it"
    return REVOKED, "your key is no longer certified in this network"


def unreadable_answer(exc: Exception) -> str:
    """A dial that failed for a reason none of the expected ones is, in words (the type, for a report)."""
    return f"the peer answered something this node cannot read ({type(exc).__name__})"


RETRIED_SLOWLY = "tried again after longer and longer waits, up to 5 minutes"


class Links:
    def __init__(self, *, route: Route, rng: random.Random, sync_interval_s: float,
                 identity: Callable[[], Identity], directory: PeerDirectory, policy: PeerPolicy,
                 storage: LinkStorage, gossip: LinkGossip, health: StorageHealth,
                 round_completed: Callable[[bool, bytes, int | None, bool], Awaitable[None]],
                 refused_as_revoked: Callable[[bytes, int | None, bool], Awaitable[None]] | None = None,
                 accepted: Callable[[bytes], Awaitable[None]] | None = None,
                 listening: Callable[[], tuple[str, int] | None] = lambda: None) -> None:
        self.route = route
        self._listening = listening  # this node's listener (host, bound port), if it has one
        self._rng = rng
        self.sync_interval_s = sync_interval_s
        self._identity = identity
        self._directory = directory
        self._slots = SlotKeeper(lambda: bytes(identity().device.public), policy.group_of, directory.name_of,
                                 lambda: [(link, peer.opened_ms) for link, peer in list(self._open.values())])
        self._health = health
        self._group_of = policy.group_of
        self._payer = policy.payer  # whose budgets a device spends: its group's
        self._synced_lines = SyncedLines()  # the "synced" lines, at most a burst then one in a while per group
        self._link_lines = LinkLines()  # the "connected" and "disconnected" lines, the same
        self._repeat_lines = RepeatLines()  # the lines of links asking again for what their group was sent, the same
        self._check_peer = policy.check_peer
        self._member_group = policy.member_group
        self._may_handshake = policy.may_handshake
        self._round_completed = round_completed  # restore without forking (node/chain_gate.py)
        # A member peer refused this device as revoked / completed a round with it (node/revoked_here.py)
        self._refused_as_revoked = refused_as_revoked
        self._accepted_by = accepted
        self.ports = LinkPorts(storage, gossip, policy, self._round_finished, directory.name_of, directory.said_of,
                               lambda: bytes(identity().device.public), self._accepted, self._round_opened,
                               self._said_asked_again)
        # peers that do not take this device's events (a clock ahead?), counted by lineage in the trust graph
        self.own_refused = OwnEventsRefused(policy.lineages, policy.speaks_for_group)
        self.key_elsewhere: KeyElsewhere | None = None  # this device's key signing elsewhere (watch_own_key)
        # a batch was stored: the group key's head may have moved (node/net/group_key_watch.py), on the home holding it
        self.group_key_moved: Callable[[], None] | None = None
        self._own_device = b""  # (watch_own_key)
        self.twice = TwiceWatch()  # a peer device linked twice at once from two places (a copied home?)
        self.told_twice: int | None = None  # when a peer last said this device is linked twice (ms)
        self.told_twice_by: str | None = None  # ... which peer: its word alone (_told_linked_twice)
        self.told_twice_device = b""  # ... that peer's device: its word counts while it speaks for its group
        self._speaks_for_group = policy.speaks_for_group
        self._open: dict[int, tuple[Link, PeerLink]] = {}
        self._gone: dict[bytes, int] = {}  # device -> when its last link ended
        # device -> when its last complete round with this node ended, whichever side dialled: a peer
        # that only dials in has no address in the book to keep it (shown by `solnet peers`, saved
        # with the rest by the status saver, never written for itself)
        self._synced: dict[bytes, int] = {}
        self.quiet_since: int | None = None  # when the last open link ended (None: links are open, or none ever was)
        self._dialling: set[str] = set()
        self._tasks: list[asyncio.Task] = []
        self._handshaking: set[asyncio.Task] = set()  # the handlers of incoming links not yet served
        self.stopping = False

    def __len__(self) -> int:
        return len(self._open)

    def open(self) -> Iterable[Link]:
        return [link for link, _ in list(self._open.values())]

    def views(self) -> tuple[list[dict], dict[bytes, int], dict[bytes, int], dict[bytes, int]]:
        """The open links (device, direction, dialled address, since when, current lag both ways,
        log label); for peers with no open link, when their last one ended; for every peer, when
        its last complete round with this node ended; and the devices seen linked twice lately, with when."""
        links = [{"device": link.peer_device, "direction": "outbound" if link.outbound else "inbound",
                  "address": link.address, "connected_since": peer.opened_ms, "behind": peer.behind,
                  "ahead": peer.ahead, "unknown_authors": peer.unknown_authors, "label": self._directory.name_of(link)}
                 for link, peer in list(self._open.values())]
        return links, dict(self._gone), dict(self._synced), self.twice.seen(now_ms())

    # --- incoming -----------------------------------------------------------------------------------
    async def accept(self, request: web.Request, progress: Callable[[], int] | None = None,
                     authenticated: Callable[[], None] | None = None,
                     signed: Callable[[bytes, bool], None] | None = None,
                     replied: Callable[[float], None] | None = None,
                     may_reply: Callable[[], bool] | None = None,
                     allowance: Callable[[], float | None] | None = None) -> web.StreamResponse:
        """Serve the sync websocket of `request`: the handshake, then the link until it ends.
        `progress` counts the bytes the connection has brought (the handshake waits while it
        grows); `signed` is told the device the dialler proved and whether it is a member by what
        this node holds (at once, then with its credentials, not stored yet: node/net/credentials.py
        `voucher_in`); `authenticated` is called once the peer is a member; `may_reply` is asked
        whether to reply to a hello for this network, `replied` told the CPU time the reply
        took, and `allowance` asked how long the dialler's credentials may take to judge
        (node/hello_budget.py)."""
        # Well over the slots (sync/link_slots.py: once they are all taken, a newcomer of a group
        # holding fewer takes the place of one of the group holding most): handshakes under way.
        inbound = sum(1 for link in self.open() if not link.outbound)
        if inbound >= MAX_INBOUND + MAX_INBOUND_PER_GROUP or self.stopping:
            return web.Response(status=503, text="busy")
        # A stop ends the handshakes under way (halt): a peer that keeps one going (a slow one, or a
        # trickle of bytes) would hold the stop for up to the handshake's deadline, and one that
        # finished after the links were closed would be served by a stopping node, never closed.
        handler = asyncio.current_task()
        assert handler is not None
        self._handshaking.add(handler)
        try:
            ws, link = await accept(request, self._identity(), self.route.limits, progress=progress,
                                    slot_check=self._slots.check, replied=replied, may_reply=may_reply,
                                    signed=self._member_budget(signed), allowance=allowance)
        finally:
            self._handshaking.discard(handler)
        if link is not None:
            if authenticated is not None:
                authenticated()
            await self._serve(link)
        return ws

    def _member_budget(self, signed: Callable[[bytes, bool], None] | None) -> Signed:
        """What an inbound handshake tells once its dialler signed (its device, then its credentials
        as they come): whether the device is a member's goes to `signed` (the connection guard: a
        member's hello gets its token back), and, the first time it is, the handshake takes one of
        its group's budget of them (PeerLimits.member_handshakes_per_s), before its credentials
        are admitted. Past it, the handshake is refused as a hello over the hello budget is, and
        its hello is not given its token back: a mole group's devices linking in a loop cost no
        more than a stranger's hellos do; other groups' budgets of handshakes are their own."""
        budgeted = False

        def told(device: bytes, credentials: tuple[bytes, ...] | None) -> None:
            nonlocal budgeted
            group = self._member_group(device, credentials)
            if group is not None and not budgeted:
                budgeted = True
                if not self._may_handshake(group):
                    raise HandshakeError(OVER_BUDGET, "its group's devices' handshakes are past their budget",
                                         ours=True)
            if signed is not None:
                signed(device, group is not None)
        return told

    # --- outgoing -----------------------------------------------------------------------------------
    async def dial_link(self, address: str, given: bool = False) -> Link:
        """Connect to a peer and authenticate, by the configured route (ProxyFailure if the route
        is the problem: the proxy is down, or a Tor address without a proxy). `given`: the user gave
        `address` for this dial (`solnet sync ADDRESS`), so it is dialled wherever it leads, even if
        a member announced it too (see `_vet`)."""
        route = self.route
        check_route(address, route.proxy)
        assert route.http is not None, "the node is not started"
        try:
            # Not asyncio.wait_for: on Python 3.11 it hands back the link instead of raising when the
            # node's stop cancels this task as the dial completes, and the stop then waited for ever.
            async with asyncio.timeout(route.limits.connect_timeout_s * 2):
                return await dial(route.http, address, self._identity(), route.limits,
                                  expected=self._directory.expected_device(address),
                                  vet=None if given else self._vet(address))
        except HandshakeError as exc:
            # The peer told us (not we it) that this device is revoked: the news of our own revocation
            if (exc.reason in (REVOKED, *FORKS) and not exc.ours and exc.peer_device is not None
                    and self._refused_as_revoked is not None):
                await self._refused_as_revoked(exc.peer_device, exc.seq if exc.reason in FORKS else None,
                                               exc.reason == GROUP_FROZEN)
            raise

    def _vet(self, address: str) -> Callable[[tuple[str, int], tuple[str, int]], str | None] | None:
        """The check of where a dial to `address` connected (sync/dialled_place.py), for an address a
        member announced: one the user gave (configured, an invite's, `solnet sync ADDRESS`) is theirs
        to dial, and through a proxy the socket leads to the proxy."""
        peer = self._directory.overlay.book.get(address)
        if self.route.proxy is not None or peer is None or peer.source != "announce":
            return None
        # Removed or blocked: in this run (the overlay), or before it (kept in the store)
        removed = [*self._directory.overlay.blocked, *self._directory.blocks.addresses]
        listening = self._listening()
        return lambda remote, local: skipped(remote, local, listening, removed)

    def start(self) -> None:
        """Dial peers as they are due, until `halt`."""
        self._tasks.append(asyncio.create_task(self._connector(), name="connector"))

    async def _connector(self) -> None:
        shuffled = asyncio.get_running_loop().time()
        while True:
            overlay = self._directory.overlay  # replaced by a panic wipe
            linked = {link.peer_device for link in self.open()}  # never dialled again while linked
            for command in overlay.plan(now_ms(), self._dialling, linked):
                if isinstance(command, Dial):
                    self._dialling.add(command.address)
                    self._tasks.append(asyncio.create_task(self._dial(command.address)))
                elif isinstance(command, Drop):
                    await self.close_addresses([command.address], command.why)
            if asyncio.get_running_loop().time() - shuffled >= SHUFFLE_S:
                overlay.shuffle()
                shuffled = asyncio.get_running_loop().time()
            self._tasks = [t for t in self._tasks if not t.done()]
            self._say_counted()
            await asyncio.sleep(CONNECT_INTERVAL_S)

    async def _dial(self, address: str) -> None:
        overlay = self._directory.overlay
        try:
            link = await self.dial_link(address)
        except HandshakeError as exc:
            if exc.reason == DUPLICATE_LINK and exc.peer_device is not None and overlay.book.get(address):
                # Dials that crossed (sync/link_slots.py): the peer kept the link it dialled; ours is
                # not a failure, and the address is not dialled again while that link lasts.
                log.info("%s keeps the link it already holds with this node", self._directory.label(address))
                overlay.linked_elsewhere(address, exc.peer_device)
                return
            # What the peer is, not an outage: revoked, or, by this node's own check once it took in
            # the credentials the peer showed, no member (a group revoked from seq 1, whose node
            # knows it and shows none; banned; blocked). Dialled again every few seconds, a
            # configured peer cost each side a signed handshake and log lines on an SD card for as
            # long as both ran: it is tried again after the usual backoff, up to minutes.
            # Either side's "no member" lasts too: a revoked node that knows it keeps dialling.
            refused = exc.reason in (REVOKED, *FORKS, NOT_A_MEMBER)
            self._dial_failed(address, refusal_words(exc, self._refuser_not_counted(exc)), refused=refused)
            return
        except DialSkipped as exc:
            # A name a member announced that leads here, or to a removed address: taken out of this
            # run's peers as a removed one is (said in words: the logs never carry a peer's address)
            log.info("%s not dialled: %s", self._directory.label(address), exc)
            overlay.remove(address)
            return
        except (ProxyFailure, OSError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
            # In words, never with the address (proxy messages hold none).
            self._dial_failed(address, str(exc) if isinstance(exc, ProxyFailure) else connection_problem(exc))
            return
        except Exception as exc:  # noqa: BLE001 (what a hostile peer's answer broke, or a bug here)
            # A dial task that died of it was never told failed: no backoff, and the peer was dialled
            # again every half second for ever, each time a signed handshake and a traceback in the log.
            # A failed dial like any other (logged as they are, by type: never the peer's bytes).
            self._dial_failed(address, unreadable_answer(exc))
            return
        finally:
            self._dialling.discard(address)
        if self._directory.refuses_device(address, link.peer_device):
            # Another address of a node the user removed (a host name for its address, or one more
            # it announces): closed before any round, and taken out as its first address was.
            log.info("%s leads to a peer removed from this node's peers; not dialled again", self._directory.label(address))
            await link.close("removed", "peer removed")
            await self._directory.keep_out(address, link.peer_device)
            return
        if any(other.outbound and other.peer_device == link.peer_device for other in self.open()):
            # Another address of a device this node holds a link it dialled with (a host name and
            # its IP, clearnet and onion, LAN and public: the device was unknown at both, or both
            # were dialled at once). Kept, two links of one dialler ran rounds on both and the
            # peer took them for a copy of this node's home (node/linked_twice.py). Closed before
            # any round, with the code of a duplicate the peer neither counts nor alarms on, and
            # the address is that device's: not dialled again while the other link lasts.
            log.info("%s leads to a peer this node already holds a link with; closed", self._directory.label(address))
            await link.close(DUPLICATE_LINK, DUPLICATE_WORDS)
            if overlay.book.get(address) is not None:
                overlay.linked_elsewhere(address, link.peer_device)
            return
        if overlay.book.get(address) is not None:
            overlay.connected(address, now_ms(), link.peer_device)
        await self._serve(link)

    def _refuser_not_counted(self, exc: HandshakeError) -> HandshakeError | None:
        """Why this node does not count the key that refused it as a member (None: it does, or the
        refusal is this node's own, or came before the peer proved a key)."""
        if exc.ours or exc.peer_device is None:
            return None
        try:
            self._check_peer(exc.peer_device)
        except HandshakeError as why:
            return why
        return None

    def _dial_failed(self, address: str, why: str, *, refused: bool = False, silent: bool = False) -> None:
        """A dial failed (`silent`: its link was cut for silence before any round completed, see
        Overlay.link_silent): the address backs off, and the log says so now and then."""
        overlay = self._directory.overlay
        peer = overlay.book.get(address)
        if peer is not None:
            before = peer.failed_with  # (kept through the links in between, unlike last_error)
            delay = (overlay.link_silent(address, now_ms(), why) if silent
                     else overlay.dial_failed(address, now_ms(), why, refused=refused))
            self._say_failed(address, why, before, delay)

    def _say_failed(self, address: str, why: str, before: str | None, delay: int) -> None:
        """Log a failure of `address` (`before`: the reason of the failure before it in a row): a
        new reason at once, one that repeats at the 1st, 2nd, 4th... failure in a row."""
        peer = self._directory.overlay.book.get(address)
        if peer is not None and (why != before or worth_saying_again(peer.failures)):
            seconds = delay / 1000  # (a delay under a second read "next try in 0 s")
            log.info("cannot reach %s (%s); %s in a row, next try in %s s", self._directory.label(address),
                     why, plural(peer.failures, "failure"), f"{seconds:.1f}" if seconds < 10 else f"{seconds:.0f}")

    # --- serving a link -----------------------------------------------------------------------------
    async def _serve(self, link: Link) -> None:
        if self.stopping:  # made as the node began to stop (a handshake that finished meanwhile): never served
            await link.close("shutdown", "node stopping")
            return
        peer = PeerLink(link, self.ports)
        replaced, refused = self._slots.take(link, peer.opened_ms)
        for old, why in replaced:  # closed meanwhile: their own _serve ends them
            self._tasks.append(asyncio.create_task(old.close("replaced", why)))
        if refused is not None:
            await link.close(refused.reason, refused.args[0])
            if link.address and self._directory.overlay.book.get(link.address) is not None:
                self._directory.overlay.disconnected(link.address, now_ms(), "the peer holds another link with this node")
            return
        self._open[link.number] = (link, peer)
        self._gone.pop(link.peer_device, None)
        self.quiet_since = None
        name = self._directory.name_of(link)
        self._say(self._link_lines.connected(self._payer(link.peer_device), name, link.outbound, now_ms()))
        rounds = asyncio.create_task(self._rounds(link, peer)) if link.outbound else None
        overlay = self._directory.overlay
        inbound = None if link.outbound else self._directory.device_address(link.peer_device)
        if not link.outbound:  # it is back: in the active view, and dialled now rather than after a backoff
            overlay.heard_from(link.peer_device, inbound, now_ms(), self._group_of(link.peer_device))
        try:
            await peer.serve()
        finally:
            self._open.pop(link.number, None)
            # A `solnet sync` that came and went is no peer cut off (it was never a running node).
            visit = link.peer_error is not None and link.peer_error.code == SYNC_DONE
            if link.peer_error is not None and link.peer_error.code == LINKED_TWICE:
                self._told_linked_twice(f"{name} (device {link.peer_device.hex()[:12]})", link.peer_device)
            self._remember_gone(link.peer_device, visit=visit)
            if rounds:
                rounds.cancel()
            if link.address and overlay.book.get(link.address) is not None:  # not removed meanwhile
                if not self.stopping and (cut := _silent_from_the_start(link, peer)) is not None:
                    self._dial_failed(link.address, cut, silent=True)
                elif self.stopping:
                    overlay.disconnected(link.address, now_ms(), None)
                else:
                    before = overlay.book.get(link.address).failed_with  # (there: see above)
                    # Cut as someone on the path can cut it (not closed by this node, nor with the
                    # peer's word: a peer stopping, a link replaced or dropped from an overfull view)
                    on_path = peer.cut is not None and peer.cut.reason in PATH_CUTS
                    delay = overlay.disconnected(link.address, now_ms(), "connection closed",
                                                 SHORT_LINK if on_path else None)
                    # It ended before it lived long enough (sync/overlay.py: STABLE_LINK_MS): said once
                    # it happens again (one alone is a peer stopping or restarting, as a link that lasted).
                    if delay is not None and overlay.book.get(link.address).failures > 1:
                        self._say_failed(link.address, SHORT_LINK, before, delay)
            if inbound is not None and not any(other.peer_device == link.peer_device for other in self.open()):
                overlay.inbound_ended(inbound)
            self._say(self._link_lines.disconnected(self._payer(link.peer_device), name, now_ms()))

    def _said_asked_again(self, link: Link, line: str) -> None:
        self._say(self._repeat_lines.asked_again(self._payer(link.peer_device), self._directory.name_of(link), line,
                                                 now_ms()))

    def _say_counted(self, *, stopping: bool = False) -> None:
        """Log the lines of rounds and links counted past their group's budget of lines that the
        budgets allow now, or, `stopping`, all of them (nothing would say them later)."""
        now = now_ms()
        for lines in (self._synced_lines, self._link_lines, self._repeat_lines):
            for line in lines.flush(now) if stopping else lines.due(now):
                log.info("%s", line)

    @staticmethod
    def _say(line: str | None) -> None:
        """Log a line of a peer group's budget of lines (node/net/synced_lines.py), if it allows one now."""
        if line is not None:
            log.info("%s", line)

    def _remember_gone(self, device: bytes, visit: bool = False) -> None:
        now = now_ms()
        if not self._open:
            self.quiet_since = now
        if visit or any(link.peer_device == device for link, _ in self._open.values()):
            return
        _keep_latest(self._gone, device, now)

    async def _rounds(self, link: Link, peer: PeerLink) -> None:
        """Anti-entropy with the peer we dialled: at once, then periodically with jitter."""
        while not link.closed:
            if self._health.trouble():  # the disk is full: wait, rather than stream events to fail again
                await asyncio.sleep(POLL_S)
                continue
            try:
                await peer.run_round()  # as long as it makes progress (the link's watchdog)
            except LinkClosed as exc:
                log.info("%s: anti-entropy round stopped: %s", self._directory.name_of(link),
                         self._directory.said_of(link, exc))
                await link.close("timeout", "round did not finish")
                return
            await asyncio.sleep(self.sync_interval_s * self._rng.uniform(0.7, 1.3))

    def watch_own_key(self, device: bytes, started_ms: int, own_head: int | None) -> None:
        """Before any link: this node started at `started_ms` with its device's events up to seq
        `own_head` (None: unknown) (node/key_elsewhere.py)."""
        self.key_elsewhere = KeyElsewhere(device, started_ms, own_head)
        self._own_device = device

    def _accepted(self, wires: list[bytes]) -> None:
        """Peers brought events this node did not have: one of its own device's that it did not
        sign says another node signs with its key (node/key_elsewhere.py). Each reading said once.
        The group key's events are read from the store (those released from the pending queue too)."""
        if self.key_elsewhere is None:  # (links come only once the node has started)
            return
        for seen in self.key_elsewhere.stored(wires):
            group = self._group_of(self._own_device)
            log.warning("%s", key_elsewhere(*seen, self._own_device.hex(), group.hex() if group else None))
        if self.group_key_moved is not None:
            self.group_key_moved()

    def _round_opened(self, link: Link) -> None:
        """The peer of `link` opened a round on it (or answered one, on a link this node dialled): is
        its device linked twice at once, from two running nodes (node/linked_twice.py)? Said, and
        told to it, as TwiceWatch decides."""
        rounds = [Rounds(other.number, other.peer_device, other.outbound, peer.opened_ms, peer.rounds_opened,
                         peer.first_round_ms, peer.latest_round_ms,
                         other.address if other.outbound else other.dialled_at, peer.earlier_round_ms)
                  for other, peer in list(self._open.values()) if other.peer_device == link.peer_device]
        older = self.twice.check(link.peer_device, rounds, now_ms())
        if older is None or older.number not in self._open:
            return
        # By the label `solnet peers` shows for a device that dialled in (never an address), and its id
        name = f"{self._directory.device_label(link.peer_device)} (device {link.peer_device.hex()[:12]})"
        if self.twice.told(link.peer_device) == 1:
            log.warning("%s; its older link is closed to tell that node so (it links again at once)", linked_twice(name))
        else:  # (TwiceWatch: the other node holding the key is told too, and then no link is closed for it)
            log.info("%s: its other link is closed to tell the other node too; no more are closed for it", name)
        old, _ = self._open[older.number]
        self._tasks.append(asyncio.create_task(old.close(LINKED_TWICE, LINKED_TWICE_TOLD)))

    def _told_linked_twice(self, name: str, device: bytes) -> None:
        """A peer (`name`, its label and device) closed a link saying this device is linked twice
        there, from two places: a copy of this home runs (node/linked_twice.py). Said here too, and
        by `solnet status` and the dashboard for an hour, as that peer's word: this node cannot see
        the peer's links, and a hostile member may say it of any device (to have its group revoke
        it, or to cry wolf), so it is never said as this node's own finding, always by who said it."""
        self.told_twice, self.told_twice_by, self.told_twice_device = now_ms(), name, device
        log.warning("%s", linked_twice_here(name))

    def told_twice_counts(self) -> bool:
        """Whether the peer that said this device is linked twice still speaks for its group in the
        trust graph now: a mole's word, said as its word for an hour, goes with its revocation."""
        return self._speaks_for_group(self.told_twice_device)

    def _round_finished(self, link: Link, result: RoundResult) -> None:
        if link.outbound and (held := self._open.get(link.number)) is not None:
            held[1].count_round()  # one the peer answered: is it linked twice, at two addresses?
        self._tasks.append(asyncio.create_task(self._round_completed(True, link.peer_device, result.own_held,
                                                                     result.caught_up)))
        if self._accepted_by is not None:
            self._tasks.append(asyncio.create_task(self._accepted_by(link.peer_device)))
        now = now_ms()
        refused_before = self.own_refused.refused(now)
        self.own_refused.round_done(link.peer_device, result.own_sent, now, self._group_of(link.peer_device))
        if refused_before is None and (refused := self.own_refused.refused(now)) is not None:
            log.warning("%s", own_events_refused(*refused))
        _keep_latest(self._synced, link.peer_device, now)
        book = self._directory.book
        if link.address and book.get(link.address) is not None:
            book.synced(link.address, now, received=result.received, sent=result.sent, lag=result.lag)
        if not result.in_sync:  # a burst of lines, then one every 30 s at most, per peer group
            self._say(self._synced_lines.round_done(self._payer(link.peer_device), self._directory.name_of(link),
                                                    result.received, result.sent, result.seconds, now))

    # --- membership and removal -------------------------------------------------------------------
    async def drop(self, keep: Callable[[bytes], str | None], told: Callable[[bytes], tuple[str, str]],
                   said: str = "is no longer a member") -> None:
        """Close the links to the peers `keep` gives a reason for (logged, after `said`) rather than None,
        telling each peer what `told` gives for it (a reason code, a sentence)."""
        for link in self.open():
            why = keep(link.peer_device)
            if why is not None:
                log.warning("%s %s (%s); disconnecting", self._directory.name_of(link), said, why)
                await link.close(*told(link.peer_device))

    async def close_addresses(self, addresses: list[str], why: str = "peer removed") -> None:
        """`solnet peers rm` (or an overfull active view): the links dialled to these addresses end."""
        for link in self.open():
            if link.address in addresses:
                await link.close("removed", why)

    async def follow_route(self, home: Home, db: DbThread) -> None:
        """`solnet proxy` changed the route while the node runs: the links it opened are closed
        (and dialled again by the new one)."""
        old = await self.route.follow(home, db)
        if old is None:
            return
        await asyncio.gather(*(link.close("route", "the node's route to its peers changed")
                               for link in self.open() if link.outbound), return_exceptions=True)
        await old.close()

    async def halt(self) -> None:
        """Stop dialling and rounds, and close every link."""
        self.stopping = True
        for task in [*self._tasks, *self._handshaking]:
            task.cancel()
        # The links close with the tasks, not after them: a task that went on serving its link (a
        # cancellation lost in a library) ends once its link is closed, and is waited for then.
        closing = [link.close("shutdown", "node stopping") for link in self.open()]
        await asyncio.gather(*self._tasks, *closing, return_exceptions=True)
        self._say_counted(stopping=True)  # (the dialling loop, which said them as budgets allowed, is stopped)

    # --- one-shot sync ------------------------------------------------------------------------------
    async def sync_once(self, address: str, progress: Callable[[int, int, int], None] | None = None) -> RoundResult:
        """Dial `address`, run one anti-entropy round, close. For `solnet sync`.

        Our round ends once we have stored what the peer sent; the peer may still be storing what
        we sent. So when we sent anything, a second round (one round trip when in sync) follows:
        the peer begins it only after storing, so on return the peer holds what we sent. So it
        does when what the peer sent proved a fork, or came from a key we knew had forked: the
        peer may not know, and the second round sends it the proof.
        No deadline: a slow node takes as long as it needs. RoundCut if the link ends first; its
        `result` counts what was stored (the batches that had arrived are stored before that). A
        cut in the confirming round keeps what the complete first one learned (node/own_unsent.py).
        `progress(received, expected, unknown_authors)` is called after each stored batch: `expected`
        is what was behind when the round began, or more once more arrived, but while authors this
        node does not know send (`unknown_authors` of them: their events count in no lag) only the
        former."""
        address = normalize_address(address)
        link = await self.dial_link(address, given=True)  # the user's address: dialled wherever it leads
        peer = PeerLink(link, dataclasses.replace(self.ports, round_finished=lambda link, result: None))
        peer.progress = progress
        self._open[link.number] = (link, peer)
        reader = asyncio.create_task(peer.serve())
        result: RoundResult | None = None
        first: tuple[int | None, bool] | None = None  # what the first, complete round learned
        cut_in_confirming: RoundCut | None = None
        try:
            result = await peer.run_round()
            own_held = result.own_held
            first = (own_held, result.caught_up)
            if result.sent or result.of_forked_keys:
                confirming = await peer.run_round()
                own_held = confirming.own_held or own_held  # (it began once the peer stored what we sent)
                result.add(confirming)
        except RoundCut as cut:
            if result is None:
                raise
            result.add(cut.result)  # cut in the confirming round: report both rounds
            cut.result, cut_in_confirming = result, cut
        finally:
            await link.drain()
            await link.close(SYNC_DONE, "one sync round done; this was not a running node")
            try:
                await reader  # ends at once: the link is closed and nothing is left to store
            finally:
                reader.cancel()
                self._open.pop(link.number, None)
        if cut_in_confirming is not None and first is not None:
            # The first round was complete: what its peer's heads said it held, and that this home
            # caught up with the peer, stand; only what the cut round would have confirmed (the
            # events streamed in the first) is not noted as held.
            await self._round_completed(False, link.peer_device, *first)
            raise cut_in_confirming
        book = self._directory.book
        book.add(address, book.get(address).source if book.get(address) else "config")
        book.proved(address, link.peer_device)  # whose node it is: `solnet peers` names its group
        book.synced(address, now_ms(), received=result.received, sent=result.sent, lag=result.lag)
        await self._round_completed(False, link.peer_device, own_held, result.caught_up)
        return result
