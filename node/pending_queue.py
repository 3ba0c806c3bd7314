"""How much of the queue of events kept aside ("pending") one event may take: pure decisions.

An event is kept aside while its author is not (yet) certified, is revoked, or while an earlier seq
of its chain is missing. The queue is only a shortcut: an event not kept is not in the store's set
of events, so its author's head stays below a peer's and the next anti-entropy round asks for it
again; once its vouch or its predecessor is stored it goes straight in. So refusing to keep one
(queue full, its author's share used) loses nothing, changes no final state, and is never the
forwarding peer's fault: such a refusal carries reason NOT_KEPT, which costs no penalty points.

The bounds, and why:
  - a share per author (events and bytes), so one chain cannot take the whole queue;
  - a share per group (all its devices' and its own events together): a group key certifies as
    many devices as it likes, and 20 devices of one infiltrating group, 1,000 events each whose
    first seq never comes, filled the whole queue in 8 s for a day;
  - a share for the events of authors not certified (reason not_a_member), because fresh keys cost
    nothing to make: a member device pushing events signed by thousands of throw-away keys fills
    only this share, and the events of members whose chain has a gap, or who are revoked, still
    find room (a group whose vouch is merely late competes with the flood for this share; what
    does not fit comes again by sync once the vouch is stored);
  - the whole queue (events and bytes);
  - an age (`max_age_ms`), after which a kept-aside event is dropped: nothing else would ever
    remove the events of a key that is never vouched.
An event a revocation took out of the log counts in none of these shares and waits 90 days: every
node that held it took it out, its author's own included, so were it dropped, no peer could send
it again when the revocation stops counting (an infiltrating admitter revoking a group, revoked in
turn a day later, erased that group's past for good). It costs no more room than it took in the
log (its author's share of it, node/author_share.py, bounds it), and less for a key that flooded
(found signing past its share): of its events taken out at once, the bodies of the lowest seqs are
kept up to `stored_bodies_per_author` bytes (`keeps_body`), trust events' always (the trust graph
reads them); the others are kept as their signed headers alone (stubs: ids, chain and proofs stay,
and they come back into the log as events whose body is missing). A member device flooding the
log left 93 MB kept aside on every node for 90 days; its flood is the tail of its chain, the part
whose bodies go. Any other key keeps its bodies: stripped, an honest group revoked by an
infiltrating admitter (revoked in turn) got its newest posts back unreadable on every node.
Per-link accounting was left out: the link an event came by is not known to the log (bundles,
the CLI and several links feed one ingest path), and the share of uncertified authors already
bounds what any link can do with throw-away keys (a per-author share is no bound against them:
each key signs one event).
"""
from __future__ import annotations

from dataclasses import dataclass, field

HOUR_MS = 3_600_000


@dataclass(frozen=True)
class PendingLimits:
    events: int = 20_000
    bytes: int = 48 * 1024 * 1024
    per_author_events: int = 1_000
    per_author_bytes: int = 4 * 1024 * 1024
    per_group_events: int = 4_000
    per_group_bytes: int = 12 * 1024 * 1024
    uncertified_events: int = 5_000
    uncertified_bytes: int = 8 * 1024 * 1024
    max_age_ms: int = 24 * HOUR_MS
    stored_max_age_ms: int = 90 * 24 * HOUR_MS  # an event a revocation took out of the log (no share counted)
    stored_bodies_per_author: int = 1024 * 1024  # of those, the bodies kept of one author's taken out at once


PENDING_LIMITS = PendingLimits()


@dataclass
class PendingTally:
    """What the queue holds: events and bytes in all, per author, per group (of the authors that are
    members, as the trust graph said when each was counted) and of uncertified authors."""

    events: int = 0
    bytes: int = 0
    by_author: dict[bytes, tuple[int, int]] = field(default_factory=dict)
    by_group: dict[bytes, tuple[int, int]] = field(default_factory=dict)
    uncertified_events: int = 0
    uncertified_bytes: int = 0

    def add(self, author: bytes, size: int, uncertified: bool, group: bytes | None = None, count: int = 1) -> None:
        """Count `count` events of `author` (of `group`, if a member) holding `size` bytes together."""
        _grow(self.by_author, author, count, size)
        if group is not None:
            _grow(self.by_group, group, count, size)
        self.events += count
        self.bytes += size
        if uncertified:
            self.uncertified_events += count
            self.uncertified_bytes += size


def _grow(shares: dict[bytes, tuple[int, int]], key: bytes, count: int, size: int) -> None:
    before = shares.get(key, (0, 0))
    shares[key] = (before[0] + count, before[1] + size)


def keeps_body(kind: str, body_len: int, kept: int, limits: PendingLimits | None = None) -> bool:
    """Whether an event taken out of the log by a revocation is kept aside with its body, `kept`
    bytes of bodies being kept already of the events of its author taken out with it (lower seqs)."""
    limits = PENDING_LIMITS if limits is None else limits
    return kind in ("member.vouch", "member.revoke") or kept + body_len <= limits.stored_bodies_per_author


def refusal(tally: PendingTally, author: bytes, size: int, uncertified: bool,
            limits: PendingLimits | None = None, group: bytes | None = None) -> str | None:
    """Why an event of `size` bytes by `author` cannot be kept aside now (plain words), or None if it
    can. `uncertified`: its author is not a member; `group`: the group it is a member of. An event
    already kept (the same id again) replaces itself and is not asked about."""
    limits = PENDING_LIMITS if limits is None else limits  # read at each call: tests lower it
    count, total = tally.by_author.get(author, (0, 0))
    if count + 1 > limits.per_author_events or total + size > limits.per_author_bytes:
        return "its author's share of the queue of events waiting is used up"
    count, total = tally.by_group.get(group, (0, 0)) if group is not None else (0, 0)
    if count + 1 > limits.per_group_events or total + size > limits.per_group_bytes:
        return "its group's share of the queue of events waiting is used up"
    if uncertified and (tally.uncertified_events + 1 > limits.uncertified_events
                        or tally.uncertified_bytes + size > limits.uncertified_bytes):
        return "the share of the queue for authors not certified yet is used up"
    if tally.events + 1 > limits.events or tally.bytes + size > limits.bytes:
        return "the queue of events waiting is full"
    return None
