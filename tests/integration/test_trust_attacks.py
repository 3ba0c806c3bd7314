"""Attacks on trust, played with real nodes: a member front-running another group's admission, and a
thief holding a copy of a home trying to keep a device its group revoked. Both were possible on
0.1 (docs/design.md section 5): the outcome depended on which event a node received first."""
from __future__ import annotations

import shutil
from pathlib import Path

from local_cluster import Cluster, cli, cli_json, holds, publish, query, status
from node.demo import localnet


def groups(node) -> dict[str, dict]:
    return {g["id"]: g for g in cli_json(node, "view", "groups")}


def trust_view(node) -> dict:
    """What a coordinator sees of membership: every group with its devices, admitters and revocations."""
    # (which device is the viewing node's own, `this_node`, differs from node to node by nature)
    return {gid: {**{k: g[k] for k in ("admitters", "revoked_from", "revoked_by")},
                  "device_list": [{k: v for k, v in d.items() if k != "this_node"} for d in g["device_list"]]}
            for gid, g in groups(node).items()}


def pending_of(node, author: bytes) -> int:
    return query(node, "SELECT count(*) FROM pending WHERE author=?", (author,))[0][0]


def test_a_member_front_running_an_admission_gains_nothing_and_blocks_nothing(cluster: Cluster) -> None:
    """Nodes in a line Bristol - Cardiff - Calais. Bristol (an infiltrated member) sees Dover's
    group id and vouches for it before Calais does: Cardiff receives Bristol's vouch first, Calais
    its own first. On 0.1 Cardiff then refused Calais's vouch and held every later event of
    Calais's group key, including its revocation of Bristol, for ever. Now both nodes agree: Dover
    is admitted by Calais alone, Bristol's vouch has no effect, Calais's revocation of Bristol
    counts, and nothing of Calais waits."""
    calais, bristol, cardiff = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff")])
    dover_home = cluster.root / "dover"
    dover = cli_json(dover_home, "init", "--group", "Dover", "--region", "dover")["group_id"]
    calais_group = calais.home.config().group_id
    bristol_group = bytes.fromhex(bristol.home.config().group_id)
    localnet.line([bristol, cardiff, calais])
    cluster.start_all([calais, cardiff, bristol])

    front_run = publish(bristol, "member.vouch", subject=dover, role="group", **{"as": "group"})
    cluster.wait(lambda: holds(cardiff, front_run), 20, "Bristol's vouch for Dover on Cardiff")
    cli(calais, "invite", dover, "--out", cluster.root / "dover-invite.txt")
    cluster.wait(lambda: holds(cardiff, front_run) and holds(calais, front_run) and dover in groups(cardiff)
                 and dover in groups(calais), 20, "both vouches on every node")
    for node in (calais, cardiff, bristol):
        assert groups(node)[dover]["admitters"] == [calais_group], node.name
    shown = cli(cardiff, "show", front_run.hex()).stdout
    assert "no effect: the group was already admitted by groups nearer the founders" in shown

    # Bristol, trying to use its "admission", cannot revoke Dover; Calais revokes Bristol.
    refused = cli(bristol, "revoke", dover, ok=False)
    assert refused.returncode == 1 and "only the group that admitted it" in refused.stderr, refused.stderr
    cli(calais, "revoke", bristol_group.hex(), "--reason", "infiltrator")
    later = publish(calais, "group.profile", name="Calais", region="calais", description="after the revocation",
                    **{"as": "group"})
    cluster.wait(lambda: holds(cardiff, later), 20, "Calais's later events on Cardiff")
    calais_key = bytes.fromhex(calais_group)
    for node in (calais, cardiff):
        view = groups(node)
        assert view[bristol_group.hex()]["revoked_from"] == 1 and view[bristol_group.hex()]["revoked_by"] == calais_group
        assert view[dover]["admitters"] == [calais_group] and view[dover]["revoked_from"] is None
        assert pending_of(node, calais_key) == 0, f"{node.name} holds events of Calais's group key"
    assert trust_view(calais) == trust_view(cardiff)
    for node in (calais, cardiff):
        peers = cli_json(node, "peers")
        assert not any(p.get("banned") for p in peers), f"{node.name} banned an honest peer: {peers}"


def test_a_thief_with_a_copied_home_cannot_keep_a_revoked_device(cluster: Cluster, tmp_path: Path) -> None:
    """Calais's laptop is seized; the thief holds a copy of its home (keys and passphrase). The
    group, from its restored backup, revokes the laptop's device key; the revocation is signed by
    the group key. The thief signs a new event with the device key at exactly the revoked seq.
    Bristol receives the thief's event first, Cardiff the revocation first: both end the same —
    the device is revoked, the thief's event is not in the log, and the device cannot connect."""
    calais, bristol, cardiff = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff")])
    cluster.start_all([bristol, cardiff])
    for node in (bristol, cardiff):
        cli(calais, "sync", node.address)
    device = calais.home.config().device_id
    thief = tmp_path / "thief"
    shutil.copytree(calais.home.path, thief)  # the copy taken from the seized laptop

    stolen = bytes.fromhex(cli_json(thief, "publish", "alert", "--region", "calais", "--type", "raid",
                                    "--text", "False alarm: everyone go home", "--offline")["id"])
    revoked = cli_json(calais, "revoke", device, "--reason", "laptop seized")
    assert revoked["signed_by"] == "group", revoked
    seq_of_stolen = query_seq(thief, stolen)
    assert revoked["from_seq"] == seq_of_stolen  # the thief signed exactly the first revoked seq

    cli(thief, "sync", bristol.address)  # Bristol: the thief's event first ...
    assert holds(bristol, stolen)
    revocation = bytes.fromhex(revoked["id"])
    deliver_revocation(calais, cardiff)  # ... Cardiff: the revocation first
    assert holds(cardiff, revocation)
    refused = cli(thief, "sync", cardiff.address, ok=False)
    assert refused.returncode != 0 and "revoked" in (refused.stdout + refused.stderr), refused.stderr
    deliver_revocation(calais, bristol)  # now Bristol gets the revocation ...
    cli(bristol, "sync", cardiff.address)  # ... and Cardiff, from Bristol, the thief's event
    device_key = bytes.fromhex(device)
    for node in (bristol, cardiff):
        view = groups(node)[calais.home.config().group_id]
        [laptop] = [d for d in view["device_list"] if d["id"] == device]
        assert laptop["revoked_from"] == seq_of_stolen and laptop["revoked_by"] == calais.home.config().group_id
        assert not holds(node, stolen), f"{node.name} stored the thief's event"
        assert query(node, "SELECT count(*) FROM events WHERE a=(SELECT k FROM keys WHERE key=?) AND seq>=?",
                     (device_key, seq_of_stolen))[0][0] == 0
    assert trust_view(bristol) == trust_view(cardiff)
    assert status(bristol)["revoked"] == status(cardiff)["revoked"]
    # The revoked device is no recipient of new private details: Calais has no other device yet.
    sealed = cli(bristol, "publish", "support.request", "--region", "calais", "--type", "housing", "--people", "1",
                 "--urgency", "high", "--private", "Family of four at the station", "--to",
                 calais.home.config().group_id, ok=False)
    assert sealed.returncode == 1 and "no device that can read it: all its devices are revoked" in sealed.stderr, \
        sealed.stderr


def deliver_revocation(restored, node) -> None:
    """The restored home dials `node`: its credentials (its group key's chain) carry the revocation
    of its own device, so `node` learns it at the door and then refuses that device, ending the
    round at once. The command says so."""
    proc = cli(restored, "sync", node.address, ok=False)
    assert proc.returncode == 1 and "revoked" in proc.stderr, proc.stderr


def kept_past_fork(node, table: str, author: bytes, fork_seq: int) -> list[bytes] | None:
    """The ids `node` keeps in `table` (frozen_revocations, frozen_claims) of what `author` signed
    past its fork point; None until it holds `author` frozen from `fork_seq`."""
    if query(node, "SELECT seq FROM frozen WHERE author=?", (author,)) != [(fork_seq,)]:
        return None
    return [i for (i,) in query(node, f"SELECT id FROM {table} WHERE author=? ORDER BY id", (author,))]


def query_seq(home, event_id: bytes) -> int:
    return query(home, "SELECT seq FROM events WHERE id=?", (event_id,))[0][0]


def test_a_thief_holding_the_group_key_cannot_fork_the_devices_revocation_away(cluster: Cluster,
                                                                                tmp_path: Path) -> None:
    """The copied home holds Calais's group key too. The owner signs a profile and then the
    revocation of the seized laptop with the group key; the thief signs another event with the
    group key at the profile's seq: a fork below the revocation, which used to void it on every
    node. Bristol gets the thief's branch first, Cardiff the owner's; once they have synced, both
    hold the fork as proof, the group key is frozen, the laptop stays revoked (the revocation past
    the fork point still counts), and the thief's device cannot connect."""
    calais, bristol, cardiff = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff")])
    cluster.start_all([bristol, cardiff])
    for node in (bristol, cardiff):
        cli(calais, "sync", node.address)
    device, group = calais.home.config().device_id, calais.home.config().group_id
    thief = tmp_path / "thief"
    shutil.copytree(calais.home.path, thief)

    profile = publish(calais, "group.profile", name="Calais", region="calais", description="owner", **{"as": "group"})
    revoked = cli_json(calais, "revoke", device, "--reason", "laptop seized")
    assert revoked["signed_by"] == "group", revoked
    fork = bytes.fromhex(cli_json(thief, "publish", "group.profile", "--name", "Calais", "--region", "calais",
                                  "--description", "thief", "--as", "group", "--offline")["id"])
    group_key, revocation = bytes.fromhex(group), bytes.fromhex(revoked["id"])
    fork_seq = query_seq(calais, profile)
    assert query_seq(thief, fork) == fork_seq and query_seq(calais, revocation) == fork_seq + 1

    cli(thief, "sync", bristol.address)  # Bristol: the thief's branch first ...
    assert holds(bristol, fork)
    deliver_revocation(calais, cardiff)  # ... Cardiff: the owner's
    assert holds(cardiff, revocation)
    cli(bristol, "sync", cardiff.address)

    cluster.wait(lambda: all(kept_past_fork(n, "frozen_revocations", group_key, fork_seq) == [revocation]
                             for n in (bristol, cardiff)), 30, "the fork and the revocation past it on both")
    for node in (bristol, cardiff):
        [laptop] = [d for d in groups(node)[group]["device_list"] if d["id"] == device]
        assert laptop["revoked_from"] == revoked["from_seq"] and laptop["revoked_by"] == group, (node.name, laptop)
        assert not holds(node, fork) and not holds(node, revocation)  # out of the log: proof and kept revocation
    assert trust_view(bristol) == trust_view(cardiff)
    refused = cli(thief, "sync", cardiff.address, ok=False)
    assert refused.returncode != 0 and "revoked" in (refused.stdout + refused.stderr), refused.stderr


def test_a_fork_of_a_group_key_does_not_hand_the_device_that_consented_to_it_to_another_group(
        cluster: Cluster, tmp_path: Path) -> None:
    """Kent's home is copied, group key included. Kent's owner signs a profile; the thief signs
    another event at that seq (a fork); one seq later the owner certifies a new Pi, with the Pi's
    consent. Calais, holding an old request of the same Pi without consent (as 0.1 made them),
    vouches it too. Kent's vouch is void (past its fork point), but the Pi consented to Kent
    only, so on every node it is nobody's device. Bristol hears of that consent only from
    Cardiff, along with the fork; once they have synced both keep the vouch as a claim."""
    calais, kent, bristol, cardiff = cluster.network([("Calais", "calais"), ("Kent", "kent"), ("Bristol", "bristol"),
                                                      ("Cardiff", "cardiff")])
    cluster.start_all([bristol, cardiff])
    for home in (calais, kent):
        for node in (bristol, cardiff):
            cli(home, "sync", node.address)
    kent_group = bytes.fromhex(kent.home.config().group_id)
    pi = cli_json(tmp_path / "pi", "init", "--device-of", kent_group.hex())
    thief = tmp_path / "thief"
    shutil.copytree(kent.home.path, thief)

    profile = publish(kent, "group.profile", name="Kent", region="kent", description="owner", **{"as": "group"})
    fork = bytes.fromhex(cli_json(thief, "publish", "group.profile", "--name", "Kent", "--region", "kent",
                                  "--description", "thief", "--as", "group", "--offline")["id"])
    cli(kent, "vouch", pi["device_request"], "--out", str(tmp_path / "pi.txt"))
    [(consent, consent_seq)] = query(kent, "SELECT id, seq FROM events WHERE kind='member.vouch' ORDER BY n DESC "
                                           "LIMIT 1")
    fork_seq = query_seq(kent, profile)
    assert query_seq(thief, fork) == fork_seq and consent_seq == fork_seq + 1
    cli(calais, "vouch", f"solnet-device-v1:{pi['device_id']}:{pi['encryption_key']}",
        "--out", str(tmp_path / "pi-without-consent.txt"))

    cli(thief, "sync", bristol.address)  # Bristol: the thief's branch ...
    cli(kent, "sync", cardiff.address)   # ... Cardiff: the owner's, with the Pi's consent
    assert holds(bristol, fork) and holds(cardiff, consent)
    cli(calais, "sync", bristol.address)  # Calais's vouch of the Pi without its consent; the thief's branch
    found = cli(calais, "sync", cardiff.address)  # the owner's branch: Calais finds the fork, and says so
    assert "signed by a key that forked, whose proof is kept" in found.stdout and "invalid" not in found.stderr, found
    cli(bristol, "sync", cardiff.address)  # Bristol finds the fork; a second round gives Cardiff the proof

    cluster.wait(lambda: all(kept_past_fork(n, "frozen_claims", kent_group, fork_seq) == [consent]
                             for n in (bristol, cardiff)), 30, "the fork and the claim past it on both")
    for node in (bristol, cardiff):
        devices = {d["id"] for g in groups(node).values() for d in g["device_list"]}
        assert pi["device_id"] not in devices, f"the Pi became a device on {node.name}"
        assert not holds(node, consent)  # past the fork point: a claim beside the chain, not in the log
    assert trust_view(bristol) == trust_view(cardiff)


def test_a_thief_forking_a_seized_phone_cannot_erase_its_past(cluster: Cluster, tmp_path: Path) -> None:
    """A Calais coordinator's second device (a phone) raised an alert and posted a need; it is
    seized. The thief holds a copy of its home from before those (its seq 0) and signs a "false
    alarm" with its key at seq 1: a fork. The network learns it and, as forks are, takes every
    event of the phone from seq 1 out of the log, on every node: the genuine alert is gone. Calais's
    main node then revokes the phone the usual way; the revocation pins the chain as Calais held it,
    and the alert and the need come back on every node, the thief's event nowhere, no fork left."""
    calais, bristol, cardiff = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff")])
    calais_group = calais.home.config().group_id
    phone_home = tmp_path / "phone"
    made = cli_json(phone_home, "init", "--group", "Calais", "--region", "calais", "--device-of", calais_group)
    cli(calais, "vouch", made["device_request"], "--name", "phone 2", "--out", str(tmp_path / "phone.txt"))
    cli(phone_home, "join", str(tmp_path / "phone.txt"))
    thief = tmp_path / "thief"
    shutil.copytree(phone_home, thief)  # the copy the police made of the phone, as it was then
    localnet.line([bristol, calais, cardiff])
    cluster.start_all([calais, bristol, cardiff])
    alert = bytes.fromhex(cli_json(phone_home, "publish", "alert", "--region", "calais", "--type", "raid",
                                   "--text", "Police at the Rue de Moscou camp", "--offline")["id"])
    need = bytes.fromhex(cli_json(phone_home, "publish", "need", "--category", "water", "--quantity", "40",
                                  "--region", "calais", "--offline")["id"])
    cli(phone_home, "sync", calais.address)
    nodes = (calais, bristol, cardiff)
    cluster.wait(lambda: all(holds(n, alert) and holds(n, need) for n in nodes), 30, "the phone's events everywhere")

    false_alarm = bytes.fromhex(cli_json(thief, "publish", "alert", "--region", "calais", "--type", "raid",
                                         "--text", "False alarm: everyone go home", "--offline")["id"])
    assert query_seq(thief, false_alarm) == query_seq(phone_home, alert) == 1
    cli(thief, "sync", bristol.address, ok=False)  # the fork is found: the thief's event is proof only
    cluster.wait(lambda: not any(holds(n, alert) for n in nodes), 90, "the fork taking the phone's past out")

    # Calais's node holds the fork too: it cannot tell which chain is the phone's own, and says so,
    # with the newest event of each chain; the coordinator names the phone's.
    refused = cli(calais, "revoke", made["device_id"], "--reason", "phone seized", ok=False)
    assert refused.returncode != 0 and "forked at seq 1" in refused.stderr, refused.stderr
    assert need.hex()[:16] in refused.stderr and false_alarm.hex()[:16] in refused.stderr, refused.stderr
    revoked = cli_json(calais, "revoke", made["device_id"], "--pin", need.hex()[:12], "--reason", "phone seized")
    assert (revoked["from_seq"], revoked["signed_by"], revoked["pinned"]) == (3, "group", True), revoked
    cluster.wait(lambda: all(holds(n, alert) and holds(n, need) for n in nodes), 90,
                 "the phone's alert and need back on every node")
    phone = bytes.fromhex(made["device_id"])
    for node in nodes:
        assert not holds(node, false_alarm), node.name
        assert query(node, "SELECT count(*) FROM forks")[0][0] == 0, f"{node.name} still holds the fork"
        assert query(node, "SELECT count(*) FROM forked WHERE author=?", (phone,))[0][0] == 0, node.name
        # The thief's event is kept as a forgery: the fork it proves, should the pin stop counting.
        assert query(node, "SELECT id FROM forged WHERE author=?", (phone,)) == [(false_alarm,)], node.name
        [device] = [d for d in groups(node)[calais_group]["device_list"] if d["id"] == made["device_id"]]
        assert device["revoked_from"] == 3, (node.name, device)
    # The thief tries again: refused at the door (a revoked device), and nothing changes.
    again = cli(thief, "sync", cardiff.address, ok=False)
    assert again.returncode != 0, again.stdout
    assert holds(cardiff, alert) and not holds(cardiff, false_alarm)
    assert trust_view(calais) == trust_view(bristol) == trust_view(cardiff)


def test_syncing_with_a_revoked_peer_says_this_node_refused_it(cluster: Cluster) -> None:
    """Calais revoked Bristol, then dials it: Calais's own check refuses the link. The command said
    the peer had refused *this* device as revoked, sending the coordinator after the wrong key."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    cluster.start(bristol)
    cli(calais, "sync", bristol.address)
    cli(calais, "revoke", bristol.home.config().group_id, "--reason", "infiltrator")
    refused = cli(calais, "sync", bristol.address, ok=False)
    assert refused.returncode != 0 and "this node does not link with that peer" in refused.stderr, refused.stderr
    assert "revoked" in refused.stderr and "this device" not in refused.stderr, refused.stderr
