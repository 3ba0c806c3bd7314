"""The page of an action that has not happened says nothing of how many people came. It said a
bare "people" ("personnes" in French) under its heading, with no number: the page's template asked
whether the action's head count was "not none", and an action to come has no such count at all
(only one whose time has passed carries one, from its group's report), which the template read as
present and empty. Found playing a week of five groups on a phone-width French dashboard."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from page_text import visible_text

BARE = {"en": "people", "fr": "personnes"}


async def test_an_action_to_come_says_no_head_count(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    starts = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%MZ")
    action = await node.node.publish("action", {"title": "Concert solidaire", "region": "calais", "type": "other",
                                                "starts_at": starts}, offline=True)
    for lang, bare in BARE.items():
        async with node.client.get(f"/event/{action.id.hex()}?lang={lang}") as r:
            assert r.status == 200
            lines = [line.strip() for line in visible_text(await r.text()).splitlines()]
        assert "Concert solidaire" in lines, lines
        # a count is said with its number ("12 people"); alone, the word is a count with none
        assert bare not in lines, lines
