"""Join tokens: what a member hands a new group so it can join (network genesis, the trust chain
with the vouch that admits the group, bootstrap peers).

A token is text ("solnet-invite-v1:" + base64url of canonical msgpack) so it can be sent by
any channel or carried on paper. It is not secret: it holds only public, signed events. What
makes it safe is that the joiner checks the genesis against the network id and every event's
signature and chain, exactly as from a peer.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass

from events.canonical import pack, unpack
from events.errors import InvalidEvent
from node.log import EventLog
from solnet_errors import SolnetError

PREFIX = "solnet-invite-v1:"


@dataclass(frozen=True)
class Invite:
    genesis: bytes
    group: bytes  # the group key being admitted
    events: list[bytes]  # wire events: every group key's chain, which holds the trust graph
    peers: list[str]
    # The group whose node made the token (its vouch admits the group): the group `join` names as
    # the one it joined through (events/trust.py, accept). None in tokens made before 2026-12-04.
    admitter: bytes | None = None

    def encode(self) -> str:
        fields = {"genesis": self.genesis, "group": self.group, "events": self.events, "peers": self.peers}
        if self.admitter is not None:
            fields["admitter"] = self.admitter
        blob = pack(fields)
        return PREFIX + base64.urlsafe_b64encode(blob).decode("ascii") + "\n"


class InviteError(SolnetError, ValueError):
    """Not an invite, or a damaged one; the message says what to ask for."""

    reason = "bad_invite"


def decode_invite(text: str) -> Invite:
    text = text.strip()
    if not text.startswith(PREFIX):
        raise InviteError("this is not a solnet invite (it should start with 'solnet-invite-v1:')")
    try:
        value = unpack(base64.urlsafe_b64decode(text[len(PREFIX):].encode("ascii")), what="invite")
    except (ValueError, InvalidEvent) as exc:
        raise InviteError(f"the invite is damaged ({exc}); ask for a new one") from None
    if not isinstance(value, dict) or set(value) - {"admitter"} != {"genesis", "group", "events", "peers"} or (
            "admitter" in value and not (isinstance(value["admitter"], bytes) and len(value["admitter"]) == 32)):
        raise InviteError("the invite is damaged (unexpected content); ask for a new one")
    return Invite(value["genesis"], value["group"], value["events"], value["peers"], value.get("admitter"))


def trust_chain(log: EventLog) -> list[bytes]:
    """Wire form of every event signed by a group key: the membership history a newcomer needs."""
    groups = [m.key for m in log.trust.members.values() if m.role == "group"]
    out: list[bytes] = []
    for key in groups:
        out.extend(log.store.chain_wires(key))
    return out
