"""A node's status as JSON-able facts: its group, network, counts, peers and whether it runs.

One source for `solnet status --json`, the HTTP API (/api/v1/status, /api/v1/peers) and the
dashboard's network-health panel. Blocking database reads: inside a running node, call these
through the node's `db`.

Without a running node, `solnet status` reads the home's files (`status_from_files`): the counts
and the trust graph's summary from one read-only snapshot (node/store/status_read.py), loading
neither libsodium nor msgpack nor the log, unless the trust graph changed since its summary was
kept; then it builds the graph once and keeps its summary for the next time.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crypto.short_ids import short_id
from node.clock import now_ms
from node import disk, feeds_opt_in, own_unsent, revoked_here
from node.home import Home
from node.saved_json import saved_facts, saved_key
from sync.frontier import frontier_digest_of

if TYPE_CHECKING:
    from events.trust import TrustGraph
    from node.log import EventLog
    from node.store import Store
    from node.store.status_read import StatusSnapshot

RUNNING_WITHIN_MS = 10_000  # a running node saves its runtime facts every few seconds


def peer_list(store: Store | StatusSnapshot, runtime: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every known peer with its last saved health (name, connected, last sync, lag both ways,
    errors); with the `runtime` facts of a running node, the peers that only dialled in too; and
    the blocked addresses (source "blocked"). Not a row kept out by a removal (another spelling of a
    removed address, left by a node that stopped before it took the removal up)."""
    from node import peer_blocks

    blocks = peer_blocks.load(store)
    peers = [{"address": a, "source": src, **(saved_facts(state) or {})} for a, src, state in store.peer_rows()
             if not blocks.keeps_out(a)]
    if runtime and runtime.get("running"):
        peers += runtime.get("inbound") or []
    elif runtime is not None:  # no node runs (it may have crashed): no link is open, whatever was saved
        for peer in peers:
            if peer.get("connected"):
                peer.update(connected=False, direction=None, behind=None, ahead=None, lag=None,
                            cut_off_since=runtime.get("saved"))
    peers += [{"address": a, "source": "blocked", "connected": False} for a in blocks.blocked_addresses()]
    peers += [{"address": None, "source": "blocked", "id": key, "connected": False} for key in sorted(blocks.keys)]
    return peers


def runtime_info(store: Store | StatusSnapshot, home: Home | None = None) -> dict[str, Any]:
    """What the running node (if any) last saved about itself. `running`: with `home`, whether a
    node holds its lock right now (true from its start to its last breath, false at once after a
    stop or a crash), and if not, `starting`: whether a `solnet run` on it does not serve yet (its
    passphrase prompt, the unlock; `pid` then its); without, whether those facts are fresh."""
    info = saved_facts(store.get_meta("runtime")) or {}
    if home is not None:
        info["running"] = home.node_running()
        if not info["running"]:  # the facts of its last run are stale; one that is starting says so
            starting = home.node_starting()
            info["starting"] = starting is not None
            if starting is not None:
                info["pid"] = starting or None  # 0: it did not say (a full disk)
            from node import sync_mark

            syncing = sync_mark.holder(home.path)  # a one-shot `solnet sync` storing events meanwhile
            if syncing is not None:
                info["sync_pid"] = syncing or None
    else:
        info["running"] = bool(info) and now_ms() - info.get("saved", 0) < RUNNING_WITHIN_MS
    return info


def revoked_list(log: EventLog) -> list[dict[str, Any]]:
    """Every revoked key still known to the trust graph: role, group, from which seq, by whom, when, why,
    and whether it is frozen for a fork (two events at one seq) rather than revoked by a signed event;
    the names of its group and of the revoking group, where known."""
    from node import references  # the node's, not `solnet status`'s: kept out of the quick commands' imports

    out = []
    names: dict[bytes, str] | None = None
    for m in log.trust.members.values():
        if m.revoked_from is None:
            continue
        r = log.trust.revocation(m.key)
        names = references.group_names(log.store) if names is None else names
        # A device signing another key's revocation (a group's admitter's device: a seized phone can)
        by = log.trust.member(r.by) if r and not r.fork else None
        by_device_of = by.group if by is not None and by.role == "device" else None
        out.append({"id": m.key.hex(), "role": m.role, "group": m.group.hex(), "from_seq": m.revoked_from,
                    "by": r.by.hex() if r else None, "at": r.at if r else None, "reason": r.reason if r else None,
                    "fork": bool(r and r.fork), "by_seq": r.seq if r and not r.fork else None,
                    "by_device_of": by_device_of.hex() if by_device_of else None,
                    "by_device_of_name": names.get(by_device_of) if by_device_of else None,
                    # as `view groups` and the dashboard name them (a name like another's carries its id)
                    "name": names.get(m.key if m.role == "group" else m.group) or (
                        references.kept_aside_name(log.store, m.group)),
                    "by_name": names.get(r.by) if r else None})
    return sorted(out, key=lambda r: (r["at"] or 0, r["id"]))


def trust_summary(log: EventLog, group_id: str) -> dict[str, Any]:
    """What the status shows of the network and its trust graph (kept by node/store/status_read.py),
    and the groups whose names look like this node's group's (`group_id`)."""
    from node import references  # the node's and a full status's: a kept summary needs none of it

    members = log.trust.members.values()
    # A group revoked from seq n keeps the devices it certified before n (design rule 8): members
    # still, but counted apart, not as plain active devices.
    revoked_groups = {m.key for m in members if m.role == "group" and m.revoked_from is not None}
    active_devices = [m for m in members if m.role == "device" and m.revoked_from is None]
    return {"network_id": log.network_id.hex(), "network_name": log.genesis.name,
            "groups": sum(1 for m in members if m.role == "group" and m.revoked_from is None),
            "devices": sum(1 for m in active_devices if m.group not in revoked_groups),
            "devices_of_revoked_groups": sum(1 for m in active_devices if m.group in revoked_groups),
            "revoked_keys": sum(1 for m in members if m.revoked_from is not None),
            "revoked": revoked_list(log),
            "named_like_us": references.groups_named_like(log.store, log.trust, bytes.fromhex(group_id)),
            # Joined before `join` named the inviting group (events/trust.py, accept): say so, and how.
            "admitters_unnamed": [g.hex() for g in admitters_unnamed(log.trust, bytes.fromhex(group_id))],
            # who signed this group's profile if it opts into the public feeds (node/feeds_opt_in.py)
            "public_feeds_by": feeds_opt_in.opted_in_by(log.store, log.trust, bytes.fromhex(group_id))}


def admitters_unnamed(trust: TrustGraph, group: bytes) -> list[bytes]:
    """The groups that vouched for `group`, in order, if it joined before `join` named the inviting
    group and has named none since (events/trust.py, accept): a member nearer the founders could
    then vouch for it and revoke it. Empty when it named one, or is a founder or no member.
    `solnet status` and the dashboard's overview warn with them, and say to run `solnet accept`.
    For a revoked group, only if the accept of one of them would count past its revocation point
    (a revocation by a group nearer the founders than it, a front-runner's: events/trust.py); past
    any other an accept has no effect, and `solnet accept` refuses it."""
    own = trust.member(group)
    if own is None or own.role != "group" or not own.admitters or trust.accepted_by(group):
        return []
    vouched = sorted(trust.admissions_of(group))
    # (any seq past the revocation point asks the same: what revokes it from there)
    if own.revoked_from is not None and not any(trust.accept_counts_at(group, max(own.revoked_from, 2), g)
                                                for g in vouched):
        return []
    return vouched


def node_status(home: Home, log: EventLog | None, damaged: str | None = None) -> dict[str, Any]:
    """Status of the node in `home`; `log` is None while it has not founded or joined a network, or
    when its database is gone (`database_lost_from` names the network it was in) or damaged
    (`damaged`: the error saying so, and what to do)."""
    if log is None:
        config = home.config()
        return {"group_id": config.group_id, "group_name": config.group_name, "region": config.region,
                "device_id": config.device_id, "network_id": None, "events": 0, "node": {"running": home.node_running()},
                "database_lost_from": config.network_id, "database_damaged": damaged}
    return _status(home, log.store, trust_summary(log, home.config().group_id))


def status_from_files(home: Home) -> dict[str, Any]:
    """`node_status` without a running node: from the summary of the trust graph when it is current,
    else computed in full (and its summary kept for the next time)."""
    home.config()
    if not home.db_path.exists():
        return node_status(home, None)
    from node.store import status_read
    from node.store.errors import DatabaseDamaged

    try:
        before = status_read.snapshot(home.db_path)
        if before is not None and before.summary is not None:
            return _status(home, before, before.summary)
        log = home.log()
    except DatabaseDamaged as exc:  # the status is how its operator learns the ids the rebuild needs
        return node_status(home, None, damaged=str(exc))
    try:
        out = node_status(home, log)
        if before is not None:  # the graph was built from what `before.key` hashes, unless it changed since
            status_read.save_summary(log.store, before.key, trust_summary(log, home.config().group_id))
    finally:
        log.store.close()
    return out


def restore_wait(store: Store | StatusSnapshot) -> dict[str, Any] | None:
    """A restored or copied home that signs nothing yet: how many distinct peers must complete a round
    with it, how many have, and the addresses of the configured peers it still awaits (node/chain_gate.py)."""
    from node import chain_gate

    if chain_gate.moved(store):  # one that syncs with no peer: it waits for its newest bundle (`bundle`)
        return {"needed": 0, "done": 0, "awaited": [], "bundle": True}
    wait = chain_gate.awaited(store)
    return None if wait is None else {"needed": wait[0], "done": wait[1], "awaited": wait[2]}


def publish_wait(store: Store | StatusSnapshot, running: bool) -> str | None:
    """Why `solnet publish` on this home, with no node running, signs nothing before a sync with a
    peer (node/chain_gate.py check), said by `status` before a person finds it out at an alert:
    'crashed', its node did not stop cleanly (it may have lost writes it had sent); 'never_synced', it
    has peers and has not synced with one since it joined; 'not_synced_lately', not for more than
    CONFIRM_FRESH_MS (a node stopped for the night).
    None when it may sign, while a node runs (it syncs first by itself) and for a restored home
    (`restore_wait` says that)."""
    from node import chain_gate

    if running:
        return None
    state = chain_gate.load(store)
    if chain_gate.verdict_of(store, state, now_ms()) != chain_gate.CLOSED:
        return None
    if chain_gate.crashed(store, state):
        return "crashed"
    return "never_synced" if state is None or state.confirmed is None else "not_synced_lately"


def _status(home: Home, store: Store | StatusSnapshot, trust: dict[str, Any]) -> dict[str, Any]:
    config = home.config()
    out: dict[str, Any] = {"group_id": config.group_id, "group_name": config.group_name, "region": config.region,
                           "device_id": config.device_id, "network_id": trust["network_id"], "events": store.count(),
                           "network_name": trust["network_name"],
                           "authors": store.author_count(), "pending": store.pending_count(),
                           "kept_aside_revoked": store.kept_aside_count(),
                           "forks": store.fork_count(), "frozen_authors": [a.hex() for a in store.fork_points()],
                           "over_share": [{"author": o.author.hex(), "group": o.group.hex() if o.group else None,
                                           "name": o.name, "from_seq": o.seq, "at": o.seen}
                                          for o in store.over_share()],
                           "groups": trust["groups"], "devices": trust["devices"],
                           "devices_of_revoked_groups": trust.get("devices_of_revoked_groups", 0),
                           "revoked_keys": trust["revoked_keys"], "revoked": trust["revoked"],
                           "named_like_us": trust["named_like_us"],
                           "admitters_unnamed": trust.get("admitters_unnamed", []),
                           # a device other than this node's put the group on the public feeds
                           "public_feeds_set_by": feeds_opt_in.warning(trust.get("public_feeds_by"), config.device_id,
                                                                       config.group_id),
                           "database_bytes": home.db_path.stat().st_size,
                           "disk_low": disk.low_space_facts(home.path),  # a disk nearly full (node/disk.py), or None
                           "frontier_digest": frontier_digest_of(store.heads()).hex()}
    out["node"] = runtime_info(store, home)
    if not out["node"]["running"]:  # (a running node says it from its watch: node/net/group_key_watch.py)
        from node import group_key_marks
        out["node"]["group_key_elsewhere"] = group_key_marks.from_files(home, store, trust["network_id"])
    out["peers"] = peer_list(store, out["node"])
    out["refused_as_revoked"] = revoked_here.load(store)  # before the revocation itself arrives
    # what this device signed and no peer holds: stranded once the device is cut off; and what its
    # revocation took out: no node takes those (the others may have reached the network) (node/own_unsent.py)
    own = next((r for r in trust["revoked"] if r["id"] == config.device_id), None)
    lost_from = own["from_seq"] if own else None
    out.update(own_unsent.stranded(store, bytes.fromhex(config.device_id), lost_from, home.db_path, trust["network_id"],
                                   bool(own and own.get("fork"))))
    out["restore_wait"] = restore_wait(store)
    out["publish_wait"] = None if out["restore_wait"] else publish_wait(
        store, bool(out["node"]["running"] or out["node"].get("starting")))  # (one starting syncs first)
    out["node"].pop("inbound", None)  # listed among the peers
    return out


def name_blocked(log: EventLog, peers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Name each blocked group or device id of `peers` (`name`: its group's, and `device_name` for a
    device its group named), as `name_peers` names a linked peer: `solnet peers` said a blocked group
    by its 64 hex digits alone. One not known here (left out of the log with its group) stays unnamed."""
    from node import references  # (only when a key is blocked: `solnet peers` needs it for nothing else)

    names = references.group_names(log.store)
    labels = references.device_labels(log.store, log.trust)
    for peer in peers:
        key = saved_key(peer.get("id")) if peer.get("source") == "blocked" else None
        member = log.trust.member(key) if key is not None else None
        if member is not None:
            peer["name"] = names.get(member.group) or f"group {short_id(member.group)}"
            if member.group != key:
                peer["device_name"] = labels.get(key)
    return peers


def _revoked_and_gone(log: EventLog, peer: dict[str, Any]) -> bool:
    """A device that dialled in and has since been revoked (a stolen phone, or its whole group): no
    node links with it any more, so it is no peer that is cut off (`view groups` and `status` list
    the revocation)."""
    if peer.get("address") or peer.get("connected"):
        return False
    return _revoked(log, peer)


def _revoked(log: EventLog, peer: dict[str, Any]) -> bool:
    """Whether the device a peer linked with has since been revoked, or its whole group."""
    device = saved_key(peer.get("device"))
    if device is None:
        return False
    member = log.trust.member(device)
    if member is None:  # it was one to link at all: its certification went with its group's revocation
        return True
    group = log.trust.member(member.group)
    return member.revoked_from is not None or (group is not None and group.revoked_from is not None)


def name_peers(log: EventLog, peers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Name each peer by its group (the profile's name, else the group's short id) and its device
    (`device_name`: as its group's vouch named it, if it did), and give the group id; unknown until
    it has connected once. A revoked device that only dialled in is left out. Blocking: on the
    database thread."""
    from node import references  # the node's, not `solnet status`'s: kept out of the quick commands' imports

    names = references.group_names(log.store)
    peers = [p for p in peers if not _revoked_and_gone(log, p)]
    labels = references.device_labels(log.store, log.trust) if peers else {}
    for peer in peers:
        device = saved_key(peer.get("device"))  # (a damaged one: a peer not known yet)
        member = log.trust.member(device) if device is not None else None
        group = member.group if member is not None else None
        peer["group"] = group.hex() if group is not None else None
        peer["name"] = (names.get(group) or f"group {short_id(group)}") if group is not None else None
        # The name its group gave the device (`solnet vouch --name`): which of a group's devices
        # holds the link, the node at home or a phone that may have been seized.
        peer["device_name"] = labels.get(device) if device is not None else None
        if _revoked(log, peer):  # a configured or announced address kept after its group's revocation
            peer["revoked"] = True
    return peers
