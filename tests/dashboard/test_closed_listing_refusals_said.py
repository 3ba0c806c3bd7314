"""A form refused because what it names is over is said so in French too, not "Vérifiez ce champ.":
an all clear of an alert its group already cleared (two coordinators pressing it in the same
minutes), and a delivery recorded for a need its group has withdrawn."""
from __future__ import annotations

from page_text import csrf_of, visible_text
from test_http import get, post

CHECK_FIELD = "Vérifiez ce champ."


async def test_an_alert_cleared_and_a_need_withdrawn_are_said_in_french(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    alert = await node.node.publish("alert", {"region": "calais", "type": "raid", "text": "Police at the camp"},
                                    expires_in="6h", offline=True)
    await node.node.publish("alert.update", {"alert": alert.id.hex(), "status": "all_clear"}, offline=True)
    need = await node.node.publish("need", {"category": "tents", "quantity": "20", "region": "calais"}, offline=True)
    await node.node.publish("need.update", {"need": need.id.hex(), "status": "withdrawn"}, offline=True)
    _, form, _ = await get(node.client, "/publish/need.fulfil")
    token = csrf_of(form)
    for lang, cleared, withdrawn in (("fr", "déjà levée", "retiré par son groupe"),
                                     ("en", "already cleared", "withdrawn by its group")):
        status, html, _ = await post(node.client, f"/publish/alert.update?lang={lang}",
                                     {"alert": alert.id.hex(), "status": "all_clear", "csrf": token})
        text = visible_text(html)
        assert status == 400 and cleared in text and CHECK_FIELD not in text, text
        status, html, _ = await post(node.client, f"/publish/need.fulfil?lang={lang}",
                                     {"need": need.id.hex(), "quantity": "2", "csrf": token})
        text = visible_text(html)
        assert status == 400 and withdrawn in text and CHECK_FIELD not in text, text
