"""The read models of a node, read from its store: what `solnet view`, the HTTP API and the
dashboard show. SQL selects the rows (by table, region, time, reference); the pure functions of
`events.readmodels` combine them."""
from __future__ import annotations

from typing import Any

from events import readmodels
from events.projections import ACTION, ALERT, FULFIL, FUNDRAISER, FUNDRAISER_UPDATE, NEED, OFFER, PROFILE, SUPPORT, SUPPORT_STATUS
from node.log import EventLog, now_ms

VIEWS = ("actions", "fundraisers", "needs", "support", "alerts", "groups")


def view(log: EventLog, name: str, *, region: str | None = None, now: int | None = None) -> Any:
    now = now_ms() if now is None else now
    store = log.store
    if name == "actions":
        rows = store.rows(ACTION, region=region, t_from=now - readmodels.RECENT_ACTION_GRACE_MS - 30 * 86_400_000)
        return readmodels.upcoming_actions(rows, now)
    if name == "fundraisers":
        funds = store.rows(FUNDRAISER, region=region)
        return readmodels.fundraisers(funds, store.rows(FUNDRAISER_UPDATE, refs=[f.key for f in funds]))
    if name == "needs":
        needs = store.rows(NEED, region=region)
        rows = needs + store.rows(OFFER, region=region)
        return readmodels.needs_and_offers(rows, store.rows(FULFIL, refs=[n.key for n in needs]), now)
    if name == "support":
        requests = store.rows(SUPPORT, region=region)
        return readmodels.support_requests(requests, store.rows(SUPPORT_STATUS, refs=[r.key for r in requests]))
    if name == "alerts":
        return readmodels.active_alerts(store.rows(ALERT, region=region, t_from=now + 1), now)
    if name == "groups":
        return readmodels.groups(store.rows(PROFILE), log.trust.members.values())
    raise ValueError(f"unknown view {name!r}; one of: {', '.join(VIEWS)}")
