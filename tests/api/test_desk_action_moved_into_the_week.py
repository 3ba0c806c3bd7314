"""An action moved into the coming week from beyond it is the desk's next action and in the timeline.

The week's listings (the desk's next action and count, `GET /api/v1/timeline`) read the actions
whose first start lies within the week: a legal drop-in of the 16th moved to tonight was read by
none of them. The dashboard's desk and the API said the region's next action was tomorrow's, while
the overview's "Next 7 days" and `solnet view regions` listed the drop-in tonight. Now the week's
listings read the soonest actions as the overview does, and keep only those that start within the
week as moved; what they say is cut is still counted within the week alone."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from node.views import SUMMARY_ROWS


def _iso(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_an_action_moved_into_the_week_is_next_and_in_the_timeline(api):
    await api.publish("action", title="Distribution tomorrow", region="calais", type="distribution",
                      starts_at=_iso(timedelta(days=1)))
    drop_in = await api.publish("action", title="Legal drop-in", region="calais", type="info_night",
                                starts_at=_iso(timedelta(days=10)))
    await api.publish("action.update", action=drop_in["id"], starts_at=_iso(timedelta(hours=5)),
                      note="moved to tonight")
    [calais] = (await api.get("/api/v1/regions?region=calais"))["items"]
    assert calais["next_action"]["title"] == "Legal drop-in", calais["next_action"]
    assert calais["actions_this_week"] == 2 and "actions" not in calais["capped"], calais
    timeline = await api.get("/api/v1/timeline?region=calais")
    assert [a["title"] for a in timeline["items"]] == ["Legal drop-in", "Distribution tomorrow"], timeline
    assert timeline["capped"] is False, timeline


async def test_a_busy_month_beyond_the_week_is_still_no_cut_of_it(api):
    """The week's listings now read past the week's end: rows there are no cut of the week."""
    await api.publish("action", title="Soon", region="calais", type="distribution", starts_at=_iso(timedelta(days=2)))
    for i in range(SUMMARY_ROWS + 3):
        await api.publish("action", title=f"Later {i}", region="calais", type="protest",
                          starts_at=_iso(timedelta(days=9, hours=i)))
    [calais] = (await api.get("/api/v1/regions?region=calais&limit=5"))["items"]
    assert calais["actions_this_week"] == 1 and "actions" not in calais["capped"], calais
    timeline = await api.get("/api/v1/timeline?region=calais&limit=5")
    assert [a["title"] for a in timeline["items"]] == ["Soon"] and timeline["capped"] is False, timeline
