"""The desk ("Network at a glance") as a screen reader reads it: its table is named by its heading
(a table met by table navigation was only "table, 8 columns"), and an empty cell says "none" (its
dash is a symbol screen readers skip: "Still needed" read as nothing at all, as a cell not filled
in), in each catalog, while the dash stays what is seen."""
from __future__ import annotations

import re

from test_http import get


async def test_the_desk_table_is_named_and_its_empty_cells_say_none(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for lang, word in (("en", "none"), ("fr", "rien")):
        _, page, _ = await get(node.client, "/", headers={"Accept-Language": lang})
        table = re.search(r'<table class="desk-table"[^>]*>', page).group(0)
        assert 'aria-labelledby="desk-title"' in table and 'id="desk-title"' in page, table
        empty = re.findall(r'<span class="none">(.*?)</span></span>', page)
        assert empty, page.split('id="desk-table"')[1][:2000]
        for cell in empty:
            assert cell == f'<span aria-hidden="true">–</span><span class="visually-hidden">{word}', cell
