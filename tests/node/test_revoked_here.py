"""Which refusals of this device as revoked a node believes and keeps (node/revoked_here.py): a
member device's, once; not an unknown key's; and the record goes when that peer completes a
round with this device after all."""
from __future__ import annotations

from nacl.signing import SigningKey

from node import revoked_here
from node_fixtures import wires


def test_a_members_refusal_is_kept_once_an_unknown_keys_never_and_a_round_with_it_takes_it_back(net, tmp_path):
    log = net.new_log(tmp_path / "solnet.db")
    log.ingest(wires(net.group.made))
    member = bytes(net.device.key.public)
    stranger = bytes(SigningKey.generate().verify_key)

    assert revoked_here.record(log, stranger, 1_000) is None and revoked_here.load(log.store) is None
    kept = revoked_here.record(log, member, 2_000)
    assert kept == {"by": member.hex(), "group": bytes(net.group.key.public).hex(), "name": "Calais", "at": 2_000,
                    "apart": False}
    assert revoked_here.record(log, member, 3_000) is None  # kept once: no write per refused dial
    assert revoked_here.load(log.store) == kept

    me = bytes(SigningKey.generate().verify_key)  # this device
    assert not revoked_here.accepted_by(log, stranger, me) and revoked_here.load(log.store) == kept
    assert revoked_here.accepted_by(log, member, me) and revoked_here.load(log.store) is None
    log.store.close()



def test_a_sync_refused_as_revoked_says_a_group_that_left_has_left_not_to_make_a_new_device(tmp_path):
    """`solnet sync` of a group that left the network (`solnet revoke OWN_GROUP_ID`: its devices, then
    its key) told it to make a new device to sync again: no device of a group that left ever will."""
    from test_order_independence import certified_world, ingest_in

    def said(name: str) -> str | None:
        world = certified_world()
        g2, device = world.authors["G2"], world.pub("g2")
        if name in ("left", "device"):
            world.events.append(g2.sign("member.revoke", {"subject": device, "from_seq": 1, "reason": "gone"}))
        if name == "left":
            world.events.append(g2.sign("member.revoke", {"subject": world.pub("G2"), "from_seq": g2.seq + 2,
                                                          "reason": "dissolved"}))
        if name == "expelled":
            world.events.append(world.authors["F"].sign("member.revoke", {"subject": world.pub("G2"), "from_seq": 2,
                                                                          "reason": "x"}))
        log = ingest_in(tmp_path / f"{name}.db", world, world.events, [])
        try:
            return revoked_here.known_revoked(log.trust, device)
        finally:
            log.store.close()

    left = said("left")
    assert left.startswith("this group has left the network") and "new device" not in left, left
    assert said("expelled").startswith("this device's group is revoked")
    device = said("device")
    assert device.startswith("this device is revoked") and "--device-of" in device
    assert said("member") is None


def test_a_kept_refusal_is_said_as_one_peers_word_not_the_networks_verdict():
    """One member's node (damaged, or lying) refusing this device told its user, as the network's
    verdict, to revoke a device that was fine, and every publish that it reached no node."""
    kept = {"by": "00" * 32, "group": "11" * 32, "name": "Calais", "at": 1}
    for record in (kept, {**kept, "forked_at": 3}):
        said = revoked_here.warning(record, "22" * 32, "today")
        assert said.startswith("a peer of Calais refused this device") and "one peer's word" in said, said
        published = revoked_here.publish_warning(record, "22" * 32, "today")
        assert "if that peer says true, what this device publishes reaches no node" in published, published


def test_the_word_of_a_peer_revoked_since_goes_at_the_next_round_with_any_peer(tmp_path):
    """A mole's node refused an honest device of another group as revoked (a lie). Its word was kept
    for good, with a fellow group's true one: the mole never completes a round again once its group is
    expelled, so every status and publish still said "a peer of the mole's group refused this device
    as revoked ... what this device publishes reaches no node". The next complete round with any peer
    drops the word of a peer no longer believed (revoked, or its group), in any order of the two words."""
    from test_order_independence import certified_world, ingest_in

    for first, second in (("g2", "g3"), ("g3", "g2")):
        world = certified_world()  # G1 (device g1, x), G2 (g2) and G3 (g3), each admitted by F
        log = ingest_in(tmp_path / f"{first}.db", world, world.events, [])
        for peer in (first, second):
            assert revoked_here.record(log, world.pub(peer), 1_000) is not None
        assert {p["by"] for c in revoked_here.claims_of(revoked_here.load(log.store))
                for p in revoked_here.refusers(c)} == {world.pub("g2").hex(), world.pub("g3").hex()}
        # A round with a peer of another group: its group is kept as taking this device (once)
        me = world.pub("g1")  # this device
        assert revoked_here.accepted_by(log, world.pub("f1"), me) and not revoked_here.accepted_by(log, world.pub("f1"), me)
        assert len(revoked_here.claims_of(revoked_here.load(log.store))) == 1
        # F expels G2, the mole's group (from its start); then a round with f1 completes
        log.ingest([world.authors["F"].sign("member.revoke", {"subject": world.pub("G2"), "from_seq": 1,
                                                              "reason": "infiltrator"}).encode()])
        assert revoked_here.accepted_by(log, world.pub("f1"), me)
        kept = revoked_here.load(log.store)
        assert kept is not None and kept["by"] == world.pub("g3").hex() and "others" not in kept, kept
        assert "also" not in kept and revoked_here.groups_saying(kept) == [kept["name"]], kept
        # G3's device revoked by its own group: nothing of the refusal is said any more
        log.ingest([world.authors["G3"].sign("member.revoke", {"subject": world.pub("g3"), "from_seq": 1,
                                                               "reason": "lost"}).encode()])
        assert revoked_here.accepted_by(log, world.pub("f1"), me) and revoked_here.load(log.store) is None
        log.store.close()


def test_a_round_with_a_peer_kept_beside_the_first_takes_its_word_back(tmp_path):
    """Two groups' peers refused this device alike; the second completes a round after all: its word
    goes, and the claim is said as the first's alone (it stayed said as two groups' word)."""
    from test_order_independence import certified_world, ingest_in

    world = certified_world()
    log = ingest_in(tmp_path / "also.db", world, world.events, [])
    for peer in ("g2", "g3"):
        revoked_here.record(log, world.pub(peer), 1_000)
    assert len(revoked_here.groups_saying(revoked_here.load(log.store))) == 2
    assert revoked_here.accepted_by(log, world.pub("g3"), world.pub("g1"))
    kept = revoked_here.load(log.store)
    assert kept["by"] == world.pub("g2").hex() and "also" not in kept, kept
    log.store.close()


def test_two_groups_claim_is_not_said_likely_true_while_a_third_groups_peer_links_with_the_device(tmp_path):
    """Two infiltrating groups' nodes (one admitted by the other's device: one vouch) refused an honest
    device saying its group key forked: "said by several groups, it is likely true ... ask the group that
    admitted yours to revoke your group from seq 1", while every honest peer went on syncing with it.
    A complete round with a peer of another group says against it, until that group refuses it too."""
    from node.dashboard.pages import own_key_problems
    from test_order_independence import certified_world, ingest_in

    world = certified_world()
    log, me = ingest_in(tmp_path / "taken.db", world, world.events, []), world.pub("g1")  # this device: g1
    for order in (("g2", "g3", "f1"), ("f1", "g2", "g3")):  # the honest round before or after the claims
        log.store.set_meta(revoked_here.META_KEY, b"")
        for peer in order:
            if peer == "f1":
                revoked_here.accepted_by(log, world.pub("f1"), me)
            else:
                revoked_here.record(log, world.pub(peer), 1_000, forked_at=2, group_fork=True)
        kept = revoked_here.load(log.store)
        said = revoked_here.warning(kept, "22" * 32, "today")
        if order[0] == "f1":  # no claim was kept when F linked with it: nothing to say against
            assert "likely true" in said and "against it" not in said, said
            continue
        assert "likely true" not in said and "do not ask for your group's removal" in said, said
        assert "; against it, a peer of group " in said and said.endswith(
            "linked with this device since, so their nodes take it: not every node refuses it"), said
        assert [t["group"] for t in revoked_here.taken_by(kept)] == [world.pub("F").hex()]
        [problem] = own_key_problems(log, world.pub("g1"), world.pub("G1"))  # the dashboard's overview
        assert problem["group_fork"] and problem["several_groups"] is False, problem
        # F refuses it too: F no longer takes it, and two groups... three say it
        revoked_here.record(log, world.pub("f1"), 2_000, forked_at=2, group_fork=True)
        kept = revoked_here.load(log.store)
        assert revoked_here.taken_by(kept) == [] and "likely true" in revoked_here.warning(kept, "22" * 32, "today")
        assert own_key_problems(log, world.pub("g1"), world.pub("G1"))[0]["several_groups"] is True
    log.store.close()


def _counting_writes(log) -> dict[str, int]:
    """How many times the record is written from now on (the store's own `set_meta`, counted)."""
    count, write = {"writes": 0}, log.store.set_meta

    def set_meta(key, value):
        count["writes"] += key == revoked_here.META_KEY
        return write(key, value)
    log.store.set_meta = set_meta
    return count


def test_this_devices_own_group_and_the_groups_it_admitted_never_say_against_a_claim(tmp_path):
    """Two groups refused this device (g1, of G1) as frozen: G1's group key forked. Every honest node
    then refuses every device of G1, which go on linking with each other: a round with x (G1's other
    device) made it "not every node refuses it" and dropped the "likely true: ask for your group's
    removal" advice for good, and whoever forked G1's key could certify a device, or a group, past what
    this node holds of G1's chain and link it to hide the warning. A round with G3's device (G3
    admitted by G1) says nothing either, and writes nothing."""
    from test_order_independence import DEVICES, ingest_in, new_world, play

    world = new_world()
    play(world, [("admit", "F", "G1"), ("admit", "F", "G2"), ("admit", "G1", "G3"), ("device", "F", "f2", True),
                 *[("device", DEVICES[dev], dev, True) for dev in ("g1", "x", "g2", "g3")]])
    log = ingest_in(tmp_path / "own.db", world, world.events, [])
    me = world.pub("g1")
    assert log.trust.member(world.pub("G3")).admitters == (world.pub("G1"),)
    for peer in ("g2", "f2"):
        revoked_here.record(log, world.pub(peer), 1_000, forked_at=2, device=me, group_fork=True)
    writes = _counting_writes(log)
    for peer in ("x", "g3", "x"):
        assert not revoked_here.accepted_by(log, world.pub(peer), me), peer
    kept = revoked_here.load(log.store)
    assert revoked_here.taken_by(kept) == [] and writes["writes"] == 0, kept
    said = revoked_here.warning(kept, world.pub("G1").hex(), "today")
    assert "Said by several groups, it is likely true" in said and "against it" not in said, said
    log.store.close()


def test_a_group_refusing_with_one_device_and_linking_with_another_writes_nothing_each_round(tmp_path):
    """F's node 2 refuses this device, F's node 1 completes rounds with it: F was added to the groups
    taking it, then taken out again as refusing, a write transaction every round (and "changed")."""
    from test_order_independence import certified_world, ingest_in

    world = certified_world()
    log, me = ingest_in(tmp_path / "cost.db", world, world.events, []), world.pub("g1")  # this device: g1
    revoked_here.record(log, world.pub("f2"), 1_000)
    before, writes = log.store.get_meta(revoked_here.META_KEY), _counting_writes(log)
    assert not any(revoked_here.accepted_by(log, world.pub("f1"), me) for _ in range(3))
    assert writes["writes"] == 0 and log.store.get_meta(revoked_here.META_KEY) == before
    log.store.close()


def test_a_publish_past_a_refusal_says_it_goes_out_through_the_groups_that_took_this_device_since():
    """A mole lied that this device is revoked while an honest peer of Calais went on syncing with it:
    every publish said "if that peer says true, what this device publishes reaches no node", the alert
    on Calais's node already."""
    kept = {"by": "aa" * 32, "group": "bb" * 32, "name": "Dunkirk", "at": 1_000,
            "taken": [{"group": "cc" * 32, "name": "Calais"}]}
    said = revoked_here.publish_warning(kept, "22" * 32, "today")
    assert "reaches no node" not in said and "against it, a peer of Calais linked with this device since" in said, said
    assert said.endswith(". It was signed and stored here, and goes out through the peer of Calais that took this "
                         "device's events since"), said
    two = revoked_here.publish_warning({**kept, "taken": [*kept["taken"], {"group": "dd" * 32, "name": "Leeds"}]},
                                       "22" * 32, "today")
    assert two.endswith("goes out through the peers of Calais and Leeds that took this device's events since"), two
