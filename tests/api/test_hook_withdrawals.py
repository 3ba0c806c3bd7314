"""`--on-alert` on a real node: the withdrawal of an alert the command was run for reaches it after a
flood. A revoked flooder's alerts are withdrawn all at once, many more than the hook's queue holds
(100): that queue let the newest in and dropped the oldest, the false raid alert the chat had got
first among them, for withdrawals of alerts the command never ran for, which it then dropped."""
from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from node import publishing
from node.alert_feed import feed_of, stop_feed
from node.alert_hook import BURST, PASSED_META, AlertHook, PassedMemory
from node.alert_feed import QUEUE
from test_alert_stream import ALERT, false_alert_then_flood, signed_on


async def lines_of(path: Path, count: int, timeout_s: float = 30.0) -> list[dict]:
    """The first `count` alerts the command wrote, once it has written them (bounded wait)."""
    async with asyncio.timeout(timeout_s):
        while True:
            lines = path.read_text().splitlines() if path.exists() else []
            if len(lines) >= count:
                return [json.loads(line) for line in lines[:count]]
            await asyncio.sleep(0.05)


async def chat_hook(api, tmp_path: Path, **options: Any) -> tuple[AlertHook, Path]:
    """A started `--on-alert` hook whose command appends each alert it gets to a file (the chat);
    `options` as AlertHook takes them (`burst=0`: `--on-alert-limit 0`, no limit)."""
    out = tmp_path / "chat.jsonl"
    hook_script = tmp_path / "hook.py"
    hook_script.write_text(f"import sys\nopen({str(out)!r}, 'a').write(sys.stdin.read())\n", encoding="utf-8")
    hook = AlertHook([sys.executable, str(hook_script)], timeout_s=20, **options)
    feed = feed_of(api.node)
    await feed.start()
    await hook.start(feed)
    return hook, out


async def test_a_false_alert_passed_on_is_withdrawn_however_large_the_flood_after_it(api, homes, unlock,
                                                                                      tmp_path) -> None:
    bristol_keys, false, first, then = false_alert_then_flood(homes, unlock)
    hook, out = await chat_hook(api, tmp_path)
    try:
        await api.node.db(api.node.log.ingest, first)  # as if a peer had brought it
        assert (await lines_of(out, 1))[0]["id"] == false.id.hex()
        await api.node.db(api.node.log.ingest, then)  # and then the flood
        chat = await lines_of(out, BURST)  # the false alert and the flood's first: then the hook holds back
        async with asyncio.timeout(30):  # every flood alert was looked at (held back) before the revocation
            while hook._sub.queue.qsize():
                await asyncio.sleep(0.05)
        status, body = await api.request("POST", "/api/v1/events", json={
            "kind": "member.revoke", "as": "group", "fields": {
                "subject": bytes(bristol_keys.group.public).hex(), "from_seq": "1", "reason": "false raid alerts"}})
        assert status == 201, body
        chat = await lines_of(out, 2 * BURST)
        withdrawn = [a["alert"] for a in chat[BURST:]]
        assert all(a["status"] == "withdrawn" for a in chat[BURST:]), chat[BURST:]
        assert sorted(withdrawn) == sorted(a["id"] for a in chat[:BURST])  # each alert the chat got, and no other
    finally:
        await hook.stop()


async def passed_on_then_stopped(api, homes, unlock, tmp_path: Path) -> tuple[Any, Any, Path, Callable[[], AlertHook]]:
    """Bristol's false raid alert passed on by a hook that kept what went (PassedMemory), then the
    hook and the feed stopped as when the node stops: (Bristol's keys, the alert, the command's
    output, a maker of the hook as the node starts it again)."""
    keys = unlock(homes["bristol"])
    false, wires = signed_on(homes["bristol"], keys, lambda log, keys: publishing.publish(
        log, keys, "alert", {**ALERT, "text": "Raid at the station, run"}, expires_in="1h"))
    # The command takes its time to exit: the node stops while it runs (the chat has the alert; the
    # hook had not kept that it went).
    out, hook = await passed_on_by_a_kept_hook(api, tmp_path, [wires], pause=True)
    assert (await lines_of(out, 1))[0]["id"] == false.id.hex()
    return keys, false, out, hook


async def passed_on_by_a_kept_hook(api, tmp_path: Path, steps: list[list[bytes]],
                                   pause: bool = False) -> tuple[Path, Callable[[], AlertHook]]:
    """`steps` brought one after another (as by peers) to a hook that keeps what went (PassedMemory),
    each passed on before the next, then the hook and the feed stopped as when the node stops:
    (the command's output, a maker of the hook as the node starts it again). `pause`: the command
    writes what it got, then takes half a second to exit."""
    out = tmp_path / "chat.jsonl"
    hook_script = tmp_path / "hook.py"
    hook_script.write_text(f"import sys, time\nwith open({str(out)!r}, 'a') as f:\n    f.write(sys.stdin.read())\n"
                           + ("time.sleep(0.5)\n" if pause else ""), encoding="utf-8")

    def hook() -> AlertHook:
        return AlertHook([sys.executable, str(hook_script)], timeout_s=20, memory=PassedMemory(api.node))

    before = hook()
    await feed_of(api.node).start()
    await before.start(feed_of(api.node))
    try:
        for seen, step in enumerate(steps, 1):
            await api.node.db(api.node.log.ingest, step)
            await lines_of(out, seen)
    finally:
        await before.stop()
        await stop_feed(api.node)
    return out, hook


async def started_again(api, hook: Callable[[], AlertHook]) -> AlertHook:
    """The feed and the hook that `passed_on_by_a_kept_hook` stopped, started again as the node does."""
    after = hook()
    await feed_of(api.node).start()
    await after.start(feed_of(api.node))
    return after


async def revoke_bristol(api, keys) -> None:
    status, body = await api.request("POST", "/api/v1/events", json={
        "kind": "member.revoke", "as": "group", "fields": {
            "subject": bytes(keys.group.public).hex(), "from_seq": "1", "reason": "false raid alerts"}})
    assert status == 201, body


async def test_a_false_alert_passed_on_before_the_node_restarted_is_withdrawn_after(api, homes, unlock,
                                                                                    tmp_path) -> None:
    """The hook knew which alerts it had passed on only while the node ran: after a restart, the
    withdrawal of the false raid alert the chat had got was dropped as one of an alert never passed
    on. Which went is kept in the home's database now (the hook and the feed start again here, as
    they do when the node does)."""
    keys, false, out, hook = await passed_on_then_stopped(api, homes, unlock, tmp_path)
    after = await started_again(api, hook)
    try:
        await revoke_bristol(api, keys)
        withdrawn = (await lines_of(out, 2))[1]
        assert (withdrawn["status"], withdrawn["alert"]) == ("withdrawn", false.id.hex())
    finally:
        await after.stop()


async def test_a_false_alert_passed_on_with_no_limit_is_withdrawn(api, homes, unlock, tmp_path) -> None:
    """`--on-alert-limit 0`: a user who lifted the limit to get everything got no withdrawal of a
    false raid alert (nothing recorded what went, and the withdrawal was dropped as of an alert
    never passed on). It goes."""
    keys = unlock(homes["bristol"])
    false, wires = signed_on(homes["bristol"], keys, lambda log, keys: publishing.publish(
        log, keys, "alert", {**ALERT, "text": "Raid at the station, run"}, expires_in="1h"))
    hook, out = await chat_hook(api, tmp_path, burst=0, memory=PassedMemory(api.node))
    try:
        await api.node.db(api.node.log.ingest, wires)  # as if a peer had brought it
        assert (await lines_of(out, 1))[0]["id"] == false.id.hex()
        assert hook.allowance.passed(false.id.hex())
        await revoke_bristol(api, keys)
        withdrawn = (await lines_of(out, 2))[1]
        assert (withdrawn["status"], withdrawn["alert"]) == ("withdrawn", false.id.hex())
    finally:
        await hook.stop()


async def test_a_damaged_record_of_what_went_to_the_command_counts_as_none(api) -> None:
    """The record is JSON beside the events, neither signed nor hashed: a changed byte (a failing SD
    card) must not keep the hook, or the node, from starting. What no longer reads as written
    counts as not kept; what still does is kept."""
    memory = PassedMemory(api.node)
    good = "ab" * 32

    def write(raw: bytes) -> None:
        with api.node.log.store.write():
            api.node.log.store.set_meta(PASSED_META, raw)

    for raw, kept in ((b'{"passed": [["' + good.encode() + b'", 17', {}),  # cut short: no JSON
                      (b"\xff\xfe", {}),
                      (b'{"passed": {"a": 1}}', {}),
                      (b'{"passed": [["' + good.encode() + b'", 17], ["zz", 3], ["' + good[:-1].encode()
                       + b'g", 3], ["' + good.encode() + b'", true], 5]}', {good: 17})):
        await api.node.db(write, raw)
        assert await memory.load() == kept, raw
        hook = AlertHook([sys.executable, "-c", "pass"], timeout_s=20, memory=memory)
        await hook.start(feed_of(api.node))
        try:
            assert hook.allowance.passed_live(0) == kept
        finally:
            await hook.stop()


async def test_a_false_alert_taken_out_while_the_node_was_stopped_is_withdrawn_at_start(api, homes, unlock,
                                                                                       tmp_path) -> None:
    """The hook passed on an infiltrator's false raid alert; the node stopped; its group was revoked
    meanwhile (the revocation came with a bundle, or was the first thing synced at start). The feed
    starts from the alerts held now, so nothing withdrew it from the chat. The hook compares what it
    kept with what is taken out of the log when it starts, and withdraws it, saying who posted it."""
    keys, false, out, hook = await passed_on_then_stopped(api, homes, unlock, tmp_path)
    await revoke_bristol(api, keys)  # stopped: no hook, no feed (as a revocation stored at start, before the hook)
    after = await started_again(api, hook)
    try:
        withdrawn = (await lines_of(out, 2))[1]
        assert (withdrawn["status"], withdrawn["alert"]) == ("withdrawn", false.id.hex())
        assert withdrawn["text"] == "Raid at the station, run" and withdrawn["group_name"] == "Bristol"
        assert withdrawn["region"] == "calais" and withdrawn["expires"] == (await lines_of(out, 1))[0]["expires"]
    finally:
        await after.stop()


async def test_an_alert_taken_out_while_stopped_and_no_longer_kept_is_named_in_the_log(api, homes, unlock, tmp_path,
                                                                                      caplog) -> None:
    """As above, but the alert is no longer kept aside (its copy dropped, as after the 90 days kept):
    its withdrawal cannot be sent, and the log told the operator to say so in the chat without
    saying which alert (the chat may hold many): it names each by short id and group, never what
    it said."""
    keys, false, out, hook = await passed_on_then_stopped(api, homes, unlock, tmp_path)
    await revoke_bristol(api, keys)

    def forget_kept(log) -> None:
        with log.store.write():
            log.store._x("DELETE FROM pending WHERE id=?", (false.id,))

    await api.node.db(forget_kept, api.node.log)
    after = hook()
    await feed_of(api.node).start()
    with caplog.at_level("WARNING", logger="solnet"):
        await after.start(feed_of(api.node))
    try:
        [said] = [r.getMessage() for r in caplog.records if "no longer kept" in r.getMessage()]
        assert false.id.hex()[:12] in said and "Bristol" in said and "Raid" not in said, said
    finally:
        await after.stop()


async def test_the_groups_a_node_trusts_most_rank_first(api) -> None:
    """The order held-back alerts go in, on a real node's trust graph: the node's own group, the
    founders and the groups its own group admitted first; then the others, nearer the founders
    first; what is no member group last."""
    from node.alert_hook import TrustRanks

    calais = bytes.fromhex(api.node.home.config().group_id)  # the founder; Bristol joined through it
    bristol = next(m.group for m in api.node.log.trust.members.values() if m.group != calais)
    stranger = bytes(32)
    as_calais, as_other = TrustRanks(api.node, calais), TrustRanks(api.node, stranger)
    assert await as_calais(calais.hex()) == (0, 0) and await as_calais(bristol.hex()) == (0, 0)
    assert await as_other(calais.hex()) == (0, 0), "a founder"
    assert await as_other(bristol.hex()) == (1, 1), "admitted by another group, one wave out"
    assert await as_calais(stranger.hex()) == (2, 0) and await as_calais(None) == (2, 0)


async def test_a_held_back_alert_taken_out_while_it_waited_never_goes(api, homes, unlock, tmp_path, caplog) -> None:
    """An infiltrator's alerts wait for its group's allowance; its group is revoked, and the
    withdrawals of the waiting ones are lost (a full queue: a flood's withdrawals come all at once).
    The waiting alert went to the command a minute later all the same, after the revocation, and
    nothing withdrew it. It is looked up before it goes now: out of the log, it never goes."""
    import logging

    keys = unlock(homes["bristol"])
    alerts, wires = signed_on(homes["bristol"], keys, lambda log, keys: [publishing.publish(
        log, keys, "alert", {**ALERT, "text": text}, expires_in="1h") for text in ("Raid, run", "Police at the beach")])
    out = tmp_path / "chat.jsonl"
    hook_script = tmp_path / "hook.py"
    hook_script.write_text(f"import sys\nopen({str(out)!r}, 'a').write(sys.stdin.read())\n", encoding="utf-8")
    hook = AlertHook([sys.executable, str(hook_script)], timeout_s=20, burst=1, refill_s=3.0,
                     memory=PassedMemory(api.node))
    hook._keeps = lambda alert: alert.get("status") != "withdrawn"  # the withdrawals lost on the way
    await feed_of(api.node).start()
    with caplog.at_level(logging.INFO, logger="solnet"):
        await hook.start(feed_of(api.node))
        try:
            await api.node.db(api.node.log.ingest, wires)  # as if a peer had brought them
            for words in ("its next ones wait", "while it waited; not passed on"):
                async with asyncio.timeout(30):
                    while words not in caplog.text:
                        await asyncio.sleep(0.05)
                if words == "its next ones wait":  # the second is held back (3 s): revoked meanwhile
                    await revoke_bristol(api, keys)
            assert [a["id"] for a in await lines_of(out, 1)] == [alerts[0].id.hex()]
        finally:
            await hook.stop()
    assert len(out.read_text().splitlines()) == 1 and not hook.allowance.passed(alerts[1].id.hex())



async def test_every_alert_passed_on_is_withdrawn_when_more_than_a_queue_went(api, homes, unlock, tmp_path) -> None:
    """An infiltrator flooding slowly enough for the allowance (after a burst, one alert a minute is
    let through: 130 in two hours): the command ran for all 120 of its alerts, and its group
    revoked, all are withdrawn at once, more than a queue holds (100). The hook's queue dropped the
    newest 20, and the chat kept 20 false alerts. Its command now gets the withdrawal of every alert
    it was run for, once."""
    keys = unlock(homes["bristol"])
    out = tmp_path / "chat.jsonl"
    hook_script = tmp_path / "hook.py"
    hook_script.write_text(f"import sys\nopen({str(out)!r}, 'a').write(sys.stdin.read())\n", encoding="utf-8")
    went, pieces = QUEUE + 20, 3  # (the allowance's refill stood in for by a larger burst)
    hook = AlertHook([sys.executable, str(hook_script)], timeout_s=20, burst=went, node_per_minute=went)
    feed = feed_of(api.node)
    await feed.start()
    await hook.start(feed)
    try:
        for piece in range(pieces):  # brought by peers piece by piece, each passed on before the next
            _, wires = signed_on(homes["bristol"], keys, lambda log, keys: [publishing.publish(
                log, keys, "alert", {**ALERT, "text": f"flood {piece}.{i}"}, expires_in="1h")
                for i in range(went // pieces)])
            await api.node.db(api.node.log.ingest, wires)
            chat = await lines_of(out, went // pieces * (piece + 1), timeout_s=60)
        assert {a["kind"] for a in chat} == {"alert"} and len({a["id"] for a in chat}) == went
        status, body = await api.request("POST", "/api/v1/events", json={
            "kind": "member.revoke", "as": "group", "fields": {
                "subject": bytes(keys.group.public).hex(), "from_seq": "1", "reason": "false raid alerts"}})
        assert status == 201, body
        withdrawals = (await lines_of(out, 2 * went, timeout_s=60))[went:]
        assert all(a["status"] == "withdrawn" for a in withdrawals)
        assert sorted(a["alert"] for a in withdrawals) == sorted(a["id"] for a in chat)  # each one, once
    finally:
        await hook.stop()


@pytest.mark.parametrize("burst", [BURST, 0], ids=["limited", "no-limit"])
async def test_a_false_all_clear_taken_back_reaches_the_command_and_its_next_all_clear_goes(api, homes, unlock,
                                                                                             tmp_path, burst) -> None:
    """A seized phone of the alert's group sends "all clear, come back" during the raid; the group
    revokes the phone. The chat is told the alert stands again (it was told nothing, and stayed at
    "all clear"), and the group's real all clear, later, goes to the command again. With no limit
    (`--on-alert-limit 0`) too: the hook kept no record of what went then, and dropped the taking
    back as of an alert never passed on."""
    from test_alert_stream import bristols_alert_and_second_device

    alert, others, alert_wire, by_phone, by_group = bristols_alert_and_second_device(homes, unlock)
    false_clear = by_phone("alert.update", {"alert": alert.id, "status": "all_clear", "text": "police gone, come back"})
    revoke = by_group("member.revoke", {"subject": false_clear.author, "from_seq": 1, "reason": "phone seized"})
    real_clear = real_all_clear(homes, unlock, alert)
    hook, out = await chat_hook(api, tmp_path, burst=burst)
    try:
        for step, seen in ((others + [alert_wire], 1), ([false_clear.encode()], 2), ([revoke.encode()], 3),
                           ([real_clear.encode()], 4)):
            await api.node.db(api.node.log.ingest, step)
            chat = await lines_of(out, seen)
    finally:
        await hook.stop()
    assert [(a.get("status"), a["text"]) for a in chat] == [
        (None, ALERT["text"]), ("all_clear", "police gone, come back"), ("update_withdrawn", ALERT["text"]),
        ("all_clear", "all clear")]
    assert chat[2]["withdrawn_text"] == "police gone, come back" and chat[2]["alert"] == alert.id.hex()


def real_all_clear(homes: dict, unlock: Callable, alert: Any) -> Any:
    """Bristol's own all clear of `alert`, signed by its device (devices post alert updates)."""
    real, _ = signed_on(homes["bristol"], unlock(homes["bristol"]), lambda log, keys: publishing.publish(
        log, keys, "alert.update", {"alert": alert.id.hex(), "status": "all_clear"}))
    return real


async def false_all_clear_passed_on_then_stopped(api, homes, unlock, tmp_path: Path) -> tuple[Any, ...]:
    """Bristol's raid alert and a seized phone's false all clear of it, both passed on by a hook
    that kept what went (PassedMemory), then the hook and the feed stopped as when the node stops:
    (the alert, the all clear, the phone's revocation, Bristol's real all clear, the command's
    output, a maker of the hook as the node starts it again)."""
    from test_alert_stream import bristols_alert_and_second_device

    alert, others, alert_wire, by_phone, by_group = bristols_alert_and_second_device(homes, unlock)
    false_clear = by_phone("alert.update", {"alert": alert.id, "status": "all_clear", "text": "police gone, come back"})
    revoke = by_group("member.revoke", {"subject": false_clear.author, "from_seq": 1, "reason": "phone seized"})
    real_clear = real_all_clear(homes, unlock, alert)
    out, hook = await passed_on_by_a_kept_hook(api, tmp_path, [others + [alert_wire], [false_clear.encode()]])
    return alert, false_clear, revoke, real_clear, out, hook


async def test_a_false_all_clear_passed_on_before_a_restart_is_taken_back_after_it(api, homes, unlock,
                                                                                   tmp_path) -> None:
    """The chat got the raid alert and a seized phone's "all clear, come back"; the node restarted;
    then the group revoked the phone. The feed followed only the updates it handed on since it
    started, and the hook kept only the alerts not cleared: the chat stayed at "all clear". Now it
    is told the alert stands, and the group's real all clear goes to it again."""
    alert, false_clear, revoke, real_clear, out, hook = await false_all_clear_passed_on_then_stopped(
        api, homes, unlock, tmp_path)
    after = await started_again(api, hook)
    try:
        for step, seen in (([revoke.encode()], 3), ([real_clear.encode()], 4)):
            await api.node.db(api.node.log.ingest, step)
            chat = await lines_of(out, seen)
    finally:
        await after.stop()
    assert [(a.get("status"), a["id"]) for a in chat[2:]] == [("update_withdrawn", false_clear.id.hex()),
                                                              ("all_clear", real_clear.id.hex())]
    assert chat[2]["alert"] == alert.id.hex() and chat[2]["text"] == ALERT["text"]


async def test_a_false_all_clear_taken_out_while_the_node_was_stopped_is_taken_back_at_start(api, homes, unlock,
                                                                                             tmp_path) -> None:
    """As above, but the phone's revocation came while the node was stopped (with a bundle, or the
    first thing synced at start): the hook tells the chat the alert stands as it starts."""
    alert, false_clear, revoke, real_clear, out, hook = await false_all_clear_passed_on_then_stopped(
        api, homes, unlock, tmp_path)
    await api.node.db(api.node.log.ingest, [revoke.encode()])  # stopped: no hook, no feed
    after = await started_again(api, hook)
    try:
        back = (await lines_of(out, 3))[2]
        assert (back["status"], back["id"], back["alert"]) == ("update_withdrawn", false_clear.id.hex(),
                                                               alert.id.hex())
        assert back["withdrawn_text"] == "police gone, come back" and back["text"] == ALERT["text"]
        await api.node.db(api.node.log.ingest, [real_clear.encode()])
        assert (await lines_of(out, 4))[3]["id"] == real_clear.id.hex()
    finally:
        await after.stop()
    assert len(out.read_text().splitlines()) == 4


async def test_an_all_clear_stored_while_the_node_was_stopped_goes_to_the_command_at_start(api, homes, unlock,
                                                                                          tmp_path) -> None:
    """The chat got Bristol's raid alert; Bristol's all clear came while the node was stopped (a
    bundle imported, `solnet publish` with no node running). The feed starts after it, so the
    command got nothing: the chat ended on the raid while the history said ALL CLEAR."""
    from test_alert_stream import bristols_alert_and_second_device

    alert, others, alert_wire, _, _ = bristols_alert_and_second_device(homes, unlock)
    out, hook = await passed_on_by_a_kept_hook(api, tmp_path, [others + [alert_wire]])
    clear = real_all_clear(homes, unlock, alert)
    await api.node.db(api.node.log.ingest, [clear.encode()])  # stopped: no hook, no feed
    after = await started_again(api, hook)
    try:
        cleared = (await lines_of(out, 2))[1]
    finally:
        await after.stop()
    assert (cleared["status"], cleared["id"], cleared["alert"]) == ("all_clear", clear.id.hex(), alert.id.hex())
    assert len(out.read_text().splitlines()) == 2


async def test_a_phones_update_passed_on_before_a_restart_is_taken_back_after_it_and_one_never_passed_is_not(
        api, homes, unlock, tmp_path) -> None:
    """The chat got the raid alert and a seized phone's false place; the node restarted; then the
    group revoked the phone. The hook now takes back only the updates it ran the command for, so
    which went is kept across a restart too (beside the alerts): the chat is told the alert stands,
    once, and nothing of the phone's update that came while the node was stopped (never passed on)."""
    from test_alert_stream import bristols_alert_and_second_device

    alert, others, alert_wire, by_phone, by_group = bristols_alert_and_second_device(homes, unlock)
    moved = by_phone("alert.update", {"alert": alert.id, "status": "update", "text": "moved to the Lidl camp"})
    unseen = by_phone("alert.update", {"alert": alert.id, "status": "update", "text": "moved again"})
    revoke = by_group("member.revoke", {"subject": moved.author, "from_seq": 1, "reason": "phone seized"})
    out, hook = await passed_on_by_a_kept_hook(api, tmp_path, [others + [alert_wire], [moved.encode()]])
    await api.node.db(api.node.log.ingest, [unseen.encode()])  # stopped: never passed on
    after = await started_again(api, hook)
    try:
        await api.node.db(api.node.log.ingest, [revoke.encode()])
        back = (await lines_of(out, 3))[2]
        async with asyncio.timeout(30):  # the feed handed on both takings back, the hook took them in
            while after.delivered < 1 or not after._sub.queue.empty() or after._busy:
                await asyncio.sleep(0.02)
    finally:
        await after.stop()
    assert (back["status"], back["id"], back["withdrawn_text"]) == ("update_withdrawn", moved.id.hex(),
                                                                    "moved to the Lidl camp")
    assert len(out.read_text().splitlines()) == 3
