"""The narrow interfaces between a running node's parts: what a peer link and the web may use.

A peer link (node/net/peer_link.py) sees its storage, the gossip router and the peer policy
through `LinkStorage`, `LinkGossip` and `LinkPolicy`; the API and the dashboard (node/api.py,
node/dashboard/) see the node through `WebNode`, and the app that serves them (node/webapp.py)
through `ServedNode`. None of them imports the node that implements
these, so nothing imports back up, and a test or a simulator can give its own.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from solnet_errors import EXIT_STORAGE, SolnetError

if TYPE_CHECKING:
    from crypto.keystore import NodeKeys
    from events.format import Event
    from node.home import Home
    from node.log import EventLog
    from node.outcome import Outcome
    from sync.antientropy import Head
    from sync.transport import Link

T = TypeVar("T")


class StorageFailed(SolnetError):
    """A write failed (the disk is full, or the database cannot be written); SQLite rolled it back
    whole. `problem` says what, for people."""

    reason, exit_code, http_status = "storage", EXIT_STORAGE, 507

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class WipeBegun(SolnetError):
    """A panic wipe of this node has begun (the dashboard's): it signs nothing more, by any way in (the
    API, the dashboard's forms, the local channel of the `solnet` command), and stops in a moment. Raised
    as the cause of a StorageFailed, as a write that cannot be stored is (nothing was)."""

    reason, exit_code, http_status = "wipe_begun", EXIT_STORAGE, 503
    MESSAGE = ("a panic wipe of this node has begun: it signs nothing more and stops in a moment; nothing was "
               "published")

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


class LinkStorage(Protocol):
    """The store as one link uses it: reads for the peer, and ingest in two halves."""

    @property
    def stopping(self) -> bool:
        """The node is shutting down: a link ends without storing what it still holds."""
        ...

    def is_group_key(self, author: bytes) -> bool: ...

    def fork_points(self) -> dict[bytes, int]: ...

    def takes_below(self, author: bytes) -> int | None: ...

    async def heads(self) -> list[Head]: ...

    async def round_heads(self, device: bytes) -> tuple[list[Head], int]:
        """The heads a round offers, and the seq up to which any peer is known to hold `device`'s events."""
        ...

    async def range_wire(self, author: bytes, first: int, last: int, limit: int) -> list[tuple[int, bytes]]: ...

    async def fork_evidence(self, author: bytes) -> list[bytes]: ...

    async def wires_by_id(self, ids: list[bytes]) -> list[bytes]: ...

    async def known(self, ids: list[bytes]) -> Collection[bytes]: ...

    async def missing_bodies(self, limit: int) -> list[bytes]:
        """Ids of events in the log whose bodies this node lacks, to ask a peer for (at most `limit`)."""
        ...

    async def prepare(self, wires: list[bytes]) -> Any:
        """Decode a batch and start checking its signatures (no write lock); pass it to `commit`."""
        ...

    async def commit(self, group: list[Any]) -> list[list[Outcome]]:
        """Store prepared batches in one transaction, in their order: the outcomes of each;
        StorageFailed if it could not be written (then none is stored)."""
        ...


class LinkGossip(Protocol):
    """The gossip router as one link uses it: the ids seen lately, and forwarding what arrived."""

    def take_unseen(self, wires: tuple[bytes, ...]) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
        """Drop events seen lately; the rest, and the ids now marked seen (release them if not stored)."""
        ...

    def release(self, ids: Collection[bytes]) -> None: ...

    def seen(self, event_id: bytes) -> bool: ...

    async def forward(self, accepted: list[tuple[Outcome, bytes]], *, source: Link, pushed: bool,
                      repair: bool) -> None: ...


class LinkPolicy(Protocol):
    """What one peer may cost this node, and what it pays for invalid data (by its device key)."""

    async def limit_bytes(self, device: bytes, size: int) -> None: ...

    async def limit_events(self, device: bytes, events: int) -> None: ...

    async def limit_rounds(self, device: bytes) -> None:
        """Hold the rounds the peer opens (each reads every head) to a budget per second."""
        ...

    async def limit_streamed(self, device: bytes, author: bytes, seqs: list[int], sizes: list[int]) -> int:
        """Hold what a round streams the peer again (sent it lately) to a budget; how many."""
        ...

    def answerable(self, device: bytes, events: list[tuple[bytes, int, int]]) -> list[bool]:
        """Which of the (author, seq, size) events an IWant asked for to send: those sent the peer
        lately, past its budget of repeats, are not."""
        ...

    def penalize(self, link: Link, reason: str | None, count: int = 1) -> bool:
        """Charge the peer; True if it is banned now (the caller disconnects)."""
        ...


class WebNode(Protocol):
    """The running node as its web app (the API and the dashboard) sees it."""

    home: Home
    keys: NodeKeys
    # Called by `solnet end-sessions` over the local channel: each ends logins (returns how many)
    sign_outs: list[Callable[[], int]]

    @property
    def log(self) -> EventLog: ...

    @property
    def last_stored_n(self) -> int:
        """The newest stored `n` this node has noticed (what a live page already shows)."""
        ...

    @property
    def started_ms(self) -> int | None:
        """When this node started running its peer loops (None: it does not run them)."""
        ...

    @property
    def stopping(self) -> bool:
        """The node is shutting down."""
        ...

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking read or write of the store on the node's database thread."""
        ...

    async def publish(self, kind: str, texts: dict[str, str], **options: Any) -> Event:
        """Publish as `solnet publish` does (node.publishing.publish's options), and gossip the
        event at once. Raises what publishing raises; StorageFailed on a full disk."""
        ...

    async def publish_and_read(self, read: Callable[[Event], T], kind: str, texts: dict[str, str],
                               **options: Any) -> tuple[Event, T]:
        """`publish`, then `read(event)` on the database thread once the event is committed (the same
        turn of that thread). The event stands even if `read` raises; that is raised here."""
        ...

    async def sign(self, write: Callable[[EventLog, NodeKeys], Event]) -> Event:
        """Run `write` (it signs and appends one event) in the node's next group commit, and gossip
        the event at once. Raises what `write` raises; StorageFailed on a full disk."""
        ...

    async def record_start(self) -> None:
        """Restore without forking (node/chain_gate.py): the running node's start is on record, so its
        own signing waits for its first complete round. StorageFailed if it cannot be written yet."""
        ...

    def storage_failed(self, exc: Exception) -> str:
        """Tell the node a write failed (it says so to its operator, and holds off rounds); the problem."""
        ...

    def live_facts(self) -> dict[str, Any]:
        """What this process knows now that the saved status may not yet: links, events/s, port,
        since when it counts as cut off (cut_off_since: node/cut_off.py), the storage problem it met (storage_problem;
        database_damaged: that problem is a damaged database; storage_full: it is a full disk, and
        space_needed the bytes the node needs free to store again)."""
        ...

    def cut_off_since(self) -> int | None:
        """Since when this node has heard from no other node, once it counts as cut off (node/cut_off.py);
        None while it is not: the one fact of `live_facts` a listing's answer and a page's banner need."""
        ...

    def peer_views(self, now: int) -> list[dict[str, Any]]:
        """Every peer, links dialled and dialled in alike, with the current lag both ways (unnamed:
        node.status.name_peers names them by group, on the database thread)."""
        ...

    async def wait_for_change(self, since_n: int, timeout: float) -> int: ...

    async def halt_network(self, *, forget_peers: bool = False) -> None:
        """Close every link and stop the peer loops; the store stays open (the panic wipe)."""
        ...


class ServedNode(WebNode, Protocol):
    """A node its web app also starts, stops and hands incoming peer connections to."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def serving(self, port: int) -> None:
        """The app listens on `port` now."""
        ...

    async def accept_link(self, request: Any, progress: Callable[[], int] | None = None,
                          authenticated: Callable[[], None] | None = None,
                          signed: Callable[[bytes, bool], None] | None = None,
                          replied: Callable[[float], None] | None = None,
                          may_reply: Callable[[], bool] | None = None) -> Any:
        """Serve an incoming peer connection (the sync websocket): the response, once the link ends.
        `progress` counts the bytes the connection brought; `signed` is told the device the
        dialler proved and whether it counts as a member; `authenticated` is called once the
        peer is a member; `may_reply` is asked whether to reply to a hello for this network, and
        `replied` told the CPU time the reply took (node/hello_budget.py)."""
        ...
