"""An offer's quantity is the whole offer, what was given out included. A coordinator who gave 20
of 30 blankets and typed `offer.update --quantity 15` for "15 left" had the offer read as all given
out (15 - 20), 15 blankets gone with no word. Lowering an offer below what was given out is refused
now, saying what to give for that many left (and how to offer no more), in the CLI's words and the
forms' languages."""
from __future__ import annotations

from pathlib import Path

import pytest

from node import publishing
from node.dashboard import forms
from node.dashboard.i18n import Translator
from node.views import view
from node_fixtures import Net
from test_audiences import _spread, _three


def test_an_offer_lowered_below_what_was_given_is_refused(net: Net, tmp_path: Path):
    (calais, bristol, _), keys, _ = _three(net, tmp_path)
    need = publishing.publish(calais, keys[0], "need", {"category": "blankets", "quantity": "50", "region": "calais"})
    offer = publishing.publish(bristol, keys[1], "offer", {"category": "blankets", "quantity": "30", "region": "bristol"})
    _spread(calais, bristol)
    publishing.publish(bristol, keys[1], "need.fulfil", {"need": need.id.hex(), "offer": offer.id.hex(), "quantity": "20"})
    with pytest.raises(publishing.PublishError) as refused:
        publishing.publish(bristol, keys[1], "offer.update", {"offer": offer.id.hex(), "quantity": "15"})
    said = str(refused.value)
    assert "20 of that offer were already given out" in said and "for 15 left give 35" in said, said
    assert "--status withdrawn" in said
    for lang in ("en", "fr"):
        t = Translator(lang)
        shown = forms.field_message(f"offer.update: {said}", t)
        assert shown not in (t("error.generic"), said) and "35" in shown and "15" in shown, shown
    [item] = [i for i in view(bristol, "needs") if i["id"] == offer.id]
    assert item["quantity"] == 30 and item["remaining"] == 10  # nothing was published
    publishing.publish(bristol, keys[1], "offer.update", {"offer": offer.id.hex(), "quantity": "20"})  # all given
    publishing.publish(bristol, keys[1], "offer.update", {"offer": offer.id.hex(), "quantity": "35"})
    [item] = [i for i in view(bristol, "needs") if i["id"] == offer.id]
    assert item["quantity"] == 35 and item["remaining"] == 15
