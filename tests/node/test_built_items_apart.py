"""Each view of a page gets items of its own: the items a read transaction builds are built once
for all the page's views (views.Held.built), and some views add to theirs (a need's `matches`, a
request's `can_go`, the page's `mine`). Handed the same objects, a view read after another got
what the other added: the needs counted without their offers carried the `matches` the needs
section had set, and what a view showed depended on which views were read before it."""
from __future__ import annotations

from pathlib import Path

from test_order_independence import NOW, certified_world, ingest_in

from node.views import counted, reader_of, view


def test_a_view_read_after_another_gets_none_of_what_the_other_added(tmp_path: Path) -> None:
    world = certified_world()
    g1, g2 = world.authors["g1"], world.authors["g2"]
    need = g1.sign("need", {"category": "tents", "quantity": 40, "region": "calais"})
    offer = g2.sign("offer", {"category": "tents", "quantity": 30, "region": "calais"})
    log = ingest_in(tmp_path / "a.db", world, [*world.events, need, offer], [])
    try:
        with log.store.reading():  # one page: one read transaction, one reader for its views
            reader = reader_of(log)
            [listed] = [i for i in view(log, "needs", region="calais", now=NOW, limit=50, reader=reader)
                        if i["id"] == need.id]
            assert [m["id"] for m in listed["matches"]] == [offer.id]
            listed["mine"] = True  # (as the overview marks its own group's)
            [alone] = [i for i in counted(reader, "needs", "calais", NOW, 50) if i["id"] == need.id]
            assert "matches" not in alone and "mine" not in alone, alone
            # ...and the view read again gets its own matches, not the first one's list
            [again] = [i for i in view(log, "needs", region="calais", now=NOW, limit=50, reader=reader)
                       if i["id"] == need.id]
            assert again is not listed and "mine" not in again and again["matches"] == listed["matches"]
    finally:
        log.store.close()
