"""A redacted alert on a real node (aiohttp on 127.0.0.1, a real `--on-alert` command): the hook and
the API's alert stream are told it was redacted, without what it said, and nothing they get after
(its withdrawal when its group is later revoked, a stream's replay after a restart) carries its
text or its location again. A group posted an alert naming a person in hiding and took it back:
the node's memory of what it had handed on brought the words back to every chat and bot."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from node import publishing
from node.alert_feed import AlertFeed, withdrawals_page
from node.alert_hook import PassedMemory
from node.log import now_ms
from test_alert_stream import ALERT, _stream_from, calais_stream, next_alert, signed_on
from test_hook_withdrawals import chat_hook, lines_of, passed_on_by_a_kept_hook, revoke_bristol, started_again

SECRET = {**ALERT, "text": "SECRETNAME, 15, hiding at 3 rue Y", "location": "SECRETPLACE"}


def said(item: Any) -> bool:
    """Whether `item` (an alert as handed on, or any text) says anything of the redacted alert."""
    text = json.dumps(item)
    return "SECRETNAME" in text or "SECRETPLACE" in text


def bristols_secret_alert(homes: dict, unlock: Callable) -> tuple[Any, Any, list[bytes], Callable[[], list[bytes]]]:
    """Bristol's keys, its alert naming a person, its events up to it, and a signer of its redaction
    (Bristol's events up to that, as a peer brings them)."""
    keys = unlock(homes["bristol"])
    alert, wires = signed_on(homes["bristol"], keys, lambda log, keys: publishing.publish(
        log, keys, "alert", SECRET, expires_in="1h"))
    return keys, alert, wires, lambda: signed_on(homes["bristol"], keys, lambda log, keys: log.append(
        keys.device, "redact", {"ids": [alert.id]}))[1]


async def calais_alert(api, text: str) -> str:
    return (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h", "fields": {
        **ALERT, "text": text}}))[1]["event"]["id"]


async def test_a_redacted_alert_is_said_redacted_and_never_repeated_when_its_group_is_revoked(api, homes, unlock,
                                                                                               tmp_path) -> None:
    keys, alert, wires, redaction = bristols_secret_alert(homes, unlock)
    hook, out = await chat_hook(api, tmp_path, memory=PassedMemory(api.node))
    try:
        async with calais_stream(api) as reply:
            await api.node.db(api.node.log.ingest, wires)
            assert (await next_alert(reply))[1]["id"] == alert.id.hex()
            assert (await lines_of(out, 1))[0]["id"] == alert.id.hex()
            await api.node.db(api.node.log.ingest, redaction())
            for _, item in [await next_alert(reply), (None, (await lines_of(out, 2))[1])]:
                assert (item["status"], item["alert"], item["id"]) == ("redacted", alert.id.hex(), alert.id.hex())
                assert (item["text"], item["location"], item["region"], item["group_name"]) == ("", None, "calais",
                                                                                               "Bristol")
            await revoke_bristol(api, keys)  # from seq 1: the alert (and the redaction) leave the log
            after = await calais_alert(api, "Still there")
            _, then = await next_alert(reply)
            assert then["id"] == after, then  # no withdrawal between: the chat was told it was redacted
            chat = await lines_of(out, 3)
            assert chat[2]["id"] == after, chat
    finally:
        await hook.stop()
    assert not said(out.read_text().splitlines()[1:])


async def test_an_alert_redacted_and_taken_out_in_one_look_is_withdrawn_without_its_words(api, homes, unlock) -> None:
    """The redaction and the revocation came together (one sync): the feed finds the alert out of the
    log before it saw the redaction (which left the log with it). Its withdrawal says which alert,
    never what it said."""
    keys, alert, wires, redaction = bristols_secret_alert(homes, unlock)
    feed = AlertFeed(api.node)  # looked at by hand, one look at a time
    feed.last_n = await api.node.db(api.node.log.store.last_n)
    await api.node.db(api.node.log.ingest, wires)
    _, handed = await api.node.db(feed._look, feed.last_n, now_ms())
    assert [a["id"] for a in handed] == [alert.id.hex()] and said(handed)
    feed.last_n = await api.node.db(api.node.log.store.last_n)
    await api.node.db(api.node.log.ingest, redaction())
    await revoke_bristol(api, keys)
    _, handed = await api.node.db(feed._look, feed.last_n, now_ms())
    assert [(a["status"], a["alert"]) for a in handed] == [("withdrawn", alert.id.hex())]
    assert (handed[0]["text"], handed[0]["location"]) == ("", None) and not said(handed)


async def test_after_a_restart_nothing_sent_carries_a_redacted_alerts_words(api, homes, unlock, tmp_path) -> None:
    """Passed on, then the node stopped; redacted and its group revoked while it was stopped. As the
    hook starts again and as a stream reconnects (its withdrawals read from the store), nothing
    says what the alert said."""
    keys, alert, wires, redaction = bristols_secret_alert(homes, unlock)
    async with calais_stream(api) as reply:
        await calais_alert(api, "Before")
        last_id, _ = await next_alert(reply)  # where a bot resumes, after the restart
    out, hook = await passed_on_by_a_kept_hook(api, tmp_path, [wires])
    assert said((await lines_of(out, 1))[0])
    await api.node.db(api.node.log.ingest, redaction())
    await revoke_bristol(api, keys)  # stopped: no hook, no feed
    after = await started_again(api, hook)
    try:
        async with await _stream_from(api, last_id) as reply:
            own = await calais_alert(api, "Still there")
            _, first = await next_alert(reply)
            assert first["id"] == own and not said(first), first
        assert (await lines_of(out, 2))[1]["id"] == own
    finally:
        await after.stop()
    now = now_ms()
    assert not said(await api.node.db(withdrawals_page, api.node.log, now, 0))
    assert not said(out.read_text().splitlines()[1:])
