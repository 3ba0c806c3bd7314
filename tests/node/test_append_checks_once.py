"""A local append checks its fields once: admission takes their verdict instead of unpacking the
body it was just packed from and checking it again, and the outcome is the same as with a re-check."""
from __future__ import annotations

from pathlib import Path

import pytest

from node_fixtures import Net, action
import node.log
from events.errors import InvalidEvent
from events.format import sign_event
from events.kinds import checked_body, parse_body, round_trips
from node.log import now_ms


class _Text(str):
    pass


def test_round_trips_only_values_that_come_back_as_they_were() -> None:
    assert round_trips({"a": "x", "b": b"y", "c": 3, "d": True, "e": None, "f": ["x", b"y"]})
    for odd in ((1, 2), _Text("x"), {"k": "v"}, 1.5, [(1,)], [_Text("x")]):
        assert not round_trips({"a": odd})


def test_checked_body_says_what_parse_body_says(net: Net) -> None:
    fields = action()
    ev = net.device.sign("action", fields)
    assert checked_body(ev.header, fields) == parse_body(ev.header, ev.body)
    alert = {"region": "calais", "type": "raid", "text": "now"}
    too_long = net.device.sign("alert", alert, expires=now_ms() + 10 * 86_400_000)
    with pytest.raises(InvalidEvent) as parsed:
        parse_body(too_long.header, too_long.body)
    with pytest.raises(InvalidEvent) as checked:
        checked_body(too_long.header, alert)
    assert (checked.value.reason, str(checked.value)) == (parsed.value.reason, str(parsed.value))


def test_an_append_does_not_parse_its_own_body_again(net: Net, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest([e.encode() for e in net.group.made])
    parsed = []
    real = node.log.parse_body
    monkeypatch.setattr(node.log, "parse_body", lambda *a: parsed.append(a[0].kind) or real(*a))
    ev = log.append(net.founder.device, "action", action(1))
    assert parsed == []
    assert log.store.event_row(ev.id) is not None
    [row] = log.store.rows("action")
    assert row  # projected from the checked fields, as from the parsed body
    # A value that might not come back as it was (a tuple) is parsed from the body, as before.
    with pytest.raises(InvalidEvent):
        log.append(net.founder.device, "action", {**action(2), "title": ("a", "b")})


def test_an_append_refused_for_its_expiry_says_so_as_before(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest([e.encode() for e in net.group.made])
    with pytest.raises(InvalidEvent) as refused:
        log.append(net.founder.device, "alert", {"region": "calais", "type": "raid", "text": "now"},
                   expires=now_ms() + 10 * 86_400_000)
    assert refused.value.reason == "bad_field" and "expires at most" in str(refused.value)
