"""An action's update refused by what the log holds is said in the form's language, with what to do.
In French both said only "Vérifiez ce champ.": an end moved before the action's start (which the
refusal names, with "give its new start too"), and a move of a cancelled action that does not say
its status. Found cancelling and moving actions on a French dashboard at phone width."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from page_text import csrf_of, visible_text
from test_http import get, post

CHECK_FIELD = "Vérifiez ce champ."


def _in(days: int, hour: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).strftime(f"%Y-%m-%dT{hour:02d}:00Z")


async def test_action_update_refusals_are_said_in_french(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    action = await node.node.publish("action", {"title": "Manif", "region": "calais", "type": "protest",
                                                "starts_at": _in(2, 18)}, offline=True)
    cancelled = await node.node.publish("action", {"title": "Pique-nique", "region": "calais", "type": "other",
                                                   "starts_at": _in(3, 12)}, offline=True)
    await node.node.publish("action.update", {"action": cancelled.id.hex(), "status": "cancelled"}, offline=True)
    _, form, _ = await get(node.client, "/publish/action.update?lang=fr")
    token = csrf_of(form)

    status, html, _ = await post(node.client, "/publish/action.update?lang=fr",
                                 {"action": action.id.hex(), "ends_at": _in(2, 17), "csrf": token})
    text = visible_text(html)
    assert status == 400 and CHECK_FIELD not in text, text
    assert "avant le début de l’action" in text and "nouveau début" in text, text

    status, html, _ = await post(node.client, "/publish/action.update?lang=fr",
                                 {"action": cancelled.id.hex(), "place": "Parc", "csrf": token})
    text = visible_text(html)
    assert status == 400 and CHECK_FIELD not in text, text
    assert "ANNULÉE" in text and "État" in text and "maintenue finalement" in text, text
    # "la remettre" alone reads as "postpone it" (une action remise): the choice puts it back on
    assert "pour la rétablir" in text and "remettre" not in text, text

    # and in English, in the form's words (not the command line's field names)
    status, html, _ = await post(node.client, "/publish/action.update?lang=en",
                                 {"action": action.id.hex(), "ends_at": _in(2, 17), "csrf": token})
    text = visible_text(html)
    assert status == 400 and "before the action's start" in text and "'starts_at'" not in text, text
