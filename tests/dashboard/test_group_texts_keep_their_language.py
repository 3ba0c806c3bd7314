"""A group's own words on the dashboard carry the language its profile names (lang="fr"), as its titles
and notes already did: a screen reader set to the page's English read a French-only group's
fundraiser note ("Objectif atteint, merci : n'envoyez plus"), its alert's updates or its reason for
leaving with English sounds, and right-to-left words ran into the text around them (pure rendering)."""
from __future__ import annotations

import re

from node.dashboard.app import render_page
from test_templates import ID, context, overview

NOTE = "Objectif atteint, merci : n'envoyez plus"
UPDATE = "Les CRS quittent le canal"
REASON = "Collectif dissous"


def _tag_of(html: str, text: str) -> str:
    """The opening tag of the element whose text is `text`."""
    found = re.search(r"<(\w+)([^<>]*)>" + re.escape(text.replace("'", "&#39;")) + r"</\1>", html)
    assert found, f"{text!r} is not the whole text of one element"
    return found.group(0)


def test_a_fundraisers_note_on_the_overview_says_its_groups_language() -> None:
    page = overview("en")
    page["fundraisers"]["items"][0]["note"] = NOTE
    html = render_page("overview.html", {**page, "group_languages": {ID: ["fr"]}})
    assert 'lang="fr"' in _tag_of(html, NOTE)


def test_a_fundraisers_note_and_an_alerts_updates_on_their_pages_say_their_groups_language() -> None:
    base = {"id": ID, "author": ID, "seq": 1, "ts": 1_800_000_000_000, "expires": None, "body": "present",
            "group": ID, "group_name": "Calais", "raw": {}, "sealed": None, "fields": [], "title": "x"}
    fundraiser = {**base, "kind": "fundraiser",
                  "status": {"progress": 100, "raised": 200_000, "goal": 200_000, "currency": "EUR", "pledged": 0,
                             "pledged_gone": 0, "ended": False, "note": NOTE, "pledged_by": [], "declined": []}}
    alert = {**base, "kind": "alert",
             "status": {"status": "live", "updates": [{"ts": 1_800_000_100_000, "status": "update", "text": UPDATE}]}}
    for event, text in ((fundraiser, NOTE), (alert, UPDATE)):
        html = render_page("event.html", context(event=event, private_text=None, private_status="hidden", fragment="/f",
                                                 group_languages={ID: ["fr"]}))
        tag = _tag_of(html, text)
        assert 'lang="fr"' in tag and 'dir="auto"' in tag, (event["kind"], tag)


def test_a_groups_reason_for_leaving_says_its_language() -> None:
    group = {"id": ID, "name": "Calais", "region": "calais", "languages": ["fr"], "left": True, "revoked_from": 3,
             "revoked_at": 1_800_000_000_000, "revoked_reason": REASON, "devices": []}
    html = render_page("groups.html", context(groups=[group], names={ID: "Calais"}))
    assert 'lang="fr"' in _tag_of(html, REASON)
