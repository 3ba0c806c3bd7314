"""An action.update that gives an action still running an earlier start ("it began at 8") moves its
end with it (the read model's rule), so the action is under way and every list shows it. The
warning judged the update's own fields, an action with no end: it said "this update moves the
action into the past ... redact this update", of a right update, on the API, `solnet publish` and
the dashboard. Each now judges the action as the lists read it (node/past_action.py as_moved)."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from page_text import csrf_of, visible_text

from node import views
from node.past_action import past_action_warning
from node.views import Held

HOUR = 3_600_000


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


async def test_a_running_action_moved_earlier_is_not_said_past(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    now = int(time.time() * 1000)
    async with node.client.get("/publish/action") as r:
        token = csrf_of(await r.text())
    async with node.client.post("/publish/action", data={
            "csrf": token, "title": "Welcome cafe", "region": "calais", "type": "outreach",
            "starts_at": _iso(now + 10 * 60_000), "ends_at": _iso(now + 8 * HOUR)}) as r:
        assert r.status == 200 and "published=1" in str(r.url)
        action = str(r.url).split("/event/")[1].split("?")[0]
    async with node.client.get(f"/publish/action.update?action={action}") as r:
        token = csrf_of(await r.text())
    async with node.client.post("/publish/action.update", data={
            "csrf": token, "action": action, "starts_at": _iso(now - 2 * HOUR), "note": "it began at 8"}) as r:
        assert r.status == 200 and "published=1" in str(r.url)
        text = visible_text(await r.text())
    assert "into the past" not in text, text
    running = node.node  # (what the warning is about: the lists show it, read on the database thread)
    listed = await running.db(lambda: views.actions(Held(running.log.store, running.log.trust), None,
                                                    int(time.time() * 1000), None))
    assert any(a["id"].hex() == action for a in listed)
    # the update is still warned of when it does move the action out of every list
    async with node.client.get(f"/publish/action.update?action={action}") as r:
        token = csrf_of(await r.text())
    async with node.client.post("/publish/action.update", data={
            "csrf": token, "action": action, "starts_at": _iso(now - 40 * 24 * HOUR)}) as r:
        assert "into the past" in visible_text(await r.text())


def test_the_cli_and_api_words_judge_the_action_as_listed() -> None:
    now = 1_900_000_000_000
    texts = {"action": "ab", "starts_at": _iso(now - 2 * HOUR)}
    start = (now - 2 * HOUR) // 60_000 * 60_000
    running = {"starts_at": start, "ends_at": start + 8 * HOUR}
    assert past_action_warning("action.update", texts, "cd" * 32, now, "UTC", moved=running) is None
    ended = {"starts_at": start, "ends_at": start + HOUR // 2}
    assert past_action_warning("action.update", texts, "cd" * 32, now, "UTC", moved=ended) is not None
    # a newer update of the group moved it since: the lists do not read this start
    assert past_action_warning("action.update", texts, "cd" * 32, now, "UTC",
                               moved={"starts_at": now + HOUR, "ends_at": None}) is None
