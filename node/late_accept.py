"""The refusal of an accept a group would sign past its own revocation point, in words.

A group names the groups it joined through (events/trust.py, accept). The accept `solnet join` signs
first counts whatever happens to the group later; any other counts past the group's revocation
point only if each revocation there is by a group nearer the founders than the group it names (a
front-runner, which the accept is there to stop). A group admitted by two groups of one wave and
revoked by one of them could otherwise undo that revocation by naming the other one afterwards
(until 2026-12-06 it could).
"""
from __future__ import annotations

from crypto.keys import short_id
from events.trust import TrustGraph
from node import references
from node.store import Store


def accept_past_revocation(store: Store, trust: TrustGraph, group: bytes, named: bytes) -> str:
    """Why `group` cannot name `named` as a group it joined through now, and what is left to do.
    (Not with node/render.py's revocation words: it is read by node/log.py, which render's imports
    reach.)"""
    names = references.group_names(store)
    member = trust.member(group)
    revocation = trust.revocation(group)
    if member is None or member.revoked_from is None:
        stand = "is not a member of this network here"
    elif revocation is None or revocation.fork:
        stand = f"is revoked from seq {member.revoked_from} (its key signed two different events there)"
    else:
        by = names.get(revocation.by) or short_id(revocation.by)
        why = f" ({revocation.reason})" if revocation.reason else ""
        stand = f"was revoked from seq {member.revoked_from} by {by}{why}"
    return (f"this group ({short_id(group)}) {stand}: naming {names.get(named) or short_id(named)} as a group it "
            "joined through now would have no effect, so nothing was published. Past a revocation, a later "
            "accept counts only against a group nearer the founders than the group it names (one that vouched "
            "for yours first without inviting it); against a group of the same wave, or a revocation of a group "
            "by itself or a fork, only the accept `solnet join` signs first counts. If the revocation was wrong, "
            "the groups that admitted the revoking group can revoke it from a seq before that revocation; "
            "otherwise your group comes back only with a new group key (`solnet init` in a new home) and a new "
            "invite")
