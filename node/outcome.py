"""What ingest says about each event it was given."""
from __future__ import annotations

from typing import NamedTuple

from crypto.keys import short_id

ACCEPTED, DUPLICATE, REJECTED, PENDING = "accepted", "duplicate", "rejected", "pending"


class Outcome(NamedTuple):
    """`status` is accepted, duplicate, rejected (with a reason code) or pending (waiting for an
    earlier seq of its author, or for the vouch that certifies it)."""

    id: bytes | None
    status: str
    reason: str | None = None
    message: str = ""
    kind: str | None = None
    group: str | None = None  # the name of its author's group, for a log line that names it (a refusal)

    def describe(self) -> str:
        who = short_id(self.id) if self.id else "unreadable event"
        return f"{who}: {self.status}" + (f" ({self.message})" if self.message else "")
