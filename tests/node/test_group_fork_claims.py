"""A member peer that refuses this device saying its GROUP key forked (`group_frozen:N`) is one
peer's word, checked against what this home holds of its group's chain; only several groups saying
it make the advice (ask for the group's removal) likely.

Found on real nodes: an infiltrator's modified client refused everyone who dialled it with
`group_frozen:5`, and the dialler's `solnet status` and log said as fact that every node had frozen
its group key and that it should ask for its own group's removal. Here a real node served in the
test's process dials a peer on 127.0.0.1 that refuses it with Bristol's key (a member's); the
several-groups case is kept by `record` from peers of distinct groups of a certified world.
"""
from __future__ import annotations

import pytest

from crypto.short_ids import short_id
from node import revoked_here
from refusing_peer import know_bristols_device, refused_once
from served_nodes import network  # noqa: F401 (the fixture)

ADVICE = "admit a new group made with `solnet init`"


async def test_one_peer_claiming_a_group_fork_at_a_seq_this_home_holds_is_said_as_its_word(network):
    know_bristols_device(network)
    bristol = bytes(network[1].keys.device.public)
    async with refused_once(network[0], network[1].keys.device, "group_frozen:1") as (node, peer, _):
        kept = node.refused_as_revoked
        assert kept is not None and kept["forked_key"] == "group" and kept["held"] >= 1, kept
        assert not kept.get("elsewhere"), kept  # this home's group key signed seq 1: once, here
        error = peer.last_error
    assert "its word" in error and "every node has frozen" not in error, error  # `solnet peers`, the log
    said = revoked_here.warning(kept, network[0].home.config().group_id, "today")
    assert said.startswith("a peer of Bristol refused this device on today"), said
    assert f"one peer's word, device {short_id(bristol)}'s" in said, said  # naming the peer
    assert "holds one event of its group key at seq 1 and no other" in said, said
    assert ADVICE not in said and "every node has frozen" not in said, said
    assert "until they do, do not ask for your group's removal" in said, said


async def test_one_peer_claiming_a_group_fork_past_the_group_keys_head_here_is_the_key_signing_elsewhere(network):
    know_bristols_device(network)
    async with refused_once(network[0], network[1].keys.device, "group_frozen:999") as (node, _, _):
        kept = node.refused_as_revoked
        assert kept is not None and kept.get("elsewhere") is True, kept  # this home holds the group key
    said = revoked_here.warning(kept, network[0].home.config().group_id, "today")
    assert "one peer's word" in said and "it never signed seq 999" in said, said
    assert "another copy of the group key signs elsewhere" in said and ADVICE not in said, said


def test_peers_of_several_groups_saying_it_make_the_advice_likely_and_are_counted(tmp_path):
    from test_order_independence import certified_world, ingest_in

    world = certified_world()
    log = ingest_in(tmp_path / "solnet.db", world, world.events, [])
    me = world.pub("g1")
    try:
        first = revoked_here.record(log, world.pub("g2"), 1_000, 5, me, group_fork=True)
        assert first is not None and ADVICE not in revoked_here.warning(first, "GROUP", "today")
        assert revoked_here.record(log, world.pub("g2"), 2_000, 5, me, group_fork=True) is None  # once a peer
        other = revoked_here.record(log, world.pub("f1"), 2_000, 6, me, group_fork=True)  # another claim
        assert other is not None and other["forked_at"] == 5, other  # kept beside it; a tie: the first said
        both = revoked_here.record(log, world.pub("g3"), 3_000, 5, me, group_fork=True)
        assert both is not None and revoked_here.load(log.store) == both
        said = revoked_here.warning(both, "GROUP", "today")
        assert said.startswith("2 peers, of ") and "the word of 2 groups' nodes" in said, said
        assert "likely true" in said and ADVICE in said, said
        assert "; against it, a lone contrary claim: a peer of group " in said, said  # (f1's)
        assert said.endswith("said instead that this device's group key signed two different events at seq 6"), said
        # A round with one of them: its word goes, the other's stays
        assert revoked_here.accepted_by(log, world.pub("g2"), me)
        left = revoked_here.load(log.store)
        assert left is not None and left["by"] == world.pub("g3").hex() and "also" not in left, left
        assert left["forked_at"] == 5 and ADVICE not in revoked_here.warning(left, "GROUP", "today")
        assert revoked_here.accepted_by(log, world.pub("g3"), me)
        assert revoked_here.load(log.store)["forked_at"] == 6  # the other claim, said now
        assert revoked_here.accepted_by(log, world.pub("f1"), me) and revoked_here.load(log.store) is None
    finally:
        log.store.close()


def test_every_peer_refusing_as_revoked_is_said_as_their_word_not_one_peers(tmp_path):
    """A revoked phone's status said "a peer of Bristol refused this device as revoked ...: one
    peer's word" while the next line said all 5 peers fail with that refusal."""
    from test_order_independence import certified_world, ingest_in

    world = certified_world()
    log = ingest_in(tmp_path / "solnet.db", world, world.events, [])
    try:
        for peer in ("f1", "f2", "g2", "g3"):
            kept = revoked_here.record(log, world.pub(peer), 1_000, device=world.pub("g1"))
        said = revoked_here.warning(kept, "GROUP", "today")
        assert said.startswith("4 peers, of ") and "refused this device as revoked (the first on today)" in said, said
        assert "the word of 3 groups' nodes" in said and "one peer's word" not in said, said
    finally:
        log.store.close()


@pytest.mark.parametrize("liar_first", [True, False])
def test_a_lying_peer_that_refused_first_does_not_stop_other_groups_true_word_from_being_counted(tmp_path, liar_first):
    """The group key really forked at seq 5, but an infiltrator's node of one group refused this device
    first with a made-up seq (999): only its claim was kept, every honest group's refusal was dropped,
    and status said "one peer's word ... do not ask for your group's removal" for as long as the liar
    kept refusing (no complete round with it ever cleared it)."""
    from test_order_independence import certified_world, ingest_in

    world = certified_world()
    log = ingest_in(tmp_path / "solnet.db", world, world.events, [])
    me = world.pub("g1")
    said_by = [("g2", 999), ("g3", 5), ("f1", 5)] if liar_first else [("g3", 5), ("g2", 999), ("f1", 5)]
    try:
        for at, (peer, seq) in enumerate(said_by):
            assert revoked_here.record(log, world.pub(peer), 1_000 + at, seq, me, group_fork=True) is not None, peer
        kept = revoked_here.load(log.store)
        said = revoked_here.warning(kept, "GROUP", "today")
        assert kept["forked_at"] == 5 and "the word of 2 groups' nodes" in said, said
        assert "two different events at seq 5" in said and "likely true" in said and ADVICE in said, said
        assert "one peer's word" not in said.split("; against it")[0], said
        assert "; against it, a lone contrary claim: a peer of group " in said, said  # (g2's)
        assert said.endswith("said instead that this device's group key signed two different events at seq 999"), said
        assert revoked_here.record(log, world.pub("g2"), 9_000, 999, me, group_fork=True) is None  # once a peer
    finally:
        log.store.close()


def test_one_group_with_many_devices_cannot_crowd_out_the_other_groups_true_word(tmp_path):
    """One infiltrating group certified 16 devices, each refusing this device with a made-up fork seq:
    they filled every place for claims, and the true refusal of three honest groups (this device is
    revoked) was never kept: status went on saying the group key forked, one peer's word."""
    import hashlib

    from crypto.keys import SigningKey
    from test_order_independence import Author, certified_world, device_vouch, ingest_in

    world = certified_world()
    liars = []
    for i in range(16):
        key = SigningKey(hashlib.sha256(b"liar" + bytes([i])).digest())
        world.keys[f"liar{i}"], world.authors[f"liar{i}"] = key, Author(key, world.genesis.network_id)
        world.events.append(world.authors["G2"].sign("member.vouch", device_vouch(world.keys["G2"], key, bytes([i]) * 32)))
        liars.append(f"liar{i}")
    log = ingest_in(tmp_path / "solnet.db", world, world.events, [])
    me = world.pub("g1")
    try:
        assert revoked_here.record(log, world.pub(liars[0]), 1_000, 100, me, group_fork=True) is not None
        for i, liar in enumerate(liars[1:], 1):  # the same group: neither another claim nor more than PER_GROUP
            revoked_here.record(log, world.pub(liar), 1_000 + i, 100 + i, me, group_fork=True)
        kept = revoked_here.load(log.store)
        assert len(revoked_here.claims_of(kept)) == 1 and len(revoked_here.refusers(kept)) <= revoked_here.PER_GROUP
        for peer in ("f1", "g3", "x"):
            assert revoked_here.record(log, world.pub(peer), 5_000, device=me) is not None, peer
        said = revoked_here.warning(revoked_here.load(log.store), "GROUP", "today")
        assert "refused this device as revoked" in said and "the word of 3 groups' nodes" in said, said
    finally:
        log.store.close()


def test_two_groups_of_one_lineage_saying_it_are_one_word_not_several(tmp_path):
    """An infiltrating member's group G2 admits G3 with one vouch; their two nodes say this device's
    group key forked: "said by several groups, it is likely true: ask for your group's removal" was
    given on one infiltrator's word (a critic). Groups of one lineage are one word (node/clock.py
    `independent`); a group of another lineage saying it too makes it likely again."""
    import hashlib

    import test_order_independence as toi
    from crypto.keys import SigningKey
    from test_order_independence import ingest_in, new_world, play

    world = new_world()
    for name in ("G4", "g4"):
        world.keys[name] = SigningKey(hashlib.sha256(b"lineage " + name.encode()).digest())
        world.authors[name] = toi.Author(world.keys[name], world.genesis.network_id)
    devices = {**toi.DEVICES, "g4": "G4"}
    play(world, [("admit", "F", "G1"), ("admit", "F", "G2"), ("admit", "G2", "G3"), ("admit", "F", "G4"),
                 *[("device", g, d, True) for d, g in devices.items() if d in ("g1", "g2", "g3", "g4", "x")]])
    log = ingest_in(tmp_path / "solnet.db", world, world.events, [])
    me = world.pub("g1")
    try:
        for peer in ("g2", "g3"):  # the infiltrator's two groups
            kept = revoked_here.record(log, world.pub(peer), 1_000, 2, me, group_fork=True)
        said = revoked_here.warning(kept, "GROUP", "today")
        assert "the word of 2 groups' nodes" in said and "likely true" not in said and ADVICE not in said, said
        # A record kept while the graph said otherwise (G2's vouch of G3 come since) is read again at
        # the next round, whoever it is with (here this device's own group's other device)
        import json
        log.store.set_meta(revoked_here.META_KEY, json.dumps({**kept, "apart": True}).encode())
        assert "likely true" in revoked_here.warning(revoked_here.load(log.store), "GROUP", "today")
        assert revoked_here.accepted_by(log, world.pub("x"), me)
        kept = revoked_here.load(log.store)
        assert "likely true" not in revoked_here.warning(kept, "GROUP", "today")
        assert not revoked_here.accepted_by(log, world.pub("x"), me)  # nothing changed: no write
        kept = revoked_here.record(log, world.pub("g4"), 2_000, 2, me, group_fork=True)  # a group of its own lineage
        assert "likely true" in revoked_here.warning(kept, "GROUP", "today")
    finally:
        log.store.close()
