"""The desk's urgent pass (views.urgent_too) builds the items of the newest URGENT_ROWS needs the
store marks in a region whose needs cell was cut, whatever their age, and no more: a region of 101
urgent needs and one of 202 build as many items per regions page (the items built were most of the
page's work at 100k events, so the bound is what keeps the page under its budget)."""
from __future__ import annotations

from events import readmodels
from node.clock import now_ms
from node.views import SUMMARY_ROWS, URGENT_ROWS, view
from test_desk_keeps_urgent_entries import _publish


def _needs_built(sample, monkeypatch) -> int:
    """The need items the regions view of Bristol builds (each row given to the read model counted)."""
    built = [0]
    real = readmodels.needs_and_offers

    def counting(rows, *args, **kwargs):
        rows = list(rows)
        built[0] += sum(r.table == "need" for r in rows)
        return real(rows, *args, **kwargs)

    monkeypatch.setattr(readmodels, "needs_and_offers", counting)
    log = sample.nodes[0].home.log()
    try:
        [bristol] = view(log, "regions", region="bristol", now=now_ms(), limit=100, peers=[])
    finally:
        log.store.close()
        monkeypatch.setattr(readmodels, "needs_and_offers", real)
    assert "needs_urgent" in bristol["capped"], bristol["capped"]  # (the pass read URGENT_ROWS and saw more)
    return built[0]


def test_the_urgent_pass_builds_no_more_items_as_urgent_rows_grow(sample, monkeypatch) -> None:
    urgent = ("need", {"category": "tents", "region": "bristol", "urgency": "high"})
    _publish(sample, [], urgent, URGENT_ROWS + 1)
    first = _needs_built(sample, monkeypatch)
    assert first <= SUMMARY_ROWS + URGENT_ROWS, first  # (the newest 20, then the marked ones not among them)
    _publish(sample, [], urgent, URGENT_ROWS + 1)
    assert _needs_built(sample, monkeypatch) == first
