"""Why an event is refused. One exception, a stable reason code for programs, a sentence for people."""
from __future__ import annotations

from solnet_errors import SolnetError

# Reason codes, stable across versions: scripts and peers' penalty counters key on them.
MALFORMED = "malformed"
NON_CANONICAL = "non_canonical"
UNKNOWN_VERSION = "unknown_version"
OVERSIZE = "oversize"
BAD_SIGNATURE = "bad_signature"
WRONG_NETWORK = "wrong_network"
BAD_FIELD = "bad_field"
BODY_MISMATCH = "body_mismatch"
FUTURE = "future_timestamp"
NOT_A_MEMBER = "not_a_member"
REVOKED = "revoked"
FROZEN = "author_frozen"
FORK = "fork"
# An event below the seq a device's group revoked it from, off the chain the group pinned: signed
# with a copy of the device key (events/trust.py). The author's doing, not the forwarding peer's.
OFF_PINNED = "off_pinned_chain"
BAD_CHAIN = "bad_chain"
NOT_ALLOWED = "not_allowed"
# Valid as far as is known, but not kept aside: the queue of events waiting (for a vouch, an earlier
# seq) or its author's share of it is full. Never the sending peer's fault; it comes again by sync.
NOT_KEPT = "not_kept"
# Its author (one key) signed more than its share of the log for that day (node/author_share.py):
# not stored, nor anything after it in its chain. The author's doing, not the forwarding peer's.
OVER_SHARE = "over_share"
# A credential a peer presented in its handshake, left unjudged: this node's time for credentials of
# devices it does not know yet was spent (node/hello_budget.py `take_allowance`). Never the peer's
# fault; judged when presented again. Told apart until 2026-12-07 only by NOT_KEPT and its sentence.
UNJUDGED = "unjudged"
REASONS = (MALFORMED, NON_CANONICAL, UNKNOWN_VERSION, OVERSIZE, BAD_SIGNATURE, WRONG_NETWORK, BAD_FIELD, BODY_MISMATCH,
           FUTURE, NOT_A_MEMBER, REVOKED, FROZEN, FORK, OFF_PINNED, BAD_CHAIN, NOT_ALLOWED, NOT_KEPT,
           OVER_SHARE, UNJUDGED)  # every one above


def quoted(value: object) -> str:
    """A received value as a refusal's sentence quotes it: its repr, at most 40 characters; a list or
    a map only by what it is. Read flat (events/canonical.py `unpack`), a stranger's header or body
    may hold one nested a thousand deep where a plain value belongs: quoting it, repr and str
    recursed into it until RecursionError, which no caller of the decoder catches."""
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "a map"
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:39] + "…"


class InvalidEvent(SolnetError):
    """An event that must not be stored. `reason` is one of the codes above; str() is for people."""

    http_status = 422

    def __init__(self, reason: str, message: str, event_id: bytes | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.event_id = event_id  # when the header was readable enough to name the event

    def __str__(self) -> str:
        return f"{self.reason}: {self.args[0]}"
