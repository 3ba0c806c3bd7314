"""The batch ingest path against a real SQLite file: chains, forks, trust, stubs, redaction, limits."""
from __future__ import annotations

import itertools
from pathlib import Path

import msgpack
import pytest

from node_fixtures import Author, Net, action, statuses, wires
from crypto.keys import SigningKey
from events.canonical import pack
from events.format import sign_event
from node.log import MAX_CLOCK_SKEW_MS, now_ms
from node.views import view
from node.store import BODY_EXPIRED, BODY_MISSING, BODY_PRESENT, BODY_REDACTED


def test_events_of_one_batch_are_accepted_in_any_order(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    evs = [net.device.sign("action", action(i)) for i in range(20)]
    batch = wires(list(reversed(net.group.made + evs)))
    assert statuses(log.ingest(batch)) == ["accepted"] * len(batch)
    assert statuses(log.ingest(batch)) == ["duplicate"] * len(batch)
    assert log.store.count() == 22
    assert len(log.store.rows("action")) == 20


def test_a_gap_waits_then_fills_from_pending(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    e1, e2, e3 = (net.device.sign("action", action(i)) for i in range(3))
    out = log.ingest(wires([e3, e2]))
    assert statuses(out) == ["pending", "pending"]
    assert "waiting for seq 1" in out[0].message
    assert log.store.count() == 2
    assert statuses(log.ingest(wires([e1]))) == ["accepted"]
    assert log.store.head(net.device.key.public.__bytes__())[0] == 3
    assert log.store.pending_count() == 0


def test_an_unknown_author_waits_for_its_vouch(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    ev = net.device.sign("action", action())
    out = log.ingest(wires([ev]))
    assert out[0].status == "pending" and out[0].reason == "not_a_member"
    out = log.ingest(wires(net.group.made))
    assert statuses(out) == ["accepted", "accepted"]
    assert log.store.event_row(ev.id) is not None


def test_a_stranger_is_never_stored(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    stranger = Author(SigningKey.generate(), net.genesis.network_id)
    out = log.ingest(wires([stranger.sign("alert", {"region": "calais", "type": "raid", "text": "fake"},
                                          expires=now_ms() + 3_600_000)]))
    assert out[0].status == "pending"
    assert log.store.count() == 2
    assert log.store.rows("alert") == []


def test_forged_signature_is_rejected_and_honest_data_intact(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    good = net.device.sign("action", action(1))
    header, sig, body = msgpack.unpackb(good.encode())
    forged = msgpack.packb([header, bytes([sig[0] ^ 1]) + sig[1:], body])
    out = log.ingest([forged])
    assert out[0].status == "rejected" and out[0].reason == "bad_signature"
    assert statuses(log.ingest([good.encode()])) == ["accepted"]


def test_wrong_network_is_rejected(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    other = Author(net.founder.group, bytes(32))
    out = log.ingest(wires([other.sign("group.profile", {"name": "X", "region": "x"})]))
    assert out[0].reason == "wrong_network"
    assert log.store.count() == 0


def test_future_timestamps_are_refused(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    ev = net.device.sign("action", action(), ts=now_ms() + MAX_CLOCK_SKEW_MS + 60_000)
    out = log.ingest(wires([ev]))
    assert out[0].reason == "future_timestamp"


def test_a_fork_keeps_both_as_proof_and_freezes_the_author(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    first = net.device.sign("action", action(1))
    twin = net.device.sign("action", action(2), seq=1, prev=None)
    assert statuses(log.ingest(wires([first]))) == ["accepted"]
    out = log.ingest(wires([twin]))
    assert out[0].reason == "fork"
    fork = log.store.fork_records()[0][:2]
    assert fork == (twin.id, first.id)
    # the author is frozen: its later events are refused, even valid ones
    later = net.device.sign("action", action(3))
    assert log.ingest(wires([later]))[0].reason == "author_frozen"
    # proof survives: the fork's wire bytes verify on their own
    from events.format import decode_event
    decode_event(log.store.fork_records()[0].wire).verify()


def test_a_fork_inside_one_batch_freezes_the_rest_of_it(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    a1 = net.device.sign("action", action(1))
    a2 = net.device.sign("action", action(2))
    twin2 = net.device.sign("action", action(9), seq=2, prev=a1.id)
    a3 = net.device.sign("action", action(3))
    out = log.ingest(wires([a1, a2, twin2, a3]))
    assert sorted(o.reason or o.status for o in out) == ["accepted", "accepted", "author_frozen", "fork"]


def test_prev_that_does_not_match_is_a_fork(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    net.device.sign("action", action(1))
    log.ingest(wires(net.device.made))
    bad = net.device.sign("action", action(2), seq=2, prev=bytes(32))
    assert log.ingest(wires([bad]))[0].reason == "fork"


def test_a_prev_that_does_not_match_is_a_fork_below_whether_or_not_its_own_seq_came_first(
        net: Net, tmp_path: Path) -> None:
    """An event at seq 3 whose prev is not the chain's seq 2 says its author signed another seq 2: a
    fork from 2. A node that held seq 3 already made it a fork from 3 (until 2026-12-04), keeping
    seq 2 in its log (an admission, an alert) where a node that got the chain's seq 3 later had
    taken it out; the proof sent between them changed neither."""
    chain = [net.device.sign("action", action(i)) for i in range(3)]
    bad = net.device.sign("action", action(9), seq=3, prev=bytes(32))
    points = []
    for n, order in enumerate((chain + [bad], chain[:2] + [bad, chain[2]])):
        log = net.new_log(tmp_path / f"{n}.db")
        log.ingest(wires(net.group.made))
        for ev in order:
            log.ingest(wires([ev]))
        points.append((log.trust.fork_point(bytes(net.device.key.public)), log.store.head(bytes(net.device.key.public))))
        log.store.close()
    assert points[0] == points[1] == (2, (1, chain[0].id))


def test_a_prev_that_does_not_match_lowers_a_fork_found_at_its_own_seq(net: Net, tmp_path: Path) -> None:
    """A twin at seq 3 (the chain's prev) is a fork from 3; an event at seq 3 whose prev is not the
    chain's seq 2 is a fork from 2. Where the twin came first, the other was refused as past the
    fork point and never read as a fork from 2: seq 2 (an admission, an alert) stayed in that
    node's log only. Found by the seizure order test (tests/node/test_order_independence.py). Every
    order, one event at a time, in one batch, or waiting aside for the chain's seq 2, ends at 2."""
    chain = [net.device.sign("action", action(i)) for i in range(3)]
    twin = net.device.sign("need", {"category": "water", "quantity": 9, "region": "calais"}, seq=3, prev=chain[1].id)
    bad = net.device.sign("need", {"category": "water", "quantity": 99, "region": "calais"}, seq=3, prev=bytes(32))
    device = bytes(net.device.key.public)
    runs = {"one by one, twin first": [[e] for e in chain + [twin, bad]],
            "one by one, bad first": [[e] for e in chain + [bad, twin]],
            "one batch, twin first": [chain + [twin, bad]],
            "one batch, bad first": [chain + [bad, twin]],
            "aside, twin first": [[chain[0]], [chain[2], twin, bad], [chain[1]]],
            "aside, bad first": [[chain[0]], [chain[2], bad, twin], [chain[1]]],
            "bad aside when the twin comes": [[chain[0]], [bad], chain[1:] + [twin]]}
    for n, (name, batches) in enumerate(runs.items()):
        log = net.new_log(tmp_path / f"{n}.db")
        log.ingest(wires(net.group.made))
        for batch in batches:
            log.ingest(wires(batch))
        got = (log.trust.fork_point(device), log.store.head(device), [r["title"] for r in view(log, "actions")])
        assert got == (2, (1, chain[0].id), ["Action 0"]), name
        log.store.close()


def test_a_group_keys_event_naming_another_seq_below_lowers_the_fork_its_twin_makes(net: Net, tmp_path: Path) -> None:
    """A group key's seq 5, a twin of it (a fork from 5) and an event at 5 whose prev names no seq 4
    of the chain (a fork from 4). A group key's events past its fork point are not kept, so where the
    twin made the fork first, the other was dropped unread as past the fork point, and that node
    alone kept seq 4 in its log: whether it came after the twin, or all three waited aside for seq 4
    and went in from there in id order (the chain's 5, the twin, the other)."""
    group = net.group  # seqs 1 and 2 signed already (the device's vouch, the profile)
    chain = [group.sign("group.profile", {"name": f"Calais {i}", "region": "calais"}) for i in (3, 4, 5)]
    grind = itertools.count()  # (ids in the order that went wrong)
    twin = next(e for e in (group.sign("group.profile", {"name": f"twin {i}", "region": "calais"}, seq=5,
                                       prev=chain[1].id) for i in grind) if e.id > chain[2].id)
    bad = next(e for e in (group.sign("group.profile", {"name": f"forged {i}", "region": "calais"}, seq=5,
                                      prev=bytes(32)) for i in grind) if e.id > twin.id)
    key = bytes(group.key.public)
    for n, batches in enumerate(([[e] for e in chain + [twin, bad]],
                                 [[chain[0]], [chain[2], twin, bad], [chain[1]]])):
        log = net.new_log(tmp_path / f"{n}.db")
        log.ingest(wires(net.group.made[:2]))
        for batch in batches:
            log.ingest(wires(batch))
        assert (log.trust.fork_point(key), log.store.head(key)[0]) == (4, 3), n
        log.store.close()


def test_events_without_effect_are_kept_and_never_block_their_author(net: Net, tmp_path: Path) -> None:
    """A device vouching a device, a group key publishing an action: signed and well chained, so
    stored, with "no effect" and its reason; the author's next events go in as usual."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    stranger = bytes(32 * [1])
    vouch = net.device.sign("member.vouch", {"subject": stranger, "role": "device", "encryption_key": bytes(32)})
    after = net.device.sign("action", action(1))
    assert statuses(log.ingest(wires([vouch, after]))) == ["accepted", "accepted"]
    assert log.trust.member(stranger) is None
    assert log.no_effect(vouch) == "only a group key can certify a device"
    group = Author(net.founder.group, net.genesis.network_id, net.group.seq, net.group.prev,
                   clock=net.group.clock)
    misplaced = group.sign("action", action(2))
    profile = group.sign("group.profile", {"name": "Calais group", "region": "calais"})
    assert statuses(log.ingest(wires([misplaced, profile]))) == ["accepted", "accepted"]
    assert log.no_effect(misplaced) == "a group key may not sign action events"
    assert {r.key for r in log.store.rows("action")} == {after.id}
    assert log.store.rows("profile")[0].data["name"] == "Calais group"


def test_a_reference_to_the_wrong_kind_is_stored_with_no_effect(net: Net, tmp_path: Path) -> None:
    """A peer's need.fulfil naming an action (or a claim naming a need) breaks no rule a node can
    check without its state, so it is stored like any event; it counts for nothing and says why."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    act = net.device.sign("action", action(1))
    need = net.device.sign("need", {"category": "tents", "quantity": 5, "region": "calais"})
    wrong_fulfil = net.device.sign("need.fulfil", {"need": act.id, "quantity": 5})
    wrong_claim = net.device.sign("support.claim", {"request": need.id})
    right_fulfil = net.device.sign("need.fulfil", {"need": need.id, "quantity": 2})
    unseen = net.device.sign("fundraiser.update", {"fundraiser": bytes(32), "raised": 10})
    batch = [act, need, wrong_fulfil, wrong_claim, right_fulfil, unseen]
    assert statuses(log.ingest(wires(batch))) == ["accepted"] * len(batch)
    assert log.no_effect(wrong_fulfil) == (f"'need' must name a need event, but {act.id.hex()[:12]}… is an "
                                           "action event")
    assert "'request' must name a support.request event" in log.no_effect(wrong_claim)
    assert log.no_effect(right_fulfil) is None and log.no_effect(unseen) is None  # an unseen one cannot be judged
    [need_row] = view(log, "needs", now=now_ms())
    assert need_row["fulfilled"] == 2  # the fulfil naming the action counted for nothing


def test_revocation_rejects_and_purges_later_events(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    evs = [net.device.sign("action", action(i)) for i in range(5)]
    log.ingest(wires(evs))
    assert len(log.store.rows("action")) == 5
    revoke = net.group.sign("member.revoke", {"subject": bytes(net.founder.device.public), "from_seq": 3})
    assert statuses(log.ingest(wires([revoke]))) == ["accepted"]
    assert log.store.head(bytes(net.founder.device.public))[0] == 2
    assert {r.key for r in log.store.rows("action")} == {evs[0].id, evs[1].id}
    again = log.ingest(wires(evs[2:]))
    assert {o.reason for o in again} == {"revoked"}


def test_an_unrelated_group_cannot_revoke(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    other_group = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(other_group.key.public), "role": "group"})
    log.ingest(wires(net.group.made))
    net.device.sign("action", action())
    log.ingest(wires(net.device.made))
    revoke = other_group.sign("member.revoke", {"subject": bytes(net.founder.device.public), "from_seq": 1})
    assert statuses(log.ingest(wires([revoke]))) == ["accepted"]  # stored, but without effect
    assert log.store.head(bytes(net.founder.device.public))[0] == 1
    assert log.trust.member(bytes(net.founder.device.public)).revoked_from is None


def test_redaction_drops_the_body_everywhere_but_keeps_the_chain(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    secret = net.device.sign("action", action(1) | {"description": "meet at the back door of 12 Rue X"})
    redact = net.device.sign("redact", {"ids": [secret.id]})
    later = net.device.sign("action", action(2))
    assert statuses(log.ingest(wires([secret, redact, later]))) == ["accepted"] * 3
    row = log.store.event_row(secret.id)
    assert row[8] is None and row[9] == BODY_REDACTED
    assert secret.id not in {r.key for r in log.store.rows("action")}
    # a peer sending the full event again does not bring the body back
    assert log.ingest(wires([secret]))[0].status == "duplicate"
    assert log.store.event_row(secret.id)[8] is None


def test_a_redaction_never_touches_someone_elses_event(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    other = net.device_of(net.group)
    log.ingest(wires(net.group.made))
    theirs = other.sign("action", action())
    mine = net.device.sign("action", action(2))
    log.ingest(wires([theirs, mine]))
    out = log.ingest(wires([net.device.sign("redact", {"ids": [theirs.id, mine.id]})]))
    assert out[0].status == "accepted"  # stored; it drops only its own author's bodies
    assert log.store.event_row(theirs.id)[9] == BODY_PRESENT
    assert log.store.event_row(mine.id)[9] == BODY_REDACTED


def test_a_stub_is_stored_and_its_body_can_arrive_later(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    ev = net.device.sign("action", action())
    assert statuses(log.ingest([ev.encode(with_body=False)])) == ["accepted"]
    assert log.store.event_row(ev.id)[9] == BODY_MISSING
    assert log.store.rows("action") == []
    out = log.ingest([ev.encode()])
    assert out[0].status == "accepted"
    assert log.store.event_row(ev.id)[9] == BODY_PRESENT
    assert len(log.store.rows("action")) == 1


def test_trust_events_must_carry_their_body(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    out = log.ingest([net.group.made[0].encode(with_body=False)])
    assert out[0].status == "rejected"
    assert log.store.count() == 0


def test_an_alert_that_already_expired_keeps_its_header_only(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    old = now_ms() - 10 * 3_600_000
    ev = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "old news"}, ts=old,
                         expires=old + 3_600_000)
    assert statuses(log.ingest(wires([ev]))) == ["accepted"]
    row = log.store.event_row(ev.id)
    assert row[8] is None and row[9] == BODY_EXPIRED
    assert log.store.rows("alert") == []


def test_malformed_input_in_a_batch_does_not_stop_the_good_events(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    good = wires(net.group.made)
    bad = [b"", b"\xc1", msgpack.packb([1, 2, 3]), b"\x91" * 5000, msgpack.packb([b"x" * 2000, b"s" * 64, None])]
    out = log.ingest(bad + good)
    assert statuses(out) == ["rejected"] * len(bad) + ["accepted", "accepted"]
    assert all(o.message for o in out[: len(bad)])


def test_bad_field_values_are_rejected_with_the_field_named(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    ev = sign_event(net.founder.device, network=net.genesis.network_id, seq=1, prev=None, timestamp=now_ms(),
                    kind="action", body=pack({"title": "x", "region": "Calais!", "type": "protest", "starts_at": 5}))
    out = log.ingest([ev.encode()])
    assert out[0].reason == "bad_field" and "region" in out[0].message


def test_unknown_kinds_are_stored_but_not_projected(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    ev = net.device.sign("survey.v2", {"anything": [1, 2]})
    assert statuses(log.ingest(wires([ev]))) == ["accepted"]
    assert log.store.event_row(ev.id) is not None
    assert log.store.projection_dump() == net_projection_without(log, ev.id)


def net_projection_without(log, event_id: bytes) -> list:
    return [r for r in log.store.projection_dump() if r[1] != event_id]


def test_publishing_with_an_uncertified_key_stores_nothing(net: Net, tmp_path: Path) -> None:
    import pytest
    from events.errors import InvalidEvent

    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    stranger = SigningKey.generate()
    with pytest.raises(InvalidEvent) as refused:
        log.append(stranger, "action", action())
    assert refused.value.reason == "not_a_member"
    assert log.store.count() == 2
    assert log.store.pending_count() == 0


def test_publishing_after_revocation_is_refused(net: Net, tmp_path: Path) -> None:
    import pytest
    from events.errors import InvalidEvent

    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    log.append(net.founder.device, "action", action())
    log.append(net.founder.group, "member.revoke", {"subject": bytes(net.founder.device.public), "from_seq": 2})
    with pytest.raises(InvalidEvent) as refused:
        log.append(net.founder.device, "action", action(2))
    assert refused.value.reason == "revoked"


def test_a_device_cannot_publish_a_revocation_of_another_device(net: Net, tmp_path: Path) -> None:
    import pytest
    from events.errors import InvalidEvent

    log = net.new_log(tmp_path / "a.db")
    other = net.device_of(net.group)
    log.ingest(wires(net.group.made))
    with pytest.raises(InvalidEvent) as refused:
        log.append(net.founder.device, "member.revoke", {"subject": bytes(other.key.public), "from_seq": 1})
    assert refused.value.reason == "not_allowed" and "--as group" in str(refused.value)
    # the group key may, and a device may revoke itself
    log.append(net.founder.group, "member.revoke", {"subject": bytes(other.key.public), "from_seq": 1})
    log.append(net.founder.device, "member.revoke", {"subject": bytes(net.founder.device.public), "from_seq": 5})
    assert log.trust.member(bytes(other.key.public)).revoked_from == 1
    assert log.trust.member(bytes(net.founder.device.public)).revoked_from == 5


def test_a_body_that_does_not_match_still_names_its_event(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    ev = net.device.sign("action", action())
    header, sig, body = msgpack.unpackb(ev.encode())
    out = log.ingest([msgpack.packb([header, sig, body[:-1] + bytes([body[-1] ^ 1])])])
    assert out[0].reason == "body_mismatch" and out[0].id == ev.id


@pytest.mark.parametrize("order", ["infiltrator first", "author first"])
def test_a_redaction_naming_someone_elses_event_does_not_shield_it_from_its_author(
        net: Net, tmp_path: Path, order: str) -> None:
    """An infiltrator who signs a redaction of another member's event before its author does (it
    takes no effect, but is remembered under that id) must not keep the body alive on a node that is
    offered the body after both redactions; nor the other order."""
    log = net.new_log(tmp_path / "a.db")
    author = net.device_of(net.group)
    log.ingest(wires(net.group.made))
    secret = author.sign("action", action(1) | {"description": "meet at the back door of 12 Rue X"})
    front_run = net.device.sign("redact", {"ids": [secret.id]})
    own = author.sign("redact", {"ids": [secret.id]})
    first, second = (front_run, own) if order == "infiltrator first" else (own, front_run)
    # The event first came as a stub (from a peer that had already dropped its body), then both
    # redactions; then a peer that has not seen the redaction yet offers the body.
    assert statuses(log.ingest([secret.encode(with_body=False)])) == ["accepted"]
    assert statuses(log.ingest(wires([first, second]))) == ["accepted"] * 2
    log.ingest(wires([secret]))
    row = log.store.event_row(secret.id)
    assert row[8] is None and row[9] == BODY_REDACTED
    assert secret.id not in {r.key for r in log.store.rows("action")}


def test_credentials_of_authors_no_member_certifies_are_refused_before_any_work(net: Net, tmp_path: Path) -> None:
    """A stranger who knows the network id dials with a throw-away key and presents a thousand
    self-signed events as credentials, on connection after connection: refused unverified and
    unwritten. A new group's genuine chain (a member's vouch of it, then its own events, in any
    order) still goes in."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    stranger = Author(SigningKey.generate(), net.genesis.network_id)
    junk = [stranger.sign("action", action(i)) for i in range(200)]
    before = log.store.count()
    out = log.ingest_credentials(wires(junk))
    assert {(o.status, o.reason) for o in out} == {("rejected", "not_a_member")}
    assert all("certified neither by this network nor by the credentials" in o.message for o in out)
    assert log.store.count() == before
    newcomer = Author(SigningKey.generate(), net.genesis.network_id)
    vouch = net.group.sign("member.vouch", {"subject": bytes(newcomer.key.public), "role": "group"})
    profile = newcomer.sign("group.profile", {"name": "Dover", "region": "dover"})
    assert statuses(log.ingest_credentials(wires([profile, vouch] + junk[:3]))) == ["accepted"] * 2 + ["rejected"] * 3
