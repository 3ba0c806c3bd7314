"""The API's region summary counts the actions of the coming week from a bounded listing (the
desk's SUMMARY_ROWS soonest): a region with more said `actions_this_week: 20` where 23 were coming,
and `capped` did not name it, so a script reading it posted "20 actions in Bristol this week" as
the count. Now the part is named in `capped` when more actions start within the week than were
read; a busy month beyond the week, read in full up to the week's end, leaves the count whole."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from node.views import SUMMARY_ROWS


def _iso(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_a_week_of_more_actions_than_the_desk_reads_is_said_capped(api):
    for i in range(SUMMARY_ROWS + 3):  # all within the coming week
        await api.publish("action", title=f"Distribution {i}", region="calais", type="distribution",
                          starts_at=_iso(timedelta(days=1, minutes=10 * i)))
    [calais] = (await api.get("/api/v1/regions?region=calais"))["items"]
    assert calais["actions_this_week"] >= SUMMARY_ROWS and "actions" in calais["capped"], calais
    assert len((await api.get("/api/v1/timeline?region=calais"))["items"]) == SUMMARY_ROWS + 3


async def test_a_busy_month_beyond_the_week_leaves_the_count_whole(api):
    for i in range(2):
        await api.publish("action", title=f"Soon {i}", region="calais", type="distribution",
                          starts_at=_iso(timedelta(days=2, hours=i)))
    for i in range(SUMMARY_ROWS + 3):  # after the week: not counted, and no reason to say the count is cut
        await api.publish("action", title=f"Later {i}", region="calais", type="protest",
                          starts_at=_iso(timedelta(days=9, hours=i)))
    [calais] = (await api.get("/api/v1/regions?region=calais"))["items"]
    assert calais["actions_this_week"] == 2 and "actions" not in calais["capped"], calais
