"""Read models as a node serves them: from its store, combined by the pure read-model functions."""
from __future__ import annotations

from pathlib import Path

from node_fixtures import Net, action, wires
from node.log import now_ms
from node.views import VIEWS, view


def test_views_combine_events_from_several_groups(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    now = now_ms()
    other = net.device_of(net.group)
    fund = net.device.sign("fundraiser", {"title": "Tents", "goal": 100_000, "currency": "EUR", "region": "calais"})
    need = net.device.sign("need", {"category": "tents", "quantity": 10, "region": "calais"})
    req = net.device.sign("support.request", {"region": "dover", "type": "housing", "people": "2", "urgency": "high"})
    events = net.group.made + [
        net.device.sign("action", action(1, "calais")),
        net.device.sign("action", action(2, "dover")),
        net.device.sign("action", {**action(3), "starts_at": now - 10 * 86_400_000}),  # long past
        fund, need, req,
        net.device.sign("fundraiser.update", {"fundraiser": fund.id, "raised": 25_000}),
        other.sign("fundraiser.update", {"fundraiser": fund.id, "pledge": 5_000}),
        other.sign("need.fulfil", {"need": need.id, "quantity": 4}),
        other.sign("support.claim", {"request": req.id}),
        net.device.sign("alert", {"region": "calais", "type": "raid", "text": "now"}, expires=now + 3_600_000),
    ]
    log.ingest(wires(events))
    actions = view(log, "actions", now=now)
    assert sorted((a["region"], a["title"]) for a in actions) == [("calais", "Action 1"), ("dover", "Action 2")]
    assert [a["starts_at"] for a in actions] == sorted(a["starts_at"] for a in actions)  # in date order
    assert [a["region"] for a in view(log, "actions", region="dover", now=now)] == ["dover"]
    assert {a["group_name"] for a in actions} == {"Calais"}  # groups by name
    [f] = view(log, "fundraisers", now=now)
    # (`other` is a second device of the fundraiser's own group: its pledge is said apart, not as others')
    assert (f["raised"], f["pledged"], f["pledged_own"], f["progress"]) == (25_000, 0, 5_000, 25)
    [n] = view(log, "needs", now=now)
    assert (n["fulfilled"], n["remaining"]) == (4, 6)
    [s] = view(log, "support", now=now)
    assert s["status"] == "claimed"
    [a] = view(log, "alerts", now=now)
    assert a["text"] == "now" and a["expires"] == now + 3_600_000
    assert view(log, "alerts", now=now + 2 * 3_600_000) == []
    [g] = view(log, "groups", now=now)
    assert (g["name"], g["devices"]) == ("Calais", 2)


def test_every_view_is_identical_on_two_nodes_holding_the_same_events(net: Net, tmp_path: Path) -> None:
    events = net.group.made + [net.device.sign("action", action(i)) for i in range(5)]
    a, b = net.new_log(tmp_path / "a.db"), net.new_log(tmp_path / "b.db")
    a.ingest(wires(events))
    b.ingest(wires(list(reversed(events))))
    now = now_ms()
    for name in VIEWS:
        assert view(a, name, now=now) == view(b, name, now=now), name


def test_the_groups_view_shows_who_revoked_a_device_when_and_from_which_seq(net: Net, tmp_path: Path) -> None:
    """The dashboard and `solnet view groups` read revocations from this read model."""
    log = net.new_log(tmp_path / "a.db")
    other = net.device_of(net.group)
    log.ingest(wires(net.group.made))
    revoke = log.append(net.founder.group, "member.revoke",
                        {"subject": bytes(other.key.public), "from_seq": 3, "reason": "phone stolen"})
    [g] = view(log, "groups")
    assert (g["devices"], g["active_devices"], g["revoked_from"], g["revoked_by"]) == (2, 1, None, None)
    [revoked] = [d for d in g["device_list"] if d["id"] == bytes(other.key.public)]
    assert revoked == {"id": bytes(other.key.public), "revoked_from": 3, "revoked_by": bytes(net.founder.group.public),
                       "revoked_at": revoke.header.timestamp, "revoked_reason": "phone stolen", "forked": False,
                       "name": None}  # its group gave it no name when certifying it
    assert g["device_list"][-1] == revoked  # revoked devices listed last


def test_a_view_as_json_has_iso_times_and_hex_ids_at_every_depth() -> None:
    from collections import OrderedDict

    from node.render import view_json
    day = 1_800_000_000_000
    data = [{"id": b"\x01\x02", "until": day, "capacity": 3, "starts_at": None, "urgent": True, "share": 0.5,
             "can_go": [{"id": b"\xff", "until": day + 1000, "group_name": None}],
             "taken": [{"group": b"\x0a", "since": day}], "tags": ["a", b"\x0b"],
             "nested": OrderedDict(ts=day, raw=b"\x0c", more={"expires": day})}]
    assert view_json(data) == [{
        "id": "0102", "until": "2027-01-15T08:00:00Z", "capacity": 3, "starts_at": None, "urgent": True, "share": 0.5,
        "can_go": [{"id": "ff", "until": "2027-01-15T08:00:01Z", "group_name": None}],
        "taken": [{"group": "0a", "since": "2027-01-15T08:00:00Z"}], "tags": ["a", "0b"],
        "nested": {"ts": "2027-01-15T08:00:00Z", "raw": "0c", "more": {"expires": "2027-01-15T08:00:00Z"}}}]


def test_an_event_row_shows_its_fields_with_iso_times_and_none_for_a_body_it_cannot_read() -> None:
    from events.canonical import pack
    from node.render import event_fields, public_fields
    row = (b"\x01" * 32, b"\x02" * 32, 1, 0, "support.offer", None, b"", b"", None, 0)
    body = pack({"region": "calais", "type": "housing", "capacity": 2, "until": 1_800_000_000_000})
    fields = event_fields(row[:8] + (body,) + row[9:])
    assert public_fields("support.offer", fields) == {"capacity": 2, "region": "calais", "type": "housing",
                                                      "until": "2027-01-15T08:00:00Z"}
    for unreadable in (b"\xc1", b"\x93\x01\x02\x03", b"\x81", None):  # not msgpack, a list, cut short, no body
        assert event_fields(row[:8] + (unreadable,) + row[9:]) is None
    assert event_fields(row[:4] + ("no.such.kind",) + row[5:8] + (body,) + row[9:]) is None
    assert public_fields("support.request", {"sealed": b"\x00" * 8, "people": "2", "ids": [b"\x0a"]}) == {
        "has_private": True, "people": "2", "ids": ["0a"]}


def test_a_member_flooding_alerts_hides_no_other_groups_alert_on_the_overview(net: Net, tmp_path: Path) -> None:
    """One member posts 150 alerts after another group's raid alert (an infiltrator, a broken
    script): the overview's banner still shows that alert, at most 10 of the flood, and says that
    the flooding group has more; the API's and the CLI's alerts list it too."""
    from crypto.keys import SigningKey
    from node.dashboard import pages
    from node_fixtures import Author, device_vouch

    bristol = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(bristol.key.public), "role": "group"})
    bristol.sign("group.profile", {"name": "Bristol", "region": "bristol"})
    flooder = net.device_of(bristol)
    now = now_ms()
    genuine = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "Police at the camp"},
                              ts=now - 60_000, expires=now + 3_600_000)
    flood = [flooder.sign("alert", {"region": "calais", "type": "raid", "text": f"Fake {i}"}, ts=now - 50_000 + i,
                          expires=now + 3_600_000) for i in range(150)]
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made + [genuine]))
    log.ingest(wires(flood))

    page = pages.overview(log, None, now)
    shown = [a["id"] for a in page["alerts"]]
    assert genuine.id in shown
    assert len(shown) == 1 + pages.ALERTS_PER_GROUP
    assert shown[:-1] == [e.id for e in reversed(flood)][:pages.ALERTS_PER_GROUP], "the flood's newest, newest first"
    assert page["alerts_crowded"] == [bytes(bristol.key.public)]
    # The API's and the CLI's list (bots passing alerts on): the genuine alert too, within the limit.
    for limit, per_group in ((100, 10), (20, 2), (5, 1)):
        listed = [a["id"] for a in view(log, "alerts", now=now, limit=limit)]
        assert listed == [e.id for e in reversed(flood)][:per_group] + [genuine.id], limit
    for limit in (500, None):  # room for every live alert: all of them
        assert [a["id"] for a in view(log, "alerts", now=now, limit=limit)] == [e.id for e in reversed(flood)] + [genuine.id]

    quiet = pages.overview(log, "bristol", now)  # a region without them: nothing crowded
    assert quiet["alerts"] == [] and quiet["alerts_crowded"] == []


def test_a_busy_day_under_the_flood_mark_shows_every_live_alert(net: Net, tmp_path: Path) -> None:
    """Fewer live alerts than the banner reads (a day of raids at many camps, not a flood): all of
    them, none held back for being many of one group."""
    from node.dashboard import pages

    now = now_ms()
    many = [net.device.sign("alert", {"region": "calais", "type": "raid", "text": f"Camp {i}"}, ts=now - 1000 + i,
                            expires=now + 3_600_000) for i in range(pages.ALERTS_PER_GROUP + 5)]
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + net.device.made))
    page = pages.overview(log, None, now)
    assert [a["id"] for a in page["alerts"]] == [e.id for e in reversed(many)] and page["alerts_crowded"] == []
