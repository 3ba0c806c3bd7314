"""Every refusal node/effect_checks.py makes before signing has its own words on the dashboard: a
pledge to a fundraiser that ended, a need or offer that lapsed or whose group left, a fulfilment or
pledge the other group declined, "a withdrawal is final" fell back to "Vérifiez ce champ." (and
to the code's English, quotes and all). The refusals are read from the module's source, each
`EffectRefused(...)` it raises, so one added later is met here without a list to keep."""
from __future__ import annotations

import ast
import inspect
import itertools
import re

import pytest

from node import effect_checks
from node.dashboard import forms
from node.dashboard.i18n import Translator
from node.render import GONE_WORDS

FR, EN = Translator("fr"), Translator("en")
SIDES = ("need", "offer")  # what `side` (a listing's) stands for in a refusal's words
SAMPLE = "7"  # any other value a refusal says: a group's name, a time, a quantity


def _said(message: ast.expr) -> list[str]:
    """The refusal `message` (an f-string) as said: once for each side of a listing it may name (the
    same side throughout) and each way a group may be gone (node.render.GONE_WORDS)."""
    if isinstance(message, ast.Constant):
        return [message.value]
    if isinstance(message, ast.Call):  # events.effects.explain's words: rules of the log, not of this module
        return []
    assert isinstance(message, ast.JoinedStr), ast.unparse(message)
    out = set()
    for side, gone in itertools.product(SIDES, GONE_WORDS.values()):
        out.add("".join(p.value if isinstance(p, ast.Constant) else side if "side" in ast.unparse(p) else
                        gone if "GONE_WORDS" in ast.unparse(p) else SAMPLE for p in message.values))
    return sorted(out)


def _effect_refusals() -> list[str]:
    tree = ast.parse(inspect.getsource(effect_checks))
    return sorted({said for node in ast.walk(tree) if isinstance(node, ast.Call)
                   and getattr(node.func, "id", None) == "EffectRefused" for said in _said(node.args[0])})


REFUSALS = _effect_refusals()


def test_the_walk_meets_the_refusals_it_was_written_for() -> None:
    assert "that need lapsed on 7" in REFUSALS and "that offer lapsed on 7" in REFUSALS
    assert any("a withdrawal is final" in m for m in REFUSALS) and any("declined a pledge" in m for m in REFUSALS)
    assert len(REFUSALS) >= 15


@pytest.mark.parametrize("message", REFUSALS)
def test_each_refusal_of_an_effect_has_its_own_words(message: str) -> None:
    said_fr, said_en = forms.field_message(message, FR), forms.field_message(message, EN)
    assert said_fr != FR("error.generic"), message  # a rule of its own, not 'Vérifiez ce champ.'
    assert said_en != message, message  # English too: the person's words, not the code's
    assert not re.search(r"'\w+'", said_en) and "{" not in said_en + said_fr, (said_en, said_fr)
