"""A cancelled or moved action on the dashboard, in English and French: its page says CANCELLED
(with its group's note) or where and when it moved, and offers its own group "Cancel or move this
action"; the overview's timeline keeps it, said CANCELLED, until it would have ended; the form for
the update opens with the action filled in."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from page_text import visible_text

SAID = {"en": ("CANCELLED by its group", "Cancel or move this action", "Moved:"),
        "fr": ("ANNULÉE par son groupe", "Annuler ou déplacer cette action", "Déplacée\u202f:")}  # (not 'Déplacée:')


def _in(days: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%MZ")


async def test_a_cancelled_action_is_said_on_its_page_and_in_the_timeline(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    action = await node.node.publish("action", {"title": "Rally at the quay", "region": "calais", "type": "protest",
                                                "starts_at": _in(2), "place": "The quay"}, offline=True)
    moved = await node.node.publish("action", {"title": "Picnic", "region": "calais", "type": "other",
                                               "starts_at": _in(3)}, offline=True)
    await node.node.publish("action.update", {"action": action.id.hex(), "status": "cancelled",
                                              "note": "prefecture ban"}, offline=True)
    await node.node.publish("action.update", {"action": moved.id.hex(), "place": "Parc Richelieu"}, offline=True)
    for lang, (cancelled, change, moved_word) in SAID.items():
        async with node.client.get(f"/event/{action.id.hex()}?lang={lang}") as r:
            text = visible_text(await r.text())
        assert cancelled in text and "prefecture ban" in text and change in text, text
        async with node.client.get(f"/event/{moved.id.hex()}?lang={lang}") as r:
            text = visible_text(await r.text())
        assert moved_word in text and "Parc Richelieu" in text and cancelled not in text, text
        async with node.client.get(f"/?lang={lang}") as r:
            html = await r.text()
        timeline = visible_text(html[html.index('id="timeline-list"'):html.index("</ol>", html.index('id="timeline-list"'))])
        item = timeline.split(f"{cancelled}\n", 1)[-1].split("\n")  # its group first, then its title
        assert item[0] == "Calais" and item[2] == "Rally at the quay" and "Picnic" in timeline, timeline
    async with node.client.get(f"/publish/action.update?action={action.id.hex()}") as r:
        assert action.id.hex() in await r.text()
