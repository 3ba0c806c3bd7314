"""The coordinator's desk on real nodes: five groups in a line play a week (coordination_week.py) and
Calais, at one end, sees network-wide support at a glance, through its API and `solnet view regions
--json`: needs added up by goods and unit with what is missing, offers drawn down, who can take
whom, requests by urgency and who took them, the next 7 days soonest first, report-backs, money
raised beside pledges, alerts with their updates and all clear, resources in Arabic and Farsi.
Every refusal said who may do it, and nothing refused was stored anywhere."""
from __future__ import annotations

from coordination_week import ARABIC, FARSI, GROUPS, api, play_week
from local_cluster import Cluster, cli_json, query
from node.demo import localnet


def _timeless(region: dict) -> dict:
    """A desk's region without when each group was last heard from (each node heard at its own times)."""
    return {**region, "last_heard": None, "groups_heard": sorted(h["group"] for h in region["groups_heard"])}


def test_a_week_of_five_groups_at_a_glance_from_calais(cluster: Cluster) -> None:
    nodes = cluster.network(GROUPS)
    localnet.line(nodes)
    cluster.start_all(nodes)
    cluster.wait(lambda: cluster.converged(nodes), 40, "the five groups' profiles on every node")
    week = play_week(cluster, nodes)
    calais = nodes[0]

    # Refused, saying who may do it; stored nowhere.
    said = week.refused
    assert "only Calais, which runs that fundraiser, may say how much it has raised" in said["raised_by_brighton"]
    assert "only Calais, which made that support request, may close it" in said[
        "close_by_cardiff"]
    assert "that offer has 5 items left (20 of 25 already given): draw at most 5" in said["over_offer"]
    assert "fulfil at most" in said["over_need"]
    cluster.wait(lambda: cluster.converged(nodes), 30, "the same events on all five")
    kinds = [k for (k,) in query(calais, "SELECT kind FROM events WHERE kind IN ('fundraiser.update', "
                                         "'support.close', 'need.fulfil')")]
    assert sorted(kinds) == ["fundraiser.update"] * 3 + ["need.fulfil"] * 2 + ["support.close"]

    desk = {r["region"]: r for r in cli_json(calais, "view", "regions")}
    status, body = api(calais, "GET", "/api/v1/regions")
    assert status == 200 and isinstance(body["items"], list)
    # The API and the CLI say the same (the running node knows of a later sync than it last saved).
    assert {r["region"]: _timeless(r) for r in body["items"]} == {region: _timeless(r) for region, r in desk.items()}
    assert sorted(desk) == ["brighton", "bristol", "calais", "cardiff", "manchester"]
    assert all(r["last_heard"] is not None for r in desk.values())
    assert desk["calais"]["group_names"] == ["Calais"] and desk["bristol"]["group_names"] == ["Bristol"]

    # Sums: by goods and unit, the most urgent first, then what is still missing most.
    assert [(n["category"], n["unit"], n["quantity"], n["fulfilled"], n["missing"], n["urgency"])
            for n in desk["calais"]["needs"]] == [
        ("tents", "items", 60, 20, 40, "high"),
        ("firewood", "m3", 6, 2, 4, "high"),
        ("sleeping_bags", "items", 150, 0, 150, "medium"),
        ("sim_cards", "top_ups", 200, 0, 200, None)]
    assert desk["brighton"]["offers"] == [{"category": "tents", "unit": "items", "available": 5, "count": 1, "shared": 0}]
    assert desk["bristol"]["offers"] == [{"category": "sleeping_bags", "unit": "items", "available": 40, "count": 1, "shared": 0}]
    assert desk["manchester"]["offers"] == []  # its 2 m3 of wood went to Calais
    assert desk["cardiff"]["needs"][0]["category"] == "sports_kit" and desk["cardiff"]["needs"][0]["unit"] == "sets"

    # Who can take whom, beside the requests.
    assert [{**c, "by_group": [(b["group_name"], b["capacity"]) for b in c["by_group"]]}
            for c in desk["bristol"]["capacity"]] == [{"type": "housing", "capacity": 3, "offers": 1, "shared": 0,
                                                       "from": None, "by_group": [("Bristol", 3)]}]
    assert desk["manchester"]["capacity"][0]["type"] == "activist_trauma_support"
    [cardiff_places] = desk["cardiff"]["capacity"]
    assert cardiff_places["type"] == "accompaniment" and cardiff_places["from"] is not None  # from Thursday
    assert desk["bristol"]["requests"] == {"high": 1, "medium": 0, "low": 0, "open": 1, "taken": 1, "waiting": 0}
    assert desk["calais"]["requests"]["open"] == 0  # the legal one was closed: it drops out
    status, support = api(calais, "GET", "/api/v1/support")
    open_requests = [s for s in support["items"] if s["status"] != "closed"]
    [housing] = open_requests
    assert housing["id"] == week.hex("housing") and housing["private"] is True
    assert [(t["group_name"], t["since"] is not None) for t in housing["taken"]] == [("Bristol", True)]
    assert housing["can_go"][0]["id"] == week.hex("bristol_housing") and housing["age_hours"] == 0

    # The next 7 days, soonest first, across regions; the tournament in 10 days is later.
    status, timeline = api(calais, "GET", "/api/v1/timeline")
    assert [a["id"] for a in timeline["items"]] == [week.hex(k) for k in (
        "manchester_info", "brighton_collection", "bristol_vigil", "cardiff_picnic")]
    actions = cli_json(calais, "view", "actions")
    assert [a["starts_at"] for a in actions] == sorted(a["starts_at"] for a in actions)
    assert actions[-1]["id"] == week.hex("cardiff_later")
    assert desk["bristol"]["next_action"]["id"] == week.hex("bristol_vigil")
    assert desk["cardiff"]["next_action"]["id"] == week.hex("cardiff_picnic") and desk["cardiff"]["actions_this_week"] == 1

    # What happened.
    [visit] = [a for a in cli_json(calais, "view", "past-actions") if a["id"] == week.hex("bristol_visit")]
    assert visit["type"] == "detention_visit" and visit["people"] == 6 and visit["group_name"] == "Bristol"
    assert visit["reports"][0]["photos"] == ["https://example.org/bristol/visit-1.jpg"]

    # Money: major units typed with cents, pledges beside what was raised.
    assert desk["calais"]["funds"] == [{"currency": "EUR", "raised": 187050, "pledged": 40050, "goal": 500000,
                                        "count": 1, "shared": 0, "progress": 37, "declined": 0,
                                        "pledged_declined": 0, "pledges_gone": 0, "pledged_gone": 0}]

    # Alerts: Manchester's live one; Calais's cleared, in the history with its update, its case kept.
    status, alerts = api(calais, "GET", "/api/v1/alerts")
    assert [(a["region"], a["group_name"], a["location"]) for a in alerts["items"]] == [
        ("manchester", "Manchester", "Hotel on Oldham Road")]
    assert desk["manchester"]["alerts"] == 1 and desk["calais"]["alerts"] == 0
    [raid] = cli_json(calais, "view", "alert-history", "--region", "calais")
    assert raid["status"] == "all_clear" and raid["location"] == "Rue des Huttes squat"
    assert [(u["status"], u["text"]) for u in raid["updates"]] == [("update", "Two vans left; one stays"),
                                                                    ("all_clear", None)]

    # Resources, right-to-left scripts stored as typed.
    titles = {r["title"]: r for r in cli_json(calais, "view", "resources")}
    assert titles[ARABIC]["languages"] == ["ar"] and titles[FARSI]["region"] is None

    # The far end of the line sees the same desk (a function of the events, not of where one stands).
    far = {r["region"]: _timeless(r) for r in cli_json(nodes[-1], "view", "regions")}
    assert far == {region: _timeless(r) for region, r in desk.items()}
