"""Join tokens: what a member hands a new group so it can join (network genesis, the trust chain
with the vouch that admits the group, bootstrap peers).

A token is text ("solnet-invite-v1:" + base64url of canonical msgpack) so it can be sent by
any channel or carried on paper. It is not secret: it holds only public, signed events. What
makes it safe is that the joiner checks the genesis against the network id and every event's
signature and chain, exactly as from a peer.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from crypto.keys import KEY_SIZE
from events.canonical import pack, unpack
from events.errors import InvalidEvent
from events.genesis import parse_genesis
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


# One sentence for every way an invite's text fails to decode: which library choked on it (base64,
# msgpack, the genesis parser) says nothing to the person holding it; what helps is to know that
# the text is not whole or was changed, and what to do.
DAMAGED = ("the invite is damaged or incomplete: check that it was copied whole, from 'solnet-invite-v1:' to "
           "its last character, or ask the inviter for a new one")


def decode_invite(text: str) -> Invite:
    """The invite in `text`; InviteError (a sentence for people) if it is none or not whole."""
    text = text.strip()
    if not text.startswith(PREFIX):
        raise InviteError("this is not a solnet invite (it should start with 'solnet-invite-v1:'); give the file "
                          "`solnet invite` or `solnet vouch` wrote, or ask the inviter for it again")
    try:
        value = unpack(base64.urlsafe_b64decode(text[len(PREFIX):].encode("ascii")), what="invite")
    except (ValueError, binascii.Error, InvalidEvent):  # UnicodeEncodeError is a ValueError
        raise InviteError(DAMAGED) from None
    if not _well_formed(value):
        raise InviteError(DAMAGED)
    try:
        parse_genesis(value["genesis"])
    except InvalidEvent:
        raise InviteError(DAMAGED) from None
    return Invite(value["genesis"], value["group"], value["events"], value["peers"], value.get("admitter"))


def _well_formed(value: object) -> bool:
    """Whether a decoded invite has the fields `Invite.encode` writes, of their types (peers are
    checked one by one when used: a token is not trusted to hold good addresses)."""
    return (isinstance(value, dict) and set(value) - {"admitter"} == {"genesis", "group", "events", "peers"}
            and (value.get("admitter") is None or isinstance(value["admitter"], bytes) and len(value["admitter"]) == KEY_SIZE)
            and isinstance(value["genesis"], bytes) and isinstance(value["group"], bytes)
            and len(value["group"]) == KEY_SIZE and isinstance(value["events"], list)
            and all(isinstance(e, bytes) for e in value["events"]))


def trust_chain(log: EventLog) -> list[bytes]:
    """Wire form of every event signed by a group key: the membership history a newcomer needs."""
    groups = [m.key for m in log.trust.members.values() if m.role == "group"]
    out: list[bytes] = []
    for key in groups:
        out.extend(log.store.chain_wires(key))
    return out
