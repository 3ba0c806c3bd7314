"""Keys revoked (an expelled mole group, a seized phone its group cut off) say nothing of this
node's clock, whichever came first, their events stamped ahead or the revocation.

Until 2026-12-06 a refused event stamped ahead was counted against this clock for its author's
group whatever the trust graph said of that author: two groups of separate lineages expelled by
the founder, or two seized phones their honest groups had revoked, went on stamping events 40 h
ahead, and every node they reached told its admin "this machine's clock looks 39 h 59 min behind
... Set it" and stretched its own raid alerts' lives by as much. Revocation MUST stop a key
quickly (DESIGN section 2), and the outcome must not depend on the order events arrive in."""
from __future__ import annotations

from pathlib import Path

from crypto.keys import SigningKey
from node.log import now_ms
from node_fixtures import Author, device_vouch
from test_order_independence import certified_world, ingest_in

HOUR = 3_600_000


def _ahead(world, devices: tuple[str, ...], now: int) -> list:
    """One event of each of `devices`, next in its chain, stamped 40 h ahead of `now`."""
    return [world.authors[dev].sign("need", {"category": "food", "quantity": 3, "region": "calais"},
                                    ts=now + 40 * HOUR + n) for n, dev in enumerate(devices)]


def _check_both_orders(tmp_path: Path, world, revocations: list, ahead: list) -> None:
    setup = list(world.events)
    for name, order in (("revoked first", [*revocations, *ahead]), ("stamped first", [*ahead, *revocations]),
                        ("between", [ahead[0], *revocations, *ahead[1:]])):
        tmp_path.mkdir(exist_ok=True)
        log = ingest_in(tmp_path / f"{name}.db", world, [], [])
        try:
            log.ingest([e.encode() for e in setup])
            for ev in order:  # one at a time: each arrival is a batch of its own
                log.ingest([ev.encode()])
            assert log.clock_doubt.behind_ms(now_ms()) is None, name
        finally:
            log.store.close()


def test_groups_the_founder_expelled_say_nothing_of_this_clock(tmp_path: Path) -> None:
    world = certified_world()  # F founded the network and admitted G1, G2 and G3 (each its own lineage)
    now = now_ms()
    expel = [world.authors["F"].sign("member.revoke", {"subject": world.pub(g), "from_seq": 1, "reason": "moles"})
             for g in ("G2", "G3")]
    _check_both_orders(tmp_path, world, expel, _ahead(world, ("g2", "g3"), now))


def test_seized_phones_their_groups_revoked_say_nothing_of_this_clock(tmp_path: Path) -> None:
    world = certified_world()
    now = now_ms()
    posted = [world.authors[dev].sign("need", {"category": "water", "quantity": 1, "region": "calais"})
              for dev in ("g2", "g3")]
    world.events += posted
    cut_off = [world.authors[group].sign("member.revoke", {"subject": world.pub(dev), "from_seq": 2,
                                                           "reason": "seized", "pin": ev.id})
               for group, dev, ev in (("G2", "g2", posted[0]), ("G3", "g3", posted[1]))]
    _check_both_orders(tmp_path, world, cut_off, _ahead(world, ("g2", "g3"), now))
    # below the pinned seq, off the chain its group pinned: forgeries, not its word either
    forged = [world.authors[dev].sign("need", {"category": "food", "quantity": 3, "region": "calais"},
                                      ts=now + 40 * HOUR, seq=1, prev=None) for dev in ("g2", "g3")]
    _check_both_orders(tmp_path / "below", world, cut_off, forged)


def test_the_same_events_of_members_still_count(tmp_path: Path) -> None:
    """Nobody revoked: two groups of separate lineages far ahead say this clock is behind."""
    world = certified_world()
    now = now_ms()
    log = ingest_in(tmp_path / "h.db", world, world.events, [])
    try:
        log.ingest([e.encode() for e in _ahead(world, ("g2", "g3"), now)])
        assert log.clock_doubt.behind_ms(now_ms()) is not None
    finally:
        log.store.close()



def test_a_seized_phone_does_not_hide_its_groups_own_word(tmp_path: Path) -> None:
    """This clock is behind: devices of G2 and G3 sign events that look 40 h ahead. G2's seized
    phone, revoked, signs more of them after: their refusal is no word of G2, and it does not take
    the place of g2's own (each group's newest refusal is what is kept)."""
    world = certified_world()
    phone = Author(SigningKey.generate(), world.genesis.network_id)
    world.events += [world.authors["G2"].sign("member.vouch", device_vouch(world.keys["G2"], phone.key, b"\x05" * 32)),
                     world.authors["G2"].sign("member.revoke", {"subject": bytes(phone.key.public), "from_seq": 1,
                                                                "reason": "seized"})]
    now = now_ms()
    log = ingest_in(tmp_path / "h.db", world, world.events, [])
    try:
        log.ingest([e.encode() for e in _ahead(world, ("g2", "g3"), now)])
        log.ingest([phone.sign("need", {"category": "food", "quantity": 3, "region": "calais"},
                               ts=now + 41 * HOUR).encode()])
        assert log.clock_doubt.behind_ms(now_ms()) is not None
    finally:
        log.store.close()


def test_a_seized_phone_revoked_after_it_spoke_does_not_hide_its_groups_own_word(tmp_path: Path) -> None:
    """As above, the phone's events stamped ahead arriving before its revocation (critic A): its
    refusal, its group's newest then, took the place of g2's own; once the revocation came, G2 had
    no word at all and the true warning went until g2's events came again (in the other order it
    stayed). Each key's word is kept apart: the same warning in every order."""
    world = certified_world()
    phone = Author(SigningKey.generate(), world.genesis.network_id)
    world.events.append(world.authors["G2"].sign("member.vouch",
                                                 device_vouch(world.keys["G2"], phone.key, b"\x05" * 32)))
    revoke = world.authors["G2"].sign("member.revoke", {"subject": bytes(phone.key.public), "from_seq": 1,
                                                        "reason": "seized"})
    now = now_ms()
    phone_ahead = phone.sign("need", {"category": "food", "quantity": 3, "region": "calais"}, ts=now + 41 * HOUR)
    for name, order in (("revoked first", [revoke, phone_ahead]), ("revoked after", [phone_ahead, revoke])):
        log = ingest_in(tmp_path / f"{name}.db", world, world.events, [])
        try:
            log.ingest([e.encode() for e in _ahead(world, ("g2", "g3"), now)])
            for ev in order:
                log.ingest([ev.encode()])
            assert log.clock_doubt.behind_ms(now_ms()) is not None, name
        finally:
            log.store.close()
