"""GET /api/v1/alerts/stream: new alerts as server-sent events for bots, on a real node (aiohttp on
127.0.0.1): the token is needed, regions filter, public fields only, and a client that reconnects
with Last-Event-ID gets what it missed."""
from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import jsonschema_rs

from node import publishing
from node.alert_feed import BATCH, QUEUE, feed_of, withdrawals_page
from node.log import now_ms
from node.api import OPENAPI_PATH

ALERT = {"region": "calais", "type": "raid", "text": "Police at the canal camp", "location": "Loon-Plage"}


DOC = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
# What node/openapi.json says an event's data is: its fields, and no other (a bot must not guess them)
STREAMED = jsonschema_rs.validator_for({"$ref": "#/components/schemas/StreamedAlert", "components": DOC["components"]})
STREAM = DOC["paths"]["/api/v1/alerts/stream"]["get"]
RESUME_ID = next(p["schema"]["pattern"] for p in STREAM["parameters"] if p["name"] == "since_n")


def test_the_document_says_what_an_id_line_holds() -> None:
    """It said `id: N`; the line is N-MARK-NUMBER-SECONDS, and a bot that kept N alone (or parsed the
    id as a number) lost what the rest tells the node: which withdrawals it missed (since_n)."""
    said = STREAM["responses"]["200"]["description"]
    assert "`id: N`" not in said and "`id: N-MARK-NUMBER-SECONDS`" in said, said
    assert "send the whole id back as Last-Event-ID or since_n" in said, said


def signed_on(home: Any, keys: Any, sign: Callable[[Any, Any], Any]) -> tuple[Any, list[bytes]]:
    """What `sign(log, keys)` publishes on another home of the test network, and every event that
    home then holds (as a peer would bring them)."""
    log = home.log()
    try:
        return sign(log, keys), list(log.store.iter_wire())
    finally:
        log.store.close()


def false_alert_then_flood(homes: dict, unlock: Callable) -> tuple[Any, Any, list[bytes], list[bytes]]:
    """An infiltrator's false raid alert in Calais, then more of its alerts there than a queue holds:
    Bristol's keys, the false alert, and Bristol's events up to it and after it (as a peer brings them)."""
    def flood(log, keys):
        for i in range(QUEUE + 20):
            publishing.publish(log, keys, "alert", {**ALERT, "text": f"flood {i}"}, expires_in="1h")

    keys = unlock(homes["bristol"])
    false, first = signed_on(homes["bristol"], keys, lambda log, keys: publishing.publish(
        log, keys, "alert", {**ALERT, "text": "Raid at the station, run"}, expires_in="1h"))
    _, then = signed_on(homes["bristol"], keys, flood)
    return keys, false, first, then


def thiefs_alert_and_its_twin(homes: dict, unlock: Callable) -> tuple[Any, list[bytes], Any]:
    """A thief's false raid alert in Calais, signed with Bristol's device key from a copy of its
    home (and every event that copy holds, as a peer brings them), and Bristol's own event at that
    seq, which makes the fork that takes the alert out of the log."""
    import shutil

    from node.home import Home

    stolen = Home(homes["bristol"].path.parent / "stolen")
    shutil.copytree(homes["bristol"].path, stolen.path)
    false, thief_wires = signed_on(stolen, unlock(stolen), lambda log, keys: publishing.publish(
        log, keys, "alert", {**ALERT, "text": "Raid at the station, run"}, expires_in="1h"))
    twin, _ = signed_on(homes["bristol"], unlock(homes["bristol"]), lambda log, keys: publishing.publish(
        log, keys, "need", {"category": "water", "quantity": "40", "region": "bristol"}))
    assert (twin.author, twin.seq) == (false.author, false.seq)
    return false, thief_wires, twin


@contextlib.asynccontextmanager
async def calais_stream(api) -> AsyncIterator[aiohttp.ClientResponse]:
    """Calais's alert stream, subscribed before the test publishes anything."""
    headers = {"Authorization": f"Bearer {api.token}"}
    async with api.client.get(api.url("/api/v1/alerts/stream?region=calais"), headers=headers) as reply:
        assert reply.status == 200
        await feed_of(api.node).start()
        yield reply


async def next_alert(reply: aiohttp.ClientResponse, timeout: float = 10.0) -> tuple[str, dict]:
    """(id, alert) of the next `event: alert` on the stream (keep-alive comments and retry skipped),
    checked against the document's StreamedAlert and its `id:` line against its `n`."""
    async def read() -> tuple[str, dict]:
        event: dict[str, str] = {}
        while True:
            line = (await reply.content.readline()).decode().rstrip("\n")
            if line == "" and "data" in event:
                assert event.get("event") == "alert", event
                alert = json.loads(event["data"])
                assert not (wrong := [e.message for e in STREAMED.iter_errors(alert)]), (wrong, alert)
                # (a withdrawal sent on reconnecting goes with the `n` the client came with)
                assert re.fullmatch(RESUME_ID, event["id"]), event  # what since_n takes back, as the document says
                assert event["id"].split("-")[0] == str(alert["n"]) \
                    or alert.get("status") in ("withdrawn", "update_withdrawn"), event
                return event["id"], alert
            if line and not line.startswith(":"):
                name, _, value = line.partition(": ")
                event[name] = value
    return await asyncio.wait_for(read(), timeout)


async def test_new_alerts_of_the_chosen_regions_arrive_and_a_client_can_resume(api) -> None:
    async with api.client.get(api.url("/api/v1/alerts/stream")) as reply:
        assert reply.status == 401
    headers = {"Authorization": f"Bearer {api.token}"}
    async with api.client.get(api.url("/api/v1/alerts/stream?region=Calais"), headers=headers) as reply:
        assert reply.status == 200 and reply.content_type == "text/event-stream"
        assert reply.charset == "utf-8"  # said: without it, Python's requests read French alerts as Latin-1
        await feed_of(api.node).start()  # the stream has subscribed before anything is published
        await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h", "fields": {
            "region": "bristol", "type": "eviction", "text": "not for this stream"}})
        first = await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h",
                                                                   "fields": ALERT})
        got_id, alert = await next_alert(reply)
        assert alert["id"] == first[1]["event"]["id"] and alert["text"] == ALERT["text"]
        assert set(alert) == {"id", "n", "kind", "region", "type", "text", "location", "group", "group_name",
                              "published", "expires", "public"}
        # Its all clear follows on the same stream, naming it.
        await api.request("POST", "/api/v1/events", json={"kind": "alert.update", "fields": {
            "alert": alert["id"], "status": "all_clear"}})
        got_id, clear = await next_alert(reply)
        assert (clear["kind"], clear["status"], clear["alert"]) == ("alert.update", "all_clear", alert["id"])
        assert clear["region"] == "calais" and clear["text"] == "all clear"
    # Away for a while: what was published meanwhile comes first on reconnecting.
    missed = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h", "fields": {
        **ALERT, "text": "Second wave"}}))[1]["event"]
    async with api.client.get(api.url("/api/v1/alerts/stream?region=calais"),
                               headers={**headers, "Last-Event-ID": got_id}) as reply:
        _, alert = await next_alert(reply)
        assert alert["id"] == missed["id"] and alert["text"] == "Second wave"


async def test_bad_parameters_are_refused(api) -> None:
    for query, field in (("?region=..", "region"), ("?since_n=abc", "since_n"), ("?colour=red", "colour")):
        status, body = await api.request("GET", "/api/v1/alerts/stream" + query)
        assert status == 400 and body["error"]["field"] == field, body


async def test_a_client_resuming_after_a_flood_still_gets_the_alert_after_it(api) -> None:
    """A member floods more alerts of another region than the node reads in one go (BATCH), then a
    raid is posted: a bot that reconnects with Last-Event-ID from before the flood must still get the raid.
    (It used to get only what the first batch held: the flood's oldest, none of them for its region.)"""
    headers = {"Authorization": f"Bearer {api.token}"}
    before = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h",
                                                                 "fields": ALERT}))[1]["event"]
    for i in range(BATCH + 5):
        await api.node.publish("alert", {"region": "bristol", "type": "eviction", "text": f"flood {i}"},
                               expires_in="1h")
    raid = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h", "fields": {
        **ALERT, "text": "Raid after the flood"}}))[1]["event"]
    async with api.client.get(api.url("/api/v1/alerts/stream?region=calais"),
                               headers={**headers, "Last-Event-ID": str(before["n"])}) as reply:
        _, alert = await next_alert(reply)
        assert alert["id"] == raid["id"] and alert["text"] == "Raid after the flood"


async def test_every_region_asked_for_is_followed_however_many(api) -> None:
    """node/openapi.json sets no limit on how often `region` is repeated; the 33rd region asked for
    was dropped without a word, and its alerts never came (a bot for a whole country's regions)."""
    regions = [f"r{i}" for i in range(40)]
    for region in regions:  # (a region nothing is placed in is refused: tests/api/test_new_region_api.py)
        await api.node.publish("need", {"category": "water", "quantity": "1", "region": region})
    query = "&".join(f"region={r}" for r in regions)
    headers = {"Authorization": f"Bearer {api.token}"}
    async with api.client.get(api.url(f"/api/v1/alerts/stream?{query}"), headers=headers) as reply:
        assert reply.status == 200
        await feed_of(api.node).start()  # subscribed before anything is published
        posted = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h", "new_region": True, "fields": {
            **ALERT, "region": regions[-1]}}))[1]["event"]
        _, alert = await next_alert(reply)
        assert alert["id"] == posted["id"] and alert["region"] == regions[-1]


async def test_streams_opening_while_the_feed_starts_count_against_the_cap(api, monkeypatch) -> None:
    """The first streams wait for the feed to start (a slow database): each is counted already, so
    the one past the cap is refused at once, not let in to wait with them, and told when to retry."""
    from node import api as api_module
    from node.alert_feed import AlertFeed

    gate, waiting = asyncio.Event(), []

    async def slow_start(self) -> None:
        waiting.append(self)
        await gate.wait()

    monkeypatch.setattr(AlertFeed, "start", slow_start)
    headers = {"Authorization": f"Bearer {api.token}"}
    url = api.url("/api/v1/alerts/stream")
    opening = [asyncio.ensure_future(api.client.get(url, headers=headers))
               for _ in range(api_module.MAX_ALERT_STREAMS)]
    try:
        async with asyncio.timeout(10):
            while len(waiting) < api_module.MAX_ALERT_STREAMS:
                await asyncio.sleep(0.01)
            async with api.client.get(url, headers=headers) as reply:
                assert reply.status == 503 and (await reply.json())["error"]["code"] == "busy"
                # when to try again, for a program as for a person (it said 'retry later', no header)
                assert reply.headers["Retry-After"] == str(api_module.RETRY_AFTER_S)
            async with api.client.head(url, headers=headers) as reply:  # as a GET would answer (it said 200)
                assert reply.status == 503 and reply.headers["Retry-After"] == str(api_module.RETRY_AFTER_S)
    finally:
        gate.set()
        for reply in await asyncio.gather(*opening):
            reply.close()


async def test_an_alert_taken_out_by_a_revocation_is_withdrawn_on_the_stream(api, homes, unlock) -> None:
    """An infiltrator's false raid alert reached every hook and bot; its group was revoked, the alert
    left every view, and nothing told the Signal chat or SMS list that had got it. Now the stream
    (and so the hook) gets it once more, as an update of status `withdrawn` with the alert's fields;
    an alert of a group that stays is not withdrawn."""
    bristol_log, bristol_keys = homes["bristol"].log(), unlock(homes["bristol"])
    try:
        false = [publishing.publish(bristol_log, bristol_keys, "alert", {**ALERT, "text": text}, expires_in="1h")
                 for text in ("Raid at the station, run to the beach", "Police at the beach, go north")]
        wires = list(bristol_log.store.iter_wire())  # Bristol's chains, its device's vouch, the alert
    finally:
        bristol_log.store.close()
    bristol_group = bytes(bristol_keys.group.public).hex()
    headers = {"Authorization": f"Bearer {api.token}"}
    async with api.client.get(api.url("/api/v1/alerts/stream?region=calais"), headers=headers) as reply:
        assert reply.status == 200
        await feed_of(api.node).start()
        await api.node.db(api.node.log.ingest, wires)  # as if a peer had brought it
        handed = [(await next_alert(reply))[1] for _ in false]
        assert [a["id"] for a in handed] == [e.id.hex() for e in false] and handed[0]["group_name"] == "Bristol"
        own = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h",
                                                                  "fields": ALERT}))[1]["event"]
        assert (await next_alert(reply))[1]["id"] == own["id"]
        status, body = await api.request("POST", "/api/v1/events", json={
            "kind": "member.revoke", "as": "group", "fields": {"subject": bristol_group, "from_seq": "1",
                                                              "reason": "posted false raid alerts"}})
        assert status == 201, body
        gone = sorted([(await next_alert(reply))[1] for _ in false], key=lambda a: a["text"])
        for withdrawn, alert in zip(gone, sorted(handed, key=lambda a: a["text"])):  # each of them, once
            assert (withdrawn["kind"], withdrawn["status"], withdrawn["alert"]) == ("alert.update", "withdrawn",
                                                                                   alert["id"])
            assert withdrawn["text"] == alert["text"] and withdrawn["region"] == "calais"
            assert withdrawn["group_name"] == "Bristol" and withdrawn["expires"] == alert["expires"]
        # Calais's own alert stands: the next thing on the stream is the next alert, not its withdrawal.
        after = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h", "fields": {
            **ALERT, "text": "Still there"}}))[1]["event"]
        assert (await next_alert(reply))[1]["id"] == after["id"]


async def test_an_alert_held_before_the_feed_started_is_withdrawn_too(api, homes, unlock) -> None:
    """The feed remembered only the alerts it handed on since the node started: an infiltrator's
    false alert that the hook had passed on before a restart was never withdrawn. The feed now
    starts from the live alerts held, so the revocation is said all the same."""
    bristol_log, bristol_keys = homes["bristol"].log(), unlock(homes["bristol"])
    try:
        false = publishing.publish(bristol_log, bristol_keys, "alert", {**ALERT, "text": "Raid, run"}, expires_in="1h")
        wires = list(bristol_log.store.iter_wire())
    finally:
        bristol_log.store.close()
    await api.node.db(api.node.log.ingest, wires)  # held before any hook or stream started the feed
    headers = {"Authorization": f"Bearer {api.token}"}
    async with api.client.get(api.url("/api/v1/alerts/stream?region=calais"), headers=headers) as reply:
        assert reply.status == 200
        await feed_of(api.node).start()
        status, body = await api.request("POST", "/api/v1/events", json={
            "kind": "member.revoke", "as": "group", "fields": {"subject": bytes(bristol_keys.group.public).hex(),
                                                              "from_seq": "1", "reason": "false raid alerts"}})
        assert status == 201, body
        withdrawn = (await next_alert(reply))[1]
        assert (withdrawn["kind"], withdrawn["status"], withdrawn["alert"]) == ("alert.update", "withdrawn",
                                                                               false.id.hex())
        assert withdrawn["text"] == "Raid, run" and withdrawn["group_name"] == "Bristol"


async def test_an_alert_taken_out_by_a_fork_is_withdrawn_on_the_stream(api, homes, unlock) -> None:
    """A thief holding a copy of Bristol's home signs a false raid alert with its device key; it
    reaches Calais's node and every hook and bot. Then Bristol's own event at that seq arrives: a
    fork, which takes the alert out of the log (rule 6) and off every view. The stream (and so the
    hook) gets it once more as `withdrawn`, as when a revocation takes it out: it used to say
    nothing, since the fork adds no row to the log and its alert is kept beside the chain, not aside."""
    false, thief_wires, twin = thiefs_alert_and_its_twin(homes, unlock)
    async with calais_stream(api) as reply:
        await api.node.db(api.node.log.ingest, thief_wires)  # as if a peer had brought it
        assert (await next_alert(reply))[1]["id"] == false.id.hex()
        outcome = await api.node.db(api.node.log.ingest, [twin.encode()])
        assert outcome[0].reason == "fork", outcome
        _, gone = await next_alert(reply)
        assert (gone["kind"], gone["status"], gone["alert"]) == ("alert.update", "withdrawn", false.id.hex())
        assert gone["text"] == "Raid at the station, run" and gone["group_name"] == "Bristol"


async def test_a_flood_after_a_false_alert_does_not_keep_it_from_being_withdrawn(api, homes, unlock,
                                                                                 monkeypatch) -> None:
    """The feed remembers a bounded number of the alerts it handed on. An infiltrator posts its false
    raid alert, then floods alerts of its own (5,000 a second pass a peer's budget) until the false
    one was the oldest remembered and was forgotten: its group revoked, the flood was withdrawn and
    the false alert, the one the chat acted on, was not. Now a flood pushes out its own newest."""
    from node import alert_feed

    monkeypatch.setattr(alert_feed, "REMEMBERED", 6)  # 10,000 on a node: the same, sooner

    def false_then_flood(log, keys):
        false = publishing.publish(log, keys, "alert", {**ALERT, "text": "Raid at the station, run"}, expires_in="1h")
        for i in range(alert_feed.REMEMBERED + 2):
            publishing.publish(log, keys, "alert", {"region": "bristol", "type": "eviction", "text": f"flood {i}"},
                               expires_in="1h")
        return false

    bristol_keys = unlock(homes["bristol"])
    false, wires = signed_on(homes["bristol"], bristol_keys, false_then_flood)
    async with calais_stream(api) as reply:
        own = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h",
                                                                  "fields": ALERT}))[1]["event"]
        assert (await next_alert(reply))[1]["id"] == own["id"]
        await api.node.db(api.node.log.ingest, wires)  # as if a peer had brought them
        assert (await next_alert(reply))[1]["id"] == false.id.hex()
        status, body = await api.request("POST", "/api/v1/events", json={
            "kind": "member.revoke", "as": "group", "fields": {
                "subject": bytes(bristol_keys.group.public).hex(), "from_seq": "1", "reason": "false raid alerts"}})
        assert status == 201, body
        _, gone = await next_alert(reply)
        assert (gone["status"], gone["alert"]) == ("withdrawn", false.id.hex())
        # Calais's own alert, handed on before the flood, was not pushed out by it either: it stands,
        # and the next thing on the stream is the next alert.
        after = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h", "fields": {
            **ALERT, "text": "Still there"}}))[1]["event"]
        assert (await next_alert(reply))[1]["id"] == after["id"]


async def flood_read_then_revoked(api, homes: dict, unlock: Callable, reply: aiohttp.ClientResponse) -> Any:
    """`false_alert_then_flood` brought to Calais while its stream `reply` reads them all (the false
    alert first, then its newest 100), then the infiltrator's group revoked by Calais, which
    withdraws them all at once; the false alert."""
    bristol_keys, false, first, then = false_alert_then_flood(homes, unlock)
    await api.node.db(api.node.log.ingest, first)  # as if a peer had brought it
    assert (await next_alert(reply))[1]["id"] == false.id.hex()
    await api.node.db(api.node.log.ingest, then)  # and then the flood, which the bot reads (its newest 100)
    while (await next_alert(reply))[1]["text"] != f"flood {QUEUE + 19}":
        pass
    status, body = await api.request("POST", "/api/v1/events", json={
        "kind": "member.revoke", "as": "group", "fields": {
            "subject": bytes(bristol_keys.group.public).hex(), "from_seq": "1", "reason": "false raid alerts"}})
    assert status == 201, body
    return false


async def test_a_bots_stream_gets_the_false_alerts_withdrawal_however_large_the_flood_after_it(api, homes,
                                                                                              unlock) -> None:
    """An infiltrator posts its false raid alert, then floods more alerts of the same region than a
    stream's queue holds (100); its group revoked, all are withdrawn at once. The queue kept the
    newest withdrawals and dropped the oldest, that of the false alert the bot passed on first: a
    group's withdrawals now go from its newest (its alerts from their oldest, as before)."""
    async with calais_stream(api) as reply:
        false = await flood_read_then_revoked(api, homes, unlock, reply)
        gone = [(await next_alert(reply))[1] for _ in range(QUEUE)]  # as many withdrawals as the queue holds
        assert all(g["status"] == "withdrawn" for g in gone)
        assert false.id.hex() in {g["alert"] for g in gone}, "the false alert the bot passed on first"


async def test_a_slow_bot_gets_every_withdrawal_its_full_queue_dropped(api, homes, unlock) -> None:
    """An infiltrator's false raid alert and a flood after it, more than a stream's queue holds; its
    group revoked, all are withdrawn at once and the queue keeps 100 of the 121 withdrawals. The
    21 it dropped were never sent, and the mark the bot resumed from had passed them: the chat kept
    those false alerts for good. Now, once it has read what its queue held, the stream sends the
    withdrawals it dropped, each once, and a bot that reconnects is not sent them again."""
    flood = QUEUE + 20
    async with calais_stream(api) as reply:
        false = await flood_read_then_revoked(api, homes, unlock, reply)
        gone = [await next_alert(reply) for _ in range(flood + 1)]
        assert all(g["status"] == "withdrawn" for _, g in gone)
        withdrawn = [g["alert"] for _, g in gone]
        assert len(set(withdrawn)) == flood + 1, "every alert withdrawn, each once"
        assert false.id.hex() in withdrawn
        assert feed_of(api.node).subscriptions[0].dropped > 0, "the queue did drop some (else this proves nothing)"
        last_id = gone[-1][0]
        own = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h",
                                                                  "fields": ALERT}))[1]["event"]
        assert (await next_alert(reply))[1]["id"] == own["id"], "nothing more after the withdrawals"
    async with await _stream_from(api, last_id) as reply:
        assert (await next_alert(reply))[1]["id"] == own["id"], "no withdrawal sent twice on reconnecting"


async def _stream_from(api, last_id: str | None):
    """Calais's alert stream, resumed after `last_id` (as an SSE client sends Last-Event-ID)."""
    headers = {"Authorization": f"Bearer {api.token}", **({"Last-Event-ID": last_id} if last_id else {})}
    return api.client.get(api.url("/api/v1/alerts/stream?region=calais"), headers=headers)


async def test_a_client_that_reconnects_learns_of_the_withdrawals_it_missed_once(api, homes, unlock) -> None:
    """A bot got an infiltrator's false raid alert and passed it on; while it was away (a network
    cut, the hourly reconnect), the infiltrator's group was revoked. Reconnecting with Last-Event-ID
    it got the alerts it missed, never the withdrawal: the chat kept the false alert. Now the
    withdrawals it missed come first, and only those: reconnecting again does not repeat them."""
    keys = unlock(homes["bristol"])
    false, wires = signed_on(homes["bristol"], keys, lambda log, keys: publishing.publish(
        log, keys, "alert", {**ALERT, "text": "Raid at the station, run"}, expires_in="1h"))
    async with calais_stream(api) as other:  # another bot, which stays
        async with calais_stream(api) as reply:
            await api.node.db(api.node.log.ingest, wires)  # as if a peer had brought it
            last_id, alert = await next_alert(reply)
            assert alert["id"] == false.id.hex()
        status, body = await api.request("POST", "/api/v1/events", json={
            "kind": "member.revoke", "as": "group", "fields": {
                "subject": bytes(keys.group.public).hex(), "from_seq": "1", "reason": "false raid alerts"}})
        assert status == 201, body
        assert (await next_alert(other))[1]["id"] == false.id.hex()
        assert (await next_alert(other))[1]["status"] == "withdrawn"  # handed on while the first bot was away
    missed = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h", "fields": {
        **ALERT, "text": "Second wave"}}))[1]["event"]
    async with await _stream_from(api, last_id) as reply:
        _, gone = await next_alert(reply)
        assert (gone["status"], gone["alert"], gone["text"]) == ("withdrawn", false.id.hex(), "Raid at the station, run")
        last_id, alert = await next_alert(reply)
        assert alert["id"] == missed["id"]
    later = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h", "fields": {
        **ALERT, "text": "Third wave"}}))[1]["event"]
    async with await _stream_from(api, last_id) as reply:
        assert (await next_alert(reply))[1]["id"] == later["id"], "the withdrawal is not sent twice"


async def test_a_client_that_reconnects_after_a_restart_learns_of_every_withdrawal(api, homes, unlock) -> None:
    """The node restarted while the bot was away (its feed is another: what it handed on is gone
    from memory), and a fork took a thief's false alert out meanwhile: the bot reconnecting is sent
    the withdrawals of the live alerts out of the log now, read from the store."""
    from node.alert_feed import stop_feed

    false, thief_wires, twin = thiefs_alert_and_its_twin(homes, unlock)
    async with calais_stream(api) as reply:
        await api.node.db(api.node.log.ingest, thief_wires)
        last_id, alert = await next_alert(reply)
        assert alert["id"] == false.id.hex()
    await stop_feed(api.node)  # as when the node stops
    outcome = await api.node.db(api.node.log.ingest, [twin.encode()])
    assert outcome[0].reason == "fork", outcome
    async with await _stream_from(api, last_id) as reply:
        _, gone = await next_alert(reply)
        assert (gone["status"], gone["alert"], gone["group_name"]) == ("withdrawn", false.id.hex(), "Bristol")
    # Only those taken out since (a minute before) the client was last sent something: not every live
    # alert out of the log, thousands after a revoked member's flood, at each reconnect after a restart.
    now = now_ms()
    page, _ = await api.node.db(withdrawals_page, api.node.log, now, now - 60_000)
    assert [w["alert"] for _, w in page] == [false.id.hex()]
    assert await api.node.db(withdrawals_page, api.node.log, now, now + 1_000) == ([], None)


def bristols_alert_and_second_device(homes: dict, unlock: Callable,
                                     ) -> tuple[Any, list[bytes], bytes, Callable, Callable]:
    """Bristol's raid alert in Calais; Bristol's events without it; its wire; a function that signs
    with a second device of Bristol's (its phone), certified by a vouch its group key signs (the vouch
    comes in Bristol's events); and one that signs further with Bristol's group key. The device that
    posts the all clear may be another than the alert's."""
    from crypto.keys import SigningKey
    from events.canonical import pack
    from events.format import sign_event
    from events.trust import device_consent

    keys = unlock(homes["bristol"])
    alert, wires = signed_on(homes["bristol"], keys, lambda log, keys: publishing.publish(
        log, keys, "alert", ALERT, expires_in="1h"))
    log = homes["bristol"].log()
    try:
        head = log.store.head(bytes(keys.group.public))
    finally:
        log.store.close()
    phone = SigningKey.generate()
    heads: dict[Any, tuple[int, bytes | None]] = {keys.group: head, phone: (0, None)}

    def signer(key: Any) -> Callable:
        def sign(kind: str, fields: dict) -> Any:
            seq, prev = heads[key]
            ev = sign_event(key, network=alert.header.network, seq=seq + 1, prev=prev, timestamp=now_ms(), kind=kind,
                            body=pack(fields), expires=now_ms() + 3_600_000 if kind.startswith("alert") else None)
            heads[key] = (ev.seq, ev.id)
            return ev
        return sign

    by_group = signer(keys.group)
    vouch = by_group("member.vouch", {"subject": bytes(phone.public), "role": "device",
                                      "encryption_key": bytes(32 * [9]),
                                      "consent": device_consent(phone, bytes(keys.group.public), bytes(32 * [9]))})
    others = [w for w in wires if w != alert.encode()] + [vouch.encode()]
    return alert, others, alert.encode(), signer(phone), by_group


async def test_an_all_clear_stored_before_its_alert_follows_it_on_the_stream(api, homes, unlock) -> None:
    """Bristol's phone posts the all clear, and it reaches Calais before the alert (another gossip
    path). The feed hands it on right after the alert: it came with its own lower `n`, which the
    stream dropped as sent already, so a bot stayed at "raid" while the dashboard said cleared."""
    alert, others, alert_wire, by_phone, _ = bristols_alert_and_second_device(homes, unlock)
    clear = by_phone("alert.update", {"alert": alert.id, "status": "all_clear"})
    async with calais_stream(api) as reply:
        await api.node.db(api.node.log.ingest, others + [clear.encode()])
        await api.node.db(api.node.log.ingest, [alert_wire])
        first_id, first = await next_alert(reply)
        last_id, then = await next_alert(reply)
    assert (first["id"], then["id"], then["status"]) == (alert.id.hex(), clear.id.hex(), "all_clear")
    assert then["n"] == first["n"]  # at the alert's n: where a stream resumes, after both
    async with await _stream_from(api, last_id) as again:  # resumed from it: neither is sent again
        later = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h", "fields": {
            **ALERT, "text": "Second wave"}}))[1]["event"]
        assert (await next_alert(again))[1]["id"] == later["id"]


async def test_a_client_resuming_from_a_row_this_node_never_had_gets_every_live_alert(api) -> None:
    """The home was rebuilt (a damaged database moved aside, joined again) or the bot's address now
    reaches another node: its Last-Event-ID names a row beyond any this database gave. Trusted, every
    alert up to that row was skipped, raids included, for as long as the log took to grow that far."""
    live = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h",
                                                              "fields": ALERT}))[1]["event"]
    newest = await api.node.db(api.node.log.store.last_n)
    async with await _stream_from(api, f"{newest + 5000}-0badc0de-3-1700000000") as reply:
        _, alert = await next_alert(reply)
        assert alert["id"] == live["id"]
        then = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h", "fields": {
            **ALERT, "text": "Second wave"}}))[1]["event"]
        assert (await next_alert(reply))[1]["id"] == then["id"]


async def test_a_false_all_clear_taken_out_of_the_log_is_taken_back_on_the_stream(api, homes, unlock) -> None:
    """A seized phone of the alert's own group sends "all clear, come back" during the raid; the group
    revokes the phone, the all clear leaves the log and the dashboard shows the raid again. The
    stream said nothing more: a bot's chat stayed at "all clear"."""
    alert, others, alert_wire, by_phone, by_group = bristols_alert_and_second_device(homes, unlock)
    clear = by_phone("alert.update", {"alert": alert.id, "status": "all_clear"})
    revoke = by_group("member.revoke", {"subject": clear.author, "from_seq": 1, "reason": "phone seized"})
    async with calais_stream(api) as reply:
        await api.node.db(api.node.log.ingest, others + [alert_wire])
        assert (await next_alert(reply))[1]["id"] == alert.id.hex()
        await api.node.db(api.node.log.ingest, [clear.encode()])
        assert (await next_alert(reply))[1]["status"] == "all_clear"
        await api.node.db(api.node.log.ingest, [revoke.encode()])
        _, back = await next_alert(reply)
    assert (back["kind"], back["status"], back["alert"], back["id"]) == ("alert.update", "update_withdrawn",
                                                                         alert.id.hex(), clear.id.hex())
    assert (back["text"], back["withdrawn_status"], back["withdrawn_text"]) == (ALERT["text"], "all_clear", "all clear")
    _, live = await api.request("GET", "/api/v1/alerts?region=calais")
    assert [a["id"] for a in live["items"] if a["status"] == "live"] == [alert.id.hex()]  # as the dashboard says


def a_false_all_clear(homes: dict, unlock: Callable) -> tuple[Any, Any, list[bytes], Any]:
    """Bristol's raid alert in Calais and a seized phone of Bristol's "all clear, come back": (the
    alert, the all clear, every event before the all clear as a peer brings them, and Bristol's
    revocation of the phone, which takes the all clear out of the log)."""
    alert, others, alert_wire, by_phone, by_group = bristols_alert_and_second_device(homes, unlock)
    clear = by_phone("alert.update", {"alert": alert.id, "status": "all_clear", "text": "police gone, come back"})
    revoke = by_group("member.revoke", {"subject": clear.author, "from_seq": 1, "reason": "phone seized"})
    return alert, clear, others + [alert_wire], revoke


async def sent_the_alert_and_its_false_all_clear(api, alert: Any, clear: Any, before: list[bytes],
                                                 reply: aiohttp.ClientResponse) -> str:
    """Both stored at Calais and read on the stream `reply`: the id of the all clear's event."""
    await api.node.db(api.node.log.ingest, before)
    assert (await next_alert(reply))[1]["id"] == alert.id.hex()
    await api.node.db(api.node.log.ingest, [clear.encode()])
    last_id, got = await next_alert(reply)
    assert (got["status"], got["id"]) == ("all_clear", clear.id.hex())
    return last_id


def taken_back(item: dict, alert: Any, clear: Any) -> bool:
    return (item.get("status"), item["id"], item.get("alert"), item["text"]) == (
        "update_withdrawn", clear.id.hex(), alert.id.hex(), ALERT["text"])


async def test_a_client_away_when_a_false_all_clear_was_taken_back_learns_it_on_reconnecting(api, homes,
                                                                                            unlock) -> None:
    """A bot passed on a seized phone's false all clear, then lost its connection; the phone was
    revoked meanwhile. Reconnecting with Last-Event-ID it was sent the alert withdrawals it missed,
    never the `update_withdrawn`: the chat stayed at "all clear, come back" during the raid. It
    is sent first now, once: reconnecting again does not repeat it."""
    alert, clear, before, revoke = a_false_all_clear(homes, unlock)
    async with calais_stream(api) as other:  # another bot, which stays
        async with calais_stream(api) as reply:
            last_id = await sent_the_alert_and_its_false_all_clear(api, alert, clear, before, reply)
        await api.node.db(api.node.log.ingest, [revoke.encode()])
        while not taken_back((await next_alert(other))[1], alert, clear):  # handed on while the bot was away
            pass
    async with await _stream_from(api, last_id) as reply:
        last_id, back = await next_alert(reply)
        assert taken_back(back, alert, clear), back
    later = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h", "fields": {
        **ALERT, "text": "Second wave"}}))[1]["event"]
    async with await _stream_from(api, last_id) as reply:
        assert (await next_alert(reply))[1]["id"] == later["id"], "not sent twice"


async def test_a_client_that_reconnects_after_a_restart_learns_of_a_false_all_clear_taken_back(api, homes,
                                                                                              unlock) -> None:
    """As above, but the node restarted while the bot was away (its feed forgot what it handed on),
    or the bot resumes from a plain row number: the `update_withdrawn` is read from the store, as
    the withdrawals of alerts are; an all clear of another group's alert, never handed on, is not."""
    from node.alert_feed import stop_feed

    alert, clear, before, revoke = a_false_all_clear(homes, unlock)
    async with calais_stream(api) as reply:
        last_id = await sent_the_alert_and_its_false_all_clear(api, alert, clear, before, reply)
    await stop_feed(api.node)  # as when the node stops
    await api.node.db(api.node.log.ingest, [revoke.encode()])
    later = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h", "fields": {
        **ALERT, "text": "Second wave"}}))[1]["event"]
    for resume in (last_id, last_id.split("-")[0]):
        async with await _stream_from(api, resume) as reply:
            _, back = await next_alert(reply)
            assert taken_back(back, alert, clear), (resume, back)
            assert (await next_alert(reply))[1]["id"] == later["id"], "the all clear taken back once"


async def test_a_false_all_clear_handed_on_before_a_restart_is_taken_back_after_it(api, homes, unlock) -> None:
    """The feed followed the updates it handed on since the node started only: a false all clear a
    bot passed on before a restart, its phone revoked after it, was never taken back. The feed
    starts from the updates of the live alerts held, as it does from the alerts."""
    from node.alert_feed import stop_feed

    alert, clear, before, revoke = a_false_all_clear(homes, unlock)
    async with calais_stream(api) as reply:
        await sent_the_alert_and_its_false_all_clear(api, alert, clear, before, reply)
    await stop_feed(api.node)  # the node restarted
    async with calais_stream(api) as reply:
        await api.node.db(api.node.log.ingest, [revoke.encode()])
        _, back = await next_alert(reply)
        assert taken_back(back, alert, clear), back


async def test_a_client_resuming_from_a_plain_n_gets_every_withdrawal_however_many(api, homes, unlock,
                                                                                  monkeypatch) -> None:
    """A bot that resumes from a plain row number (no mark: the node cannot tell which withdrawals it
    missed) was sent the withdrawals of the newest 2,000 live alerts out of the log only: away while
    a revoked group's 2,050 alerts were withdrawn, it kept 50 false alerts. It is sent all of them,
    read from the store a page at a time (never all at once)."""
    from node.alert_feed import PAGE, RECENT_WITHDRAWALS

    keys = unlock(homes["bristol"])
    count = RECENT_WITHDRAWALS + 50
    _, wires = signed_on(homes["bristol"], keys, lambda log, keys: [publishing.publish(
        log, keys, "alert", {**ALERT, "text": f"flood {i}"}, expires_in="1h") for i in range(count)])
    for i in range(0, len(wires), 500):  # as peers bring them, piece by piece (the bot got them all)
        await api.node.db(api.node.log.ingest, wires[i:i + 500])
    sent_upto = await api.node.db(api.node.log.store.last_n)
    status, body = await api.request("POST", "/api/v1/events", json={
        "kind": "member.revoke", "as": "group", "fields": {
            "subject": bytes(keys.group.public).hex(), "from_seq": "1", "reason": "false raid alerts"}})
    assert status == 201, body
    read, pages = api.node.log.store.withdrawn_alerts, []

    def paged(*args, **kwargs):
        rows = read(*args, **kwargs)
        pages.append(len(rows))
        return rows

    monkeypatch.setattr(api.node.log.store, "withdrawn_alerts", paged)
    async with await _stream_from(api, str(sent_upto)) as reply:
        gone = [(await next_alert(reply))[1] for _ in range(count)]
        later = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h", "fields": {
            **ALERT, "text": "Second wave"}}))[1]["event"]
        assert (await next_alert(reply))[1]["id"] == later["id"], "each withdrawal once"
    assert {g["status"] for g in gone} == {"withdrawn"} and len({g["alert"] for g in gone}) == count
    assert pages and max(pages) <= PAGE, pages


async def test_an_all_clear_signed_with_a_group_key_is_not_handed_on(api, homes, unlock) -> None:
    """Devices post alerts and their updates: an all clear signed with Bristol's group key is stored
    without effect, and the dashboard and the history say the raid goes on. The stream said ALL
    CLEAR all the same."""
    alert, others, alert_wire, _, by_group = bristols_alert_and_second_device(homes, unlock)
    by_key = by_group("alert.update", {"alert": alert.id, "status": "all_clear", "text": "over (group key)"})
    real, _ = signed_on(homes["bristol"], unlock(homes["bristol"]), lambda log, keys: publishing.publish(
        log, keys, "alert.update", {"alert": alert.id.hex(), "status": "all_clear", "text": "over (device)"}))
    async with calais_stream(api) as reply:
        await api.node.db(api.node.log.ingest, others + [alert_wire])
        assert (await next_alert(reply))[1]["id"] == alert.id.hex()
        await api.node.db(api.node.log.ingest, [by_key.encode()])
        _, live = await api.request("GET", "/api/v1/alerts?region=calais")
        assert [a["id"] for a in live["items"] if a["status"] == "live"] == [alert.id.hex()]
        await api.node.db(api.node.log.ingest, [real.encode()])
        _, clear = await next_alert(reply)
    assert (clear["id"], clear["text"]) == (real.id.hex(), "over (device)")


async def test_an_alerts_public_is_true_or_false_on_the_stream_and_in_the_lists_alike(api) -> None:
    """The stream (and `--on-alert`) said `public` true, GET /api/v1/alerts and the alert history
    "yes" (and nothing at all for an alert not marked public): a bot reading both read one alert two
    ways. True or false everywhere now, as node/openapi.json says."""
    async with calais_stream(api) as reply:
        for public in ("yes", "no", None):
            fields = {**ALERT, "text": f"public {public}"} | ({"public": public} if public else {})
            status, body = await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h",
                                                                             "fields": fields})
            assert status == 201, body
        streamed = {a["text"]: a["public"] for a in [(await next_alert(reply))[1] for _ in range(3)]}
    _, alerts = await api.request("GET", "/api/v1/alerts?region=calais")
    _, history = await api.request("GET", "/api/v1/alert-history?region=calais")
    for items in (alerts["items"], history["items"]):
        assert {a["text"]: a["public"] for a in items} == streamed == {
            "public yes": True, "public no": False, "public None": False}, items
