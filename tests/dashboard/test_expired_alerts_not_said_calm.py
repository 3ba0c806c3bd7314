"""The overview's alert history lists all clears alone: an alert that simply ran out leaves nothing
to list (its content is deleted at its end). With none cleared, the section said "No alert ended in
the last 7 days." above a week of raid alerts that had ended, and its title called it the alert
history: a coordinator read a quiet week in a region raided twice. It is titled and said as what it
is now, in English and in French."""
from __future__ import annotations

import re

from page_text import PASSPHRASE, visible_text
from test_http import get

from node.clock import now_ms

HOUR_MS = 3_600_000


def _history(page: str) -> str:
    section = re.search(r'<section class="card" id="alert-history".*?</section>', page, re.S)
    assert section, "the overview has no alert history section"
    return visible_text(section.group(0))


async def test_a_week_of_expired_alerts_is_not_said_to_be_none(sample, start_node) -> None:
    calais = sample.nodes[0]
    log = calais.home.log()
    try:  # a raid two days ago, over after 2 h: it ended by itself, no all clear
        posted = now_ms() - 48 * HOUR_MS
        log.append(calais.home.keys(PASSPHRASE).device, "alert",
                   {"region": "calais", "type": "raid", "location": "Zone 7", "text": "Vans at the camp"},
                   expires=posted + 2 * HOUR_MS, now=posted, offline=True)
    finally:
        log.store.close()
    node = await start_node(calais)
    await node.log_in()
    _, page, _ = await get(node.client, "/?lang=en")
    said = _history(page)
    assert "No alert ended" not in said, said
    assert "No all clear in the last 7 days" in said and "not listed" in said, said
    _, page, _ = await get(node.client, "/?lang=fr")
    said = _history(page)
    assert "Aucune alerte terminée" not in said, said
    assert "Aucune fin d’alerte ces 7 derniers jours" in said, said
