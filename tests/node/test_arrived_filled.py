"""A stub (an event stored without its body: a bundle in clear carries the nodes' announcements so)
whose body came later was left out of every `export --since` made after that: `arrived` tells when
row numbers were stored, and a filled stub keeps its number, so a sealed bundle since before the
filling carried the stub's old number's time and not the body a courier was meant to carry on. The
filling is now noted apart (schema.FILLED_SCHEMA) and a bundle since before it carries the stub; what
was stored with the stub, or after it, keeps its own time (noted in `arrived`, a filling put the
stub's low number in the filling's minute: every later `--since` bundle carried nearly the whole log)."""
from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgpack
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from node.bundle import MAGIC, export_bundle
from node.clock import now_ms
from node.log import EventLog
from node.store import base
from node_fixtures import Net, action, founded, wires

MINUTE = 60_000
# Two hours ahead of this module's import: events stamped up to 9 minutes before T0 follow their vouch,
# signed when each test runs, however late in a slow run (11 minutes ahead was passed 30 minutes into a
# CI run under load, and the events waited for a vouch stamped after them)
T0 = (now_ms() // MINUTE + 120) * MINUTE


def _carried(log, net, since: int) -> list[bytes]:
    out = io.BytesIO()
    export_bundle(log, net.founder.device, out, since_ts=since)
    return [item for item in msgpack.Unpacker(io.BytesIO(out.getvalue()[len(MAGIC):]), raw=False)
            if isinstance(item, bytes)]


@contextmanager
def _home(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Net, EventLog]]:
    """A founded group's home in a folder of its own, its founding stored at T0."""
    net = founded()
    with tempfile.TemporaryDirectory() as folder:
        log = net.new_log(Path(folder) / "home.db")
        try:
            monkeypatch.setattr(base, "now_ms", lambda: T0)
            log.ingest(wires(net.group.made), now=T0)
            yield net, log
        finally:
            log.store.close()


@pytest.mark.parametrize("filled_at", [T0 + 5 * MINUTE, T0 - 30 * MINUTE], ids=["later", "clock-set-back"])
def test_a_stub_filled_after_a_since_bundles_start_is_in_it_with_its_body(
        filled_at: int, monkeypatch: pytest.MonkeyPatch) -> None:
    with _home(monkeypatch) as (net, log):
        before, stub, after = (net.device.sign("action", action(i), ts=T0 - 9 * MINUTE) for i in range(3))
        monkeypatch.setattr(base, "now_ms", lambda: T0 + MINUTE)  # the three in one transaction
        log.ingest([before.encode(), stub.encode(with_body=False), after.encode()], now=T0 + MINUTE)
        monkeypatch.setattr(base, "now_ms", lambda: filled_at)
        assert [o.message for o in log.ingest([stub.encode()], now=T0 + MINUTE)] == ["body restored"]
        monkeypatch.undo()
        carried = _carried(log, net, T0 + 3 * MINUTE)
        if filled_at > T0 + 3 * MINUTE:
            assert stub.encode() in carried, "filled after the start: carried, with its body"
            assert before.encode() not in carried, "stored with it before the start: still left out"
        else:  # (the clock read earlier at the filling: its stub's own time still stands)
            assert carried == []
        assert _carried(log, net, T0 + 20 * MINUTE) == [], "after both: nothing"
        assert stub.encode() in _carried(log, net, T0), "before both: in"


def test_an_old_stub_filled_brings_its_body_alone_not_what_was_stored_after_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with _home(monkeypatch) as (net, log):
        stub, *later = (net.device.sign("action", action(i), ts=T0 - 9 * MINUTE) for i in range(31))
        monkeypatch.setattr(base, "now_ms", lambda: T0 + MINUTE)
        log.ingest([stub.encode(with_body=False)], now=T0)
        for i, ev in enumerate(later):  # a busy home: thirty writes over the next five minutes
            monkeypatch.setattr(base, "now_ms", lambda i=i: T0 + 2 * MINUTE + i * 10_000)
            log.ingest([ev.encode()], now=T0)
        since = T0 + 8 * MINUTE
        held_before = log.store.stored_before(since)
        monkeypatch.setattr(base, "now_ms", lambda: T0 + 10 * MINUTE)
        assert [o.message for o in log.ingest([stub.encode()], now=T0)] == ["body restored"]
        monkeypatch.undo()
        assert log.store.stored_before(since) == held_before, "when events were stored: as before the fill"
        assert _carried(log, net, since) == [stub.encode()], "the filled stub, with its body, and nothing else"


# A write transaction: the minute (of 8) and millisecond its clock reads, and what it does: store
# events (True: as a stub) or fill the stubs stored so far (the indexes of those it fills).
_WRITES = st.lists(st.tuples(st.integers(0, 7), st.sampled_from([0, 1, 59_999]),
                             st.one_of(st.lists(st.booleans(), min_size=1, max_size=3),
                                       st.lists(st.integers(0, 4), min_size=1, max_size=2))),
                   min_size=1, max_size=12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=_WRITES)
@example(history=[(1, 0, [False, True, False]), (3, 0, [0])])  # a stub between two, filled two minutes later
def test_a_since_bundle_carries_every_event_stored_or_filled_from_its_minute_on(
        history: list[tuple[int, int, list]], monkeypatch: pytest.MonkeyPatch) -> None:
    net = founded()
    with tempfile.TemporaryDirectory() as folder:
        log = net.new_log(Path(folder) / "home.db")
        monkeypatch.setattr(base, "now_ms", lambda: T0)
        log.ingest(wires(net.group.made), now=T0)
        events, stubs, when = [], [], {}  # when: event -> the times its header and its body were stored
        try:
            for minute, ms, does in history:
                at = T0 + minute * MINUTE + ms
                monkeypatch.setattr(base, "now_ms", lambda at=at: at)
                if does and isinstance(does[0], bool):
                    made = [net.device.sign("action", action(len(events) + i), ts=T0 - 9 * MINUTE)
                            for i in range(len(does))]
                    outcomes = log.ingest([ev.encode(with_body=not stub) for ev, stub in zip(made, does)], now=T0)
                    assert {o.status for o in outcomes} == {"accepted"}, [o.reason for o in outcomes]
                    events += made
                    stubs += [ev for ev, stub in zip(made, does) if stub]
                    when.update((ev, [at]) for ev in made)
                else:
                    filling = {stubs[i] for i in does if i < len(stubs)}
                    outcomes = log.ingest([ev.encode() for ev in filling], now=T0)
                    assert [o.message for o in outcomes] == ["body restored"] * len(filling)
                    stubs = [ev for ev in stubs if ev not in filling]
                    for ev in filling:
                        when[ev].append(at)
            monkeypatch.undo()
            for since in range(T0, T0 + 9 * MINUTE, MINUTE):
                carried = set(_carried(log, net, since))
                for ev in events:
                    if max(when[ev]) >= since:
                        assert ev.encode(with_body=ev not in stubs) in carried, (since, when[ev])
        finally:
            log.store.close()
