"""A revoked group's name is a function of the events a node holds, never of the order they came in.

A group revoked from seq 1 has no profile in the log: it is listed (view groups, status, the groups
page, the audiences of sealed events) by a profile kept aside. Which one was chosen by whether it had
been in this node's log before the revocation came, so a profile its key signed after its
revocation named it on the nodes that got that profile first. A group revoked from a later seq keeps
the profiles below that seq (and its devices'), and the newest of those must be restored wherever
the newest left the log. Each test ingests the same events into fresh logs in every order, all in
one batch and one at a time."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from events.canonical import pack
from events.format import Event, sign_event
from crypto.short_ids import short_id
from node import references
from node.views import view
from test_order_independence import NOW, World, ingest_in, new_world, play


def _shown(world: World, order: list[Event], cuts: list[int], path: Path) -> tuple:
    """What a node fed `order` shows of G1: its name as every part reads it, and every read model."""
    log = ingest_in(path, world, order, cuts)
    try:
        g = world.pub("G1")
        [listed] = [x for x in view(log, "groups", now=NOW, limit=None, peers=[]) if x["id"] in (g, g.hex())]
        return ((references.group_names(log.store).get(g), references.kept_aside_name(log.store, g),
                 listed["name"], listed["region"]), tuple(log.store.projection_dump()))
    finally:
        log.store.close()


def _every_order_agrees(world: World, base: list[Event], events: list[Event], tmp_path: Path) -> tuple:
    seen: dict[tuple, list] = {}
    for i, order in enumerate(itertools.permutations(events)):
        for batches in ("one batch", "one at a time"):
            cuts = [] if batches == "one batch" else list(range(len(base), len(base) + len(order)))
            got = _shown(world, base + list(order), cuts, tmp_path / f"{i} {batches}.db")
            seen.setdefault(got, []).append((batches, [events.index(e) for e in order]))
    assert len(seen) == 1, {names: runs[0] for (names, _), runs in seen.items()}
    return next(iter(seen))[0]


def test_a_group_revoked_from_seq_1_has_one_name_whatever_came_first(tmp_path: Path) -> None:
    """G1 names itself Bristol, then Bristol 2; the founder revokes it from seq 1, and its key signs
    'Calais' afterwards. Where Bristol 2 or Calais was in the log before the revocation came, it was
    the name; elsewhere Bristol. Every node: Bristol, the first it signed."""
    world = new_world()
    a = world.authors
    play(world, [("admit", "F", "G1")])
    base = list(world.events)
    events = [a["G1"].sign("group.profile", {"name": "Bristol", "region": "bristol"}, ts=NOW - 50_000),
              a["G1"].sign("group.profile", {"name": "Bristol 2", "region": "bristol"}, ts=NOW - 40_000),
              a["F"].sign("member.revoke", {"subject": world.pub("G1"), "from_seq": 1, "reason": "infiltrated"}),
              a["G1"].sign("group.profile", {"name": "Calais", "region": "calais"}, ts=NOW - 30_000)]
    assert _every_order_agrees(world, base, events, tmp_path) == (None, "Bristol", "Bristol", "bristol")


@pytest.mark.parametrize("signer", ["G1", "g1"])
def test_a_group_revoked_from_a_later_seq_is_named_by_its_newest_profile_below_it(signer: str, tmp_path: Path) -> None:
    """G1 (or its device g1) names the group twice, the founder revokes G1 (or G1 revokes g1) from
    the second, and a third profile is signed after: the one at seq 1 is the name in every
    order, the newest having left the log where it was."""
    world = new_world()
    a = world.authors
    play(world, [("admit", "F", "G1"), ("device", "G1", "g1", True)])
    base = list(world.events)
    revoker, subject = ("F", "G1") if signer == "G1" else ("G1", "g1")
    first = a[signer].seq + 1
    events = [a[signer].sign("group.profile", {"name": "Bristol", "region": "bristol"}, ts=NOW - 50_000),
              a[signer].sign("group.profile", {"name": "Bristol 2", "region": "bristol"}, ts=NOW - 40_000),
              a[revoker].sign("member.revoke", {"subject": world.pub(subject), "from_seq": first + 1, "reason": "x"}),
              a[signer].sign("group.profile", {"name": "Calais", "region": "calais"}, ts=NOW - 30_000)]
    names = _every_order_agrees(world, base, events, tmp_path)
    assert (names[0], names[2]) == ("Bristol", "Bristol")


def test_a_revoked_key_forking_below_its_first_profile_does_not_rename_its_group(tmp_path: Path) -> None:
    """After its revocation G1's key (a thief's copy) signs 'Calais' again at a seq it used (at its
    first profile's, and below it), its id ground lower than the real one's. The first profile at
    the lowest seq was then 'Calais' on every node: the revoked key chose the name its group is
    listed under, the name of the group that revoked it. Where the key forked at or below its
    first profile, which branch the network saw nobody can tell from the events: no name."""
    world = new_world()
    a = world.authors
    play(world, [("admit", "F", "G1"), ("device", "G1", "g1", True)])
    base = list(world.events)
    below = a["G1"].seq  # G1's last event before its profile (its device's vouch)
    assert below >= 1
    real = a["G1"].sign("group.profile", {"name": "Bristol", "region": "bristol"}, ts=NOW - 50_000)
    revoke = a["F"].sign("member.revoke", {"subject": world.pub("G1"), "from_seq": 1, "reason": "infiltrated"})
    prev = {e.seq: e.id for e in a["G1"].made}
    for seq in (real.seq, below):
        signed = next(e.id for e in a["G1"].made if e.seq == seq)
        # Grind its id below the real one's. The real one's id follows the clock (its timestamps), so it is
        # sometimes small (0x0034... took more than 1000 tries in a suite run): a try succeeds with
        # probability id/2**256, and 200,000 tries fail only for ids below about 2**-14 of the range.
        # What varies is the description (the time stays where it is); the tries are not kept.
        for i in range(200_000):
            fork = sign_event(a["G1"].key, network=a["G1"].network, seq=seq, prev=prev.get(seq - 1),
                              timestamp=NOW - 30_000, kind="group.profile",
                              body=pack({"name": "Calais", "region": "calais", "description": f"try {i}"}))
            if fork.id < signed:
                break
        assert fork.id < signed, f"no fork id below {signed.hex()} in 200,000 tries"
        (tmp_path / str(seq)).mkdir()
        names = _every_order_agrees(world, base, [real, revoke, fork], tmp_path / str(seq))
        assert "Calais" not in names and names[0] is None and names[1] is None, names


def test_a_revoked_group_named_like_a_live_one_is_shown_with_its_short_id(tmp_path: Path) -> None:
    """A revoked infiltrator's group named itself 'Calais' before its revocation: status, the groups
    page and a sealed event's audience said 'Calais' for it, as for the founders' own group. Like a
    live group whose name looks like another's, it is shown with its short id."""
    world = new_world()
    a = world.authors
    play(world, [("admit", "F", "G1")])
    events = [*world.events,
              a["F"].sign("group.profile", {"name": "Calais", "region": "calais"}, ts=NOW - 60_000),
              a["G1"].sign("group.profile", {"name": "CaIais", "region": "calais"}, ts=NOW - 50_000),
              a["F"].sign("member.revoke", {"subject": world.pub("G1"), "from_seq": 1, "reason": "infiltrated"})]
    log = ingest_in(tmp_path / "a.db", world, events, [])
    try:
        g1 = world.pub("G1")
        assert references.group_names(log.store)[world.pub("F")] == "Calais"
        assert references.kept_aside_name(log.store, g1) == f"CaIais ({short_id(g1)})"
        [listed] = [x for x in view(log, "groups", now=NOW, limit=None, peers=[]) if x["id"] in (g1, g1.hex())]
        assert listed["name"] == f"CaIais ({short_id(g1)})"
    finally:
        log.store.close()
