"""A read of a region no group is based in and no event is placed in, with no known region close to it,
told an API client "check its spelling (`solnet view regions` lists them)": a command on the node's
machine, which a bot elsewhere cannot run. The API names its own route for the list, GET
/api/v1/regions; the command keeps its words."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/api/v1/alerts?region=zzyzx", "/api/v1/needs?region=zzyzx"])
async def test_an_unknown_region_with_no_close_match_points_to_the_regions_route(api, path) -> None:
    status, refused = await api.request("GET", path)
    assert status == 400 and refused["error"]["field"] == "region", refused
    message = refused["error"]["message"]
    assert "check its spelling (GET /api/v1/regions lists them)" in message, message
    assert "solnet view" not in message, message
