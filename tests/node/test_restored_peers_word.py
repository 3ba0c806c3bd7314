"""A restored home with two or more peers signs once two distinct peers have completed a round with it
(node/chain_gate.py `needed`): the first one reached may not hold the device's newest event. A
seized phone's node (an infiltrated group's) is such a peer: it completes its round leaving out the
newest event of this device. Its round kept counting as one of the two after its revocation came in,
and not when the revocation came first (a revoked device completes no round here): whether the
restored home forked its own key depended on the order of the round and the revocation. It counts
only while this home takes that device's word (node/heard_before.py `word_counts`), judged when the
next round is counted. Real SQLite, the revocation a real event ingested by the home."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from node import chain_gate, heard_before, peer_blocks
from node.chain_gate import CLOSED, OPEN
from node.log import EventLog, now_ms
from node.store import Store
from node_fixtures import Net, wires
from signing_author import Author


def _restored_with_peers(net: Net, tmp_path: Path) -> tuple[EventLog, list[Author], list[Author]]:
    """A home (Calais) with two configured peers, the devices of Bristol and Dover, restored from a
    backup taken just after a round: (the restored log, the groups, their devices)."""
    (tmp_path / "home").mkdir()
    original, groups = net.log_with_groups(tmp_path / "home" / "solnet.db", ["Bristol", "Dover"])
    devices = [net.device_of(group) for group in groups]
    original.ingest(wires([e for group in groups for e in group.made if e.kind == "member.vouch"]))
    with original.store.write():
        for port, device in zip((7701, 7702), devices):
            original.store.save_peer(f"http://127.0.0.1:{port}", "config",
                                     json.dumps({"device": bytes(device.key.public).hex()}))
    chain_gate.round_completed(original.store, now_ms(), None, bytes(devices[0].key.public))
    original.store.checkpoint()
    original.store.close()
    shutil.copytree(tmp_path / "home", tmp_path / "backup")
    return EventLog(Store(tmp_path / "backup" / "solnet.db")), groups, devices


def _round(log: EventLog, device: Author) -> None:
    """`solnet sync` with that device's node, counted as a node counts it."""
    chain_gate.round_completed(log.store, now_ms(), None, bytes(device.key.public), heard_before.word_counts(log))


def test_a_peer_revoked_after_its_round_is_not_one_of_the_two_a_restored_home_needs(net: Net, tmp_path: Path) -> None:
    restored, (bristol, _dover), (bristol_phone, dover_phone) = _restored_with_peers(net, tmp_path)
    _round(restored, bristol_phone)  # the seized phone: a complete round, the newest event left out
    assert chain_gate.state_now(restored.store, now_ms()) == CLOSED
    revoke = bristol.sign("member.revoke", {"subject": bytes(bristol_phone.key.public), "from_seq": 1})
    assert [o.status for o in restored.ingest(wires([revoke]))] == ["accepted"]
    _round(restored, dover_phone)
    assert chain_gate.state_now(restored.store, now_ms()) == CLOSED, "the revoked phone's round counted as one of two"
    assert chain_gate.awaited(restored.store)[:2] == (2, 1)

    # A round the revoked phone ends now (its link made before the revocation came in) counts no more.
    _round(restored, bristol_phone)
    assert chain_gate.state_now(restored.store, now_ms()) == CLOSED


def test_a_blocked_peer_is_not_counted_and_two_good_peers_open_it(net: Net, tmp_path: Path) -> None:
    restored, groups, (bristol_phone, dover_phone) = _restored_with_peers(net, tmp_path)
    _round(restored, bristol_phone)
    with restored.store.write():
        peer_blocks.block_key(restored.store, bytes(groups[0].key.public), now_ms())
    _round(restored, dover_phone)
    assert chain_gate.state_now(restored.store, now_ms()) == CLOSED, "a blocked group's device's round counted"
    with restored.store.write():
        assert peer_blocks.unblock(restored.store, bytes(groups[0].key.public).hex())
    _round(restored, bristol_phone)
    assert chain_gate.state_now(restored.store, now_ms()) == OPEN
    assert not chain_gate.load(restored.store).restored
