"""What a link's protocol object (sync/link.py) asks its driver to do: the commands it returns.

Small frozen values, as h11's events: a message to send, storage to read or write, a round that
ended, a sign of life to give or to ask for, a link to cut. The driver (node/net/peer_link.py)
carries them out in order.
"""
from __future__ import annotations

from dataclasses import dataclass

from sync.antientropy import SendEvidence, SendRange
from sync.messages import Message


@dataclass(frozen=True, slots=True)
class Send:
    message: Message


@dataclass(frozen=True, slots=True)
class Present:
    """Send this node's credentials (its group chain, as it stands now)."""


@dataclass(frozen=True, slots=True)
class Admit:
    """Store the peer's credentials (verified like any event), check that it is a member, then
    call `credentials_accepted` (or close the link, refusing it)."""
    events: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class LoadHeads:
    """Read this node's heads, then call `heads_loaded`."""


@dataclass(frozen=True, slots=True)
class Stream:
    """Send these ranges (and fork evidence) as Events batches of at most STREAM_BATCH events,
    in order, then call `stream_finished` with how many events went."""
    ranges: tuple[SendRange | SendEvidence, ...]


@dataclass(frozen=True, slots=True)
class Store:
    """Store a batch. A round's batch (`pushed` false) is reported with `batch_stored` once it is
    stored; a pushed one (gossip) is not part of any round."""
    events: tuple[bytes, ...]
    pushed: bool


@dataclass(frozen=True, slots=True)
class LookUp:
    """The peer holds these events (IHave): ask with IWant for those this node lacks."""
    ids: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class Answer:
    """The peer wants these events (IWant): send those this node holds, as a Push."""
    ids: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class RoundDone:
    """An anti-entropy round is over: both sides sent everything and all of it is stored."""
    in_sync: bool
    arrived: int  # events that came in the round's batches
    sent: int
    lag: int  # events the peer held that we lacked, at the start
    # The peer's head of the author the round was asked to watch (seq, id prefix), from the heads
    # it offered; None if it offered none of it (or said Same, which shows no head)
    watched: tuple[int, bytes] | None = None


@dataclass(frozen=True, slots=True)
class KeepAlive:
    """This node is busy with the peer's data: tell the peer it is alive (a sealed frame needing no
    answer: an empty IHave, which nodes of every version take as gossip announcing nothing)."""


@dataclass(frozen=True, slots=True)
class Probe:
    """The link has been quiet: ask the peer to show it is alive, with a sealed IWant for `ids`
    (events it certainly holds), which it answers with a sealed Push. Never a websocket ping: a
    relay on the path can answer that for a peer long gone."""
    ids: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class Cut:
    """Close the link: the peer has gone quiet. `why` is said to the peer and logged."""
    why: str


Command = Send | Present | Admit | LoadHeads | Stream | Store | LookUp | Answer | RoundDone | KeepAlive | Probe | Cut
