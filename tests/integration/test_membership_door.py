"""Membership is checked at the door: a node of another network, and a node whose group was
revoked, get nothing from a running node; the revoked keys' events are purged everywhere."""
from __future__ import annotations

import re
import shutil

from local_cluster import (PASSPHRASE, Cluster, cli, cli_json, event_ids, holds, log_text, open_links, publish_action, query,
                           status)
from node.log import now_ms


def test_a_node_of_another_network_gets_nothing(cluster: Cluster) -> None:
    calais, = cluster.network([("Calais", "calais")])
    outsider, = cluster.network([("Lyon", "lyon")], name="another network", folder="other")
    assert status(calais)["network_id"] != status(outsider)["network_id"]
    publish_action(calais, "Only for members")
    publish_action(outsider, "From another network", region="lyon")
    # Each dials the other: neither as the dialling side nor as the listening side may data pass.
    outsider.peers.append(calais.port)
    calais.peers.append(outsider.port)
    ours, theirs = event_ids(calais), event_ids(outsider)
    cluster.start(calais)
    cluster.start(outsider)

    cluster.wait(lambda: "refused an incoming sync connection" in log_text(calais)
                 and "refused an incoming sync connection" in log_text(outsider), 15, "both listeners refusing")
    # Both keep trying (with backoff): wait for a second refused dial, then look at what was stored.
    cluster.wait(lambda: len(re.findall(r"cannot reach peer~\w+ \(", log_text(outsider))) >= 2, 15,
                 "the outsider's second refused dial")
    assert event_ids(outsider) == theirs
    assert event_ids(calais) == ours
    assert not query(calais, "SELECT 1 FROM pending") and not query(outsider, "SELECT 1 FROM pending")
    for node in (calais, outsider):
        assert " connected (" not in log_text(node), f"{node.name} completed a link with another network"
        assert node.proc.poll() is None


def test_a_revoked_group_is_refused_and_its_events_purged(cluster: Cluster) -> None:
    calais, bristol, cardiff = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff")])
    bristol.peers.append(calais.port)
    cardiff.peers.append(calais.port)
    for node in (calais, bristol, cardiff):
        cluster.start(node)
    cardiff_group = bytes.fromhex(cardiff.home.config().group_id)
    cardiff_device = bytes.fromhex(cardiff.home.config().device_id)
    from_cardiff = {publish_action(cardiff, f"Cardiff action {i}", region="cardiff") for i in range(2)}
    cluster.wait(lambda: from_cardiff <= event_ids(calais) and from_cardiff <= event_ids(bristol), 20,
                 "Cardiff's events on Calais and Bristol before the revocation")

    def signed_by_cardiff(node) -> int:
        return query(node, "SELECT count(*) FROM events JOIN keys ON k = a WHERE key IN (?, ?)", (cardiff_group, cardiff_device))[0][0]

    log_mark = len(log_text(calais))
    cli(calais, "publish", "member.revoke", "--subject", cardiff_group.hex(), "--from-seq", "1", "--as", "group",
        "--reason", "device seized")
    cluster.wait(lambda: signed_by_cardiff(calais) == 0 and signed_by_cardiff(bristol) == 0, 20,
                 "Cardiff's events purged from Calais and Bristol")
    cluster.wait(lambda: "no longer a member" in log_text(calais)[log_mark:], 10, "Calais dropping Cardiff's link")
    # Its group's vouch for the device is purged with the rest, so the device is refused as
    # revoked or as not (any more) a member, whichever the node sees first.
    refused = re.compile(r"refused an incoming sync connection: (revoked|not_a_member)")
    cluster.wait(lambda: refused.search(log_text(calais)[log_mark:]) is not None, 15,
                 "Calais refusing Cardiff's redial")

    after = publish_action(calais, "After the revocation")
    cluster.wait(lambda: holds(bristol, after), 15, "a member still receiving new events")
    one_shot = cli(cardiff, "sync", calais.address, ok=False)
    assert one_shot.returncode == 1 and "refused" in one_shot.stderr, (one_shot.stdout, one_shot.stderr)
    assert "Traceback" not in one_shot.stderr
    assert not holds(cardiff, after)
    assert from_cardiff.isdisjoint(event_ids(calais) | event_ids(bristol))
    assert status(calais)["revoked_keys"] >= 1
    assert cardiff.proc.poll() is None, "a refused node keeps running"


def test_events_published_with_a_revocation_do_not_reach_the_revoked_node(cluster: Cluster) -> None:
    """A script (or the web form) that revokes a group and publishes right after: the revoked node
    must be cut off before anything published after its revocation is gossiped to it."""
    calais, cardiff = cluster.network([("Calais", "calais"), ("Cardiff", "cardiff")])
    cardiff.peers.append(calais.port)
    cluster.start(calais)
    cluster.start(cardiff, sync_interval=60)  # after the first round, only push could carry anything
    cluster.wait(lambda: open_links(calais) == 1 and open_links(cardiff) == 1, 15, "Cardiff linked to Calais")

    keys = calais.home.keys(PASSPHRASE)
    log = calais.home.log()  # a second writer on the running node's home, like `solnet publish`
    try:
        log.append(keys.group, "member.revoke", {"subject": bytes.fromhex(cardiff.home.config().group_id),
                                                 "from_seq": 1, "reason": "device seized"})
        after = log.append(keys.device, "action", {"title": "Meeting point for tomorrow", "region": "calais",
                                                   "type": "direct_action", "starts_at": now_ms() + 86_400_000}).id
    finally:
        log.store.close()
    # Cardiff's "disconnected" line is said once its reader has read the link to its end and stored
    # what arrived on it (PeerLink.serve, node/net/peer_link.py: ingest.finish; the line is said after
    # it ends, node/net/links.py `_serve`), and
    # the link is ordered: whatever Calais sent before cutting it is in Cardiff's store or pending
    # table by then. (A second's sleep was a guess, which under load could look before the landing.)
    cluster.wait(lambda: open_links(cardiff) == 0, 10, "Calais cutting Cardiff off")
    assert not holds(cardiff, after), "an event published after the revocation was pushed to the revoked node"
    assert not query(cardiff, "SELECT 1 FROM pending WHERE id=?", (after,)), "pushed to the revoked node (held pending)"


def test_a_configured_peer_revoked_from_its_start_is_not_dialled_every_few_seconds(cluster: Cluster) -> None:
    """Brighton keeps Bristol as a configured peer; Calais revokes Bristol from seq 1. Bristol's node
    learns it and shows no credentials any more, so Brighton's own check finds its device no member
    ("not_a_member"), which counted as an outage: Brighton dialled it within 5 s for as long as both
    ran (a signed handshake each time, and three log lines on Bristol's SD card). It is now a state
    that lasts, tried again after the usual backoff, and said so in words."""
    calais, brighton, bristol = cluster.network([("Calais", "calais"), ("Brighton", "brighton"), ("Bristol", "bristol")])
    brighton.peers += [calais.port, bristol.port]
    bristol.peers.append(calais.port)
    cluster.start_all([calais, brighton, bristol])
    cluster.wait(lambda: open_links(bristol) == 2, 20, "Bristol linked with Calais and Brighton")
    cli(calais, "revoke", bristol.home.config().group_id, "--reason", "infiltrated")
    # Bristol hears of it: from the revocation itself, or from a peer refusing it as revoked (Brighton,
    # dialling it, no longer shows its credentials to a device it knows is revoked: sync/transport.py)
    cluster.wait(lambda: "WARNING this group key is revoked from seq 1" in log_text(bristol)
                 or "refused this device as revoked" in log_text(bristol), 20, "Bristol hearing of it")
    said = re.compile(r"cannot reach peer~\w+ \(this node does not count it as a member: (that key is not a certified "
                      r"device of this network|that device's group is revoked); tried again after longer and longer "
                      r"waits, up to 5 minutes "
                      r"\(`solnet peers rm` it if it is gone for good\)\); \d+ failures? in a row")
    cluster.wait(lambda: said.search(log_text(brighton)) is not None, 20, "Brighton's refused dial, in words")
    assert "not_a_member: that key" not in log_text(brighton), log_text(brighton)
    # Bristol, dialling its peers, hears no code ("not_a_member: the peer refused this device: not_a_member")
    words = ("(it does not count this node's device as a member of this network (revoked, or blocked there); tried "
             "again after longer and longer waits, up to 5 minutes)")
    # (or, when no dialler handed Bristol its revocation, the refusal as revoked in words)
    told = "(it refused this node's device as revoked (`solnet status` says what to do))"
    cluster.wait(lambda: words in log_text(bristol) or told in log_text(bristol), 20, "Bristol's refused dial")
    assert "refused this device: not_a_member" not in log_text(bristol), log_text(bristol)
    # Brighton's list of peers says Bristol's address is of a revoked group: it said "(group not
    # known yet)" and "never connected", as for a peer that had never answered.
    line = lambda: next((l for l in cli(brighton, "peers").stdout.splitlines() if str(bristol.port) in l), "")  # noqa: E731
    cluster.wait(lambda: line().startswith("(revoked)"), 20, "Brighton's `peers` naming Bristol's address revoked")
    assert "revoked: no node links with it" in line() and "not known yet" not in line(), line()
    listed = next(p for p in cli_json(brighton, "peers") if (p.get("address") or "").endswith(f":{bristol.port}"))
    assert listed["revoked"] is True, listed


def test_a_device_found_forked_loses_its_link_at_once(cluster: Cluster, tmp_path) -> None:
    """A thief's copy of Bristol's home signs at a seq Bristol used: Calais finds the fork, which
    freezes the device, and drops its open link at once. A fork stores no new event (it takes the
    device's newest ones out), and the watcher looked for a changed trust graph only when a new
    event was stored: the frozen device kept its link, and was sent the next events, until then."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    cli(bristol, "publish", "action", "--title", "Vigil", "--region", "bristol", "--type", "protest",
        "--starts-at", "2031-06-01T18:00", "--offline")
    thief = tmp_path / "thief"
    shutil.copytree(bristol.home.path, thief)
    bristol.peers.append(calais.port)
    cluster.start_all([calais, bristol])
    cluster.wait(lambda: open_links(calais) == 1, 20, "Bristol linked with Calais")
    second = publish_action(bristol, "Bristol's second")  # its seq 2, handed to its running node
    cluster.wait(lambda: holds(calais, second), 20, "Bristol's second action on Calais")
    mark = len(log_text(calais))
    cli(thief, "publish", "need", "--category", "tents", "--quantity", "3", "--region", "bristol", "--offline")
    cli(thief, "sync", f"127.0.0.1:{calais.port}", ok=False)  # the thief's copy, at seq 2 too
    cluster.wait(lambda: not holds(calais, second), 20, "Calais finding the fork")
    cluster.wait(lambda: "no longer a member" in log_text(calais)[mark:], 10, "Calais dropping the frozen device's link")
    cluster.wait(lambda: open_links(calais) == 0, 10, "no link left with the frozen device")
