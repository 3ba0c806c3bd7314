"""An alert whose stored text has a changed byte (a failing SD card) is not handed to a bot as its
author's: a client resuming the alert stream gets no alert with changed words (a raid's place, a
time), the stream is cut, and the node says its database is damaged."""
from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from contextlib import closing

import aiohttp

ALERT = {"region": "calais", "type": "raid", "text": "Police at the canal camp", "location": "Loon-Plage"}


async def test_a_resuming_client_never_gets_an_alert_with_a_changed_byte(api) -> None:
    published = (await api.request("POST", "/api/v1/events", json={"kind": "alert", "expires_in": "1h",
                                                                   "fields": ALERT}))[1]["event"]
    with closing(sqlite3.connect(api.node.home.db_path)) as db, db:  # another connection: the node sees it
        body, = db.execute("SELECT body FROM events WHERE id=?", (bytes.fromhex(published["id"]),)).fetchone()
        changed = body.replace(b"Police", b"Qolice")
        assert changed != body
        db.execute("UPDATE events SET body=? WHERE id=?", (changed, bytes.fromhex(published["id"])))
    headers = {"Authorization": f"Bearer {api.token}", "Last-Event-ID": str(published["n"] - 1)}
    async with api.client.get(api.url("/api/v1/alerts/stream?region=calais"), headers=headers) as reply:
        heard = b""
        async with asyncio.timeout(20):  # the stream is cut: nothing more can be read as signed
            with contextlib.suppress(aiohttp.ClientPayloadError):
                while line := await reply.content.readline():
                    heard += line
    assert b"olice" not in heard, heard
    assert api.node.live_facts()["database_damaged"], "the node did not say its database is damaged"
