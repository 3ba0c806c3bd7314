"""An alert's end never moves (an update's expiry is the update's own), so a raid that goes on past it is
said in a new alert. The dashboard had no way to do it but to type the alert again from nothing, in a
hurry: now each live alert of the group has "Post it again with a new end", a form filled with its words
that says when the first one still ends."""
from __future__ import annotations

import re

from page_text import csrf_of, visible_text
from test_http import get, post
from test_support_buttons import other_group_logged_in


async def test_a_live_alert_of_the_group_is_posted_again_from_its_words(sample, start_node) -> None:
    calais, _ = sample.nodes
    alert = sample.ids["alert"]  # Calais's raid alert: Zone 7, "CRS 12:40", 6 h
    node = await start_node(calais)
    await node.log_in()
    again = f"/publish/alert?again={alert}"
    _, page, _ = await get(node.client, "/")
    assert f'href="{again}"' in page, "the live alerts banner offers it"
    _, page, _ = await get(node.client, f"/event/{alert}")
    assert f'href="{again}"' in page, visible_text(page)

    _, form, _ = await get(node.client, again)
    assert re.search(r'id="f-location" name="location" value="Zone 7"', form), form
    assert re.search(r'id="f-region" name="region" value="calais"', form)
    assert re.search(r'id="f-text" name="text"[^>]*>CRS 12:40</textarea>', form)
    shown = visible_text(form)
    assert "The first one still ends" in shown, shown
    _, form_fr, _ = await get(node.client, f"{again}&lang=fr")
    assert "La première finit toujours à" in visible_text(form_fr)

    fields = {"region": "calais", "location": "Zone 7", "type": "raid", "text": "CRS 12:40, still there",
              "expires_in": "3h", "csrf": csrf_of(form)}
    status, _, answer = await post(node.client, "/publish/alert", fields)
    assert status == 303
    _, page, _ = await get(node.client, answer.headers["Location"])
    assert "CRS 12:40, still there" in page and answer.headers["Location"].split("?")[0] != f"/event/{alert}"


async def test_another_groups_alert_is_not_offered_nor_filled_in(sample, start_node) -> None:
    alert = sample.ids["alert"]
    node = await other_group_logged_in(sample, start_node)
    _, page, _ = await get(node.client, f"/event/{alert}")
    assert "again=" not in page
    _, form, _ = await get(node.client, f"/publish/alert?again={alert}")
    assert "Zone 7" not in form and "CRS 12:40" not in form and "still ends" not in visible_text(form)
