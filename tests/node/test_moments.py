"""Any time an event may carry (below 2**53 ms) is shown without failing (node/moments.py): one
signed event with a time in the year 10000 made every listing that showed it fail on every node."""
from __future__ import annotations

import pytest

from node import render, words
from node.dashboard import i18n
from node.moments import LATEST_MS, utc


@pytest.mark.parametrize("ms", [0, 1, 1_700_000_000_000, LATEST_MS, LATEST_MS + 1, 2**53 - 1])
def test_every_time_the_format_allows_is_shown(ms: int) -> None:
    shown = render.iso(ms)
    assert shown.endswith("Z") and len(shown) == 20
    assert words.local_time(ms)[:4].isdigit() and i18n.fallback_time(ms).endswith("UTC")


def test_times_past_the_year_9999_are_shown_as_its_last_second() -> None:
    assert render.iso(2**53 - 1) == render.iso(LATEST_MS) == "9999-12-31T23:59:59Z"
    assert utc(LATEST_MS - 1000).year == 9999 and render.iso(0) == "1970-01-01T00:00:00Z"
