"""An event arriving at a quiet node is no write of the status of its own: the rate of events
stored from peers rises with it and falls back 10 s later, and each change wrote every peer's row
and the runtime's again (two writes per event on an SD card, a third more than storing it). The
rate waits for the once-a-minute write; anything else that changes is still written at once."""
from __future__ import annotations

from node.net.status_saver import UNCHANGED_SAVE_MS, StatusSaver
from node.status import runtime_info
from sync.peers import DevicePenalties


def test_the_event_rate_alone_waits_for_the_minute_other_facts_do_not(net, tmp_path, monkeypatch):
    log = net.new_log(tmp_path / "solnet.db")
    clock = [1_000_000]
    facts = {"links": 1, "events_per_s": 0.0}
    monkeypatch.setattr("node.net.status_saver.now_ms", lambda: clock[0])
    saver = StatusSaver(None, lambda: log, facts=lambda: dict(facts), directory=None,  # type: ignore[arg-type]
                        views=lambda now: [], storage=None, devices=DevicePenalties(),  # type: ignore[arg-type]
                        removed=None)  # type: ignore[arg-type]

    def saved() -> dict:
        return runtime_info(log.store)

    saver.save([])
    first = clock[0]
    assert saved()["saved"] == first and saved()["events_per_s"] == 0.0
    for rate in (0.1, 0.0, 0.1, 0.0):  # two events, 10 s apart each way, as a quiet node's rounds see them
        clock[0] += 10_000
        facts["events_per_s"] = rate
        saver.save([])
        assert saved()["saved"] == first, "a change of the event rate alone wrote the status"
    facts["events_per_s"] = 0.1
    clock[0] = first + UNCHANGED_SAVE_MS
    saver.save([])  # the minute's write takes the rate of the moment
    assert saved()["saved"] == clock[0] and saved()["events_per_s"] == 0.1
    clock[0] += 2_000
    facts["links"] = 2  # a link made is said at once, and with it the rate of the moment
    facts["events_per_s"] = 0.3
    saver.save([])
    assert saved()["saved"] == clock[0] and saved()["links"] == 2 and saved()["events_per_s"] == 0.3
    log.store.close()
