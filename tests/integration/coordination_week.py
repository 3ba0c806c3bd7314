"""A week of five groups, as coordinators live it: needs with units and urgency, offers drawn down by
fulfilments, support offered and requests taken, actions ahead and report-backs of past ones,
money raised and pledged, an alert updated and cleared, resources in Arabic and Farsi, and the
refusals a wrong step meets. Played on real nodes in a line (Calais - Brighton - Bristol - Cardiff -
Manchester), every step through `solnet publish` or the node's HTTP API, each on the node of the
group that does it, after what it refers to has reached that node.

Used by tests/integration/test_coordination_week.py (what Calais's API and `view regions` show) and
the browser tests of the overview (tests/browser/test_coordinator_desk.py).
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from local_cluster import Cluster, cli, holds, publish
from node.demo.localnet import LocalNode

GROUPS = [("Calais", "calais"), ("Brighton", "brighton"), ("Bristol", "bristol"), ("Cardiff", "cardiff"),
          ("Manchester", "manchester")]
ARABIC = "حقوقك عند الحدود"
FARSI = "راهنمای درخواست پناهندگی"
SPREAD_S = 30  # bound on an event crossing the line


def at(days: float, hour: int = 18) -> str:
    """A time `days` from today at `hour`:00 UTC, as RFC 3339 (the CLI and the API read it as is)."""
    day = datetime.now(timezone.utc).replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=days)
    return day.strftime("%Y-%m-%dT%H:%M:%SZ")


def api(node: LocalNode, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
    """(status, JSON) of a request to `node`'s HTTP API with its admin token (loopback, no proxy)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{node.port}{path}", method=method, data=json.dumps(body).encode() if body else None,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {node.admin_token()}"})
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with direct.open(request, timeout=20) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def api_publish(node: LocalNode, kind: str, **fields: str) -> bytes:
    status, body = api(node, "POST", "/api/v1/events", {"kind": kind, "fields": fields})
    assert status == 201, body
    return bytes.fromhex(body["event"]["id"])


@dataclass
class Week:
    """The nodes, by group name, and the ids of what was published, by label."""

    nodes: dict[str, LocalNode]
    ids: dict[str, bytes] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # label -> what the CLI said

    def hex(self, label: str) -> str:
        return self.ids[label].hex()


def _reaches(cluster: Cluster, week: Week, node: str, *labels: str) -> None:
    cluster.wait(lambda: all(holds(week.nodes[node], week.ids[label]) for label in labels), SPREAD_S,
                 f"{', '.join(labels)} on {node}'s node")


def _refused(week: Week, label: str, node: str, kind: str, **fields: str) -> None:
    args: list[str] = []
    for name, value in fields.items():
        args += ["--" + name.replace("_", "-"), value]
    proc = cli(week.nodes[node], "publish", kind, *args, ok=False)
    assert proc.returncode == 1, (label, proc.returncode, proc.stdout, proc.stderr)
    week.refused[label] = " ".join(proc.stderr.split())


def play_week(cluster: Cluster, nodes: list[LocalNode]) -> Week:
    """Publish the week on running nodes (one per group of GROUPS, in that order); returns it."""
    week = Week({n.name: n for n in nodes})
    ids, cal, bri, bst, car, man = week.ids, *nodes

    # Monday: Calais says what it needs, with units and urgency (CLI); the others what they can give.
    ids["tents"] = publish(cal, "need", category="tents", quantity=60, region="calais", urgency="high")
    ids["firewood"] = publish(cal, "need", category="firewood", quantity=6, unit="m3", region="calais",
                              urgency="high", notes="dry wood for the braziers")
    ids["bags"] = publish(cal, "need", category="sleeping bags", quantity=120, region="calais", urgency="medium")
    ids["credit"] = api_publish(cal, "need", category="sim_cards", quantity="200", unit="top_ups", region="calais")
    ids["brighton_tents"] = publish(bri, "offer", category="tents", quantity=25, region="brighton",
                                    notes="van to Calais on Saturday")
    ids["bristol_bags"] = api_publish(bst, "offer", category="sleeping_bags", quantity="40", region="bristol")
    ids["manchester_wood"] = publish(man, "offer", category="firewood", quantity=2, unit="m3", region="manchester")
    ids["cardiff_kit"] = api_publish(car, "need", category="sports_kit", quantity="15", unit="sets",
                                     region="cardiff", urgency="low")

    # Who can take whom.
    ids["bristol_housing"] = publish(bst, "support.offer", region="bristol", type="housing", capacity=3,
                                     languages="en,ar", notes="three host families")
    ids["cardiff_accompany"] = api_publish(car, "support.offer", region="cardiff", type="accompaniment",
                                           capacity="2", starts_at=at(3, 9))
    ids["manchester_ats"] = publish(man, "support.offer", region="manchester", type="activist trauma support",
                                    capacity=4)

    # The week ahead, across regions (published out of date order), and one beyond it.
    ids["bristol_vigil"] = publish(bst, "action", title="Vigil at College Green", region="bristol", type="protest",
                                   starts_at=at(3))
    ids["manchester_info"] = api_publish(man, "action", title="Info night: the new asylum rules",
                                         region="manchester", type="info_night", starts_at=at(1))
    ids["cardiff_picnic"] = publish(car, "action", title="Welcome picnic in Bute Park", region="cardiff",
                                    type="outreach", starts_at=at(5, 12))
    ids["brighton_collection"] = publish(bri, "action", title="Tent collection for Calais", region="brighton",
                                         type="distribution", starts_at=at(2, 10))
    ids["cardiff_later"] = publish(car, "action", title="Football tournament", region="cardiff", type="outreach",
                                   starts_at=at(10, 14))
    # What happened: Bristol's visit two days ago, and its report-back (people, outcome, a photo link).
    ids["bristol_visit"] = publish(bst, "action", title="Visit to people held at Colnbrook", region="bristol",
                                   type="detention visit", starts_at=at(-2, 14))
    ids["bristol_report"] = publish(bst, "action.report", action=week.hex("bristol_visit")[:12], people=6,
                                    outcome="Visited four people; one was released on bail the next day.",
                                    photos="https://example.org/bristol/visit-1.jpg")

    # Money: Calais reports what it raised (with cents); Brighton and Bristol pledge.
    ids["fund"] = publish(cal, "fundraiser", title="Winter tents", goal="5000", currency="EUR", region="calais")
    ids["raised"] = publish(cal, "fundraiser.update", fundraiser=week.hex("fund")[:12], raised="1870.50")
    _reaches(cluster, week, "Bristol", "fund", "tents", "firewood", "bags")
    _reaches(cluster, week, "Brighton", "fund", "tents")
    ids["pledge_brighton"] = publish(bri, "fundraiser.update", fundraiser=week.hex("fund"), pledge="250")
    ids["pledge_bristol"] = api_publish(bst, "fundraiser.update", fundraiser=week.hex("fund"), pledge="150.50")
    _refused(week, "raised_by_brighton", "Brighton", "fundraiser.update", fundraiser=week.hex("fund"), raised="900")

    # Support requests: one for Bristol's region, taken by Bristol; one in Calais, closed by Calais.
    ids["housing"] = publish(cal, "support.request", region="bristol", type="housing", people="3-5", urgency="high",
                             private="Family of four, arriving Friday (test data: no real person)", to="Bristol")
    ids["legal"] = publish(cal, "support.request", region="calais", type="legal information", people="1",
                           urgency="medium")
    _reaches(cluster, week, "Bristol", "housing")
    ids["housing_taken"] = publish(bst, "support.claim", request=week.hex("housing")[:12])
    _reaches(cluster, week, "Cardiff", "housing")
    _refused(week, "close_by_cardiff", "Cardiff", "support.close", request=week.hex("housing"), outcome="resolved")
    ids["legal_closed"] = publish(cal, "support.close", request=week.hex("legal"), outcome="resolved")

    # Needs and offers move: Brighton covers 20 tents from its offer; Manchester sends its wood;
    # Calais raises its sleeping-bag need after a cold night.
    ids["tents_from_brighton"] = publish(bri, "need.fulfil", need=week.hex("tents")[:12], quantity=20,
                                         offer=week.hex("brighton_tents")[:12], by="Brighton van")
    _refused(week, "over_offer", "Brighton", "need.fulfil", need=week.hex("tents"), quantity="10",
             offer=week.hex("brighton_tents"))
    _reaches(cluster, week, "Manchester", "firewood")
    ids["wood_from_manchester"] = api_publish(man, "need.fulfil", need=week.hex("firewood"), quantity="2",
                                              offer=week.hex("manchester_wood"))
    ids["bags_raised"] = publish(cal, "need.update", need=week.hex("bags")[:12], quantity=150,
                                 notes="30 more after Monday night")
    _refused(week, "over_need", "Bristol", "need.fulfil", need=week.hex("firewood"), quantity="7")

    # An alert in Calais, updated, then cleared; one in Manchester, still live.
    ids["raid"] = publish(cal, "alert", region="calais", type="raid", location="Rue des Huttes squat",
                          text="Police at the gate, tents being taken")
    ids["raid_update"] = api_publish(cal, "alert.update", alert=week.hex("raid"), status="update",
                                     text="Two vans left; one stays")
    ids["raid_clear"] = publish(cal, "alert.update", alert=week.hex("raid")[:12], status="all clear")
    ids["eviction"] = publish(man, "alert", region="manchester", type="eviction", location="Hotel on Oldham Road",
                              text="Residents told to pack by tonight")

    # Resources, in the languages of the people they are for.
    ids["rights_ar"] = publish(bst, "resource", title=ARABIC, languages="ar", topic="know your rights",
                               region="bristol", summary="لا يلزمك القانون بالإجابة دون محامٍ.",
                               link="https://example.org/rights-ar.pdf")
    ids["asylum_fa"] = api_publish(car, "resource", title=FARSI, languages="fa", topic="legal",
                                   summary="مراحل، مدارک لازم و حقوق شما", link="https://example.org/asylum-fa.pdf")
    cluster.wait(lambda: all(holds(cal, i) for i in ids.values()), SPREAD_S, "the whole week on Calais's node")
    return week
