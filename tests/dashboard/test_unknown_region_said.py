"""The overview of a region no group is based in and no event is placed in (a typo: '/?region=calai')
says so, with the close ones, as `solnet view` and the API refuse it: it said "No live alerts." and
showed empty lists, as if all were calm in the region the coordinator meant."""
from __future__ import annotations

from page_text import visible_text
from test_http import get


async def test_a_mistyped_region_is_said_on_the_overview(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for path in ("/?region=calai", "/fragment/overview?region=Calai"):
        status, page, _ = await get(node.client, path)
        assert status == 200, path
        text = visible_text(page)
        assert "No group is based in the region “calai”" in text and "Did you mean:" in text, text
        assert 'href="/?region=calais"' in page and "No live alerts." not in text, path
    _, page, _ = await get(node.client, "/?region=zz%3Cb%3Ezz")  # not a region's spelling at all: escaped
    assert "Check its spelling" in visible_text(page) and "zz<b>zz" not in page
    _, page, _ = await get(node.client, "/?region=calais")  # known: nothing said
    assert 'id="region-unknown"' not in page and "Did you mean" not in visible_text(page)

