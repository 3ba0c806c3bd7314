"""Credentials judged within a bound of CPU time (node/log.py `ingest_credentials(cpu_s=...)`), on a
real SQLite store, with the clock given here: each reading of it one tick later, so what is
judged does not depend on this machine's speed.

The bound comes from the hello budget (node/hello_budget.py `take_allowance`) for a handshake not yet
known as a member's: a seized phone its group revoked presented a thousand events it signed, ~0.1 s
of the database thread judged in full, a debt in the budget that shut out every newcomer who was no
known member (until 2026-12-07).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from crypto.keys import SigningKey
from events import errors as E
from node.log import CREDENTIALS_OVER_BUDGET, CREDENTIALS_PART
from node_fixtures import Author, Net, action, device_vouch, statuses, wires
from test_forged_credentials import counted_verifies

JUNK = 200


def ticking() -> Callable[[], float]:
    """A clock one tick later at each reading."""
    ticks = [0.0]

    def clock() -> float:
        ticks[0] += 1.0
        return ticks[0]
    return clock


def seized_phone(net: Net) -> Author:
    """A device of the network's group, vouched and then revoked from its first event."""
    phone = net.device_of(net.group)
    net.group.sign("member.revoke", {"subject": bytes(phone.key.public), "from_seq": 1, "reason": "seized"})
    return phone


def test_a_seized_phones_thousand_events_are_judged_no_longer_than_the_bound(
        net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = net.new_log(tmp_path / "a.db")
    phone = seized_phone(net)
    log.ingest(wires(net.group.made))
    junk = wires([phone.sign("action", action(i)) for i in range(JUNK)])
    before = log.store.count()
    verified = counted_verifies(monkeypatch)
    outcomes = log.ingest_credentials(junk, cpu_s=10.0, clock=ticking())
    assert verified[0] <= 10, f"{verified[0]} signatures checked within 10 ticks"
    assert {(o.status, o.reason, o.message) for o in outcomes} == {("rejected", E.UNJUDGED, CREDENTIALS_OVER_BUDGET)}
    assert log.store.count() == before
    monkeypatch.undo()
    assert {(o.status, o.reason) for o in log.ingest_credentials(junk)} == {("rejected", E.REVOKED)}, \
        "judged with no bound, they are refused as the revoked phone's"


def test_a_new_groups_chain_in_parts_goes_in_whole_within_the_bound(net: Net, tmp_path: Path) -> None:
    """A bound judges credentials a part at a time (CREDENTIALS_PART): a new group's chain, presented
    last event first, still goes in whole while the time lasts (a part's events that wait for a
    later part's vouch come again at the next pass)."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    newcomer = Author(SigningKey.generate(), net.genesis.network_id)
    chain = [net.group.sign("member.vouch", {"subject": bytes(newcomer.key.public), "role": "group"}),
             newcomer.sign("group.profile", {"name": "Dover", "region": "dover"})]
    for _ in range(CREDENTIALS_PART + 10):
        device = SigningKey.generate()
        chain.append(newcomer.sign("member.vouch", device_vouch(newcomer.key, device, bytes(32 * [5]))))
    outcomes = log.ingest_credentials(wires(list(reversed(chain))), cpu_s=0.0, clock=lambda: 0.0)
    assert statuses(outcomes) == ["accepted"] * len(chain)


def test_a_long_chain_judged_over_several_presentations_goes_in(net: Net, tmp_path: Path) -> None:
    """A group's chain longer than one handshake's time judges (three parts' worth, none held here:
    a group's first contact) goes in over a few presentations, each storing what it judged. Until
    2026-12-07 every signature was checked before any was stored, and the time ran out at each
    presentation at the same place: with full buckets (some 13 ms here), a chain of 200 events
    was refused NOT_KEPT whole at every dial, its device told to try again later for ever."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    before = log.store.count()
    newcomer = Author(SigningKey.generate(), net.genesis.network_id)
    chain = [net.group.sign("member.vouch", {"subject": bytes(newcomer.key.public), "role": "group"}),
             newcomer.sign("group.profile", {"name": "Dover", "region": "dover"})]
    for _ in range(3 * CREDENTIALS_PART):
        chain.append(newcomer.sign("member.vouch", device_vouch(newcomer.key, SigningKey.generate(), bytes(32 * [5]))))
    presented = wires(chain)
    time_for = len(presented) + CREDENTIALS_PART  # ticks: each wire's decoding, then about a part's signatures
    for _ in range(8):
        outcomes = log.ingest_credentials(presented, cpu_s=float(time_for), clock=ticking())
        if not any(o.message == CREDENTIALS_OVER_BUDGET for o in outcomes):
            break
    assert log.store.count() - before == len(chain), \
        "the chain never went in: each presentation ran out of time before storing any of it"


def test_a_new_groups_chain_has_each_signature_checked_once(
        net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials verified before their commit are not verified again at it: until 2026-12-07 a
    group's first contact had every signature checked twice on the database thread, and half of
    the time a handshake's credentials may take went to checking again what was checked."""
    newcomer = Author(SigningKey.generate(), net.genesis.network_id)
    chain = [net.group.sign("member.vouch", {"subject": bytes(newcomer.key.public), "role": "group"}),
             newcomer.sign("group.profile", {"name": "Dover", "region": "dover"})]
    for _ in range(CREDENTIALS_PART + 10):
        chain.append(newcomer.sign("member.vouch", device_vouch(newcomer.key, SigningKey.generate(), bytes(32 * [5]))))
    verified = counted_verifies(monkeypatch)
    import node.verify_pool as verify_pool
    verify_here = verify_pool.verify_here

    def counting(events: list) -> bytes:
        verified[0] += len(events)
        return verify_here(events)
    monkeypatch.setattr(verify_pool, "verify_here", counting)
    for bound in (None, 1e9):
        fresh = net.new_log(tmp_path / f"{bound}.db")
        fresh.ingest(wires(net.group.made[:-1]))
        verified[0] = 0
        assert statuses(fresh.ingest_credentials(wires(chain), cpu_s=bound)) == ["accepted"] * len(chain)
        assert verified[0] == len(chain), f"{verified[0]} signatures checked for {len(chain)} events (bound {bound})"


def test_credentials_are_not_shipped_to_the_workers(
        net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials are examined on the database thread (their signatures checked there already), whose clock bounds
    them and whose time the hello budget charges: a part of CREDENTIALS_PART events went to the
    worker processes, which checked every signature again out of the clock's sight (until 2026-12-07)."""
    from node import verify_pool

    newcomer = Author(SigningKey.generate(), net.genesis.network_id)
    chain = [net.group.sign("member.vouch", {"subject": bytes(newcomer.key.public), "role": "group"}),
             newcomer.sign("group.profile", {"name": "Dover", "region": "dover"})]
    for _ in range(2 * CREDENTIALS_PART):
        chain.append(newcomer.sign("member.vouch", device_vouch(newcomer.key, SigningKey.generate(), bytes(32 * [5]))))
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made[:-1]))
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "1")
    verify_pool.shutdown()
    verify_pool.start()
    shipped = [0]
    try:
        pool = verify_pool._get_pool()
        assert pool is not None, "no worker process started"
        submit = pool.submit

        def counting(job) -> None:  # type: ignore[no-untyped-def]
            shipped[0] += len(job.wires)
            submit(job)
        monkeypatch.setattr(pool, "submit", counting)
        assert statuses(log.ingest_credentials(wires(chain), cpu_s=1e9)) == ["accepted"] * len(chain)
    finally:
        verify_pool.shutdown()
    assert shipped[0] == 0, f"{shipped[0]} events of the credentials examined by the workers"
