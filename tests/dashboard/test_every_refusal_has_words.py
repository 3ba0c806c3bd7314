"""Every refusal a publish form can meet has its own words in each language: one the rules of
node/dashboard/forms.py did not know fell back to 'Vérifiez ce champ.' in French (and to the
internal field names in English: "need.update changes something: give at least one of
'quantity', ..."). The refusals are walked as the code makes them: the relations between a form
kind's fields (events/kinds.py relation_problems) and each field's own check of a value out of its
bounds, each said by the key its rule gives it (events.fields.Said), never by its English text. (Those
between the fields and the inputs beside them, node.publishing pairing_problems, and every refusal
written in node/: test_refusal_keys.py.)"""
from __future__ import annotations

from typing import Any

import pytest

from events.fields import Field, FieldError
from solnet_errors import Said
from events.kinds import KINDS, relation_problems
from node.dashboard import forms, pages
from node.dashboard.i18n import Translator
from node.render import MONEY_FIELDS

FR, EN = Translator("fr"), Translator("en")
GENERIC = FR("error.generic")
# field values that break the relations between fields: an update saying nothing, an end before
# its start, both a raised amount and a pledge, a link and a text both missing
PAST_BOUNDS: dict[str, Any] = {"int": 10 ** 20, "text": "x" * 70_000, "url": "https://x.org/" + "x" * 70_000,
                                "enum": "not-a-choice"}
RELATIONS = ({}, {"status": "update"}, {"starts_at": 2, "ends_at": 1, "until": 1}, {"raised": 1, "pledge": 1})


def _relation_refusals() -> dict[str, Said]:
    return {m: m for kind in pages.PUBLISHABLE for f in RELATIONS for m in relation_problems(kind, f)}


def _bound_refusals() -> dict[str, FieldError]:
    """Each form field's check of a value past its bounds (a number too large, a text too long,
    a choice not offered), by its English words (`kind: message`)."""
    said: dict[str, FieldError] = {}
    for kind in pages.PUBLISHABLE:
        for field in KINDS[kind].fields:
            value = PAST_BOUNDS.get(field.type)
            if value is not None and field.name not in MONEY_FIELDS:  # money: said in units (another rule)
                refused = _check(field, value)
                said[f"{kind}: {refused}"] = refused
    return said


def _check(field: Field, value: Any) -> FieldError:
    try:
        field.check(value)
    except FieldError as exc:
        return exc
    raise AssertionError(f"{value!r} passed {field.name}'s check")


REFUSALS = dict(sorted((_relation_refusals() | _bound_refusals()).items()))


def test_the_walk_meets_the_refusals_it_was_written_for() -> None:
    assert any("changes something" in m for m in REFUSALS) and any("'link' or its 'text'" in m for m in REFUSALS)
    assert any("an update needs its 'text'" in m for m in REFUSALS)
    assert any("whole number from" in m for m in REFUSALS)


@pytest.mark.parametrize("message", REFUSALS)
def test_each_refusal_a_form_can_meet_has_its_own_words(message: str) -> None:
    refusal = REFUSALS[message]
    said_fr, said_en = forms.refusal_words(refusal, FR), forms.refusal_words(refusal, EN)
    assert refusal.key is not None and said_fr != GENERIC, message  # a rule of its own, not 'Vérifiez ce champ.'
    assert said_en != message, message  # English too: the person's words, not the code's
    assert "'" not in said_en and "{" not in said_en + said_fr, (said_en, said_fr)


def test_a_change_asked_for_is_said_by_the_forms_labels() -> None:
    [message] = relation_problems("need.update", {})
    assert forms.refusal_words(message, EN) == "Change at least one of these: Quantity, Urgency, Size / notes, Status."
    assert forms.refusal_words(message, FR) == ("Modifiez au moins un de ces champs\u202f: Quantité, Urgence, "
                                                "Taille / remarques, État.")


def test_a_number_out_of_range_says_the_range() -> None:
    quantity = KINDS["need"].field("quantity")
    refused = _check(quantity, 10 ** 20)
    low, high = quantity.minimum, quantity.maximum
    assert forms.refusal_words(refused, EN) == f"Give a whole number from {low} to {high}."
    assert forms.refusal_words(refused, FR) == f"Donnez un nombre entier de {low} à {high}."



@pytest.mark.parametrize("typed", ["1,000", "1 000", "1.000", "1\u202f000"])
def test_a_whole_number_with_separators_is_refused_saying_how_to_write_it(typed: str) -> None:
    """"1,000" was "must be a whole number", where amounts take separators. Never read ("1.000" is 1
    to some, 1000 to others): refused, with the number written as it must be."""
    from node.field_input import InputError, parse_value

    with pytest.raises(InputError) as refused:
        parse_value(KINDS["need"].field("quantity"), typed, bytes.fromhex)
    assert "whole number written without separators: 1000" in str(refused.value), refused.value
    assert forms.refusal_words(refused.value, EN) == "Write the number without separators: 1000."
    assert forms.refusal_words(refused.value, FR) == "Écrivez le nombre sans séparateurs\u202f: 1000."
