"""A peer refused this node's device as revoked: kept, so that `solnet status` and the dashboard
say it before the revocation itself reaches this node. Or as frozen by a fork (its key signed two
different events at one seq: a copy of the home, or a restore, published at a seq the network
already held): nobody revoked it then, and the words say what happened instead (`forked_at`; and
`forked_key` "group" when the key that forked is its group's, which freezes every device of it).

A node learns that its own device (or its group) was revoked only once a peer carries the
revocation to it; but the peers that hold it refuse the device at the handshake and send nothing
more, so it may never arrive. The refusal is the news. It is believed only from a peer whose key
the handshake proved and that is a certified, unrevoked device in this node's trust graph: any
other key could say anything. Each distinct claim is kept with the peers that made it (who
refused, when), and the one the most groups make is said, a contrary claim named as such; a
peer's further refusals write nothing (an SD card), until a complete round with it shows it
accepts this device after all (then its word goes). A round with a peer of another group, one
`outside_own_group` (neither this device's own nor admitted through it), says against every claim
(`taken`). The panic wipe forgets it with the peer list.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from crypto.short_ids import short_id
from node.clock import independent as of_separate_lineages
from node.saved_json import saved_facts, saved_key

if TYPE_CHECKING:
    from node.log import EventLog
    from node.store import Store
    from node.store.status_read import StatusSnapshot

META_KEY = "refused_as_revoked"


def record(log: EventLog, peer_device: bytes, now: int, forked_at: int | None = None,
           device: bytes | None = None, group_fork: bool = False, group_key_here: bool = False) -> dict[str, Any] | None:
    """Keep that member device `peer_device` refused this device (`device`) as revoked, or as frozen
    by a fork at seq `forked_at` (nobody revoked it then), its own or (`group_fork`) its group key's
    (`group_key_here`: this home holds the group key); what was kept, or None if nothing was (the
    key is no member here, or this peer's refusal is kept already). A further peer saying the same
    is added to its claim's `also` (one write per peer: several groups' word is more than one
    peer's); a different claim is kept beside it, and the claim most groups make is the one said
    (`others`: the rest). A group makes one claim, with at most PER_GROUP of its peers. Blocking."""
    from node import references  # the node's: kept out of `solnet status`'s imports

    member = believed(log, peer_device)
    if member is None:
        return None
    said = {"by": peer_device.hex(), "group": member.group.hex(),
            "name": references.group_name(log.store, member.group)}
    # Each distinct claim is kept with the peers that made it, and the best-supported one is said:
    # keeping only the first claim let one lying peer that refused first (a made-up seq) stop the
    # true refusals of every other group from being counted.
    before = load(log.store)
    claims = claims_of(before)
    if any(peer_device.hex() in {p["by"] for p in refusers(c)} for c in claims):
        return None  # one word per peer: no write per refused dial
    key = (forked_at, "group" if group_fork else None)
    # One group, one word: its devices may add to the claim it made (up to PER_GROUP of them, so
    # that peers are counted), never make another. Else one infiltrating group certifying 16
    # devices filled every place with made-up claims, and the true word of every other group (this
    # device revoked) was never kept nor said.
    of_group = [(claim_key(c), p) for c in claims for p in refusers(c) if p["group"] == said["group"]]
    if any(k != key for k, _ in of_group) or len(of_group) >= PER_GROUP:
        return None
    same = next((c for c in claims if claim_key(c) == key), None)
    if same is not None:
        if len(same.get("also", ())) >= MAX_ALSO:
            return None
        same["also"] = [*same.get("also", ()), said]
    elif len(claims) >= MAX_CLAIMS:
        return None
    else:
        claims.append(_new_claim(log, said, now, forked_at, device, group_fork, group_key_here))
    # a group that refuses this device now no longer takes it
    return _save(log, claims, [t for t in taken_by(before) if t["group"] != said["group"]])


def _save(log: EventLog, claims: list[dict[str, Any]], taken: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Keep `claims` (the one said first, `arranged`) and the groups that `taken` this device since
    (none kept without a claim). What is kept, or None. Blocking."""
    for claim in claims:
        # Whether the groups saying it are of separate lineages (node/clock.py `independent`): one
        # infiltrating member admits a second group with one vouch, and two such groups' word was
        # "said by several groups, it is likely true: ask for your group's removal". Read from the
        # trust graph at each save and each round (status and the dashboard have only the record).
        claim["apart"] = _apart(log, claim)
    kept = {**arranged(claims), **({"taken": taken} if taken else {})} if claims else None
    with log.store.write():
        # (the meta table has no delete of one key: empty is none)
        log.store.set_meta(META_KEY, json.dumps(kept).encode() if kept else b"")
    return kept


def _apart(log: EventLog, claim: dict[str, Any]) -> bool:
    """Whether the groups saying `claim` are of separate lineages in the trust graph now."""
    return of_separate_lineages({bytes.fromhex(p["group"]) for p in refusers(claim)}, log.trust.lineages)


def taken_by(kept: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The groups (`group`, `name`) whose peers completed a round with this device after a claim was
    kept, and have not refused it since: their nodes take it, whatever the claim says."""
    return list((kept or {}).get("taken", ()))


def believed(log: EventLog, peer_device: bytes) -> Any:
    """The trust graph's member `peer_device` if its word is believed: a certified device, neither it
    nor its group revoked (or frozen by a fork); else None."""
    member = log.trust.member(peer_device)
    if member is None or member.role != "device" or member.revoked_from is not None:
        return None
    return member if believed_group(log, member.group) else None


def believed_group(log: EventLog, group: bytes) -> bool:
    member = log.trust.member(group)
    return member is not None and member.revoked_from is None


def _new_claim(log: EventLog, said: dict[str, Any], now: int, forked_at: int | None, device: bytes | None,
               group_fork: bool, group_key_here: bool) -> dict[str, Any]:
    """A claim no peer made before: `said` (the peer), when, and what it says, checked against this
    home's own chain where it can be."""
    kept = {**said, "at": now}
    if forked_at is not None:
        kept["forked_at"] = forked_at
        if group_fork:
            kept["forked_key"] = "group"
        if device is not None:
            kept["device"] = device.hex()
            forked = log.trust.group_of(device) if group_fork else device
            # A fork past this home's own head of that key is not one this home made: if the peer
            # says true, another copy of the key signs elsewhere (a copied home, a seized or stolen
            # device, an older backup restored here). Said so, as that peer's word (a member may
            # lie). A group key this home does not hold: what it holds of the chain is told.
            held = log.store.head(forked)[0] if forked is not None else 0
            if group_fork:
                kept["held"] = held
            if forked_at > held and (group_key_here or not group_fork):
                kept["elsewhere"] = True
    return kept


def claim_key(claim: dict[str, Any]) -> tuple[int | None, str | None]:
    """What a claim says: revoked (None, None), or forked at a seq, the device's key or its group's."""
    return claim.get("forked_at"), claim.get("forked_key")


def claims_of(kept: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every claim kept, the one said first (each without `others`, nor `taken`)."""
    if kept is None:
        return []
    return [{k: v for k, v in kept.items() if k not in ("others", "taken")}, *kept.get("others", ())]


def arranged(claims: list[dict[str, Any]]) -> dict[str, Any]:
    """The claim said (the one the most groups make; at a tie, the one kept first) with the
    others under `others`."""
    ranked = sorted(claims, key=lambda c: -len(groups_saying(c)))  # stable: a tie keeps the order
    return {**ranked[0], **({"others": ranked[1:]} if ranked[1:] else {})}


MAX_CLAIMS = 16  # distinct claims kept: bounded against peers that each say something else
MAX_TAKEN = 8  # groups kept as taking this device since: one says the claim is not every node's verdict
MAX_ALSO = 16  # further peers kept with the first: enough to count groups, bounded against a flood
PER_GROUP = 4  # peers of one group kept in all: a group's devices are one group's word


def refusers(kept: dict[str, Any]) -> list[dict[str, Any]]:
    """Every peer kept as saying it: the first, then the others (`also`)."""
    return [kept, *kept.get("also", ())]


def groups_saying(kept: dict[str, Any]) -> list[str]:
    """The names (or short ids) of the distinct groups whose peers said it, the first's first."""
    names: dict[str, str] = {}
    for p in refusers(kept):
        names.setdefault(p["group"], p.get("name") or f"group {short_id(p['group'])}")
    return list(names.values())


def accepted_by(log: EventLog, peer_device: bytes, device: bytes) -> bool:
    """A complete round of this device (`device`) with `peer_device`: if it is a peer whose refusal
    is kept, it accepts this device after all, and its word goes (the record, if it was the only
    one). So does the word of every peer no longer `believed` (revoked since, or its group): a
    mole's lie stayed said, and every publish said it reached no node, for good after the mole was
    expelled (it never completes a round again). Whether the record changed (a write only then: one
    metadata read a round otherwise). Blocking."""
    kept = load(log.store)
    claims = claims_of(kept)
    gone = {p["by"] for c in claims for p in refusers(c)
            if p["by"] == peer_device.hex() or believed(log, bytes.fromhex(p["by"])) is None}
    left = []
    for claim in claims:
        rest = [p for p in refusers(claim) if p["by"] not in gone]
        if rest:  # the next peer's word is kept, with the claim
            first = {k: v for k, v in claim.items() if k not in ("by", "group", "name", "also")}
            # (the first peer's own dict holds `also`: kept whole, it brought back the peers taken out)
            peer = {k: v for k, v in rest[0].items() if k != "also"}
            left.append({**first, **peer, **({"also": rest[1:]} if rest[1:] else {})})
    # A believed peer of another group linking with this device is word against the claim: "no node
    # will link with it" is false while it does (two infiltrating groups' nodes, one admitted by the
    # other's device, said its group key forked, "likely true: ask for your group's removal", while
    # every honest peer went on syncing with it). One write per group, not one per round: a group
    # that refuses it too (another of its devices) is left out before comparing, not after.
    refusing = {p["group"] for c in left for p in refusers(c)}
    own = log.trust.group_of(device)
    taken = [t for t in taken_by(kept) if t["group"] not in refusing
             and outside_own_group(log, bytes.fromhex(t["group"]), own)]
    member = believed(log, peer_device)
    if left and member is not None and member.group.hex() not in refusing | {t["group"] for t in taken} \
            and outside_own_group(log, member.group, own) and len(taken) < MAX_TAKEN:
        from node import references  # the node's: kept out of `solnet status`'s imports

        taken.append({"group": member.group.hex(), "name": references.group_name(log.store, member.group)})
    # Whether the groups saying a claim are of separate lineages is read from the trust graph as it
    # stands now: a trust event come since (a nearer admitter) may have changed it, whatever the order
    stale = any(c.get("apart") != _apart(log, c) for c in left)
    if not gone and not stale and taken == taken_by(kept):
        return False
    _save(log, left, taken)
    return True


def outside_own_group(log: EventLog, group: bytes, own: bytes | None) -> bool:
    """Whether a round with a peer of `group` is word against a claim about this device, whose group
    is `own` (None: not known here, so no group's is): `group` is believed, and neither this
    device's own group nor one whose admission here rests on it (admitted by it, or by a group
    admitted by it, and so on). This device's own group is refused with it when its group key
    forked or the group was revoked (every honest node then refuses every device of it, which go on
    linking with each other), and whoever forked the group key can sign a vouch past what this node
    holds of the group's chain: a new device, or a new group (honest nodes, which froze the key at
    the fork, take neither), linked with this device to hide a true warning. The groups that
    admitted this device's group are kept as independent: a forked key of it cannot make them
    members, and an honest peer that takes this device is most likely one of them (leaving them out
    gave a mole's lie back its weight)."""
    if own is None or not believed_group(log, group):
        return False
    seen, todo = set(), [group]
    while todo:  # admitters are a wave nearer the founders each: this ends; `seen` bounds it all the same
        key = todo.pop()
        if key == own:
            return False
        if key not in seen:
            seen.add(key)
            member = log.trust.member(key)
            todo.extend(member.admitters if member is not None else ())
    return True


def load(store: Store | StatusSnapshot) -> dict[str, Any] | None:
    """The refusal kept (the claim said, the others under `others`), or None (none kept, or
    damaged: the next refusal is kept again)."""
    kept = _valid(saved_facts(store.get_meta(META_KEY)))
    if kept is None:
        return None
    others = kept.get("others", [])  # damaged: the claim said alone
    others = [c for c in others if isinstance(c, dict) and "others" not in c and _valid(c) is not None] \
        if isinstance(others, list) else []
    kept.pop("others", None)
    taken = kept.pop("taken", [])
    taken = [t for t in taken if isinstance(t, dict) and saved_key(t.get("group")) is not None
             and isinstance(t.get("name"), str)] if isinstance(taken, list) else []
    return {**kept, **({"others": others} if others else {}), **({"taken": taken} if taken else {})}


def _valid(kept: Any) -> dict[str, Any] | None:
    """One claim as kept, if whole (a damaged `also`: the first peer's word alone), or None."""
    if not isinstance(kept, dict) or saved_key(kept.get("by")) is None or saved_key(kept.get("group")) is None \
            or not isinstance(kept.get("at"), int) or not isinstance(kept.get("name"), (str, type(None))) \
            or not isinstance(kept.get("forked_at", 1), int) or not isinstance(kept.get("device", ""), str) \
            or not isinstance(kept.get("held", 0), int):
        return None
    if not isinstance(kept.get("apart", False), bool):  # damaged: counted by its groups again
        kept.pop("apart")
    also = kept.get("also", [])
    if not isinstance(also, list) or not all(isinstance(p, dict) and saved_key(p.get("by")) is not None
                                             and saved_key(p.get("group")) is not None for p in also):
        kept.pop("also", None)
    return kept


def warning(kept: dict[str, Any], group_id: str, when: str) -> str:
    """What `solnet status` and a running node's log say of a kept refusal (`when`: its time, in words):
    as the word of the peers that said it, naming them, one peer's alone or several groups'; and
    any other claim peers made, as contrary to it."""
    return _claim_warning(kept, group_id, when) + contrary(kept) + _taken_words(kept)


def _taken_words(kept: dict[str, Any]) -> str:
    """What says against every claim: peers of groups that linked with this device since (`taken_by`)."""
    names = [t["name"] for t in taken_by(kept)]
    if not names:
        return ""
    return (f"; against it, {'a peer' if len(names) == 1 else 'peers'} of {join_names(names)} linked with this device "
            "since, so their nodes take it: not every node refuses it")


def contrary(kept: dict[str, Any]) -> str:
    """The claims peers made other than the one said (`others`), each as whose word it is."""
    said = []
    for claim in kept.get("others", ()):
        groups, peers = groups_saying(claim), refusers(claim)
        who = f"a peer of {groups[0]}" if len(peers) == 1 else f"{len(peers)} peers, of {join_names(groups)},"
        which = "a lone contrary claim" if len(groups) == 1 else f"a contrary claim, of {len(groups)} groups"
        said.append(f"{which}: {who} said instead that {claim_words(claim)}")
    return "; against it, " + "; ".join(said) if said else ""


def claim_words(claim: dict[str, Any]) -> str:
    """What a claim says, in a few words."""
    seq, key = claim_key(claim)
    if seq is None:
        return "this device or its group is revoked"
    return f"this device's {'group key' if key == 'group' else 'key'} signed two different events at seq {seq}"


def _claim_warning(kept: dict[str, Any], group_id: str, when: str) -> str:
    """What is said of the claim said (`warning`), without the others."""
    groups = groups_saying(kept)
    peers = refusers(kept)
    if len(peers) == 1:
        when_said, whose = f"on {when}", f"one peer's word, device {short_id(kept['by'])}'s"
    else:
        when_said = f"(the first on {when})"
        whose = f"the word of {len(groups)} groups' nodes" if len(groups) > 1 else f"the word of {groups[0]}'s nodes alone"
    who = f"a peer of {groups[0]}" if len(peers) == 1 else f"{len(peers)} peers, of {join_names(groups)},"
    # several groups saying it, and none taking this device since: likely true, and the advice is given as such
    several = several_groups(kept)
    if kept.get("forked_at") is not None and kept.get("forked_key") == "group":
        return (f"{who} refused this device {when_said}, saying ({whose}) that "
                + group_fork_claim(kept["forked_at"], kept.get("held"), bool(kept.get("elsewhere")), several))
    if kept.get("forked_at") is not None and kept.get("elsewhere"):
        return (f"{who} refused this device {when_said}, saying ({whose}: if it is news, ask your "
                f"group's coordinators) that " + frozen_elsewhere(kept["forked_at"], group_id, kept.get("device")))
    if kept.get("forked_at") is not None:  # frozen by a fork: nobody revoked it, and it must not be told so
        return (f"{who} refused this device {when_said}, saying ({whose}: if it is news, ask your "
                f"group's coordinators) that " + frozen(kept["forked_at"], group_id, kept.get("device")))
    # Peers' word, not the network's verdict: said as what they claim (a member's node may be
    # damaged, or lie), with what follows if it is true.
    return (f"{who} refused this device as revoked {when_said}: {whose}, but if it is true, the "
            "network has revoked this device or its group, though the revocation has not reached this node yet, and no node will link with it any "
            "more. Ask your group's coordinators: if this device was revoked (a lost or seized phone), make a new "
            f"device of your group (`solnet init --device-of {group_id}` in a new home); if your whole group was, "
            "a new device will not link either: ask the group that admitted yours")


def several_groups(kept: dict[str, Any]) -> bool:
    """Whether groups independent of one another say the claim said (of separate lineages; a record
    kept before that was known: more than one group), and no other group's peer took this device
    since: only then is the claim likely true."""
    return bool(kept.get("apart", len(groups_saying(kept)) > 1)) and not taken_by(kept)


def join_names(names: list[str]) -> str:
    """`A`, `A and B`, `A, B and C`."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def group_fork_claim(seq: int, held: int | None, elsewhere: bool, several: bool) -> str:
    """What peers say of this device's group key forked at `seq`, checked against what this home
    holds of the group's chain (`held`: its newest seq here; `elsewhere`: this home holds the group
    key and never signed that seq). One group's word is not the network's: one infiltrator's node
    made every group dialling it ask for its own removal. `several`: other groups say it too."""
    claim = f"this device's group key signed two different events at seq {seq}"
    if elsewhere:
        known = (f"; this home holds the group key and it never signed seq {seq} (it is at seq {held or 0}): if so, "
                 "another copy of the group key signs elsewhere (a copy of the group's home, a seized or stolen "
                 "device, or the group's home restored from an older backup)")
    elif held is not None and held >= seq:
        known = (f"; this node holds one event of its group key at seq {seq} and no other, so it cannot confirm it: "
                 "another copy of the group key would have signed the other (a copy of the group's home, or a "
                 "restore that had not caught up)")
    else:
        known = ("; this node has not seen its group key's events up to that seq: the node that holds your group "
                 "key can check its own chain")
    if not several:
        return (claim + known + ". If it is news, ask your group's coordinators, and check whether peers of other "
                "groups refuse this device too (`solnet peers`): until they do, do not ask for your group's removal")
    return (claim + known + ". Said by several groups, it is likely true: then every node has frozen the group key "
            "and no node will link with any device of the group any more. Check with your group's coordinators, "
            "then ask the group that admitted yours to revoke your group from seq 1 and to admit a new group made "
            "with `solnet init` in a new home")


def frozen(seq: int, group_id: str, device_id: str | None) -> str:
    """What a device refused as frozen by its own fork at `seq` is told (nobody revoked it)."""
    return (f"this device's key signed two different events at seq {seq} (a copy of this home, or a restore that "
            "had not caught up, published at a seq the network already held): every node has frozen it; the events "
            f"it signed from seq {seq} are gone, and no node will link with it any more. Make a new device for your "
            f"group (`solnet init --device-of {group_id}` in a new home) and revoke this one (`solnet revoke "
            f"{device_id or 'DEVICE_ID'}` on the node that holds your group key)")


def frozen_elsewhere(seq: int, group_id: str, device_id: str | None) -> str:
    """What a device refused as frozen by a fork at `seq`, a seq this home never signed, is told: its
    key is in other hands (a copy of this home, a seized or stolen device)."""
    return (f"this device's key signed two different events at seq {seq}, a seq this home never reached: another "
            "copy of this device's key signs elsewhere (a copy of this home, a seized or stolen device, or this home "
            "was restored from an older backup). If so, every node has frozen it and no node will link with it any "
            f"more. Make a new device for your group (`solnet init --device-of {group_id}` in a new home) and revoke "
            f"this one (`solnet revoke {device_id or 'DEVICE_ID'}` on the node that holds your group key)")


def group_frozen(seq: int) -> str:
    """What a device whose group key forked at `seq` is told (nobody revoked the group)."""
    return (f"this device's group key signed two different events at seq {seq} (a copy of the group's home, or a "
            "restore that had not caught up, published at a seq the network already held): every node has frozen "
            "it, and no node will link with any device of the group any more. Ask the group that admitted yours to "
            "revoke your group from seq 1 and to admit a new group made with `solnet init` in a new home")


def publish_warning(kept: dict[str, Any], group_id: str, when: str) -> str:
    """What a publish says, signed past a kept refusal: the warning, and that no node takes it; or,
    while peers of other groups link with this device since (`taken_by`), that it goes out to them (the
    alert was already on their nodes while it said it reached no node)."""
    names = [t["name"] for t in taken_by(kept)]
    if names:
        return (warning(kept, group_id, when) + f". It was signed and stored here, and goes out through the "
                f"{'peer' if len(names) == 1 else 'peers'} of {join_names(names)} that took this device's events since")
    return (warning(kept, group_id, when) + ". It was signed and stored here, but if that peer says true, what this "
            "device publishes reaches no node")


def known_revoked(trust: Any, device: bytes) -> str | None:
    """Why a peer refused this device as revoked, when this node's own trust graph (`trust`,
    events.trust.TrustGraph) already says so (`solnet sync`'s error); None when it does not. A
    group that left the network on purpose (`solnet revoke OWN_GROUP_ID`) is told so, not to make
    a new device: no device of it can ever sync again."""
    from events.readmodels import GROUP_LEFT, departure

    me = trust.member(device)
    if me is None:
        return None
    how = departure(me.group, trust.member, trust.revocation)
    if how == GROUP_LEFT:
        return ("this group has left the network (it revoked itself): the peer refused this device, as every node "
                "now does. What the group published before stays; none of its devices can publish or sync any "
                "more. To take part again, a member group can invite a new group (`solnet init --group NAME`, then "
                "`solnet invite`).")
    if how is not None:
        return ("this device's group is revoked: the peer refused this device, as every node now does "
                "(`solnet view groups` says by whom and why). If that is news to you, ask the group that admitted "
                "yours.")
    if me.revoked_from is not None:
        return ("this device is revoked: the peer refused it (and learned the revocation from its credentials). "
                "Make a new device for your group (`solnet init --device-of GROUP_ID`) to sync again.")
    return None
