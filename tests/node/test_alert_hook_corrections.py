"""What `--on-alert` (node/alert_hook.py) tells a chat ends true once a flood has passed: the words
that put right what the chat believes (the all clear of a raid it believes in, the taking back of
a seized phone's false all clear) are never held back by the allowance, nor dropped from the wait,
nor overtaken by what they correct; an update still waiting when its alert's all clear comes never
goes after it. Real processes for the command; the hook's own command is held at a gate to stand
for a slow SMS gateway (both workers busy while what follows arrives)."""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from node.alert_hook import AlertHook
from test_alert_hook import _alert, _Feed

GATE_S = 30  # how long the command waits for its gate at most (a test that fails does not hang)


class Gated:
    """A command that notes each alert as it starts, waits for `gate` to exist, then writes it to
    the chat (`out`, one JSON object a line)."""

    def __init__(self, tmp_path: Path) -> None:
        self.out, self.started, self.gate = tmp_path / "chat.jsonl", tmp_path / "started", tmp_path / "gate"
        path = tmp_path / "hook.py"
        path.write_text(
            "import json, os, sys, time\n"
            "a = sys.stdin.read()\n"
            f"open({str(self.started)!r}, 'a').write(json.loads(a)['id'] + '\\n')\n"
            f"end = time.monotonic() + {GATE_S}\n"
            f"while not os.path.exists({str(self.gate)!r}) and time.monotonic() < end:\n"
            "    time.sleep(0.01)\n"
            f"open({str(self.out)!r}, 'a').write(a)\n", encoding="utf-8")
        self.argv = [sys.executable, str(path)]
        self.gate.touch()

    async def chat(self, count: int) -> list[dict]:
        """The first `count` alerts the chat got, once it got them (bounded wait)."""
        async with asyncio.timeout(20):
            while len(lines := (self.out.read_text().splitlines() if self.out.exists() else [])) < count:
                await asyncio.sleep(0.02)
        return [json.loads(line) for line in lines[:count]]

    async def busy(self, count: int) -> None:
        """Once `count` runs have started (bounded wait)."""
        async with asyncio.timeout(20):
            while len(self.started.read_text().split() if self.started.exists() else []) < count:
                await asyncio.sleep(0.02)


async def taken_in(hook: AlertHook, feed: _Feed) -> None:
    """Once the hook has moved all that was offered to its wait (bounded wait)."""
    async with asyncio.timeout(20):
        while not feed.sub.queue.empty():
            await asyncio.sleep(0.01)
    await asyncio.sleep(0)  # (its intake adds what it took in the same turn: no ranks to look up)


async def idle(hook: AlertHook, delivered: int) -> None:
    """Once the hook has run `delivered` times and runs nothing more (bounded wait): a worker that
    finishes a run takes what may go next in the same turn, before the count can be read."""
    async with asyncio.timeout(20):
        while hook.delivered < delivered or hook._busy:
            await asyncio.sleep(0.02)


def said(chat: list[dict]) -> list[tuple[str, str]]:
    return [(a.get("status", "alert"), a["id"][:4]) for a in chat]


def clear_of(alert: dict, name: str, **more) -> dict:
    return alert | {"id": name.ljust(64, "0"), "kind": "alert.update", "status": "all_clear", "alert": alert["id"],
                    "text": "police gone"} | more


def taken_back(update: dict, text: str = "Police at the camp") -> dict:
    """Its `update_withdrawn`, as node/alert_feed.py hands it on: the alert stands."""
    return update | {"status": "update_withdrawn", "text": text, "withdrawn_status": update["status"],
                     "withdrawn_text": update["text"]}


async def phone_cleared_then_busy(hook: AlertHook, feed: _Feed, gated: Gated) -> tuple[dict, dict]:
    """Group aa's raid alert and a seized phone's false all clear of it went to the chat, aa's
    allowance is spent and another of its alerts waits for it; then two other groups' alerts keep
    both workers busy (a slow gateway): (the raid alert, the false all clear)."""
    raid, other = _alert("aa", 0), _alert("aa", 1)
    false = clear_of(raid, "f1", text="police gone, come back")
    await hook.start(feed)
    feed.sub.offer(raid)
    await gated.chat(1)
    feed.sub.offer(false)
    assert said(await gated.chat(2)) == [("alert", "aa00"), ("all_clear", "f100")]
    gated.gate.unlink()
    for group in ("b1", "b2"):
        feed.sub.offer(_alert(group, 0))
    await gated.busy(4)
    feed.sub.offer(other)  # held: aa's allowance (1) went to the raid alert
    return raid, false


async def test_the_real_all_clear_after_a_false_one_taken_back_is_neither_held_nor_dropped(tmp_path: Path) -> None:
    """The phone revoked, "the alert stands" waits for a worker when the group's real all clear
    comes: that all clear was counted as any alert (the chat, not yet told the alert stands, read
    it over), so it waited behind the group's held alert for its allowance (a minute, or ten) or
    was dropped from a full wait, and the chat ended on a raid that was over."""
    gated = Gated(tmp_path)
    hook, feed = AlertHook(gated.argv, timeout_s=20, burst=1, refill_s=600.0), _Feed()
    try:
        raid, false = await phone_cleared_then_busy(hook, feed, gated)
        hook.waiting.bound = 1  # full with the group's alert waiting
        feed.sub.offer(taken_back(false))
        feed.sub.offer(clear_of(raid, "c2", text="over, for real"))
        await taken_in(hook, feed)
        gated.gate.touch()
        chat = await gated.chat(6)
        assert sorted(said(chat[2:4])) == [("alert", "b100"), ("alert", "b200")]  # (two workers: either first)
        assert said(chat[4:]) == [("update_withdrawn", "f100"), ("all_clear", "c200")], chat[4:]
        assert hook.waiting.holds(_alert("aa", 1)["id"]), "the group's alert still waits for its allowance"
    finally:
        await hook.stop()


async def test_a_false_updates_taking_back_does_not_drop_the_false_all_clears(tmp_path: Path) -> None:
    """The phone had also moved the alert (a false place; held back, the chat never had it); revoked,
    both its update and its all clear are taken back, in any order. The taking back of the update
    dropped the other's, still waiting, and then waited for ever itself (the alert read as over):
    the chat stayed at the false all clear during the raid. Now the all clear's goes, and nothing
    of the update the chat never had."""
    gated = Gated(tmp_path)
    hook, feed = AlertHook(gated.argv, timeout_s=20, burst=1, refill_s=600.0), _Feed()
    try:
        raid, false = await phone_cleared_then_busy(hook, feed, gated)
        moved = clear_of(raid, "m1", status="update", text="moved to the Lidl camp")
        feed.sub.offer(taken_back(false))
        feed.sub.offer(taken_back(moved))
        await taken_in(hook, feed)
        gated.gate.touch()
        chat = await gated.chat(5)
        assert said(chat[4:]) == [("update_withdrawn", "f100")], chat[4:]
        await idle(hook, 5)
        assert len(gated.out.read_text().splitlines()) == 5
    finally:
        await hook.stop()


async def test_an_all_clear_never_overtakes_its_alert_being_tried_again(tmp_path: Path) -> None:
    """The raid alert's command failed once and waits to try again; its all clear came meanwhile and
    the other worker ran it at once: the chat got ALL CLEAR, then the raid alert, and believed the
    raid went on. What is said of one alert goes in order, one at a time."""
    out, failed = tmp_path / "chat.jsonl", tmp_path / "failed"
    path = tmp_path / "hook.py"
    path.write_text(
        "import json, os, sys\n"
        "a = sys.stdin.read()\n"
        f"if json.loads(a).get('kind', 'alert') == 'alert' and not os.path.exists({str(failed)!r}):\n"
        f"    open({str(failed)!r}, 'w').close()\n"
        "    sys.exit(1)\n"
        f"open({str(out)!r}, 'a').write(a)\n", encoding="utf-8")
    hook, feed = AlertHook([sys.executable, str(path)], timeout_s=20, pauses_s=(1.0,)), _Feed()
    raid = _alert("aa", 0)
    try:
        await hook.start(feed)
        feed.sub.offer(raid)
        async with asyncio.timeout(20):
            while not failed.exists():
                await asyncio.sleep(0.02)
        feed.sub.offer(clear_of(raid, "c1"))
        async with asyncio.timeout(20):
            while hook.delivered < 2:
                await asyncio.sleep(0.02)
        chat = [json.loads(line) for line in out.read_text().splitlines()]
        assert said(chat) == [("alert", "aa00"), ("all_clear", "c100")]
    finally:
        await hook.stop()


async def test_an_update_waiting_when_its_alerts_all_clear_comes_never_goes(tmp_path: Path) -> None:
    """An update held back by its group's allowance when the alert's all clear comes is dropped: the
    chat ends at ALL CLEAR, never told a place after it (the all clear carries where the alert is
    now: node/alert_feed.py); the group's other alert still waits for its turn."""
    gated = Gated(tmp_path)
    hook, feed = AlertHook(gated.argv, timeout_s=20, burst=1, refill_s=600.0), _Feed()
    raid, other = _alert("aa", 0), _alert("aa", 1)
    moved = clear_of(raid, "u1", status="update", text="moved", location="Lidl camp")
    try:
        await hook.start(feed)
        feed.sub.offer(raid)
        await gated.chat(1)
        for alert in (other, moved, clear_of(raid, "c1", location="Lidl camp")):
            feed.sub.offer(alert)
        chat = await gated.chat(2)
        await taken_in(hook, feed)
        assert said(chat) == [("alert", "aa00"), ("all_clear", "c100")] and chat[1]["location"] == "Lidl camp"
        assert hook.waiting.holds(other["id"]) and len(hook.waiting) == 1, "the update was dropped, not the alert"
    finally:
        await hook.stop()
