"""The dashboard overview that rebuilds many rows from their events hands the database's cached
pages back after it (Store.release_pages): the events' pages it read stay cached for nothing, the
rows being kept rebuilt (4.8 MiB of the node's resident memory after a first overview at 100k
events, of a Pi's 80 MiB for the whole process tree). A later page, its rows kept, hands nothing
back (the index pages it reads stay cached: no page pays for reading them again), and what the
store reads after a release is what it read before. On a real SQLite file."""
from __future__ import annotations

from pathlib import Path

from node import publishing
from node.dashboard import pages
from node_fixtures import Net, wires

NEEDS = 30


def _calais(net: Net, tmp_path: Path, needs: int):
    """The founding group's home, with `needs` needs of its device."""
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made))
    for i in range(needs):
        publishing.publish(log, net.founder, "need", {"category": "tents", "quantity": str(i + 1), "region": "calais"})
    return log


def test_a_first_overview_hands_back_the_pages_of_the_rows_it_rebuilt(net: Net, tmp_path: Path,
                                                                      monkeypatch) -> None:
    log = _calais(net, tmp_path, NEEDS)
    store = log.store
    store._row_cache.clear()  # (as a node that has just started: publishing keeps no rebuilt row)
    released: list[int] = []
    release = store.release_pages
    monkeypatch.setattr(store, "release_pages", lambda: (released.append(store.rows_rebuilt), release())[1])
    monkeypatch.setattr(pages, "RELEASE_AFTER", NEEDS)

    before = store.rows_rebuilt
    first = pages.overview(log, None, 0)
    assert store.rows_rebuilt - before >= NEEDS  # (each need's row rebuilt from its event)
    assert released == [store.rows_rebuilt]

    second = pages.overview(log, None, 0)  # its rows kept: nothing rebuilt, nothing handed back
    assert len(released) == 1
    assert [n["id"] for n in second["needs"]["items"]] == [n["id"] for n in first["needs"]["items"]]
    assert len(first["needs"]["items"]) == NEEDS


def test_the_store_reads_the_same_after_handing_its_pages_back(net: Net, tmp_path: Path) -> None:
    log = _calais(net, tmp_path, 5)
    before = log.store.rows("need", order="newest", limit=10)
    log.store.release_pages()
    log.store._row_cache.clear()
    assert log.store.rows("need", order="newest", limit=10) == before
