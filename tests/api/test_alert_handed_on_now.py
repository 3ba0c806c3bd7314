"""What `--on-alert` and the API's alert stream hand on says the alert as it is now, as the alert
history has it: a seized phone's false all clear taken out of the log is not "the alert stands"
while the group's real all clear still says it is over, whichever came first; and an update or
all clear goes with the place an earlier update moved the alert to, not the place it was first
posted at. On a real node (aiohttp on 127.0.0.1, the command a real process)."""
from __future__ import annotations

import asyncio

import pytest

from node import publishing
from node.alert_feed import feed_of
from test_alert_stream import (ALERT, _stream_from, bristols_alert_and_second_device, calais_stream, next_alert,
                               signed_on)
from test_hook_withdrawals import chat_hook, lines_of

MOVED = "Lidl camp"


async def all_went(hook, out, count: int) -> list[dict]:
    """The chat once the command ran `count` times and nothing more waits (bounded wait)."""
    async with asyncio.timeout(30):
        while hook.delivered < count or hook._sub.queue.qsize() or len(hook.waiting):
            await asyncio.sleep(0.05)
    return await lines_of(out, count)


async def second_wave(api) -> str:
    """A new alert published at Calais: once it is handed on, all before it was (its id)."""
    status, body = await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h",
                                                                     "fields": {**ALERT, "text": "Second wave"}})
    assert status == 201, body
    return body["event"]["id"]


class Told:
    """A stream and a hook's chat, both following Calais: each step is brought (as by a peer) and
    handed on to both before the next (a step stored before the feed looked would be read with
    the next one: an all clear taken out before it was ever handed on is never taken back)."""

    def __init__(self, api, reply, hook, out) -> None:
        self.api, self.reply, self.hook, self.out = api, reply, hook, out
        self.streamed: list[dict] = []
        self.last_id = ""

    async def step(self, wires: list[bytes], count: int) -> list[dict]:
        """Store `wires`, then read the `count` items handed on for them: those of the stream."""
        if wires:
            await self.api.node.db(self.api.node.log.ingest, wires)
        got = []
        for _ in range(count):
            self.last_id, item = await next_alert(self.reply)
            got.append(item)
        self.streamed += got
        await all_went(self.hook, self.out, len(self.streamed))
        return got

    async def chat(self) -> list[dict]:
        return await all_went(self.hook, self.out, len(self.streamed))


def said(items: list[dict]) -> list[tuple[str, str]]:
    return [(a.get("status", "alert"), a["id"]) for a in items]


@pytest.mark.parametrize("real_first", [True, False], ids=["real-all-clear-first", "phone-revoked-first"])
async def test_a_false_all_clear_taken_out_says_the_alert_stands_only_if_it_does(api, homes, unlock, tmp_path,
                                                                                 real_first) -> None:
    """The chat got the raid alert and a seized phone's "all clear, come back"; then the group's
    real all clear came, then the phone was revoked. The hook and the stream said the false all
    clear was taken back and THE ALERT STANDS, after the real all clear: the chat ended on a raid
    that was over. Nothing is said then (the alert is still over); revoked first, the taking back
    goes and the real all clear after it. A stream that resumes after a restart (read from the
    store) is not told the alert stands either."""
    alert, others, alert_wire, by_phone, by_group = bristols_alert_and_second_device(homes, unlock)
    false = by_phone("alert.update", {"alert": alert.id, "status": "all_clear", "text": "police gone, come back"})
    revoke = by_group("member.revoke", {"subject": false.author, "from_seq": 1, "reason": "phone seized"})
    real, _ = signed_on(homes["bristol"], unlock(homes["bristol"]), lambda log, keys: publishing.publish(
        log, keys, "alert.update", {"alert": alert.id.hex(), "status": "all_clear", "text": "over, for real"}))
    hook, out = await chat_hook(api, tmp_path)
    try:
        async with calais_stream(api) as reply:
            told = Told(api, reply, hook, out)
            await told.step(others + [alert_wire], 1)
            await told.step([false.encode()], 1)
            before_id = told.last_id
            if real_first:
                assert said(await told.step([real.encode()], 1)) == [("all_clear", real.id.hex())]
                await told.step([revoke.encode()], 0)
            else:
                assert said(await told.step([revoke.encode()], 1)) == [("update_withdrawn", false.id.hex())]
                assert said(await told.step([real.encode()], 1)) == [("all_clear", real.id.hex())]
            wave = await second_wave(api)
            assert said(await told.step([], 1)) == [("alert", wave)], "nothing between"
            chat = await told.chat()
    finally:
        await hook.stop()
    assert said(chat[2:]) == said(told.streamed[2:])
    _, history = await api.request("GET", "/api/v1/alert-history?region=calais")
    assert {a["id"]: a["status"] for a in history["items"]}[alert.id.hex()] == "all_clear"
    if real_first:
        await feed_of(api.node).stop()  # the node restarted; the bot resumes from a plain row number
        async with await _stream_from(api, before_id.split("-")[0]) as reply:
            resumed = [(await next_alert(reply))[1] for _ in range(2)]
        assert said(resumed) == [("all_clear", real.id.hex()), ("alert", wave)]


async def test_an_update_and_the_all_clear_go_with_the_alerts_current_location(api, tmp_path) -> None:
    """The alert at the hospital camp, then its group's update moved it to the Lidl camp: its all
    clear was handed on "at Hospital camp", where `solnet view alert-history` says Lidl camp. It
    goes with the current location now, to the command, on the stream and to a stream resuming."""
    hook, out = await chat_hook(api, tmp_path)
    try:
        async with calais_stream(api) as reply:
            told = Told(api, reply, hook, out)
            status, body = await api.request("POST", "/api/v1/events", json={
                "kind": "alert", "expires_in": "1h", "fields": {**ALERT, "location": "Hospital camp"}})
            assert status == 201, body
            alert = body["event"]["id"]
            await told.step([], 1)
            first_id = told.last_id
            for fields in ({"status": "update", "text": "they moved on", "location": MOVED},
                           {"status": "update", "text": "still there"}, {"status": "all_clear"}):
                status, body = await api.request("POST", "/api/v1/events", json={
                    "kind": "alert.update", "fields": {"alert": alert, **fields}})
                assert status == 201, body
                await told.step([], 1)
            chat = await told.chat()
    finally:
        await hook.stop()
    async with await _stream_from(api, first_id) as reply:
        resumed = [(await next_alert(reply))[1] for _ in range(3)]
    _, history = await api.request("GET", "/api/v1/alert-history?region=calais")
    assert {a["id"]: a["location"] for a in history["items"]}[alert] == MOVED
    for heard in (told.streamed[1:], resumed, chat[1:]):
        assert [(a["status"], a["location"]) for a in heard] == [("update", MOVED), ("update", MOVED),
                                                                 ("all_clear", MOVED)], heard


async def test_a_false_all_clear_taken_back_goes_with_the_alerts_current_location(api, homes, unlock,
                                                                                 tmp_path) -> None:
    """The alert moved by its group, then a seized phone's false all clear, the phone revoked: the
    alert stands, where it is now (it was said to stand at the place first posted), with its text
    as it is now too, the group's "moved" (it came with the text first posted and the place now,
    a record that no view of the alert ever showed)."""
    alert, others, alert_wire, by_phone, by_group = bristols_alert_and_second_device(homes, unlock)
    moved, _ = signed_on(homes["bristol"], unlock(homes["bristol"]), lambda log, keys: publishing.publish(
        log, keys, "alert.update", {"alert": alert.id.hex(), "status": "update", "text": "moved", "location": MOVED}))
    false = by_phone("alert.update", {"alert": alert.id, "status": "all_clear", "text": "police gone, come back"})
    revoke = by_group("member.revoke", {"subject": false.author, "from_seq": 1, "reason": "phone seized"})
    hook, out = await chat_hook(api, tmp_path)
    try:
        async with calais_stream(api) as reply:
            told = Told(api, reply, hook, out)
            for wires in (others + [alert_wire], [moved.encode()], [false.encode()]):
                await told.step(wires, 1)
            [back] = await told.step([revoke.encode()], 1)
            chat = await told.chat()
    finally:
        await hook.stop()
    for heard in (back, chat[3]):
        assert (heard["status"], heard["id"], heard["location"]) == ("update_withdrawn", false.id.hex(), MOVED), heard
        assert (heard["text"], heard["withdrawn_text"]) == ("moved", "police gone, come back"), heard
