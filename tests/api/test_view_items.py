"""Every item of every read-model route is exactly as node/openapi.json says, field by field.

The document described the views' items only as objects: a bot had to guess the fields of a need,
an alert or a region's summary from one answer. Now each view names the schema of its items, and
each schema lists every field and forbids any other (tests/api/openapi_items.py writes them).
Here a real node holds what a network in use holds: three groups in several regions (one of them
revoked), needs and offers with fulfilments, draw-downs and updates, actions past and upcoming with
report-backs, fundraisers with reports and pledges, support requests claimed, closed and with
private parts, support offers, alerts with updates and all clears (one long expired, whose all
clear is its history), resources, events for chosen groups. Every view is read whole, by region
and cut short (`capped`), and every item is validated against the document: a field a view
answers with and the document does not name fails here.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from collections.abc import Callable
from typing import Any

import pytest

from node import publishing
from node.demo import localnet
from node.home import Home
from node.log import now_ms
from node.views import VIEWS
from openapi_items import VIEW_ITEMS
from test_documented_fields import SCHEMAS, valid

HOUR_MS = 3600 * 1000
PASSPHRASE = "api tests only: not a secret"  # conftest.py's: its `api` and `unlock` open the homes with it


@pytest.fixture(scope="module")
def network_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Calais founded the network, Bristol and Dover joined (conftest's `homes` copies it)."""
    root = tmp_path_factory.mktemp("items-network")
    localnet.create_network(root, [("Calais", "calais"), ("Bristol", "bristol"), ("Dover", "dover")], PASSPHRASE)
    return root


def _iso(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def signed_elsewhere(home: Home, unlock: Any, sign: Callable[[Callable[..., Any]], None]) -> list[bytes]:
    """What `sign(publish)` publishes on another group's home (publish(kind, fields, **options)
    returns the event), and every event that home then holds, as a peer would bring them."""
    log, keys = home.log(), unlock(home)
    try:
        sign(lambda kind, fields, **options: publishing.publish(log, keys, kind, fields, **options))
        return list(log.store.iter_wire())
    finally:
        log.store.close()


async def fill(api: Any, homes: dict[str, Home], dover: Home, unlock: Any) -> None:
    """What a network in use holds, on Calais's node."""
    own = api.node.home.config().group_id
    bristol_group = homes["bristol"].config().group_id
    post = api.publish

    async def publish(kind: str, fields: dict[str, str], **extra: Any) -> dict[str, Any]:
        status, body = await api.request("POST", "/api/v1/events", json={"kind": kind, "fields": fields, **extra})
        assert status == 201, body
        return body["event"]

    # Bristol's: its profile, a need, an offer, an action, support offers, a resource, an alert
    # long expired whose all clear is still its history, and one cleared
    def bristol(publish: Callable[..., Any]) -> None:
        back = now_ms() - 2 * 24 * HOUR_MS
        publish("group.profile", {"name": "Bristol Refugee Rights", "region": "bristol"}, signer="group")
        publish("need", {"category": "clothes", "quantity": "30", "region": "bristol"})
        publish("offer", {"category": "firewood", "quantity": "9", "unit": "m3", "region": "bristol"})
        publish("action", {"title": "Vigil", "region": "bristol", "type": "protest",
                           "starts_at": _iso(timedelta(days=1))})
        publish("support.offer", {"region": "bristol", "type": "legal", "capacity": "4"})
        # where Calais's private housing request could go (not Calais's own offers: it asks others)
        publish("support.offer", {"region": "calais", "type": "housing", "capacity": "1"})
        publish("resource", {"title": "Bristol map", "languages": "en", "summary": "Where", "region": "bristol",
                             "link": "https://example.org/map"})
        old = publish("alert", {"region": "bristol", "type": "raid", "text": "Old raid"}, expires_in="1h", now=back)
        publish("alert.update", {"alert": old.id.hex(), "status": "all_clear"}, now=back + HOUR_MS // 2)
        # one still held but cleared, older than Calais's live ones (the newest rows of a capped
        # listing of alerts are then live ones, which is what this test reads)
        cleared = publish("alert", {"region": "calais", "type": "arrest", "text": "Arrests"}, expires_in="1h",
                          now=now_ms() - HOUR_MS // 4)
        publish("alert.update", {"alert": cleared.id.hex(), "status": "all_clear"}, now=now_ms() - HOUR_MS // 5)

    await api.node.db(api.node.log.ingest, signed_elsewhere(homes["bristol"], unlock, bristol))
    await publish("group.profile", {"name": "Calais Solidarité", "region": "calais", "description": "Food and tents",
                                    "languages": "fr, en, ar", "contact": "calais@example.org"}, **{"as": "group"})
    # Actions: upcoming, this week and later, one going on, one for chosen groups; past ones with report-backs
    for days, title, kind in ((1, "Distribution", "distribution"), (3, "Cours", "class"), (20, "Manif", "protest")):
        await post("action", title=title, region="calais", starts_at=_iso(timedelta(days=days)), type=kind,
                   place="Rue des Huttes", languages="fr, en", link="https://example.org/a")
    await post("action", title="Going on", region="calais", starts_at=_iso(-timedelta(hours=1)), type="outreach",
               ends_at=_iso(timedelta(hours=1)), description="Tea and phones")
    await publish("action", {"title": "Blocage", "region": "calais", "type": "direct_action",
                             "starts_at": _iso(timedelta(days=2))}, to=[own, bristol_group])
    for days in (2, 4):
        past = await post("action", title=f"Visit {days}", region="calais", starts_at=_iso(-timedelta(days=days)),
                          ends_at=_iso(-timedelta(days=days, hours=-2)), type="detention_visit", place="CRA",
                          description="Visits", languages="fr", link="https://example.org/v")
        await post("action.report", action=past["id"], people="4", outcome="Saw three people",
                   photos="https://example.org/a.jpg, https://example.org/b.jpg", languages="en")
        await post("action.report", action=past["id"], outcome="One was released")
    sealed_past = await publish("action", {"title": "Quiet visit", "region": "calais", "type": "detention_visit",
                                           "starts_at": _iso(-timedelta(days=1))}, to=[own])
    await publish("action.report", {"action": sealed_past["id"], "outcome": "Went well"}, to=[own])
    # Money
    fund = await post("fundraiser", title="Winter tents", goal="2000", currency="EUR", region="calais",
                      how_to_give="bank transfer", description="Tents", ends_at=_iso(timedelta(days=30)))
    await post("fundraiser.update", fundraiser=fund["id"], raised="500", note="Thanks")
    # a pledge is another group's (Calais's own is refused at publish): Bristol's, as its node signs it
    log, keys = homes["bristol"].log(), unlock(homes["bristol"])
    try:
        log.append(keys.device, "fundraiser.update", {"fundraiser": bytes.fromhex(fund["id"]), "pledge": 5000},
                   offline=True)
        pledged = list(log.store.iter_wire())
    finally:
        log.store.close()
    await api.node.db(api.node.log.ingest, pledged)
    await post("fundraiser", title="Legal fund", goal="800", currency="GBP", region="calais")
    await publish("fundraiser", {"title": "Bail", "goal": "300", "currency": "EUR", "region": "calais"}, to=[own])
    # Goods: needs and offers, fulfilments (one drawing on an offer), updates, a withdrawal
    need = await post("need", category="firewood", quantity="6", unit="m3", urgency="high", region="calais",
                      notes="dry", until=_iso(timedelta(days=10)))
    offer = await post("offer", category="firewood", quantity="4", unit="m3", region="calais", notes="from a farm")
    await post("need.fulfil", need=need["id"], quantity="3", offer=offer["id"], by="Dunkirk")
    await post("need.update", need=need["id"], quantity="8", notes="very cold")
    await post("offer.update", offer=offer["id"], quantity="5")
    gone = await post("need", category="tents", quantity="2", region="calais")
    await post("need.update", need=gone["id"], status="withdrawn")
    covered = await post("need", category="shoes", quantity="2", region="calais")
    await post("need.fulfil", need=covered["id"], quantity="2")
    await post("offer", category="shoes", quantity="10", unit="pairs", region="calais", until=_iso(timedelta(days=5)))
    await publish("need", {"category": "water", "quantity": "50", "unit": "litres", "region": "calais"}, to=[own])
    # Support: offers, requests open, claimed, closed, with private parts
    place = await post("support.offer", region="calais", type="housing", capacity="3", languages="fr",
                       notes="a room", until=_iso(timedelta(days=7)))
    await post("support.offer.update", offer=place["id"], capacity="2", notes="one room left")
    await post("support.offer", region="calais", type="housing", capacity="5", starts_at=_iso(timedelta(days=2)))
    await post("support.offer", region="calais", type="legal", capacity="1")
    await publish("support.offer", {"region": "calais", "type": "medical", "capacity": "2"}, to=[own])
    await publish("support.request", {"region": "calais", "type": "housing", "people": "2", "urgency": "high"},
                  private="Two minors, arrived Tuesday", to=[bristol_group])
    claimed = await post("support.request", region="calais", type="legal", people="3-5", urgency="medium")
    await publish("support.claim", {"request": claimed["id"]}, private="we have a lawyer")
    closed = await post("support.request", region="calais", type="housing", people="1", urgency="low")
    await post("support.claim", request=closed["id"])
    await publish("support.close", {"request": closed["id"], "outcome": "resolved", "note": "housed"}, public_note=True)
    await publish("support.request", {"region": "calais", "type": "medical", "people": "11+", "urgency": "high"},
                  private="Names", to=[own])
    # Alerts: live ones, with an update, public
    alert = await publish("alert", {"region": "calais", "type": "raid", "location": "Marck", "text": "Vans"},
                          expires_in="2h")
    await post("alert.update", alert=alert["id"], status="update", text="Two vans left", location="Coquelles")
    await publish("alert", {"region": "calais", "type": "eviction", "text": "Eviction at dawn", "public": "yes"},
                  expires_in="3h")
    # Resources: of a region and for everywhere
    await post("resource", title="Know your rights", languages="fr, en", summary="Police stops",
               topic="know_your_rights", region="calais", link="https://example.org/kyr")
    await post("resource", title="Asylum steps", languages="ar", summary="The steps", text="First, ...")
    await publish("resource", {"title": "Safe houses", "languages": "en", "summary": "Where", "text": "..."}, to=[own])
    # Dover's: a profile and an alert, then Dover is revoked (an infiltrated group)
    def dover_(publish: Callable[..., Any]) -> None:
        publish("group.profile", {"name": "Dover", "region": "dover"}, signer="group")
        publish("alert", {"region": "dover", "type": "raid", "text": "False alarm"}, expires_in="1h")

    await api.node.db(api.node.log.ingest, signed_elsewhere(dover, unlock, dover_))
    await publish("member.revoke", {"subject": dover.config().group_id, "from_seq": "1", "reason": "infiltrated"},
                  **{"as": "group"})


def documented_fields(name: str) -> set[str]:
    """The fields the document names for an item of view `name` (of a need or an offer: either's)."""
    schema = SCHEMAS[VIEW_ITEMS[name]]
    branches = [SCHEMAS[b["$ref"].rsplit("/", 1)[1]] for b in schema.get("oneOf", [])] or [schema]
    return set().union(*(set(b["properties"]) for b in branches))


async def test_every_item_of_every_view_is_as_documented(api, homes, unlock, tmp_path) -> None:
    await fill(api, homes, Home(tmp_path / "net" / "dover"), unlock)
    found: list[str] = []
    seen: dict[str, set[str]] = {name: set() for name in VIEWS}
    for name in VIEWS:
        whole = await api.get(f"/api/v1/{name}")
        assert len(whole["items"]) >= 2, (name, whole)
        counts = {}
        for query in ("", "?region=calais", "?region=bristol", "?limit=1", "?region=calais&limit=1"):
            # (a region nothing is placed in is refused, not empty: tests/api/test_new_region_api.py)
            body = await api.get(f"/api/v1/{name}{query}")
            found += [f"{query}: {e}" for e in valid(f"/api/v1/{name}", body)]
            whole_of = query.replace("limit=1", "").rstrip("&?")
            counts.setdefault(whole_of, len(body["items"]))
            # cut short: `capped` says so (a small limit, more than one item without it)
            assert body["capped"] is ("limit=1" in query and counts[whole_of] > 1), (name, query, body["capped"])
            for item in body["items"]:
                seen[name] |= set(item)
    assert not found, "answered but not as node/openapi.json says:\n" + "\n".join(found)
    # The data is as varied as the document: every field it names for an item, some item holds
    # (a field the document names that no view answers with would be a guess too).
    unseen = {name: sorted(documented_fields(name) - seen[name]) for name in VIEWS}
    assert not any(unseen.values()), f"documented, but no item here holds them: {unseen}"
    history = (await api.get("/api/v1/alert-history"))["items"]
    assert {h["posted_at"] is None for h in history if h["status"] == "all_clear"} == {True, False}, history
    groups = (await api.get("/api/v1/groups"))["items"]
    assert [g["name"] for g in groups if g["revoked_from"] is not None] == ["Dover"], groups
    support = (await api.get("/api/v1/support"))["items"]
    assert any("reads_private" in place for s in support for place in s["can_go"]), support
