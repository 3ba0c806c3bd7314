"""What releasing a run stamped ahead costs: each event kept aside is read a bounded number of
times, however long the run (node/log.py `_drain_pending`): the proofs are read once, with what each
rests on (node/stamped_ahead.py `resting_on`), and a revocation admitted in the middle of that
release is heeded by the events let in after it.

A mole's device signs 1,000 events stamped 2 h ahead (the kept-aside queue's limit for one author)
and one rightly stamped after them, pushes all but the first (they wait aside for it), then the
first. Until 2026-12-06 the release read and decoded every event still aside once for each event
it let in: n^2 reads inside one write transaction, ~17 s of a node's database writer at n = 1,000
(~2 min on a Pi), every other group's raid alert waiting behind it."""
from __future__ import annotations

import random
from pathlib import Path

from node import stamped_ahead
from node.log import now_ms
from node.stamped_ahead import MAX_PROVED_LEAD_MS, Link
from node_fixtures import Net, action, wires
from test_stamped_ahead import _sync_until_still

HOUR = 3_600_000
RUN = 1_000  # pending_queue.Limits.per_author_events


def test_releasing_a_run_stamped_ahead_reads_each_kept_event_a_bounded_number_of_times(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    events = [net.device.sign("action", action(i), ts=now + 2 * HOUR + i) for i in range(RUN)]
    events.append(net.device.sign("action", action(RUN), ts=now))
    log = net.new_log(tmp_path / "a.db")
    try:
        log.ingest(wires(net.group.made), now=now)
        assert {o.status for o in log.ingest(wires(events[1:]), now=now)} == {"pending"}
        rows_read = 0
        pending_of = log.store.pending_of

        def counted(author: bytes) -> list:
            nonlocal rows_read
            rows = pending_of(author)
            rows_read += len(rows)
            return rows

        log.store.pending_of = counted  # type: ignore[method-assign]
        assert [o.status for o in log.ingest(wires(events[:1]), now=now)] == ["accepted"]
        assert log.store.pending_count() == 0 and all(log.store.event_row(ev.id) for ev in events)
        assert rows_read <= 4 * RUN, rows_read  # was ~RUN^2 / 2
    finally:
        log.store.close()


def test_a_revocation_released_midway_voids_the_proofs_read_before_it(net: Net, tmp_path: Path) -> None:
    """The device's seq 1 stamped ahead, proved by seq 2: its own revocation from seq 4, rightly
    stamped; seq 3 an alert stamped ahead, whose successor seq 4 is past that revocation: it proves
    nothing. Its vouch sent last, the release reads the proofs at seq 1, admits the revocation, then
    must read them again at seq 3 (the graph changed): the same end as every other arrival."""
    now = now_ms()
    vouch, setup = net.group.made[0], net.group.made[1:]
    device = bytes(net.device.key.public)
    events = [net.device.sign("action", action(1), ts=now + 2 * HOUR),
              net.device.sign("member.revoke", {"subject": device, "from_seq": 4, "reason": "lost"}, ts=now),
              net.device.sign("alert", {"region": "calais", "type": "raid", "text": "stamped ahead"},
                              ts=now + 2 * HOUR, expires=now + 3 * HOUR),
              net.device.sign("action", action(4), ts=now)]
    for name, batches in (("vouch last", [events, [vouch]]), ("reversed, vouch last", [events[::-1], [vouch]]),
                          ("one by one, vouch last", [[ev] for ev in events] + [[vouch]]),
                          ("seq 1 last", [[vouch], events[1:], events[:1]])):
        log = net.new_log(tmp_path / f"{name}.db")
        try:
            log.ingest(wires(setup), now=now)
            for batch in batches:
                log.ingest(wires(batch), now=now)
            _sync_until_still(log, events)
            # seq 1 and 2 in; seq 3 aside for its time, seq 4 aside as revoked; no alert in and out
            assert [log.store.event_row(ev.id) is not None for ev in events] == [True, True, False, False], name
            assert [log.store.is_pending(ev.id) for ev in events[2:]] == [True, True], name
            assert log.store.withdrawn_alerts(now, 10) == [], name
        finally:
            log.store.close()


def test_what_a_proof_rests_on_judged_at_any_revocation_point_is_the_rule_itself() -> None:
    """`resting_on` read once, then judged by a revocation point R (links at R and past it unsound),
    finds what `right` finds with those links unsound: random chains, forks and gaps included."""
    rng = random.Random(48)
    limit = 1_000_000
    for _ in range(400):
        links = []
        for seq in range(1, rng.randint(2, 9)):
            for fork in range(rng.choice((1, 1, 1, 2))):
                prev = rng.choice([link.id for link in links if link.seq == seq - 1] or [b"genesis"])
                stamp = rng.choice((limit, limit + 1, limit + MAX_PROVED_LEAD_MS, limit + MAX_PROVED_LEAD_MS + 1))
                links.append(Link(seq, bytes([seq, fork]) * 16, prev, stamp, rng.random() < 0.9))
        links = [link for link in links if rng.random() < 0.9]
        resting = stamped_ahead.resting_on(links, limit)
        for point in range(1, 11):
            judged = {i for i, rests in resting.items() if rests < point}
            assert judged == stamped_ahead.right([link._replace(sound=link.sound and link.seq < point)
                                                  for link in links], limit), (links, point)
