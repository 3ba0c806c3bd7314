"""Statements on the read model name their table number in the SQL, never as a bound value.

The time index of the read model is partial (actions only: `tbl = 1`), so SQLite cannot plan a
statement with `tbl=?` before it knows the value: it prepares such a statement again every time
it runs (3-9 x the cost of a short statement; the regions' loose index scan 146 us against 17 us).
Every listing, look-up and view is run here, the statements' text recorded as the store sends it."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bench.common import found_network, signed_chain
from events.projections import ACTION, PROFILE, TABLES
from events.view_names import VIEWS
from node import views
from node.store.base import StoreBase

BOUND_TABLE = re.compile(r"\btbl\s*(=|IN)\s*\(?\s*\?", re.IGNORECASE)


def test_no_statement_on_the_read_model_binds_its_table_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               ) -> None:
    net, log = found_network(tmp_path / "solnet.db")
    assert {o.status for o in log.ingest([ev.encode() for ev in signed_chain(net, 600)])} == {"accepted"}
    store = log.store
    ran: list[str] = []
    run = StoreBase._x

    def recorded(self: StoreBase, sql: str, args: Any = ()) -> Any:  # the text SQLite prepares, run as ever
        ran.append(sql)
        return run(self, sql, args)

    monkeypatch.setattr(StoreBase, "_x", recorded)
    regions = store.regions(TABLES)
    assert len(regions) > 1
    for table in TABLES:
        store.rows(table, limit=5)
        store.rows(table, region=regions[0], limit=5)
    store.rows(ACTION, t_from=0, order="t", limit=5)
    assert store.newest_row(PROFILE, bytes(net.keys.group.public)) is not None
    assert store.events_page(regions=(regions[0], [ACTION]), limit=5)
    assert store.events_page(regions=(regions[0], list(TABLES)), limit=5)
    for name in VIEWS:
        views.view(log, name)
        views.view(log, name, region=regions[0])
    on_the_read_model = [sql for sql in ran if re.search(r"\bproj\b", sql)]
    assert len(on_the_read_model) > 50
    bound = [sql for sql in on_the_read_model if BOUND_TABLE.search(sql)]
    assert bound == [], f"{len(bound)} statements bind the table number, e.g. {bound[0]}"
