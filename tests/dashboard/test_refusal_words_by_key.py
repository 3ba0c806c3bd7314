"""Publish refusals that only the log's state can tell (a request the group took already, a report on
an action not started, an update of another group's need) are said on the form in the page's
language, by the key each carries, with the times in the form's zone: they fell back to "Vérifiez
ce champ." in French, as no rule of node/dashboard/forms.py read their English text."""
from __future__ import annotations

from node.render import local_time
from page_text import csrf_of, visible_text
from test_http import get, post

CHECK_FIELD = "Vérifiez ce champ."
ZONE = "Asia/Tokyo"  # the browser's, which the form sends (static/app.js): not the node's
STARTS_MS = 4_070_973_600_000  # 2099-01-01T18:00Z, the vigil's start


async def test_refusals_of_the_logs_state_are_said_in_french_with_the_forms_time(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    request = await node.node.publish("support.request", {"region": "calais", "type": "legal", "people": "1",
                                                          "urgency": "low"}, offline=True)
    claim = await node.node.publish("support.claim", {"request": request.id.hex()}, offline=True)
    action = await node.node.publish("action", {"title": "Vigil", "type": "protest", "region": "calais",
                                                "starts_at": "2099-01-01T18:00Z", "place": "Town hall"}, offline=True)
    _, form, _ = await get(node.client, "/publish/support.claim")
    token = csrf_of(form)
    claimed = local_time(claim.header.timestamp, ZONE)
    for path, sent, said in (
            ("support.claim", {"request": request.id.hex()},
             f"Votre groupe a déjà pris cette demande de soutien le {claimed}"),
            ("action.report", {"action": action.id.hex(), "outcome": "it went well"},
             f"Cette action commence le {local_time(STARTS_MS, ZONE)}"),
    ):
        status, html, _ = await post(node.client, f"/publish/{path}?lang=fr",
                                     {**sent, "time_zone": ZONE, "csrf": token})
        text = visible_text(html)
        assert status == 400 and said in text and CHECK_FIELD not in text, text
