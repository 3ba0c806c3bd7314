"""`--on-alert`'s command runner (node/alert_hook.py) with real processes: the alert on standard
input and nowhere else, retries with a log line per failure (never the alert's text), a timeout
that stops the command and what it started, no passphrase in its environment, and a group's flood
of alerts held back after a burst (an SMS gateway charges for each)."""
from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path

import pytest

from crypto.keys import short_id
from node.alert_feed import QUEUE, FairQueue, Subscription
from node.alert_hook import AlertHook, GroupAllowance, parse_command
from solnet_errors import UsageError

ALERT = {"id": "ab" * 32, "n": 7, "region": "calais", "type": "raid", "text": "Police $(touch INJECTED) `id`",
         "location": None, "group": None, "group_name": None, "published": "2031-06-01T05:00:00Z",
         "expires": "2031-06-01T11:00:00Z", "public": False}


def script(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "hook.py"
    path.write_text("import json, os, sys, time\n" + body, encoding="utf-8")
    return [sys.executable, str(path)]


async def test_the_alert_goes_to_standard_input_only_and_no_secret_goes_along(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOLNET_PASSPHRASE", "never for hooks")
    out = tmp_path / "out.json"
    argv = script(tmp_path, f"json.dump({{'in': json.load(sys.stdin), 'env': dict(os.environ), 'argv': sys.argv}}, "
                            f"open({str(out)!r}, 'w'))")
    hook = AlertHook(argv, timeout_s=20)
    assert await hook.deliver(ALERT) is True
    got = json.loads(out.read_text())
    assert got["in"] == ALERT and got["argv"][1:] == []
    assert not any(k.startswith("SOLNET_") for k in got["env"])
    assert not (tmp_path / "INJECTED").exists()


async def test_failures_are_retried_and_each_is_one_line_without_the_text(tmp_path: Path, caplog) -> None:
    count = tmp_path / "count"
    argv = script(tmp_path, f"p = {str(count)!r}\nn = int(open(p).read()) if os.path.exists(p) else 0\n"
                            "open(p, 'w').write(str(n + 1))\nsys.stdin.read()\nsys.exit(0 if n >= 2 else 3)")
    hook = AlertHook(argv, timeout_s=20, pauses_s=(0.01,))
    with caplog.at_level(logging.WARNING, logger="solnet"):
        assert await hook.deliver(ALERT) is True
    assert count.read_text() == "3"
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and all("exit status 3" in line and ALERT["id"][:12] in line for line in lines), lines
    assert "try 1 of 3" in lines[0] and "try 2 of 3" in lines[1]
    assert not any("Police" in line for line in lines)


async def test_a_command_that_hangs_is_stopped_and_given_up_after_its_tries(tmp_path: Path, caplog) -> None:
    child_pid = tmp_path / "child"
    argv = script(tmp_path, "import subprocess\n"
                            f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                            f"open({str(child_pid)!r}, 'w').write(str(p.pid))\ntime.sleep(60)")
    # Stopped at its timeout, each try: a loaded machine may take longer than the shortest to start the
    # command up to its child (none to look for then): again with a longer one
    for timeout_s in (0.5, 2.0, 8.0):
        child_pid.unlink(missing_ok=True)
        caplog.clear()
        hook = AlertHook(argv, timeout_s=timeout_s, tries=2, pauses_s=(0.01,))
        with caplog.at_level(logging.WARNING, logger="solnet"):
            assert await asyncio.wait_for(hook.deliver(ALERT), 30) is False
        assert hook.failed == 1 and len(caplog.records) == 2 and "giving up" in caplog.records[-1].getMessage()
        if child_pid.exists() and child_pid.read_text():
            break
    else:
        pytest.fail("the command never started its child within its timeout")
    pid = int(child_pid.read_text())
    for _ in range(50):  # the whole session was killed: its child is gone too
        if not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[1][:3]:
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the hung command's child still runs")


def test_a_command_that_cannot_run_is_refused_at_start() -> None:
    for text in ("", "'unclosed", "/no/such/program --flag"):
        with pytest.raises(UsageError):
            parse_command(text)
    assert parse_command(f"{sys.executable} -c 'print(1)'") == [sys.executable, "-c", "print(1)"]


def _alert(group: str, i: int, **more) -> dict:
    return ALERT | {"id": f"{group}{i:02d}".ljust(64, "0"), "group": group * 32, "group_name": group} | more


def test_a_groups_alerts_pass_in_a_burst_then_one_a_minute_and_others_are_not_held() -> None:
    allowance = GroupAllowance(burst=3, refill_s=60.0)
    assert [allowance.take(_alert("aa", i), now=100.0) for i in range(5)] == [True, True, True, False, False]
    assert allowance.held == {"aa" * 32: 2}
    assert allowance.take(_alert("bb", 0), now=100.0)  # another group's alert is not held with the flood
    assert not allowance.take(_alert("aa", 5), now=159.0)
    assert allowance.take(_alert("aa", 6), now=160.5)  # a minute on: one more
    assert allowance.held == {} and not allowance.take(_alert("aa", 7), now=161.0)
    assert [allowance.take(_alert("aa", i), now=100.0 + 60 * 3 + 60 * 10) for i in range(8, 12)] == [True] * 3 + [False]


def test_the_all_clear_of_an_alert_passed_on_always_passes_and_no_other_does() -> None:
    allowance = GroupAllowance(burst=1, refill_s=60.0)
    first, second = _alert("aa", 0), _alert("aa", 1)
    assert allowance.take(first, now=0.0) and not allowance.take(second, now=0.0)
    clear = {"kind": "alert.update", "status": "all_clear", "group": "aa" * 32}
    assert not allowance.take(clear | {"id": "c1".ljust(64, "0"), "alert": second["id"]}, now=0.0)  # never heard of
    assert not allowance.take(clear | {"id": "u1".ljust(64, "0"), "alert": first["id"], "status": "update"}, now=0.0)
    assert allowance.take(clear | {"id": "c2".ljust(64, "0"), "alert": first["id"]}, now=0.0)
    assert not allowance.take(clear | {"id": "c3".ljust(64, "0"), "alert": first["id"]}, now=0.0)  # once


def test_the_withdrawal_of_an_alert_passed_on_always_passes_once() -> None:
    """A flooding infiltrator, its group revoked: the withdrawal of its alert that reached the chat
    goes whatever its group's exhausted allowance says; one of an alert held back does not."""
    allowance = GroupAllowance(burst=1, refill_s=60.0)
    first, second = _alert("aa", 0), _alert("aa", 1)
    assert allowance.take(first, now=0.0) and not allowance.take(second, now=0.0)
    gone = {"kind": "alert.update", "status": "withdrawn", "group": "aa" * 32}
    assert not allowance.take(gone | {"id": second["id"], "alert": second["id"]}, now=0.0)  # never passed on
    assert allowance.take(gone | {"id": first["id"], "alert": first["id"]}, now=0.0)
    assert not allowance.take(gone | {"id": first["id"], "alert": first["id"]}, now=0.0)  # once


def test_many_fresh_groups_get_no_more_than_the_nodes_runs_a_minute_and_all_clears_still_pass() -> None:
    """N groups let in by one member, each within its own allowance, post together: the command
    runs `node_per_minute` times a minute for all of them; a passed alert's all clear still goes."""
    allowance = GroupAllowance(burst=10, refill_s=60.0, node_per_minute=30)
    floods = [_alert(f"{g:02x}", i) for g in range(20) for i in range(10)]
    taken = [a for a in floods if allowance.take(a, now=100.0)]
    assert len(taken) == 30 and allowance.node_held == len(floods) - 30
    assert allowance.held == {}, "no group is over its own allowance: the node's limit held them"
    clear = {"kind": "alert.update", "status": "all_clear", "id": "cc".ljust(64, "0"), "alert": taken[0]["id"],
             "group": taken[0]["group"]}
    assert allowance.take(clear, now=100.0), "the all clear of an alert passed on goes whatever the limits"
    assert not allowance.take(_alert("ee", 0), now=101.0)
    assert allowance.take(_alert("ee", 1), now=102.1), "refilled over the minute: one every 2 s"
    assert allowance.node_held == 0
    assert sum(allowance.take(_alert("ff", i), now=200.0) for i in range(10)) == 10, "a minute on: room again"


def test_no_limit_passes_everything() -> None:
    allowance = GroupAllowance(burst=0)
    assert all(allowance.take(_alert("aa", i), now=0.0) for i in range(100))


class _Feed:
    """The methods of node.alert_feed.AlertFeed a hook uses, over a real Subscription."""

    def __init__(self) -> None:
        self.sub: Subscription | None = None

    def subscribe(self, regions, keeps=None, queue_size=QUEUE) -> Subscription:
        self.sub = Subscription(frozenset(regions), keeps, FairQueue(queue_size))
        return self.sub

    def unsubscribe(self, sub: Subscription) -> None:
        self.sub = None

    def lineage_of(self, group: str | None) -> str | None:
        return group  # (each group its own lineage)


async def _run(hook: AlertHook, feed: _Feed, alerts: list[dict], delivered: int) -> None:
    """Offer `alerts` to a started hook; return once it has taken them all and run `delivered` times."""
    await hook.start(feed)
    try:
        for alert in alerts:
            feed.sub.offer(alert)
        async with asyncio.timeout(60):
            while not (feed.sub.queue.empty() and hook.delivered == delivered):
                await asyncio.sleep(0.02)
    finally:
        await hook.stop()


async def test_a_flood_by_one_group_runs_the_command_a_burst_of_times_and_says_so_once(tmp_path: Path, caplog) -> None:
    out = tmp_path / "out"
    argv = script(tmp_path, f"a = json.load(sys.stdin)\nopen({str(out)!r}, 'a').write(a['id'] + '\\n')")
    hook, feed = AlertHook(argv, timeout_s=20, burst=3), _Feed()
    flood = [_alert("aa", i) for i in range(40)]
    genuine = _alert("bb", 0)
    with caplog.at_level(logging.INFO, logger="solnet"):
        await _run(hook, feed, flood[:20] + [genuine] + flood[20:], delivered=4)
    assert sorted(out.read_text().split()) == sorted(a["id"] for a in flood[:3] + [genuine])
    said = [r.getMessage() for r in caplog.records if "--on-alert:" in r.getMessage()]
    assert said == ["--on-alert: aa posted more than 3 alerts in a row; its next ones wait and go to the command one "
                    "every 60 s, oldest first (all are on the dashboard)"]
    assert not any("Police" in r.getMessage() for r in caplog.records)


async def test_a_flood_from_many_groups_is_said_once_in_the_log(tmp_path: Path, caplog) -> None:
    out = tmp_path / "out"
    argv = script(tmp_path, f"a = json.load(sys.stdin)\nopen({str(out)!r}, 'a').write(a['id'] + '\\n')")
    hook, feed = AlertHook(argv, timeout_s=20, burst=3, node_per_minute=4), _Feed()
    flood = [_alert(f"{g:02x}", i) for g in range(10) for i in range(2)]
    with caplog.at_level(logging.INFO, logger="solnet"):
        await _run(hook, feed, flood, delivered=4)
    assert len(out.read_text().split()) == 4
    said = [r.getMessage() for r in caplog.records if "--on-alert:" in r.getMessage()]
    assert said == ["--on-alert: more than 4 alerts in a minute from all groups together (many groups posting at "
                    "once, or groups let in to flood it); the command runs at most 4 times a minute (3 for groups "
                    "other than this node's own, the founders and those it admitted): alerts wait and go as it "
                    "allows, those groups' first (all are on the dashboard)"]


async def _lines(path: Path, count: int, timeout_s: float = 30.0) -> list[str]:
    """The first `count` lines the command wrote, once it has (bounded wait)."""
    async with asyncio.timeout(timeout_s):
        while len(lines := (path.read_text().split() if path.exists() else [])) < count:
            await asyncio.sleep(0.05)
    return lines[:count]


async def _said(caplog, words: str, timeout_s: float = 30.0) -> None:
    """Once the log has said `words` (bounded wait)."""
    async with asyncio.timeout(timeout_s):
        while not any(words in r.getMessage() for r in caplog.records):
            await asyncio.sleep(0.05)


async def test_alerts_held_back_by_the_nodes_limit_go_later_oldest_first_and_a_trusted_groups_at_once(
        tmp_path: Path, caplog) -> None:
    """About 30 fresh groups (an infiltrator's) used up the node's 30 runs a minute, and a raid alert
    of a trusted group that came then was held back for good, never passed on, nor the fresh
    groups' either. Now held-back alerts wait and go as the allowance refills, oldest first; the
    last third of the node's runs is kept for trusted groups, whose raid alert goes at once; the
    log says when alerts are held and when each goes, never what they say."""
    out = tmp_path / "out"
    argv = script(tmp_path, f"a = json.load(sys.stdin)\nopen({str(out)!r}, 'a').write(a['id'] + '\\n')")
    trusted = "77" * 32

    async def ranks(group):
        return (0, 0) if group == trusted else (1, 3)  # the node's own group's; fresh groups far out

    hook, feed = AlertHook(argv, timeout_s=20, burst=10, node_per_minute=6), _Feed()
    hook.ranks = ranks
    hook.allowance.window_s = 6.0  # 6 runs in 6 s, not a minute: the same, sooner
    fresh = [_alert(f"{g:02x}", 0) for g in range(12)]
    raid = _alert("77", 0, text="Raid at the canal camp")
    with caplog.at_level(logging.INFO, logger="solnet"):
        await hook.start(feed)
        try:
            for alert in fresh:
                feed.sub.offer(alert)
            await _said(caplog, "more than 4 alerts in a minute from all groups together")
            feed.sub.offer(raid)
            lines = await _lines(out, len(fresh) + 1)
        finally:
            await hook.stop()
    # (two commands run at once: what they write is in the order they started, give or take one)
    assert raid["id"] in lines[:6], "the trusted group's raid alert goes at once, before the fresh groups' held ones"
    assert sorted(lines) == sorted(a["id"] for a in fresh + [raid]), "every held alert goes in the end"
    said = [r.getMessage() for r in caplog.records if "--on-alert:" in r.getMessage()]
    went = [line.split()[2] for line in said if "goes to the command now, held back" in line]
    assert went == [short_id(a["id"]) for a in fresh[4:]], ("oldest first", said)
    assert not any("Police" in line or "Raid" in line for line in said)


async def test_a_held_alert_withdrawn_or_ended_before_its_turn_is_never_passed_on(tmp_path: Path, caplog) -> None:
    """An alert waiting for its group's allowance that is withdrawn meanwhile (its sender revoked)
    is dropped, never run for, and so is one that ended before its turn; the next one goes."""
    from datetime import datetime, timedelta, timezone

    out = tmp_path / "out"
    argv = script(tmp_path, f"a = json.load(sys.stdin)\nopen({str(out)!r}, 'a').write(a['id'] + '\\n')")
    hook, feed = AlertHook(argv, timeout_s=20, burst=1, refill_s=3.0), _Feed()
    soon = (datetime.now(timezone.utc) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    first, false, ending, after = (_alert("aa", 0), _alert("aa", 1), _alert("aa", 2, expires=soon),
                                   _alert("aa", 3))
    with caplog.at_level(logging.INFO, logger="solnet"):
        await hook.start(feed)
        try:
            for alert in (first, false, ending, after):
                feed.sub.offer(alert)
            assert await _lines(out, 1) == [first["id"]]
            await _said(caplog, "its next ones")
            feed.sub.offer(false | {"kind": "alert.update", "status": "withdrawn", "alert": false["id"]})
            lines = await _lines(out, 2)
        finally:
            await hook.stop()
    assert lines == [first["id"], after["id"]]
    said = " ".join(r.getMessage() for r in caplog.records)
    assert f"alert {short_id(false['id'])} of aa was withdrawn before its turn" in said, said
    assert "1 held-back alerts or updates ended before their turn" in said, said


def test_fresh_groups_leave_the_nodes_reserve_and_a_full_wait_drops_a_floods_newest() -> None:
    """Groups the node does not trust most may use 20 of its 30 runs a minute; the last 10 are for
    the trusted. Over the bound of alerts waiting, the group with the most waiting, of the lowest
    rank, loses its newest: never a trusted group's alert."""
    from node.alert_waiting import Waiting

    allowance = GroupAllowance(burst=10, refill_s=60.0, node_per_minute=30)
    fresh = [_alert(f"{g:02x}", 0) for g in range(30)]
    assert sum(allowance.take(a, now=0.0, trusted=False) for a in fresh) == 20
    assert allowance.holds(_alert("77", 0), now=0.0, trusted=True) is None
    assert all(allowance.take(_alert("77", i), now=0.0) for i in range(10)) and allowance.node_held == 0
    waiting = Waiting(bound=3)
    trusted, flood = _alert("77", 20), [_alert("ee", i) for i in range(3)]
    assert waiting.add(trusted, (0, 0), now=0.0) is None
    assert [waiting.add(a, (1, 4), now=0.0) for a in flood[:2]] == [None, None]
    assert waiting.add(flood[2], (1, 4), now=0.0) is flood[2]
    assert waiting.holds(trusted["id"]) and waiting.holds(flood[0]["id"]) and not waiting.holds(flood[2]["id"])


def test_withdrawals_of_alerts_passed_on_are_never_dropped_from_a_full_wait() -> None:
    """A revoked flooder's alerts that went to the chat are each withdrawn: all those withdrawals
    wait whatever their number (the passed-on record bounds them), and a full wait drops plain
    alerts only."""
    from node.alert_waiting import Waiting

    waiting = Waiting(bound=3)
    withdrawals = [_alert("ee", i, kind="alert.update", status="withdrawn", alert=_alert("ee", i)["id"])
                   for i in range(5)]
    assert [waiting.add(w, (1, 4), now=0.0, always=True) for w in withdrawals] == [None] * 5
    plain = [_alert("aa", i) for i in range(4)]
    assert [waiting.add(a, (1, 2), now=0.0) for a in plain] == [None, None, None, plain[3]]
    assert len(waiting) == 8


def test_an_alert_taken_and_then_found_out_of_the_log_gives_its_run_back() -> None:
    """An alert that waited is looked up in the log before it goes: one taken out meanwhile (its
    sender revoked) is not passed on, and the run counted for it goes back to its group and to the
    node, so a revoked flooder's alerts do not spend the others' runs."""
    allowance = GroupAllowance(burst=2, refill_s=60.0, node_per_minute=3)
    flood = [_alert("ee", i) for i in range(2)]
    assert all(allowance.take(a, now=0.0, trusted=False) for a in flood)
    allowance.forget(flood[1], now=0.0)
    assert not allowance.passed(flood[1]["id"]) and allowance.passed(flood[0]["id"])
    assert allowance.take(_alert("ee", 2), now=0.0, trusted=False)  # the group's run came back
    assert allowance.take(_alert("aa", 0), now=0.0)  # and the node's: 3 runs, 2 of them used
    assert not allowance.take(_alert("bb", 0), now=0.0)


async def test_a_stop_as_the_command_finishes_does_not_hold_the_node(monkeypatch) -> None:
    """On Python 3.11, asyncio.wait_for hands back the result instead of raising when the
    cancellation comes as the awaited work completes: a hook stopped as its command finished went on
    waiting for the next alert, and the node's stop waited for it for ever (a suite run hung in
    `hook.stop()` until its 180 s timeout). Here the command finishes in the very turn of the loop in
    which the hook is told to stop."""
    hook, feed = AlertHook([sys.executable, "-c", "pass"], timeout_s=20), _Feed()
    stopping: list[asyncio.Task] = []

    class FinishingAsTheHookStops:
        """The command's process, finishing as the stop begins (nothing is started)."""

        pid, returncode = 2**31 - 1, 0  # (no such process group, were it ever signalled)

        async def communicate(self, data: bytes) -> tuple[None, None]:
            stopping.append(asyncio.create_task(hook.stop()))
            await asyncio.sleep(0)  # the stop runs in this turn; the command's answer comes in it too
            return None, None

        async def wait(self) -> int:
            return 0

    async def start_command(*argv, **options) -> FinishingAsTheHookStops:
        return FinishingAsTheHookStops()

    monkeypatch.setattr(asyncio, "create_subprocess_exec", start_command)
    await hook.start(feed)
    feed.sub.offer(_alert("aa", 0))
    async with asyncio.timeout(10):
        while not stopping:
            await asyncio.sleep(0.01)
    done, _ = await asyncio.wait(stopping, timeout=10)  # bounded, not timed: before, it never ended
    assert done, "the stop waited for a worker that missed its cancellation"


async def test_a_held_alert_or_update_redacted_before_its_turn_is_never_passed_on(tmp_path: Path, caplog) -> None:
    """An alert (or an update) waiting for its group's allowance that its group redacts meanwhile (it
    named a person in hiding) is dropped, never run for: its words went to the chat after the
    redaction had taken them from every database. The chat, never told of it, hears nothing of it."""
    out = tmp_path / "out"
    argv = script(tmp_path, f"a = json.load(sys.stdin)\nopen({str(out)!r}, 'a').write(a['id'] + ':' + a.get('status', 'alert') + '\\n')")
    hook, feed = AlertHook(argv, timeout_s=20, burst=1, refill_s=2.0), _Feed()
    first, named, update, after = (_alert("aa", 0), _alert("aa", 1), _alert("aa", 2), _alert("aa", 3))
    update |= {"kind": "alert.update", "status": "update", "alert": first["id"]}
    with caplog.at_level(logging.INFO, logger="solnet"):
        await hook.start(feed)
        try:
            for alert in (first, named, update, after):
                feed.sub.offer(alert)
            assert await _lines(out, 1) == [first["id"] + ":alert"]
            await _said(caplog, "its next ones")
            feed.sub.offer(named | {"kind": "alert.update", "status": "redacted", "alert": named["id"], "text": ""})
            feed.sub.offer(update | {"status": "update_redacted", "text": ""})
            lines = await _lines(out, 2)
            async with asyncio.timeout(20):  # nothing more is left to go
                while hook.delivered < 2 or len(hook.waiting):
                    await asyncio.sleep(0.02)
        finally:
            await hook.stop()
    # the first alert's update, held back, was redacted: the chat never had it, and is told nothing of it
    assert lines == [first["id"] + ":alert", after["id"] + ":alert"] and len(out.read_text().split()) == 2
    said = " ".join(r.getMessage() for r in caplog.records)
    assert f"alert {short_id(named['id'])} of aa was redacted before its turn" in said, said
