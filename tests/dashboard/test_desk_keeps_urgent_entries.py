"""The coordinator's desk adds up each region's newest 20 rows per part (views.SUMMARY_ROWS); a
group's urgent entry older than those was missing from its cell entirely: after 55 newer book
needs by Bristol, Bristol's needs cell read "books: ... (newest only)" without the urgent blankets
need, and a high-urgency support request waiting for a group was not counted. The cell now also
reads the urgent and waiting ones of any age (the newest 100 the store marks: views.URGENT_ROWS) and
says when even those were cut."""
from __future__ import annotations

from page_text import PASSPHRASE, desk_cell
from node import publishing
from node.clock import now_ms
from node.views import view

URGENT_ROWS = 100  # (views.URGENT_ROWS: what the desk says it looks through)


def _publish(sample, first: list[tuple[str, dict]], then: tuple[str, dict], times: int) -> None:
    log, keys = sample.nodes[0].home.log(), sample.nodes[0].home.keys(PASSPHRASE)
    try:
        for kind, fields in first:
            publishing.publish(log, keys, kind, fields)
        for i in range(times):
            publishing.publish(log, keys, then[0], {**then[1], "quantity": str(i + 1)} if then[0] == "need"
                               else then[1])
    finally:
        log.store.close()


def _desk(sample) -> dict:
    log = sample.nodes[0].home.log()
    try:
        [bristol] = view(log, "regions", region="bristol", now=now_ms(), limit=100, peers=[])
    finally:
        log.store.close()
    return bristol


async def test_an_urgent_need_behind_55_newer_ones_is_in_the_desk(sample, start_node) -> None:
    _publish(sample, [("need", {"category": "blankets", "quantity": "30", "region": "bristol", "urgency": "high"})],
             ("need", {"category": "books", "region": "bristol", "urgency": "low"}), 55)
    desk = _desk(sample)
    assert desk["needs"][0]["category"] == "blankets" and desk["needs"][0]["urgency"] == "high", desk["needs"]
    assert "needs" in desk["capped"] and "needs_urgent" not in desk["capped"], desk["capped"]
    node = await start_node(sample.nodes[0])
    await node.log_in()
    async with node.client.get("/", headers={"Accept-Language": "en"}) as r:
        cell = desk_cell(await r.text(), "bristol", "Still needed")
    assert "blankets" in cell and "urgent" in cell and "(newest only)" in cell, cell


async def test_a_waiting_urgent_request_behind_55_newer_ones_is_counted(sample) -> None:
    _publish(sample, [("support.request", {"region": "bristol", "type": "legal_information", "people": "1",
                                           "urgency": "high"})],
             ("support.request", {"region": "bristol", "type": "legal_information", "people": "1",
                                  "urgency": "low"}), 55)
    desk = _desk(sample)
    assert desk["requests"]["high"] == 1 and desk["requests"]["waiting"] >= 21, desk["requests"]
    assert "support" in desk["capped"] and "support_urgent" not in desk["capped"], desk["capped"]


async def test_the_desk_says_when_even_the_urgent_ones_were_cut(sample, start_node) -> None:
    _publish(sample, [], ("need", {"category": "books", "region": "bristol", "urgency": "low"}), URGENT_ROWS + 1)
    assert "needs_urgent" not in _desk(sample)["capped"]  # (none is urgent: no urgent one was left out)
    _publish(sample, [], ("need", {"category": "tents", "region": "bristol", "urgency": "high"}), URGENT_ROWS + 1)
    assert "needs_urgent" in _desk(sample)["capped"]
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for lang, said in (("en", "more than 100 urgent or waiting ones"), ("fr", "plus de 100 urgentes")):
        async with node.client.get("/", headers={"Accept-Language": lang}) as r:
            cell = desk_cell(await r.text(), "bristol", "Still needed" if lang == "en" else "Manque encore")
        assert said in cell, cell
