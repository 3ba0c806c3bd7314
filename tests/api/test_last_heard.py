"""When a region's groups were last heard from (the desk: `/api/v1/regions`, `solnet view regions`,
the overview): a group that joined and has published nothing yet but its profile was heard from
then, not "never"."""
from __future__ import annotations


async def test_a_group_that_published_only_its_profile_was_heard_from_then(api):
    [calais] = (await api.get("/api/v1/regions?region=calais"))["items"]
    assert calais["group_names"] == ["Calais"] and calais["last_heard"] is not None, calais
