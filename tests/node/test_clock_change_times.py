"""A time typed without an offset on the night the clocks change: 02:30 in Paris (01:30 in London)
never happens when they go forward and happens twice when they go back. Both were made one moment
without a word: an action typed for 02:30 was listed at 03:30, one typed 02:30-03:15 on the night
the clocks go back lasted 1 h 45 min. They are refused now, saying which time to write, in the
CLI (the zone of the terminal), the forms (the browser's zone) and the dashboard's languages."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from node.dashboard import forms
from node.dashboard.i18n import Translator
from node.field_input import InputError, parse_since, parse_time


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("typed, zone, written", [("2027-03-28T02:30", "Europe/Paris", "2027-03-28T03:30"),
                                                  ("2027-03-28T01:30", "Europe/London", "2027-03-28T02:30")])
def test_a_time_the_clocks_skip_is_refused_naming_the_same_moment(typed: str, zone: str, written: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_time(typed, zone)
    said = str(refused.value)
    assert "does not exist in " + zone in said and f"({written} is the same moment)" in said
    # what it says to write is that moment, and taken
    assert parse_time(written, zone) == parse_time(typed + ("+01:00" if zone == "Europe/Paris" else "+00:00"))


@pytest.mark.parametrize("typed, zone, first, second", [
    ("2027-10-31T02:30", "Europe/Paris", "+02:00", "+01:00"),
    ("2027-10-31T01:30", "Europe/London", "+01:00", "+00:00")])
def test_a_time_the_clocks_show_twice_is_refused_naming_both(typed: str, zone: str, first: str, second: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_time(typed, zone)
    said = str(refused.value)
    assert f"happens twice in {zone}" in said
    assert said.index(typed + first) < said.index(typed + second)  # the first as the clocks show it, first
    assert parse_time(typed + second) - parse_time(typed + first) == 3_600_000


def test_times_away_from_the_change_are_read_as_before() -> None:
    assert _utc(parse_time("2027-03-28T03:30", "Europe/Paris")) == "2027-03-28T01:30"
    assert _utc(parse_time("2027-10-31T03:30", "Europe/Paris")) == "2027-10-31T02:30"
    assert _utc(parse_time("2027-10-31T02:30+01:00", "Europe/Paris")) == "2027-10-31T01:30"
    assert _utc(parse_time("2027-10-31T01:30", "UTC")) == "2027-10-31T01:30"
    assert _utc(parse_time("2026-12-06T18:00", "Europe/London")) == "2026-12-06T18:00"


_IN_MACHINE_ZONE = """
from node.field_input import InputError, parse_since, parse_time
for text in ("2027-03-28T02:30", "2027-10-31T02:30", "2027-10-31T04:00"):
    for read in (parse_time, lambda t: parse_since(t, 0)):
        try:
            print(read(text))
        except InputError as exc:
            print(exc)
"""


def test_the_machine_zone_says_so_too_and_since_as_well() -> None:
    """Without a zone named (`solnet publish` with no node, `ls --since`) the machine's own."""
    env = {**os.environ, "TZ": "Europe/Paris", "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([sys.executable, "-c", _IN_MACHINE_ZONE], env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout.splitlines()
    assert len(out) == 6
    for line in out[:2]:
        assert "does not exist in this machine's time zone" in line and "2027-03-28T03:30 is the same moment" in line
    for line in out[2:4]:
        assert "happens twice in this machine's time zone" in line and "2027-10-31T02:30+02:00" in line
    assert out[4] == out[5] == str(parse_time("2027-10-31T04:00", "Europe/Paris"))
    with pytest.raises(InputError, match="neither a span"):
        parse_since("last tuesday", 0)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_forms_say_it_in_their_language(lang: str) -> None:
    t = Translator(lang)
    for typed, words in (("2027-03-28T02:30", ["2027-03-28 03:30"]),
                         ("2027-10-31T02:30", ["2027-10-31 02:30+02:00", "2027-10-31 02:30+01:00"])):
        with pytest.raises(InputError) as refused:
            parse_time(typed, "Europe/Paris")
        said = forms.refusal_words(refused.value, t)
        assert said != t("error.generic") and said != t("error.time")
        assert all(w in said for w in words), said
