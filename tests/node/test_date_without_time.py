"""A time field given a date alone ("--until 2026-12-10") was read as that day's 00:00 without a
word: the offer lapsed as the 10th began, a fundraiser ended a day early, an action started at
midnight. It is refused now, saying how to write the time (the end of that day too), in the CLI's
words and the forms' languages; `ls --since` still reads a date as its start."""
from __future__ import annotations

import pytest

from events.kinds import KINDS
from node.dashboard import forms
from node.dashboard.i18n import Translator
from node.field_input import InputError, parse_since, parse_time, parse_value


def _no_id(text: str) -> bytes:
    raise AssertionError("no id here")


@pytest.mark.parametrize("kind, name", [("offer", "until"), ("fundraiser", "ends_at"), ("action", "starts_at"),
                                        ("action.update", "ends_at")])
@pytest.mark.parametrize("typed", ["2026-12-10", " 2026-12-10 ", "20261210"])
def test_a_date_alone_is_refused_naming_the_time_to_add(kind: str, name: str, typed: str) -> None:
    field = KINDS[kind].field(name)
    with pytest.raises(InputError) as refused:
        parse_value(field, typed, _no_id, "Europe/London")
    said = str(refused.value)
    assert "is a date without a time" in said and "2026-12-10T23:59 for the end of that day" in said, said


def test_a_date_with_its_time_is_taken_and_since_reads_a_date_as_its_start() -> None:
    field = KINDS["offer"].field("until")
    assert parse_value(field, "2026-12-10 23:59", _no_id, "Europe/London") == parse_time("2026-12-10T23:59Z")
    assert parse_value(field, "2026-12-10T00:00", _no_id, "Europe/Paris") == parse_time("2026-12-09T23:00Z")
    assert parse_since("2026-12-10", 0) == parse_time("2026-12-10T00:00")


@pytest.mark.parametrize("lang, words", [("en", "2026-12-10 23:59"), ("fr", "2026-12-10 23:59")])
def test_the_forms_say_it(lang: str, words: str) -> None:
    t = Translator(lang)
    with pytest.raises(InputError) as refused:
        parse_value(KINDS["offer"].field("until"), "2026-12-10", _no_id, "Europe/Paris")
    said = forms.refusal_words(refused.value, t)
    assert said not in (t("error.generic"), t("error.time")) and words in said, said
