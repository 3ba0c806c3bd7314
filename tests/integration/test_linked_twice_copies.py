"""A thief copies a running member's home (`cp -a`) and knows the passphrase: the copy runs at another
address with the same device key and links to the same peer beside the original. Until 2026-12-05
the peer kept both links without a word (`solnet peers` showed one "Bristol connected" row), and
the copy received what was sealed to Bristol's group. The peer now says that device is linked twice
at once from two places, in its log (no address), `solnet status` and `solnet peers`, and tells the
device itself by closing the older of the two links with those words, so that the original's
operator learns it too (its log and `solnet status` say it). Neither link is refused: either may be the honest owner's.

A restart of the device's node (its old link racing its close) and a one-off `solnet sync` beside
its running node are two links of one device too, and say nothing.

Real `solnet run` processes on 127.0.0.1, rounds every second.
"""
from __future__ import annotations

import dataclasses
import re
import shutil
import signal
from pathlib import Path

from local_cluster import Cluster, cli, cli_json, log_text, open_links
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.home import Home
from node.linked_twice import LINKED_TWICE as CODE
from node.words import LINKED_TWICE
from sync.addresses import normalize_address

TOLD = f"closed the connection: {CODE}: "
HERE = "that it holds two links of this device at once, from two places"


def test_a_copy_of_a_running_home_linked_beside_it_is_said_and_told(cluster: Cluster, tmp_path: Path) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    bristol.peers = [calais.port]
    cluster.start(calais)
    cluster.start(bristol)
    cluster.wait(lambda: "connected (inbound)" in log_text(calais), 30, "Bristol linked with Calais")
    thief = _copy_of(cluster, bristol, tmp_path / "thief")

    cluster.wait(lambda: LINKED_TWICE in log_text(calais), 30, "Calais saying Bristol is linked twice")
    said = [line for line in log_text(calais).splitlines() if LINKED_TWICE in line]
    assert len(said) == 1 and " WARNING " in said[0], said
    assert "127.0.0.1" not in said[0] and not re.search(rf":({bristol.port}|{thief.port})\b", said[0]), said
    assert bristol.home.config().device_id[:12] in said[0], said  # which device, to check and revoke

    peers = cli(calais, "peers").stdout
    [row] = [line for line in peers.splitlines() if "Bristol" in line]
    assert f"WARNING: {LINKED_TWICE}" in row, peers
    status = cli(calais, "status").stdout
    assert f"WARNING: Bristol is {LINKED_TWICE}" in status, status
    # ... and the device is told, on the older link: the original's (the copy's, the next time)
    cluster.wait(lambda: TOLD in log_text(bristol), 10, "the original Bristol told by Calais")
    assert TOLD not in log_text(thief)
    [warned] = [line for line in log_text(bristol).splitlines() if HERE in line]
    assert " WARNING " in warned and "revoke this device" in warned, warned
    said = cli(bristol, "status").stdout  # as Calais's word, by its label and device id
    by = f"(device {calais.home.config().device_id[:12]}) said on "
    assert f"WARNING: " in said and by in said and HERE in said and "its word" in said, said
    assert "revoke this device" in said, said
    # Not locked out: the original links again beside the copy
    cluster.wait(lambda: log_text(bristol).count("connected (outbound)") >= 2, 30, "the original linked again")


def test_a_copy_that_never_dials_dialled_at_its_own_address_is_one_link_here(cluster: Cluster,
                                                                            tmp_path: Path) -> None:
    """The copy need not dial: Calais dials Bristol, then learns the copy's address (`solnet peers
    add`, or an announcement) and dials it too, and Bristol's device answers there as well. From
    5e9b46f to 2026-12-05 Calais kept both links and said the device was linked twice; but an
    honest node at two addresses (a host name and its IP, clearnet and onion) looks the same from
    here before any round, and was told to revoke its own working device after every restart. So
    Calais keeps the link it holds and closes the second at once (tests/integration/
    test_one_node_two_addresses.py): it cannot tell this copy, which its other peers see when it
    dials them (above). The copy's address is remembered as Bristol's device."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    calais.peers = [bristol.port]  # Bristol dials nobody: every link here is Calais's
    cluster.start(bristol)
    cluster.start(calais)
    cluster.wait(lambda: "connected (outbound)" in log_text(calais), 30, "Calais linked with Bristol")
    thief = _copy_of(cluster, bristol, tmp_path / "thief")
    cli(calais, "peers", "add", thief.address)

    device = bristol.home.config().device_id
    address = normalize_address(thief.address)
    cluster.wait(lambda: any(p.get("address") == address and p.get("device") == device for p in cli_json(calais, "peers")),
                 30, "Calais dialling the copy's address, and knowing whose device answers there")
    assert "leads to a peer this node already holds a link with; closed" in log_text(calais)
    assert log_text(calais).count("connected (outbound)") == 1 and open_links(calais) == 1
    assert LINKED_TWICE not in log_text(calais) and TOLD not in log_text(bristol) and TOLD not in log_text(thief)


def test_an_old_link_left_silent_and_one_off_syncs_beside_the_running_node_say_nothing(cluster: Cluster,
                                                                                    tmp_path: Path) -> None:
    """Bristol's node stops answering (a Pi frozen, a link dead unseen): its link lingers on Calais,
    silent, until Calais's watchdog closes it. Its home goes on on another machine (a backup, as a
    copy: the same key at another address) and dials Calais: two links of one device, the old one
    carrying no round after the new one's first. Then `solnet sync` beside that running node, three
    times: a third link each time, carrying a round or two. None of it is a copy running."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    bristol.peers = [calais.port]
    cluster.start(calais)
    cluster.start(bristol)
    cluster.wait(lambda: _last_sync(calais, bristol) > 0, 30, "a round of Bristol's with Calais")
    first = _last_sync(calais, bristol)
    cluster.wait(lambda: _last_sync(calais, bristol) > first + 3_000, 30, "three more rounds (more than a sync's)")
    assert bristol.proc is not None
    bristol.proc.send_signal(signal.SIGSTOP)  # (killed at the end: its link is never closed by it)
    moved = _copy_of(cluster, bristol, tmp_path / "bristol-moved")
    cluster.wait(lambda: log_text(calais).count("connected (inbound)") == 2, 30, "Bristol's home linked again")
    moved_in = _last_sync(calais, bristol)
    cluster.wait(lambda: _last_sync(calais, bristol) > moved_in + 4_000, 30, "rounds of the moved node, beside the old link")
    assert "disconnected" not in log_text(calais), "the old link lingers all along"
    assert LINKED_TWICE not in log_text(calais), log_text(calais)
    for _ in range(3):  # (the first one's link replaces the old one: sync/link_slots.py)
        cli(moved, "sync", calais.address)
    synced = _last_sync(calais, bristol)
    # Long past the rounds that say a copy: Bristol's moved node has opened five more on its link
    cluster.wait(lambda: _last_sync(calais, bristol) > synced + 5_000, 30, "five more rounds of the moved node")
    assert LINKED_TWICE not in log_text(calais), log_text(calais)
    assert LINKED_TWICE not in cli(calais, "peers").stdout
    assert TOLD not in log_text(moved)
    cluster.kill(bristol)


def _copy_of(cluster: Cluster, node: LocalNode, path: Path) -> LocalNode:
    """A copy of `node`'s home (`cp -a` while it runs), run at another port with the same peers."""
    shutil.copytree(node.home.path, path, symlinks=True, ignore=shutil.ignore_patterns("node.sock"))
    [port] = localnet.free_ports(1)
    copy = dataclasses.replace(node, name=path.name, home=Home(path), port=port, proc=None, log_path=None)
    cluster.adopt([copy])
    cluster.start(copy)
    return copy


def _last_sync(node: LocalNode, peer: LocalNode) -> int:
    """When `node` last completed a round with `peer`'s device (ms; 0: never)."""
    device = peer.home.config().device_id
    return max([p.get("last_sync") or 0 for p in cli_json(node, "peers") if p.get("device") == device], default=0)
