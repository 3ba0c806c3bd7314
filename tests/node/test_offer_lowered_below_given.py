"""An offer's quantity is the whole offer, what was given out included. A coordinator who gave 20
of 30 blankets and typed `offer.update --quantity 15` for "15 left" had the offer read as all given
out (15 - 20), 15 blankets gone with no word. Lowering an offer below what was given out is refused
now, saying what to give for that many left (and how to offer no more), in the CLI's words and the
forms' languages."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from node import publishing
from node.dashboard import forms
from node.dashboard.i18n import Translator
from node.views import view
from node_fixtures import Net
from test_audiences import _spread, _three


def test_an_offer_lowered_below_what_was_given_is_refused(net: Net, tmp_path: Path):
    bristol, keys, offer, refused = _lowered(net, tmp_path, 30, 20, 15)
    said = str(refused)
    assert "20 of that offer were already given out" in said and "for 15 left give 35" in said, said
    assert "--status withdrawn" in said
    for lang in ("en", "fr"):
        t = Translator(lang)
        shown = forms.refusal_words(refused, t)
        assert shown not in (t("error.generic"), said) and "35" in shown and "15" in shown, shown
    [item] = [i for i in view(bristol, "needs") if i["id"] == offer.id]
    assert item["quantity"] == 30 and item["remaining"] == 10  # nothing was published
    publishing.publish(bristol, keys[1], "offer.update", {"offer": offer.id.hex(), "quantity": "20"})  # all given
    publishing.publish(bristol, keys[1], "offer.update", {"offer": offer.id.hex(), "quantity": "35"})
    [item] = [i for i in view(bristol, "needs") if i["id"] == offer.id]
    assert item["quantity"] == 35 and item["remaining"] == 15



def test_one_left_is_said_in_the_singular(net: Net, tmp_path: Path):
    """French said "pour 1 restants". (Fewer than 2 given out is never refused: the quantity is at
    least 1, so the count given is always plural.)"""
    refused = _lowered(net, tmp_path, 3, 2, 1)[3]
    assert "for 1 left give 3" in str(refused), refused
    fr = forms.refusal_words(refused, Translator("fr"))
    assert "1 restants" not in fr and "pour qu’il en reste 1, indiquez 3" in fr, fr


def _lowered(net: Net, tmp_path: Path, whole: int, given: int, lowered: int,
             ) -> tuple[Any, Any, Any, publishing.PublishError]:
    """Bristol's offer of `whole` blankets, `given` of them given to Calais's need, then lowered to
    `lowered`: (Bristol's log, the keys, the offer, the refusal)."""
    (calais, bristol, _), keys, _ = _three(net, tmp_path)
    need = publishing.publish(calais, keys[0], "need", {"category": "blankets", "quantity": "50", "region": "calais"})
    offer = publishing.publish(bristol, keys[1], "offer", {"category": "blankets", "quantity": str(whole),
                                                           "region": "bristol"})
    _spread(calais, bristol)
    publishing.publish(bristol, keys[1], "need.fulfil", {"need": need.id.hex(), "offer": offer.id.hex(),
                                                         "quantity": str(given)})
    with pytest.raises(publishing.PublishError) as refused:
        publishing.publish(bristol, keys[1], "offer.update", {"offer": offer.id.hex(), "quantity": str(lowered)})
    return bristol, keys, offer, refused.value
