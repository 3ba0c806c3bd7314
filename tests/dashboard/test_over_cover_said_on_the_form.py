"""A fulfilment of more than a need has left, or than one's own offer has left, is said as such on
the dashboard's form, in English and French. Both said "These recipients cannot receive private
details: tick other groups (at most 16 devices in all)" (a rule for recipients caught the refusal's
"at most 15"), and a fully covered need said only "Vérifiez ce champ." in French: a coordinator
recording a delivery was told about recipients on a form that has none."""
from __future__ import annotations

from page_text import csrf_of, visible_text
from test_http import get, post

RECIPIENTS = {"en": "recipients", "fr": "destinataires"}
SAID = {"en": ("has 15 left to cover", "has 3 left", "already fully covered"),
        "fr": ("plus que 15 à couvrir", "plus que 3", "déjà entièrement couvert")}


async def test_a_fulfilment_over_what_is_left_is_said_as_such(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    need = await node.node.publish("need", {"category": "tents", "quantity": "20", "region": "calais"}, offline=True)
    full = await node.node.publish("need", {"category": "water", "quantity": "2", "region": "calais"}, offline=True)
    offer = await node.node.publish("offer", {"category": "tents", "quantity": "8", "region": "calais"}, offline=True)
    await node.node.publish("need.fulfil", {"need": need.id.hex(), "offer": offer.id.hex(), "quantity": "5"},
                            offline=True)
    await node.node.publish("need.fulfil", {"need": full.id.hex(), "quantity": "2"}, offline=True)
    _, form, _ = await get(node.client, "/publish/need.fulfil")
    token = csrf_of(form)
    for lang, (need_left, offer_left, covered) in SAID.items():
        cases = (({"need": need.id.hex(), "quantity": "16"}, need_left),
                 ({"need": need.id.hex(), "offer": offer.id.hex(), "quantity": "4"}, offer_left),
                 ({"need": full.id.hex(), "quantity": "1"}, covered))
        for fields, said in cases:
            status, html, _ = await post(node.client, f"/publish/need.fulfil?lang={lang}", {**fields, "csrf": token})
            text = visible_text(html)
            assert status == 400 and said in text, (fields, text)
            assert RECIPIENTS[lang] not in text and "Vérifiez ce champ." not in text, (fields, text)
