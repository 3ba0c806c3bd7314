"""A peer refused this node's device as revoked: kept, so that `solnet status` and the dashboard
say it before the revocation itself reaches this node. Or as frozen by a fork (its key signed two
different events at one seq: a copy of the home, or a restore, published at a seq the network
already held): nobody revoked it then, and the words say what happened instead (`forked_at`; and
`forked_key` "group" when the key that forked is its group's, which freezes every device of it).

A node learns that its own device (or its group) was revoked only once a peer carries the
revocation to it; but the peers that hold it refuse the device at the handshake and send nothing
more, so it may never arrive. The refusal is the news. It is believed only from a peer whose key
the handshake proved and that is a certified, unrevoked device in this node's trust graph: any
other key could say anything. The first such refusal is kept (who refused, when); later ones write
nothing (an SD card), until a complete round with the peer that refused shows it accepts this
device after all (then the record goes). The panic wipe forgets it with the peer list.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from crypto.short_ids import short_id
from node.saved_json import saved_facts, saved_key

if TYPE_CHECKING:
    from node.log import EventLog
    from node.store import Store
    from node.store.status_read import StatusSnapshot

META_KEY = "refused_as_revoked"


def record(log: EventLog, peer_device: bytes, now: int, forked_at: int | None = None,
           device: bytes | None = None, group_fork: bool = False) -> dict[str, Any] | None:
    """Keep that member device `peer_device` refused this device (`device`) as revoked, or as frozen
    by a fork at seq `forked_at` (nobody revoked it then), its own or (`group_fork`) its group key's;
    what was kept, or None if nothing was
    (the key is no member here, or a refusal is already kept). Blocking."""
    from node import references  # the node's: kept out of `solnet status`'s imports

    member = log.trust.member(peer_device)
    if member is None or member.role != "device" or member.revoked_from is not None or load(log.store):
        return None
    group = log.trust.member(member.group)
    if group is None or group.revoked_from is not None:
        return None
    kept = {"by": peer_device.hex(), "group": member.group.hex(),
            "name": references.group_name(log.store, member.group), "at": now}
    if forked_at is not None:
        kept["forked_at"] = forked_at
        if group_fork:
            kept["forked_key"] = "group"
        if device is not None:
            kept["device"] = device.hex()
            # A fork past this home's own head is not one this home made: if the peer says true,
            # another copy of the key signs elsewhere (a copied home, a seized or stolen device,
            # an older backup restored here). Said so, as that peer's word (a member may lie).
            if not group_fork and forked_at > log.store.head(device)[0]:
                kept["elsewhere"] = True
    with log.store.write():
        log.store.set_meta(META_KEY, json.dumps(kept).encode())
    return kept


def accepted_by(log: EventLog, peer_device: bytes) -> bool:
    """A complete round with `peer_device`: if it is the peer whose refusal is kept, it accepts
    this device after all, and the record goes. Whether it went. Blocking."""
    kept = load(log.store)
    if kept is None or kept.get("by") != peer_device.hex():
        return False
    with log.store.write():
        log.store.set_meta(META_KEY, b"")  # (the meta table has no delete of one key: empty is none)
    return True


def load(store: Store | StatusSnapshot) -> dict[str, Any] | None:
    """The refusal kept, or None (none kept, or damaged: the next refusal is kept again)."""
    kept = saved_facts(store.get_meta(META_KEY))
    if kept is None or saved_key(kept.get("by")) is None or saved_key(kept.get("group")) is None \
            or not isinstance(kept.get("at"), int) or not isinstance(kept.get("name"), (str, type(None))) \
            or not isinstance(kept.get("forked_at", 1), int) or not isinstance(kept.get("device", ""), str):
        return None
    return kept


def warning(kept: dict[str, Any], group_id: str, when: str) -> str:
    """What `solnet status` and a running node's log say of a kept refusal (`when`: its time, in words)."""
    who = kept.get("name") or f"group {short_id(kept['group'])}"
    if kept.get("forked_at") is not None and kept.get("forked_key") == "group":
        return f"a peer of {who} refused this device on {when}: " + group_frozen(kept["forked_at"])
    if kept.get("forked_at") is not None and kept.get("elsewhere"):
        return (f"a peer of {who} refused this device on {when}, saying (one peer's word: if it is news, ask your "
                f"group's coordinators) that " + frozen_elsewhere(kept["forked_at"], group_id, kept.get("device")))
    if kept.get("forked_at") is not None:  # frozen by a fork: nobody revoked it, and it must not be told so
        return (f"a peer of {who} refused this device on {when}, saying (one peer's word: if it is news, ask your "
                f"group's coordinators) that " + frozen(kept["forked_at"], group_id, kept.get("device")))
    # One peer's word, not the network's verdict: said as what that peer claims (a member's node
    # may be damaged, or lie), with what follows if it is true.
    return (f"a peer of {who} refused this device as revoked on {when}: one peer's word, but if it is true, the "
            "network has revoked this device or its group, though the revocation has not reached this node yet, and no node will link with it any "
            "more. Ask your group's coordinators: if this device was revoked (a lost or seized phone), make a new "
            f"device of your group (`solnet init --device-of {group_id}` in a new home); if your whole group was, "
            "a new device will not link either: ask the group that admitted yours")


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
    """What a publish says, signed past a kept refusal: the warning, and that no node takes it."""
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
