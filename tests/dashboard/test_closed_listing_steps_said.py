"""A step on a need or an offer that is over is said in the form's words, in French too, not
"Vérifiez ce champ.": a withdrawal of a need or an offer already withdrawn (two coordinators
pressing it in the same minutes), a delivery recorded for a need that lapsed or whose group is gone.
s57-week4 gave words to a need withdrawn and an alert cleared; these refusals, beside them in
node/effect_checks.py, still fell back to the generic words."""
from __future__ import annotations

import pytest

from node.dashboard import forms
from node.dashboard.i18n import Translator
from node.effect_checks import EffectRefused, _still_open
from page_text import csrf_of, visible_text
from test_http import get, post

CHECK_FIELD = "Vérifiez ce champ."
FR, EN = Translator("fr"), Translator("en")


async def test_a_second_withdrawal_is_said_as_final_in_french(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    need = await node.node.publish("need", {"category": "tents", "quantity": "20", "region": "calais"}, offline=True)
    offer = await node.node.publish("offer", {"category": "tents", "quantity": "8", "region": "calais"}, offline=True)
    await node.node.publish("need.update", {"need": need.id.hex(), "status": "withdrawn"}, offline=True)
    await node.node.publish("offer.update", {"offer": offer.id.hex(), "status": "withdrawn"}, offline=True)
    support = await node.node.publish("support.offer", {"region": "calais", "type": "housing", "capacity": "2"},
                                      offline=True)
    await node.node.publish("support.offer.update", {"offer": support.id.hex(), "status": "withdrawn"}, offline=True)
    _, form, _ = await get(node.client, "/publish/need.update")
    token = csrf_of(form)
    said = {("need", "fr"): "Ce besoin a déjà été retiré", ("offer", "fr"): "Cette offre a déjà été retirée",
            ("support.offer", "fr"): "Cette offre de soutien a déjà été retirée",
            ("need", "en"): "This need was already withdrawn", ("offer", "en"): "This offer was already withdrawn",
            ("support.offer", "en"): "This support offer was already withdrawn"}
    listings = {"need": need, "offer": offer, "support.offer": support}
    for (kind, lang), words in said.items():
        field = kind.split(".")[-1]
        status, html, _ = await post(node.client, f"/publish/{kind}.update?lang={lang}",
                                     {field: listings[kind].id.hex(), "status": "withdrawn", "csrf": token})
        text = visible_text(html)
        assert status == 400 and words in text and CHECK_FIELD not in text, text
        assert "--status" not in text, text  # the command line's words, not the form's


@pytest.mark.parametrize("side", ["need", "offer"])
@pytest.mark.parametrize("status", ["lapsed", "group_left", "group_revoked", "withdrawn"])
def test_a_listing_over_is_said_in_each_language(side: str, status: str) -> None:
    with pytest.raises(EffectRefused) as refused:
        _still_open({"status": status, "side": side, "until": 1_780_000_000_000}, side, "Europe/Paris")
    message = str(refused.value)
    said_fr, said_en = forms.refusal_words(refused.value, FR), forms.refusal_words(refused.value, EN)
    assert said_fr != FR("error.generic") and said_en != message, (said_fr, said_en)
    assert ("2026-05-28 22:26" in said_fr) == (status == "lapsed"), said_fr
    assert ("revoked" in said_en) == (status == "group_revoked"), said_en
