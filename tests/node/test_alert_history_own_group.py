"""The alert history counts an alert's updates and all clears from its own group only, in every view
and arrival order: while the alert is live (in a view of another region too), after it expired and
after its group redacted it. An infiltrating member group signed, by hand, an all clear on Calais's
raid alert naming another region ("dover"): `view alert-history --region dover` and the Dover
dashboard page showed Calais's raid as "ALL CLEAR – False alarm, safe to return"; once the alert
expired or was redacted, its history became the infiltrator's words (and Calais's own later update
was cut off after that first all clear)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest
from crypto.keys import SigningKey

from events.format import Event
from node import render
from node.dashboard import pages
from node.log import EventLog, now_ms
from node.views import view
from node_fixtures import Author, Net, wires

HOUR = 3_600_000


@dataclass
class Raid:
    """Calais's raid alert, the infiltrator's all clear on it, and Calais's own later update."""

    setup: list[Event]
    alert: Event
    fake: Event
    genuine: Event
    calais: bytes
    now: int
    expires: int


def raid(net: Net) -> Raid:
    infiltrator = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(infiltrator.key.public), "role": "group"})
    infiltrator.sign("group.profile", {"name": "Dover Friends", "region": "dover"})
    phone = net.device_of(infiltrator)
    calais_phone = net.device_of(net.group)  # another device of Calais: each event has its own chain
    now = now_ms()
    expires = now + HOUR
    alert = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "Police raid at the Rue X camp"},
                            ts=now - 10_000, expires=expires)
    fake = phone.sign("alert.update", {"alert": alert.id, "status": "all_clear", "text": "False alarm, safe to return",
                                       "region": "dover", "type": "other"}, ts=now - 9_000)
    genuine = calais_phone.sign("alert.update", {"alert": alert.id, "status": "update", "text": "Still ongoing, 6 vans",
                                             "region": "calais", "type": "raid"}, ts=now - 5_000)
    setup = net.group.made + infiltrator.made
    return Raid(setup, alert, fake, genuine, bytes(net.group.key.public), now, expires)


def ingested(net: Net, path: Path, r: Raid, order: tuple[Event, ...]) -> EventLog:
    """A node that received the setup, then `order` one event at a time (as peers deliver them)."""
    log = net.new_log(path)
    log.ingest(wires(r.setup))
    for ev in order:
        log.ingest(wires([ev]))  # (one that comes before its author's earlier event waits for it)
    assert set(log.store.known([ev.id for ev in order])) == {ev.id for ev in order}
    return log


def stories(log: EventLog, now: int) -> dict[str | None, list[dict]]:
    """Every history the node shows: the whole network's, each region's (CLI and API `--region`),
    and the dashboard pages' (which list those that are no longer live)."""
    shown = {region: view(log, "alert-history", region=region, now=now) for region in (None, "calais", "dover")}
    for region in (None, "calais", "dover"):
        shown[f"page {region}"] = pages.overview(log, region, now)["history"]["items"]
    return shown


def told(story: dict) -> tuple:
    return (story["alert"], story["group"], story["region"], story["type"], story["status"], story["latest"],
            [(u["status"], u["text"], u["group"]) for u in story["updates"]])


ORDERS = list(itertools.permutations(range(3)))


@pytest.mark.parametrize("order", ORDERS)
def test_another_groups_all_clear_counts_nowhere_while_the_alert_is_live(net: Net, tmp_path: Path, order) -> None:
    r = raid(net)
    log = ingested(net, tmp_path / "a.db", r, tuple((r.alert, r.fake, r.genuine)[i] for i in order))
    shown = stories(log, r.now)
    expected = (r.alert.id, r.calais, "calais", "raid", "live", "Still ongoing, 6 vans",
                [("update", "Still ongoing, 6 vans", r.calais)])
    assert [told(s) for s in shown[None]] == [expected] == [told(s) for s in shown["calais"]]
    assert shown["dover"] == [], "Calais's alert is not Dover's, whatever the infiltrator's update says"
    assert shown["page None"] == shown["page calais"] == shown["page dover"] == []  # live: in the banner


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("ended", ["expired", "redacted"])
def test_once_the_alert_is_gone_its_story_is_still_its_own_groups(net: Net, tmp_path: Path, order, ended) -> None:
    """The alert's body is gone (expired, or redacted by Calais); its header says who posted it."""
    r = raid(net)
    log = ingested(net, tmp_path / "a.db", r, tuple((r.alert, r.fake, r.genuine)[i] for i in order))
    if ended == "expired":
        now = r.expires + 60_000
        assert log.purge_expired(now) == 1
    else:
        now = r.now
        log.ingest(wires([net.device.sign("redact", {"ids": [r.alert.id]})]))
    assert log.store.event_row(r.alert.id).body is None, "its body is gone, its header stays"
    shown = stories(log, now)
    # expired: said so, not "live" (the update outlives it by a week); redacted while it lasts: live
    expected = (r.alert.id, r.calais, "calais", "raid", "expired" if ended == "expired" else "live",
                "Still ongoing, 6 vans", [("update", "Still ongoing, 6 vans", r.calais)])
    assert [told(s) for s in shown[None]] == [expected] == [told(s) for s in shown["calais"]]
    assert shown["dover"] == [] and shown["page dover"] == []
    # the page's history lists the alerts that ended with an all clear (its script reads one there as cleared)
    assert shown["page None"] == shown["page calais"] == []
    line = render.view_line("alert-history", shown[None][0], {})
    assert line.startswith("EXPIRED " if ended == "expired" else "LIVE "), line


def test_updates_of_an_alert_this_node_does_not_hold_tell_no_story(net: Net, tmp_path: Path) -> None:
    """Before the alert arrives (or on a node that never held it), nobody can tell its own group's
    updates from another group's words put on it: no story, rather than one attributed to whoever
    signed first. Once the alert arrives, its own story."""
    r = raid(net)
    log = ingested(net, tmp_path / "a.db", r, (r.fake, r.genuine))
    assert all(found == [] for found in stories(log, r.now).values())
    log.ingest(wires([r.alert]))
    assert [s["latest"] for s in view(log, "alert-history", now=r.now)] == ["Still ongoing, 6 vans"]


def test_a_genuine_all_clear_still_tells_the_story_after_expiry(net: Net, tmp_path: Path) -> None:
    """What the history is for: Calais's all clear keeps the alert's region, type and times once the
    alert expired, on every view and on the page; the infiltrator's words stay out."""
    r = raid(net)
    clear = net.device.sign("alert.update", {"alert": r.alert.id, "status": "all_clear", "text": "Police gone",
                                             "region": "calais", "type": "raid"}, ts=r.now - 1_000)
    log = ingested(net, tmp_path / "a.db", r, (r.fake, r.genuine, clear, r.alert))
    now = r.expires + 60_000
    log.purge_expired(now)
    shown = stories(log, now)
    for where in (None, "calais", "page None", "page calais"):
        (story,) = shown[where]
        assert (story["group"], story["region"], story["status"], story["latest"]) == (
            r.calais, "calais", "all_clear", "Police gone"), where
        assert [u["text"] for u in story["updates"]] == ["Still ongoing, 6 vans", "Police gone"]
    assert shown["dover"] == shown["page dover"] == []


def test_an_all_clear_stamped_back_past_the_week_is_in_the_history_of_the_alert_it_ended(net: Net,
                                                                                         tmp_path: Path) -> None:
    """A seized phone of Calais clears Calais's live raid alert with an all clear stamped eight days
    back (a stamp is its author's word). The alert left the live alerts, and the history, where a
    coordinator looks for who ended it, showed it live, without that all clear."""
    r = raid(net)
    phone = net.device_of(net.group)
    cleared = phone.sign("alert.update", {"alert": r.alert.id, "status": "all_clear", "text": "Gone, come back",
                                          "region": "calais", "type": "raid"}, ts=r.now - 8 * 24 * HOUR)
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires([*r.setup, net.group.made[-1], r.alert, cleared]))  # (the phone's vouch: the group's last)
    assert view(log, "alerts", now=r.now) == []
    for region in (None, "calais"):
        [story] = view(log, "alert-history", region=region, now=r.now)
        assert (story["status"], [u["id"] for u in story["updates"]]) == ("all_clear", [cleared.id])
    shown = stories(log, r.now)  # the dashboard's pages too
    assert [(s["status"], s["cleared_at"]) for s in shown["page None"]] == [("all_clear", cleared.header.timestamp)]
