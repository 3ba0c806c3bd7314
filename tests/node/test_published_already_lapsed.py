"""A need, an offer or a support offer published with its `until` already past lapsed at once: no
list, desk or page showed it, and publishing said only "Published". It is refused, naming the
field; one with a time to come is published as before."""
from __future__ import annotations

from pathlib import Path

import pytest

from node import publishing
from node.log import now_ms
from node.views import view
from node_fixtures import Net, wires

HOUR_MS = 3600 * 1000


@pytest.mark.parametrize("kind, texts", [
    ("need", {"category": "food", "quantity": "10", "region": "calais"}),
    ("offer", {"category": "food", "quantity": "10", "region": "calais"}),
    ("support.offer", {"type": "housing", "capacity": "2", "region": "calais"}),
])
def test_an_item_whose_until_has_passed_is_refused(net: Net, tmp_path: Path, kind: str, texts: dict) -> None:
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made))
    now = now_ms()
    with pytest.raises(publishing.PublishError) as refused:
        publishing.publish(log, net.founder, kind, {**texts, "until": "2026-01-05T10:00Z"}, now=now)
    assert refused.value.field == "until" and "has already passed" in str(refused.value), refused.value
    assert log.store.kinds_after([kind], 0, 1 << 62) == []  # nothing was signed
    publishing.publish(log, net.founder, kind, {**texts, "until": "2099-01-05T10:00Z"}, now=now)
    listed = view(log, "capacity" if kind == "support.offer" else "needs", now=now)
    assert len(listed) == 1, listed


def test_the_dashboard_says_it_in_each_language(net: Net, tmp_path: Path) -> None:
    from node.dashboard import forms
    from node.dashboard.i18n import Translator
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made))
    with pytest.raises(publishing.PublishError) as refused:
        publishing.publish(log, net.founder, "need", {"category": "food", "quantity": "3", "region": "calais",
                                                      "until": "2026-01-05T10:00Z"})
    french = forms.refusal_words(refused.value, Translator("fr"))
    assert french.startswith("Cette date est déjà passée"), french
    assert forms.refusal_words(refused.value, Translator("en")).startswith("That time has already passed")
