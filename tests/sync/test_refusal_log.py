"""A listener says refused connections at most once a minute per reason, with how many since: a
revoked device dialling again and again wrote a log line every few seconds on an SD card."""
from __future__ import annotations

import logging

from sync import transport
from sync.transport import RefusalLog


def test_refusals_are_said_once_a_minute_per_reason_with_a_count(caplog, monkeypatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(transport.time, "monotonic", lambda: clock[0])
    refusals = RefusalLog()
    with caplog.at_level(logging.INFO, logger=transport.log.name):
        for _ in range(30):
            refusals.say("revoked")
            clock[0] += 1.0
        refusals.say("bad_signature")  # another reason is said at once
        clock[0] += 60.0
        refusals.say("revoked")
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["refused an incoming sync connection: revoked",
                     "refused an incoming sync connection: bad_signature",
                     "refused an incoming sync connection: revoked (and 29 more since it was last said)"], lines
