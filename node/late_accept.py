"""The refusal of an accept a group would sign past its own revocation point, in words.

A group names the groups it joined through (events/trust.py, accept). The accept `solnet join` signs
first counts whatever happens to the group later; any other counts only where the group may still
sign. A group admitted by two groups and revoked by one of them could otherwise undo that revocation
by naming the other one afterwards (until 2026-12-06 it could).
"""
from __future__ import annotations

from crypto.keys import short_id
from events.trust import TrustGraph
from node import references
from node.store import Store


def accept_past_revocation(store: Store, trust: TrustGraph, group: bytes) -> str:
    """Why `group` cannot name the groups it joined through now, and what is left to do. (Not with
    node/render.py's revocation words: it is read by node/log.py, which render's imports reach.)"""
    member = trust.member(group)
    revocation = trust.revocation(group)
    if member is None or member.revoked_from is None:
        stand = "is not a member of this network here"
    elif revocation is None or revocation.fork:
        stand = f"is revoked from seq {member.revoked_from} (its key signed two different events there)"
    else:
        by = references.group_names(store).get(revocation.by) or short_id(revocation.by)
        why = f" ({revocation.reason})" if revocation.reason else ""
        stand = f"was revoked from seq {member.revoked_from} by {by}{why}"
    return (f"this group ({short_id(group)}) {stand}: naming the groups it joined through now would have no "
            "effect (only the accept `solnet join` signs first counts past a revocation), so nothing was "
            "published. If the revocation was wrong (a group that vouched for yours without inviting it), the "
            "groups that admitted the revoking group can revoke it from a seq before that revocation; otherwise your group "
            "comes back only with a new group key (`solnet init` in a new home) and a new invite")
