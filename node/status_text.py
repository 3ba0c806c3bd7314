"""`solnet status` and `solnet peers` as text for people: what `--json` prints (node/status.py),
in lines. Apart from node/render.py, which loads the kinds and the store, so that `status` prints
from the running node's answer having loaded nothing else."""
from __future__ import annotations

from typing import Any

from crypto.short_ids import short_id
from node import revoked_here
from node.words import (LINKED_TWICE, isolated, linked_twice, local_time, named_like_us, node_fact_warnings, one_line,
                        over_share_words, padded, plural)


# A running node with no peer, none added and none dialled in: what it publishes leaves it for no one.
NO_PEER = ("no peer: none is added and none has dialled in, so nothing this node publishes leaves it. Add a member "
           "group's node with `solnet peers add HOST:PORT` (it is dialled within seconds)")


def status_text(out: dict[str, Any]) -> str:
    """`solnet status` for people: the group, whether its node runs, the network and its counts.
    `out` is what `status --json` prints (node.status.node_status)."""
    # every group's name set apart where it has right-to-left letters (node.words.isolated): the
    # short id after one had its digits drawn across it
    group = f"{isolated(out['group_name']) if out['group_name'] else 'A device of group ' + short_id(out['group_id'])}"
    region = f" ({out['region']})" if out.get("region") else ""
    if out["network_id"] is None and out.get("database_damaged"):
        return (f"{group}{region}: {out['database_damaged']}\n"
                f"  group id:  {out['group_id']}\n  device id: {out['device_id']}")
    if out["network_id"] is None and out.get("database_lost_from"):
        from node.store.errors import REBUILD_STEPS  # sqlite3 and our errors only: nothing of the store

        return (f"{group}{region} was in the network {short_id(out['database_lost_from'])}, but its database is gone "
                f"(moved aside?).\n  To rebuild it, {REBUILD_STEPS}\n"
                f"  group id:  {out['group_id']}\n  device id: {out['device_id']}")
    if out["network_id"] is None:
        # A further device (no name of its own yet) joins with a token its group's main node makes
        # from its request: say how to print that again, the line init printed is easily lost.
        nxt = ("\n  Next: ask your group's main node to vouch for this device: `solnet id --request` prints its "
               "request." if not out["group_name"] else "")
        return (f"{group}{region} has not joined a network yet.\n  group id:  {out['group_id']}\n"
                f"  device id: {out['device_id']}{nxt}")
    node = out.get("node") or {}
    # the network's name set apart too: "GROUP network", the default, holds its founding group's name
    lines = [f"{group}{region}, in the network {isolated(repr(out['network_name']))} ({short_id(out['network_id'])})"]
    if node.get("running"):
        where = f"; peers connect to {node['listen'][0]}:{node.get('port')}" if node.get("listen") else ""
        peers = [p for p in out.get("peers", ()) if p.get("source") != "blocked"]
        connected = sum(1 for p in peers if p.get("connected"))
        cut_off = f"; cut off since {local_time(node['cut_off_since'])}" if node.get("cut_off_since") else ""
        # None at all: "0 of 0 peers connected; cut off since ..." gave no reason, and publish sent here for it
        links = (f"{connected} of {plural(len(peers), 'peer')} connected{cut_off}" if peers else NO_PEER)
        lines.append(f"  node: running (pid {node.get('pid')}){where}; {links}")
    elif node.get("starting"):  # `solnet run` at its passphrase prompt or unlocking: seconds on a Pi
        lines.append(f"  node: starting (pid {node.get('pid')}): not serving yet (it asks for the passphrase, unlocks "
                     "its keys and opens its database); `solnet status` again in a few seconds")
    elif "sync_pid" in node:  # (node/sync_mark.py)
        pid = f" (pid {node['sync_pid']})" if node.get("sync_pid") else ""
        lines.append(f"  node: not running; a `solnet sync`{pid} is storing events from a peer now (the counts below "
                     "grow until it ends)")
    else:
        lines.append("  node: not running (start it with `solnet run`)")
    kept = out.get("kept_aside_revoked", 0)  # counted in `pending` too (the JSON's meaning before it)
    lines += [f"  events: {plural(out['events'], 'event')} from {plural(out['authors'], 'author')}; "
              f"{out['pending'] - kept} pending; "
              + (f"{kept} kept aside by revocation; " if kept else "")
              + plural(out['forks'], 'fork'),
              f"  members: {plural(out['groups'], 'group')}, {plural(out['devices'], 'device')}"
              + (f", and {plural(out['devices_of_revoked_groups'], 'device')} of a revoked group (certified before "
                 "its revocation point: {} still sign)".format("it can" if out["devices_of_revoked_groups"] == 1
                                                               else "they can")
                 if out.get("devices_of_revoked_groups") else ""),
              f"  group id:  {out['group_id']}",
              f"  device id: {out['device_id']}"]
    for r in out["revoked"]:
        # By name where the group is known, as `view groups` and the dashboard say it (a summary
        # kept before names were in it has none: the short ids then)
        what = (f"group {isolated(r['name'])} ({short_id(r['id'])})" if r["role"] == "group" and r.get("name")
                else f"device {short_id(r['id'])} of {isolated(r['name'])}" if r.get("name")
                else f"{r['role']} {short_id(r['id'])}")
        if r.get("fork"):  # no one revoked it: the key signed twice at one seq (no revoker, no time)
            lines.append(one_line(f"  {what} forked at seq {r['from_seq']}: its key signed two different events there"))
            continue
        # On one line: the names and the reason are other groups' words, and a line break in them
        # wrote lines of their own into every node's status ("WARNING: ... run ...").
        lines.append(one_line(f"  revoked {what} from seq {r['from_seq']}"
                              + (f" by {revoker(r)} on {local_time(r['at'])}" if r["by"] else "")
                              + (f" ({isolated(r['reason'])})" if r["reason"] else "")))
    gone = {r["id"] for r in out["revoked"]}  # (revoked since: listed above, no warning)
    for o in out.get("over_share", ()):
        if o["author"] not in gone and o["group"] not in gone:
            lines.append(f"  WARNING: {over_share_warning(o)}")
    own = own_key_warnings(out["group_id"], out["device_id"], out["revoked"])
    cut_off_here = bool(own) or bool(out.get("refused_as_revoked"))
    own += revoked_by_our_devices(out["group_id"], out["revoked"])
    if not own and out.get("refused_as_revoked"):  # the revocation has not come, a peer's refusal has
        kept = out["refused_as_revoked"]
        own = [revoked_here.warning(kept, out["group_id"], local_time(kept["at"])) + "."]
    if cut_off_here:  # what it signed and no peer is known to hold, and what its revocation took out
        from node.own_unsent import not_reaching

        unsent = (s["from_seq"], s["to_seq"]) if (s := out.get("unsent_own")) else None
        lost = ((s["from_seq"], s["to_seq"], s.get("kept_here", True), s.get("forked", False))
                if (s := out.get("taken_out_own")) else None)
        lost_from = next((r["from_seq"] for r in out["revoked"] if r["id"] == out["device_id"]), None)
        own += [said + "." for said in not_reaching(unsent, lost, lost_from)]
    lines += [f"  WARNING: {w}" for w in own]
    if wait := out.get("restore_wait"):
        lines.append(f"  WARNING: {restore_wait_text(wait)}")
    elif why := out.get("publish_wait"):
        lines.append(f"  {'WARNING' if why == 'crashed' else 'publishing'}: {publish_wait_text(why)}")
    if out.get("named_like_us"):
        lines.append(f"  WARNING: {named_like_us(out['named_like_us'])}.")
    if out.get("public_feeds_set_by"):
        from node.feeds_opt_in import said
        lines.append(one_line(f"  WARNING: {said(out['public_feeds_set_by'])}."))
    if out.get("admitters_unnamed"):
        vouched = out["admitters_unnamed"]
        todo = (f"Run `solnet accept` on your group's main node: it names {short_id(vouched[0])}, the one group that "
                "vouched for yours" if len(vouched) == 1 else
                "Run `solnet accept GROUP_ID` on your group's main node with the group that invited yours; these "
                f"vouched for it: {', '.join(short_id(g) for g in vouched)}")
        lines.append("  WARNING: this group names no group it joined through, so a member nearer the founders could "
                     f"vouch for it and then revoke it. {todo}.")
    if node.get("running"):
        lines += [f"  WARNING: {w}" for w in node_fact_warnings(node)]
        lines += [one_line(f"  WARNING: {linked_twice(peer_name(p))} (seen {local_time(p['linked_twice'])})")
                  for p in out.get("peers") or () if p.get("linked_twice")]
        if node.get("cut_off_since") and (why := cut_off_why(out.get("peers") or [])):
            lines.append(f"  WARNING: {why}")
    elif node.get("group_key_elsewhere"):  # read from the home's files (node/group_key_marks.py)
        lines += [f"  WARNING: {w}" for w in node_fact_warnings({"group_key_elsewhere": node["group_key_elsewhere"]})]
    if node.get("running") and node.get("database_damaged") and node.get("storage_problem"):
        lines.append(f"  WARNING: {node['storage_problem']}")  # what to do is in it
    elif node.get("running") and node.get("storage_problem"):
        lines.append(f"  WARNING: {node['storage_problem']}: the running node cannot store what peers send; "
                     "free some space")
    elif low := out.get("disk_low"):
        from node.disk import low_space_text

        lines.append(f"  WARNING: {low_space_text(low['folder'], low['free_bytes'])}")
    return "\n".join(lines)


def restore_wait_text(wait: dict[str, Any]) -> str:
    """A restored or copied home's wait for its peers before it signs (node.status.restore_wait)."""
    from node.chain_gate import MOVED_TODO, peers_text  # (only when there is one)

    if wait.get("bundle"):
        return ("this home was restored from a backup, copied or moved to another machine, and it syncs with no "
                "peer: it publishes nothing before it holds the newest bundle it made, so as not to fork its keys. "
                f"{MOVED_TODO}.")
    return ("this home was restored from a backup or copied: it publishes nothing before it has synced, so as not "
            f"to fork its keys. {peers_text(wait['needed'], wait['done'], list(wait['awaited']))}.")


def publish_wait_text(why: str) -> str:
    """Why `publish` on this home waits for a sync (node.status.publish_wait), and what to do."""
    todo = "start the node (`solnet run`: it syncs first) or run `solnet sync PEER` (`solnet peers` lists them)"
    if why == "crashed":
        return ("the node that ran on this home did not stop cleanly (killed, crashed, a power cut): `solnet publish` "
                f"signs nothing before a sync with a peer, so as not to fork its keys; {todo}")
    since = "since it joined" if why == "never_synced" else "in the last 10 minutes"
    return f"after a sync with a peer (none {since}), so as not to fork its keys: {todo}"


def over_share_warning(o: dict[str, Any]) -> str:
    """A key found signing more than its share of the log (node/author_share.py), for people."""
    from node import author_share  # (only when there is one: `status` loads no dataclass otherwise)

    who = over_share_words(bytes.fromhex(o["author"]), bytes.fromhex(o["group"]) if o["group"] else None,
                                        o["name"])
    return (f"{who} sends more than its share ({author_share.share_words()} of events a day): nothing it "
            f"signed from seq {o['from_seq']} is stored here. If it is not a device of your group, tell its group; "
            "its group should revoke it and make a new device key.")


def cut_off_why(peers: list[dict[str, Any]]) -> str | None:
    """Why a running node with no link reaches none of the peers it dials, from their last errors:
    the one they all fail with (a proxy that is down: Tor not running on the Pi), else where to read
    each. None if it dials none, or none has failed yet (a founder waiting to be dialled is no news)."""
    dialled = [p for p in peers if p.get("address") and p.get("source") != "blocked" and not p.get("revoked")]
    errors = {one_line(str(p["last_error"])) for p in dialled if p.get("last_error")}
    if not errors:
        return None
    if len(errors) == 1 and all(p.get("last_error") for p in dialled):
        return (f"no link to any peer: {'it fails' if len(dialled) == 1 else f'all {len(dialled)} fail'} with "
                f"\"{errors.pop()}\"; nothing this node publishes leaves it meanwhile.")
    return ("no link to any peer: nothing this node publishes leaves it meanwhile; `solnet peers` gives each "
            "one's last error.")


# What a group that left can still do (`solnet status`; the dashboard's "ownkey.group_left")
LEFT_TODO = ("What the group published before stays on the other nodes. This home still shows what it holds: export it "
             "(`solnet export FILE`) or wipe it (`solnet wipe`). To come back, make a new group in a new home (`solnet "
             "init --group NAME --region REGION`) and ask a member group to invite it")


def revoker(r: dict[str, Any]) -> str:
    """Who signed the revocation `r` (as node.status.revoked_list gives it): a group, or a device of one."""
    if r.get("by_device_of"):
        return f"device {short_id(r['by'])} of {by_group(r)}"
    return isolated(r["by_name"]) if r.get("by_name") else short_id(r["by"])


def by_group(r: dict[str, Any]) -> str:
    return isolated(r["by_device_of_name"]) if r.get("by_device_of_name") else f"group {short_id(r['by_device_of'])}"


def undo_command(r: dict[str, Any]) -> str:
    """What the revoking device's group runs to undo what that device revoked (a seized phone): the
    device revoked from the seq of its revocation (what it signed before stays, pinned)."""
    return f'solnet revoke {r["by"]} --from-seq {r["by_seq"]} --reason "seized"'


def revoked_by_our_devices(group_id: str, revoked: list[dict[str, Any]]) -> list[str]:
    """The warnings of the keys that a device of this node's group revoked (`revoked`: as
    node.status.revoked_list gives it), other than itself: solnet signs revocations of other keys
    with the group key only, so a device's is a seized or altered phone's, or a thief's. `solnet
    status` prints them; a running node logs them."""
    return [one_line(_revoked_by_our_device(r)) for r in revoked
            if r.get("by_device_of") == group_id and r["by"] != r["id"]]


def _revoked_by_our_device(r: dict[str, Any]) -> str:
    what = f"group {isolated(r['name'])}" if r["role"] == "group" and r.get("name") else f"{r['role']} {short_id(r['id'])}"
    return (f"device {short_id(r['by'])} of this group revoked {what} from seq {r['from_seq']}, with its own key "
            "(solnet signs that with the group key only: a seized or altered phone?). If no one in your group "
            f"decided it, revoke that device from its seq {r['by_seq']} on your group's main node: `{undo_command(r)}` "
            f"(what it signed before stays); the revocation then counts no more, on every node, and {what} is a "
            "member again with all its events.")


def own_key_warnings(group_id: str, device_id: str, revoked: list[dict[str, Any]]) -> list[str]:
    """What the operator must hear if this home's own keys no longer count (`revoked`: as
    node.status.revoked_list gives it): no node links with a revoked or forked device, nor with
    any device of a revoked or forked group. `solnet status` prints it; a running node logs it."""
    own = {group_id: "group", device_id: "device"}
    group_gone = any(r["id"] == group_id for r in revoked)
    lines = []
    for r in revoked:
        role = own.get(r["id"])
        if role is None:
            continue
        # A summary kept before "fork" was listed: a fork's revocation is the key's own, reason "fork"
        forked = r.get("fork", r["reason"] == "fork" and r["by"] == r["id"])
        if forked:
            what = (f"this {role} key signed two different events at seq {r['from_seq']}: a copy of it is in other "
                    "hands (a copied home or an old backup)")
        else:
            what = f"this {role} key is revoked from seq {r['from_seq']}" + (f" ({one_line(r['reason'])})" if r["reason"] else "")
        if role == "group" and not forked and r["by"] == r["id"]:  # it left the network (`solnet revoke OWN_GROUP_ID`)
            what = f"this group left the network: it revoked its own key from seq {r['from_seq']}" + (
                f" ({one_line(r['reason'])})" if r["reason"] else "")
            todo = (f"nothing this node signs is published any more, and no node links with it. {LEFT_TODO}")
        elif role == "group":
            todo = "no node links with this group's devices any more. " + (
                "Ask the group that admitted yours to revoke it from seq 1, and to admit a new group made with "
                "`solnet init` in a new home" if forked else
                f"It was revoked by {revoker(r)}, not by that group's key (solnet never signs so: a seized or "
                f"altered phone?). If that is news to you, ask {by_group(r)} to revoke that device from its seq "
                f"{r['by_seq']} on their main node (`{undo_command(r)}`): this group is then a member again, with "
                "all its events, on every node" if r.get("by_device_of") else
                "If that is news to you, ask the group that admitted yours")
        elif group_gone:  # a new device of a revoked group would not link either
            todo = "no node links with this device any more, nor with any device of its group (see the group's warning)"
        else:
            new_device = f"a new device of your group (`solnet init --device-of {group_id}` in a new home)"
            todo = "no node links with this device any more. " + (
                f"Revoke it with your group key (`solnet revoke {r['id']}` on the node that holds it), and make "
                f"{new_device}" if forked else f"Make {new_device}")
        lines.append(f"{what}; {todo}.")
    return lines


DIRECTIONS = {"outbound": "connected (we dialled)", "inbound": "connected (they dialled in)",
              "both": "connected both ways"}


def peer_line(peer: dict[str, Any]) -> str:
    """One line of `solnet peers`: the peer's group, its address (none if it only dialled in), the
    label logs use for it, how it is linked with its current lag both ways, or since when it is
    cut off; its last sync and last error."""
    if peer.get("source") == "blocked":
        if peer.get("address") or not peer.get("name"):
            return f"blocked: {peer.get('address') or peer.get('id')} (`solnet peers unblock` lifts it)"
        device = "device " if "device_name" in peer else ""  # (a group key has none)
        return f"blocked: {peer_name(peer)} ({device}{peer.get('id')}) (`solnet peers unblock` lifts it)"
    if peer.get("connected"):
        behind, ahead = peer.get("behind"), peer.get("ahead")
        lag = ("lag not measured yet" if behind is None
               else f"{plural(behind, 'event')} behind, {plural(ahead or 0, 'event')} they lack")
        if peer.get("unknown_authors"):  # not in `behind`: a new group's devices, or made up
            lag += f", and events of {plural(peer['unknown_authors'], 'author')} this node does not know yet"
        state = f"{DIRECTIONS.get(peer.get('direction') or 'outbound', 'connected')}, {lag}"
    elif peer.get("revoked"):
        state = "revoked: no node links with it (`solnet peers rm` it)"
    elif peer.get("banned"):
        state = "banned for invalid data"
    elif peer.get("cut_off_since"):
        state = f"cut off since {local_time(peer['cut_off_since'])}"
    else:  # a round of `solnet sync` is no link that was cut off
        state = "not linked now" if peer.get("last_sync") else "never connected"
    if peer.get("not_stored"):  # (its last sync is from before it)
        state += f"; nothing it sends is stored here: {peer['not_stored']}"
    last = local_time(peer["last_sync"]) if peer.get("last_sync") else "never"
    error = f", last error: {peer['last_error']}" if peer.get("last_error") and not peer.get("connected") else ""
    twice = (f"; WARNING: {LINKED_TWICE} (seen {local_time(peer['linked_twice'])})"
             if peer.get("linked_twice") else "")
    return (f"{padded(peer_name(peer), 20)} {peer.get('address') or '(dialled in)':<28} "
            f"{peer.get('label') or '':<12} {peer['source']:<8} {state}; last sync {last}{error}{twice}")


def peer_name(peer: dict[str, Any]) -> str:
    """A peer as `solnet peers` names it: its group's name (and its device's), on one line, each set
    apart where it has right-to-left letters (node.words.isolated): first on its line, such a name
    turned the line right to left, its address and state read first."""
    unnamed = "(revoked)" if peer.get("revoked") else "(group not known yet)"  # its profile left the log with it
    name = isolated(" ".join((peer.get("name") or unnamed).split()))  # a profile's name on one line
    if peer.get("device_name"):
        name += " · " + isolated(" ".join(str(peer["device_name"]).split()))
    return name
