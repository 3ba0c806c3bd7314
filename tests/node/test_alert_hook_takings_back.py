"""The takings back of updates (`update_withdrawn`, `update_redacted`) that `--on-alert`
(node/alert_hook.py) passes on: only of what the command was run for, and several of one alert
coming together as one run saying the alert as it stands now. A phone of the alert's group that
posted thousands of updates (most held back by the allowance, or dropped), then revoked, had each
taken back in a run of its own: thousands of SMS, of words the chat never saw. Real processes for
the command, as tests/node/test_alert_hook_corrections.py."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from node.alert_hook import AlertHook, GroupAllowance
from test_alert_hook import _alert, _Feed
from test_alert_hook_corrections import Gated, clear_of, idle, said, taken_back, taken_in

FLOOD = 40  # the phone's updates of the raid alert


async def test_a_revoked_phones_many_updates_are_taken_back_in_one_run(tmp_path: Path) -> None:
    """Three of the phone's updates went (the allowance's burst), the rest wait; the phone revoked,
    every one is taken back at once. The chat gets one run, the newest, saying the alert as it
    stands now; the updates held back never go, and nothing is said of them."""
    gated = Gated(tmp_path)
    hook, feed = AlertHook(gated.argv, timeout_s=20, burst=4, refill_s=600.0), _Feed()
    raid = _alert("aa", 0)
    updates = [clear_of(raid, f"u{i:02d}", status="update", text=f"moved {i}") for i in range(FLOOD)]
    try:
        await hook.start(feed)
        for item in [raid, *updates]:
            feed.sub.offer(item)
        assert said(await gated.chat(4)) == [("alert", "aa00"), ("update", "u000"), ("update", "u010"),
                                             ("update", "u020")]
        await taken_in(hook, feed)
        assert len(hook.waiting) == FLOOD - 3
        for update in updates:
            feed.sub.offer(taken_back(update, text="Police at the camp, as first said"))
        await taken_in(hook, feed)
        await idle(hook, 5)
        chat = [json.loads(line) for line in gated.out.read_text().splitlines()]
    finally:
        await hook.stop()
    assert said(chat[4:]) == [("update_withdrawn", "u020")], said(chat)
    assert chat[4]["text"] == "Police at the camp, as first said"
    assert len(hook.waiting) == 0, "the updates held back are out of the log: they never go"


@pytest.mark.parametrize("first", ["all_clear", "update"])
async def test_the_taking_back_of_a_false_all_clear_stays_what_goes_with_the_newest_word(tmp_path: Path,
                                                                                         first: str) -> None:
    """The phone moved the alert and then sent a false all clear, both passed on; revoked, both are
    taken back together (a slow gateway: they wait), in either order. One run goes: the all
    clear's (the chat must read that its all clear no longer holds), with the newest word of where
    the alert is; the group's real all clear then goes too."""
    gated = Gated(tmp_path)
    hook, feed = AlertHook(gated.argv, timeout_s=20, burst=2, refill_s=600.0), _Feed()
    raid = _alert("aa", 0)
    moved = clear_of(raid, "m1", status="update", text="moved to the Lidl camp")
    false = clear_of(raid, "f1", text="police gone, come back")
    backs = {"update": taken_back(moved, text="older word"), "all_clear": taken_back(false, text="older word")}
    later = "all_clear" if first == "update" else "update"
    try:
        await hook.start(feed)
        for count, item in enumerate((raid, moved, false), 1):
            feed.sub.offer(item)
            await gated.chat(count)  # (one at a time: an all clear drops the updates waiting)
        assert said(await gated.chat(3)) == [("alert", "aa00"), ("update", "m100"), ("all_clear", "f100")]
        gated.gate.unlink()
        for group in ("b1", "b2"):
            feed.sub.offer(_alert(group, 0))
        await gated.busy(5)
        feed.sub.offer(backs[first])
        feed.sub.offer(backs[later] | {"text": "Police at the station, as it stands"})
        await taken_in(hook, feed)
        gated.gate.touch()
        await idle(hook, 6)
        feed.sub.offer(clear_of(raid, "c2", text="over, for real"))
        await idle(hook, 7)
        chat = await gated.chat(7)
    finally:
        await hook.stop()
    assert said(chat[5:]) == [("update_withdrawn", "f100"), ("all_clear", "c200")], said(chat)
    assert chat[5]["text"] == "Police at the station, as it stands" and chat[5]["withdrawn_status"] == "all_clear"
    assert len(gated.out.read_text().splitlines()) == 7


def test_an_updates_taking_back_or_redaction_goes_once_and_only_if_the_update_went() -> None:
    """The allowance's own record: the update that went is taken back (or redacted) once; one held
    back is not, whatever was said of its alert."""
    allowance = GroupAllowance(burst=2, refill_s=600.0)
    raid = _alert("aa", 0)
    went, held = (clear_of(raid, name, status="update") for name in ("u1", "u2"))
    assert allowance.take(raid, now=0.0) and allowance.take(went, now=0.0) and not allowance.take(held, now=0.0)
    for status in ("update_withdrawn", "update_redacted"):
        assert not allowance.take(taken_back(held) | {"status": status}, now=0.0)
    assert allowance.take(taken_back(went) | {"status": "update_redacted"}, now=0.0)
    assert not allowance.take(taken_back(went), now=0.0), "once"
