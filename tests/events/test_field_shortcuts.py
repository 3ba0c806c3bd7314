"""The field rules' shortcuts say what the rules said without them (events/fields.py): printable text
skips the control-character search, whitespace is found without a copy, and regions and language
codes already matched are found in a set; each verdict is the full rule's, for every character."""
from __future__ import annotations

import sys

import pytest

from crypto.keys import SigningKey
from events.control_chars import CONTROL_RE
from events.errors import InvalidEvent
from events.fields import LANGUAGE_RE, REGION_RE, Field
from events.format import sign_event

_ALL = [chr(c) for c in range(sys.maxunicode + 1)]


def test_every_character_the_search_finds_is_unprintable():
    # (what lets `_text` skip the search for printable text: were a printable character added to
    # CONTROL_RE, text holding it would pass unsearched)
    assert [c for c in _ALL if CONTROL_RE.match(c) and c.isprintable()] == []


def test_whitespace_is_what_strip_takes():
    assert [c for c in _ALL if c.isspace() != (not c.strip())] == []


def _old_text(f: Field, v: object) -> str | None:
    """The text rule as it was written until 2026-12-07."""
    if not isinstance(v, str):
        return "must be text"
    if not v.strip():
        return "must not be empty"
    if len(v) > f.max_len:
        return f"is {len(v)} characters, the limit is {f.max_len}"
    if CONTROL_RE.search(v):
        return "contains control characters"
    return None


@pytest.mark.parametrize("value", ["", " ", "\u2003\n", "ok", "a\tb", "a\nb", "x\x00", "\u202eevil", "é" * 9,
                                   "a" * 11, "\u00a0", "\u200b", "ارسل", 3, None, ["a"]])
def test_text_verdicts_are_the_full_rules(value):
    f = Field("t", "text", max_len=10)
    assert f.rule(f, value) == _old_text(f, value)


@pytest.mark.parametrize("value", ["calais", "calais", "Calais", "calais ", "north-wales", "-x", "a" * 41, 7, None])
def test_region_verdicts_are_the_regex_whole(value):
    f = Field("region", "region")
    for _ in range(2):  # (the second time from the set of regions already matched)
        assert (f.rule(f, value) is None) == (isinstance(value, str) and REGION_RE.fullmatch(value) is not None)


@pytest.mark.parametrize("value", [["en", "fr"], ["en", "FR"], ["eng"], ["e"], ["en", 3], ["en"] * 9, "en", []])
def test_language_verdicts_are_the_regex_whole(value):
    f = Field("languages", "languages")
    expected = isinstance(value, list) and len(value) <= 8 and all(
        isinstance(x, str) and LANGUAGE_RE.fullmatch(x) for x in value)
    for _ in range(2):
        assert (f.rule(f, value) is None) == expected


class _Posing(str):
    """Text that says it equals any other and hashes as `like`: were it kept among the values already
    matched, `like` would be found there and pass unmatched, in every event after."""

    def __new__(cls, text: str, like: str) -> _Posing:
        made = super().__new__(cls, text)
        made.like = like
        return made

    def __hash__(self) -> int:
        return hash(self.like)

    def __eq__(self, other: object) -> bool:
        return True


def test_a_text_posing_as_another_is_not_kept():
    region, languages = Field("region", "region"), Field("languages", "languages")
    assert region.rule(region, _Posing("calais", "Calais!")) is None  # (its text matches)
    assert region.rule(region, "Calais!") is not None
    assert languages.rule(languages, [_Posing("en", "EN!")]) is None
    assert languages.rule(languages, ["EN!"]) is not None
    key = SigningKey.generate()
    sign_event(key, network=bytes(32), seq=1, prev=None, timestamp=1, kind=_Posing("need", "Need!"), body=None)
    with pytest.raises(InvalidEvent, match="kind must be"):
        sign_event(key, network=bytes(32), seq=1, prev=None, timestamp=1, kind="Need!", body=None)
