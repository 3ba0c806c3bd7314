"""A redaction never takes a vouch or a revocation out of the trust graph.

The trust graph is read from the bodies of the trust events, and a redaction was honoured whatever
its author's standing. So a redaction that dropped a trust event's body let a revoked key cancel its
own revocation, and a key revoked later take back, after the fact, the groups it had admitted; and
the outcome depended on the order the events arrived in and on restarts. Trust events keep their
bodies: such a redaction has no effect on them, and this node's own user is told so before anything
is signed. And a redaction counts only once it is stored (in the log, so it travels): one its author
could no longer sign, honoured where it was presented, left two nodes with the same events and
different bodies for good."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from crypto.keys import SigningKey
from events.errors import InvalidEvent
from node.log import EventLog
from node.store import BODY_MISSING, Store
from node_fixtures import Author, Net, action, net, wires  # noqa: F401 (fixture)


def _trust_view(log: EventLog) -> dict:
    members = {key: (m.role, m.group, m.revoked_from) for key, m in log.trust.members.items()}
    stored = sorted((author, seq, state) for _, author, seq, state in log.store.event_states())
    return {"members": members, "stored": stored}


def _every_order(tmp_path: Path, net: Net, first: list, events: list) -> list[dict]:
    """The trust view after `first`, then `events` in every order, one batch each, and after a restart."""
    views = []
    for i, order in enumerate(itertools.permutations(events)):
        path = tmp_path / f"{i}.db"
        log = net.new_log(path)
        log.ingest(wires(first))
        for ev in order:
            log.ingest(wires([ev]))
        views.append(_trust_view(log))
        log.store.close()
        reopened = EventLog(Store(path))
        views.append(_trust_view(reopened))
        reopened.store.close()
    return views


def test_a_revoked_device_cannot_cancel_its_revocation_by_redacting_it(tmp_path: Path, net: Net) -> None:
    thief = net.device_of(net.group)  # a stolen phone: revoked by itself, then the thief redacts that
    posted = thief.sign("action", action(1))
    revocation = thief.sign("member.revoke", {"subject": bytes(thief.key.public), "from_seq": 3, "reason": "lost"})
    after = thief.sign("action", action(3))
    redaction = thief.sign("redact", {"ids": [revocation.id]})
    views = _every_order(tmp_path, net, net.group.made, [posted, revocation, after, redaction])
    assert all(v == views[0] for v in views), "the outcome depends on the order or on a restart"
    member = views[0]["members"][bytes(thief.key.public)]
    assert member[2] == 3, member  # still revoked from seq 3
    assert [seq for author, seq, _ in views[0]["stored"] if author == bytes(thief.key.public)] == [1, 2]


def test_a_key_revoked_later_cannot_take_back_a_group_it_admitted(tmp_path: Path, net: Net) -> None:
    admitter = net.device_of(net.group)  # a device of the founding group admits another group
    newcomer = Author(SigningKey.generate(), net.genesis.network_id)
    vouch = admitter.sign("member.vouch", {"subject": bytes(newcomer.key.public), "role": "group"})
    revoked = net.group.sign("member.revoke", {"subject": bytes(admitter.key.public), "from_seq": 2,
                                                "reason": "left the group"})
    redaction = admitter.sign("redact", {"ids": [vouch.id]})  # its seq 2: past its revocation point
    newcomers_post = newcomer.sign("group.profile", {"name": "Dover", "region": "dover"})
    views = _every_order(tmp_path, net, net.group.made[:-1], [vouch, revoked, redaction, newcomers_post])
    assert all(v == views[0] for v in views), "the outcome depends on the order or on a restart"
    assert views[0]["members"][bytes(newcomer.key.public)][2] is None  # still a member, not revoked
    assert any(author == bytes(newcomer.key.public) for author, _, _ in views[0]["stored"])


def test_own_redaction_of_a_trust_event_is_refused_before_signing(tmp_path: Path, net: Net) -> None:
    log = net.new_log(tmp_path / "own.db")
    log.ingest(wires(net.group.made))
    device = net.founder.device
    post = log.append(device, "action", action(1))
    leaving = log.append(device, "member.revoke", {"subject": bytes(device.public), "from_seq": 9, "reason": "moving"})
    with pytest.raises(InvalidEvent, match="vouches and revocations cannot be redacted"):
        log.append(device, "redact", {"ids": [post.id, leaving.id]})
    log.append(device, "redact", {"ids": [post.id]})  # an ordinary post: redacted
    assert log.store.event_row(post.id)[8] is None
    assert log.trust.member(bytes(device.public)).revoked_from == 9


def test_a_redaction_its_author_may_no_longer_sign_drops_nothing_wherever_it_is_presented(
        tmp_path: Path, net: Net) -> None:
    """A seized phone revoked from its seq 3: a redaction signed with it (seq 3) is refused or kept
    aside, so it must drop nothing, whether pushed as an event or presented as a dialler's
    credentials; else the node it reached and one it did not would keep different bodies of the
    same events, and sync (which compares events, not bodies) would never mend it."""
    phone = net.device_of(net.group)
    posts = [phone.sign("action", action(i)) for i in (1, 2)]
    revoked = net.group.sign("member.revoke", {"subject": bytes(phone.key.public), "from_seq": 3, "reason": "seized"})
    redaction = phone.sign("redact", {"ids": [p.id for p in posts]})
    history = net.group.made[:-1] + posts + [revoked]
    reached, untouched = net.new_log(tmp_path / "reached.db"), net.new_log(tmp_path / "untouched.db")
    for log in (reached, untouched):
        log.ingest(wires(history))
    assert reached.ingest(wires([redaction]))[0].status in ("pending", "rejected")
    assert reached.ingest_credentials(wires([redaction]))[0].status == "rejected"
    assert sorted(reached.store.event_states()) == sorted(untouched.store.event_states())
    assert all(reached.store.event_row(p.id)[8] is not None for p in posts)


def test_a_redaction_that_waited_for_its_chain_drops_the_bodies_once_it_is_stored(tmp_path: Path, net: Net) -> None:
    author = net.device_of(net.group)
    secret = author.sign("action", action(1) | {"description": "the back door of 12 Rue X"})
    middle = author.sign("action", action(2))
    redaction = author.sign("redact", {"ids": [secret.id]})
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    log.ingest(wires([secret]))
    assert log.ingest(wires([redaction]))[0].status == "pending"  # waits for seq 2
    assert log.store.event_row(secret.id)[8] is not None
    log.ingest(wires([middle]))  # the gap is filled: the redaction goes in, and counts
    assert log.store.event_row(secret.id)[8] is None


def test_a_redaction_taken_out_by_a_revocation_lets_the_bodies_come_back(tmp_path: Path, net: Net) -> None:
    """A thief redacts a seized phone's posts at its next seq before the group's revocation from that
    seq arrives. Where the redaction was stored first it dropped the bodies; where the revocation came
    first it waits aside and drops nothing. Once taken out of the log it holds no more: the posts are
    stored as missing their bodies, and the copy a peer sends again (what sync asks for) fills them,
    so both nodes end the same. A redaction that stays in the log still holds against such a copy."""
    phone = net.device_of(net.group)
    posts = [phone.sign("action", action(i) | {"description": f"meet at door {i}"}) for i in (1, 2)]
    redaction = phone.sign("redact", {"ids": [p.id for p in posts]})
    revoked = net.group.sign("member.revoke", {"subject": bytes(phone.key.public), "from_seq": 3, "reason": "seized"})
    setup = net.group.made[:-1] + posts
    early, late = net.new_log(tmp_path / "early.db"), net.new_log(tmp_path / "late.db")
    early.ingest(wires(setup + [redaction]))
    assert all(early.store.event_row(p.id)[8] is None for p in posts)  # dropped, as a redaction must
    early.ingest(wires([revoked]))
    late.ingest(wires(setup + [revoked, redaction]))
    states = {event_id: state for event_id, _, _, state in early.store.event_states()}
    assert {states[p.id] for p in posts} == {BODY_MISSING}
    early.ingest(wires(posts))  # a peer's copy, as sync fetches it
    assert sorted(early.store.event_states()) == sorted(late.store.event_states())
    assert early.store.projection_dump() == late.store.projection_dump()
    assert all(early.store.event_row(p.id)[8] == p.body for p in posts)

    kept = phone.sign("redact", {"ids": [posts[0].id]}, seq=3, prev=posts[1].id)  # (the owner's, never revoked)
    owner = net.new_log(tmp_path / "owner.db")
    owner.ingest(wires(setup + [kept]))
    owner.ingest(wires(posts))
    assert owner.store.event_row(posts[0].id)[8] is None and owner.store.event_row(posts[1].id)[8] is not None
