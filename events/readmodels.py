"""Read models: pure functions from projection rows (and the current time) to what people look at.

They combine rows that several events contributed (amounts raised, quantities fulfilled, who took
a request), so the result is the same whatever order the events arrived in. The store selects
rows with SQL (by table, region, time, ref) and hands them here; tests hand them `MemoryTables` rows.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from events.projections import Row

VIEWS = ("actions", "fundraisers", "needs", "support", "alerts", "groups")  # the read models, by name

RECENT_ACTION_GRACE_MS = 3 * 3600 * 1000  # an action that started in the last 3 h is still "upcoming"


def _public(row: Row) -> dict[str, Any]:
    return {"id": row.key, **row.data}


def upcoming_actions(actions: Iterable[Row], now: int) -> dict[str, list[dict[str, Any]]]:
    """Actions not yet over, by region, soonest first."""
    by_region: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in sorted(actions, key=lambda r: (r.data["starts_at"], r.key)):
        end = row.data.get("ends_at") or row.data["starts_at"] + RECENT_ACTION_GRACE_MS
        if end >= now:
            by_region[row.data["region"]].append(_public(row))
    return dict(by_region)


def fundraisers(funds: Iterable[Row], updates: Iterable[Row]) -> list[dict[str, Any]]:
    """Each fundraiser with what its group says is raised (latest report), pledges, and progress."""
    by_fund: dict[bytes, list[Row]] = defaultdict(list)
    for u in updates:
        by_fund[u.ref].append(u)
    result = []
    for f in sorted(funds, key=lambda r: r.version, reverse=True):
        owner = f.data["group"]
        reports = [u for u in by_fund.get(f.key, ()) if "raised" in u.data and u.data["group"] == owner]
        raised = max(reports, key=lambda u: u.version).data["raised"] if reports else 0
        pledged = sum(u.data["pledge"] for u in by_fund.get(f.key, ()) if "pledge" in u.data)
        goal = f.data["goal"]
        result.append({
            **_public(f),
            "raised": raised,
            "pledged": pledged,
            "progress": min(100, raised * 100 // goal),
        })
    return result


def needs_and_offers(rows: Iterable[Row], fulfils: Iterable[Row], now: int) -> list[dict[str, Any]]:
    """Open needs (with how much is fulfilled and remains) and offers, until they lapse."""
    done: dict[bytes, int] = defaultdict(int)
    for f in fulfils:
        done[f.ref] += f.data["quantity"]
    result = []
    for row in sorted(rows, key=lambda r: r.version, reverse=True):
        until = row.data.get("until")
        if until is not None and until < now:
            continue
        item = {**_public(row), "side": row.table}
        if row.table == "need":
            fulfilled = min(done.get(row.key, 0), row.data["quantity"])
            item.update(fulfilled=fulfilled, remaining=row.data["quantity"] - fulfilled)
        result.append(item)
    return result


def support_requests(requests: Iterable[Row], statuses: Iterable[Row]) -> list[dict[str, Any]]:
    """Support requests with status: open, claimed (by which groups) or closed (with outcome).

    Only the requesting group or a group that claimed it can close a request.
    """
    by_request: dict[bytes, list[Row]] = defaultdict(list)
    for s in statuses:
        by_request[s.ref].append(s)
    result = []
    for r in sorted(requests, key=lambda r: r.version, reverse=True):
        history = sorted(by_request.get(r.key, ()), key=lambda s: s.version)
        claimed_by = list(dict.fromkeys(s.data["group"] for s in history if s.data["status"] == "claimed"))
        allowed = {r.data["group"], *claimed_by}
        closes = [s for s in history if s.data["status"] == "closed" and s.data["group"] in allowed]
        status, outcome = "open", None
        if closes:
            status, outcome = "closed", closes[-1].data["outcome"]
        elif claimed_by:
            status = "claimed"
        result.append({**_public(r), "status": status, "claimed_by": claimed_by, "outcome": outcome})
    return result


def active_alerts(alerts: Iterable[Row], now: int) -> list[dict[str, Any]]:
    """Alerts that have not expired, newest first."""
    live = [a for a in alerts if a.time is not None and a.time > now]
    return [{**_public(a), "expires": a.time} for a in sorted(live, key=lambda r: r.version, reverse=True)]


def groups(profiles: Iterable[Row], members: Iterable[Any], revocations: Mapping[bytes, Any] | None = None,
           ) -> list[dict[str, Any]]:
    """Every certified group with its profile (if published), its devices and revocation state:
    for the group and each device, from which seq it is revoked, by which key, when (the revoking
    event's time, ms) and why; all None while not revoked.

    `members` are `events.trust.Member` values, `revocations` the trust graph's `Revocation`s by subject.
    """
    members = list(members)
    revocations = revocations or {}
    profile_of = {p.key: p.data for p in profiles}

    def revoked(key: bytes) -> dict[str, Any]:
        r = revocations.get(key)
        return {"revoked_by": r.by if r else None, "revoked_at": r.at if r else None,
                "revoked_reason": r.reason if r else None}

    out = []
    for g in (m for m in members if m.role == "group"):
        profile = profile_of.get(g.key, {})
        devices = sorted(
            ({"id": m.key, "revoked_from": m.revoked_from, **revoked(m.key)}
             for m in members if m.role == "device" and m.group == g.key),
            key=lambda d: (d["revoked_from"] is not None, d["id"]))
        out.append({
            "id": g.key,
            "name": profile.get("name"),
            "region": profile.get("region"),
            "description": profile.get("description"),
            "languages": profile.get("languages", []),
            "contact": profile.get("contact"),
            "devices": len(devices),
            "active_devices": sum(1 for d in devices if d["revoked_from"] is None),
            "device_list": devices,
            "revoked_from": g.revoked_from,
            **revoked(g.key),
            "admitted_by": g.admitted_by,
            "admitters": list(g.admitters),
        })
    return sorted(out, key=lambda g: ((g["name"] or "").lower(), g["id"]))
