"""An action's own group moves or cancels it (action.update): the newest of its group's updates wins
by (timestamp, id) whatever order they arrive in; another group's (a mole's) is refused at publish
and counts for nothing from a peer; a cancelled action stays in the lists, said CANCELLED, until it
would have ended, and is never the desk's next action; an action for chosen groups is updated for
the same groups; a database of the previous schema that stored updates before it knew the kind
shows them once upgraded."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from events.projections import ACTION_UPDATE, TABLES
from node import publishing
from node.audience import Opener, opened_rows
from node.log import EventLog, now_ms
from node.render import state_text, view_line
from node.views import Held, action_item
from node.store import Store
from node_fixtures import Author, Net, as_schema, wires
from test_audiences import _group, _spread, _three

HOUR = 3_600_000
NOW = now_ms()
START = NOW + 24 * HOUR


def _calais_and_a_mole(net: Net) -> tuple[Author, Author, list]:
    """Calais's second device, and a device of Bristol (admitted by Calais), with their vouches."""
    second = net.device_of(net.group)
    bristol, keys = _group(net, "Bristol")
    return second, Author(keys.device, net.genesis.network_id), [*net.group.made, *bristol.made]


def _history(net: Net):
    second, mole, membership = _calais_and_a_mole(net)
    action = net.device.sign("action", {"title": "Demo at the port", "region": "calais", "type": "protest",
                                        "starts_at": START, "ends_at": START + 2 * HOUR, "place": "Town hall"},
                             ts=NOW - 10)
    ref = action.id
    moved = net.device.sign("action.update", {"action": ref, "starts_at": START + 24 * HOUR, "place": "Parc Richelieu"},
                            ts=NOW - 5)
    cancelled = second.sign("action.update", {"action": ref, "status": "cancelled", "note": "police ban"}, ts=NOW - 3)
    # a mole of another group says it is on after all, and moves it back: later, counts for nothing
    mole_on = mole.sign("action.update", {"action": ref, "status": "on"}, ts=NOW - 1)
    mole_move = mole.sign("action.update", {"action": ref, "starts_at": START, "place": "A trap"}, ts=NOW - 1)
    return membership, [action, moved, cancelled, mole_on, mole_move], ref


def _check_cancelled(log: EventLog, ref: bytes) -> None:
    [item] = log_view(log, "actions")
    assert item["id"] == ref and item["status"] == "cancelled" and item["note"] == "police ban"
    assert item["starts_at"] == START + 24 * HOUR and item["ends_at"] == START + 26 * HOUR  # moved, end with it
    assert item["place"] == "Parc Richelieu"
    assert item["moved_from"] == {"starts_at": START, "place": "Town hall"}
    assert [a["id"] for a in log_view(log, "timeline")] == [ref]
    [desk] = [r for r in log_view(log, "regions") if r["region"] == "calais"]
    assert desk["next_action"] is None and desk["actions_this_week"] == 0  # never counted as upcoming
    line = view_line("actions", log_view(log, "actions")[0], {})
    assert "CANCELLED by its group (was " in line and ", at Town hall; moved to Parc Richelieu): police ban" in line, line  # moved first


def log_view(log: EventLog, name: str, now: int = NOW) -> list:
    from node.views import view
    return view(log, name, now=now)


def test_the_groups_newest_update_wins_in_every_arrival_order_and_a_moles_counts_for_nothing(net: Net, tmp_path: Path):
    membership, events, ref = _history(net)
    orders = [events, events[::-1]] + [random.Random(seed).sample(events, len(events)) for seed in range(6)]
    dumps = []
    for i, order in enumerate(orders):
        log = net.new_log(tmp_path / f"{i}.db")
        log.ingest(wires(membership))
        for ev in order:  # one by one: each arrival its own write
            log.ingest(wires([ev]))
        _check_cancelled(log, ref)
        dumps.append(log.store.projection_dump())
        log.rebuild()
        assert log.store.projection_dump() == dumps[-1]
        log.store.close()
    assert all(d == dumps[0] for d in dumps)


def test_a_cancelled_action_leaves_the_lists_when_it_would_have_ended(net: Net, tmp_path: Path):
    membership, events, ref = _history(net)
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(membership + events))
    after = START + 27 * HOUR  # past its moved end
    assert log_view(log, "actions", after) == []
    [past] = log_view(log, "past-actions", after)
    assert past["status"] == "cancelled"
    assert "CANCELLED by its group (police ban)" in view_line("past-actions", past, {})


def test_a_mole_is_refused_at_publish_and_the_group_may_move_it_back_on(net: Net, tmp_path: Path):
    (calais, bristol, _), keys, _ = _three(net, tmp_path)
    texts = {"title": "Vigil", "region": "calais", "type": "protest", "starts_at": "2031-06-01T18:00",
             "ends_at": "2031-06-01T20:00"}
    action = publishing.publish(calais, keys[0], "action", texts)
    _spread(calais, bristol)
    with pytest.raises(publishing.PublishError) as refused:
        publishing.publish(bristol, keys[1], "action.update", {"action": action.id.hex(), "status": "cancelled"})
    assert "only Calais, the group that posted that action, may move or cancel it" in str(refused.value)
    with pytest.raises(publishing.PublishError) as early_end:  # checked like the action's own fields
        publishing.publish(calais, keys[0], "action.update", {"action": action.id.hex(), "ends_at": "2031-06-01T12:00"})
    assert "before the action's start" in str(early_end.value)
    now = 1_900_000_000_000  # (2030: before the action)
    publishing.publish(calais, keys[0], "action.update", {"action": action.id.hex(), "status": "cancelled"})
    assert log_view(calais, "actions", now)[0]["status"] == "cancelled"
    publishing.publish(calais, keys[0], "action.update", {"action": action.id.hex(), "status": "on",
                                                          "place": "Place d'Armes"})
    [item] = log_view(calais, "actions", now)
    assert item["status"] == "on" and item["place"] == "Place d'Armes"
    assert "MOVED to Place d'Armes (was no place given)" in view_line("actions", item, {})
    shown = state_text("action", action_item(Held(calais.store, calais.trust), action.id))  # `solnet show`
    assert shown.startswith("MOVED to Place d'Armes") and "now 2031-06-01 18:00 UTC until" in shown, shown


def test_an_action_for_chosen_groups_is_cancelled_for_the_same_groups(net: Net, tmp_path: Path):
    (calais, bristol, cardiff), keys, _ = _three(net, tmp_path)
    texts = {"title": "Blockade", "region": "calais", "type": "direct_action", "starts_at": "2031-06-01T05:00"}
    action = publishing.publish(calais, keys[0], "action", texts, to=["Bristol"])
    with pytest.raises(publishing.PublishError) as in_the_clear:
        publishing.publish(calais, keys[0], "action.update", {"action": action.id.hex(), "status": "cancelled"})
    assert "publish this one for the same groups" in str(in_the_clear.value)
    update = publishing.publish(calais, keys[0], "action.update", {"action": action.id.hex(), "status": "cancelled"},
                                to=["Bristol"])
    assert b"cancelled" not in update.encode()
    _spread(calais, bristol, cardiff)
    now = 1_900_000_000_000
    for log, key, reads in ((calais, keys[0], True), (bristol, keys[1], True), (cardiff, keys[2], False)):
        from node.views import view
        items = view(log, "actions", now=now, opened=opened_rows(log, Opener(key.device_encryption)))
        assert [i["status"] for i in items] == (["cancelled"] if reads else [])


def test_updates_stored_by_the_previous_schema_count_once_upgraded(net: Net, tmp_path: Path):
    """A node of schema 13 stored action.update events from a newer peer as a kind it did not know
    (no read-model row): upgraded, it shows the action cancelled."""
    membership, events, ref = _history(net)
    path = tmp_path / "old.db"
    log = net.new_log(path)
    log.ingest(wires(membership + events))
    log.store.close()
    as_schema(path, 13, f"DELETE FROM proj WHERE tbl={TABLES.index(ACTION_UPDATE)}")
    old = EventLog(Store(path))
    _check_cancelled(old, ref)
    assert old.store.get_meta("project_kinds") == b""  # projected once: not again at the next opening
    old.store.close()
    again = EventLog(Store(path))
    _check_cancelled(again, ref)
    again.store.close()


def test_the_public_calendar_and_feed_say_a_cancelled_action_is_cancelled(net: Net, tmp_path: Path):
    """A calendar app that added the action strikes it out (STATUS:CANCELLED); the feed says it."""
    from node.public_site import actions_atom, actions_ics, public_data

    membership, events, ref = _history(net)
    opted = net.group.sign("group.profile", {"name": "Calais", "region": "calais", "public_feeds": "yes"})
    log = net.new_log(tmp_path / "p.db")
    log.ingest(wires([*membership, opted, *events]))
    data = public_data(log, NOW)
    calendar = actions_ics(data).decode()
    assert "STATUS:CANCELLED" in calendar and "SUMMARY:CANCELLED — Calais: Demo at the port" in calendar, calendar
    assert "Parc Richelieu" in calendar  # where it moved to
    feed = actions_atom(data).decode()
    assert "CANCELLED — Calais: Demo at the port" in feed and "police ban" in feed, feed


@pytest.mark.parametrize(("lang", "said", "colon"), [("en", "CANCELLED by its group", ":"),
                                                     ("fr", "ANNULÉE par son groupe", "\u202f:")])
def test_the_public_page_says_a_cancelled_action_is_cancelled(net: Net, tmp_path: Path, lang: str, said: str,
                                                             colon: str):
    from node.dashboard.app import STATIC_LINKS, render_public
    from node.public_site import public_data

    membership, events, _ = _history(net)
    opted = net.group.sign("group.profile", {"name": "Calais", "region": "calais", "public_feeds": "yes"})
    log = net.new_log(tmp_path / "p.db")
    log.ingest(wires([*membership, opted, *events]))
    page = render_public(public_data(log, NOW), lang, STATIC_LINKS)
    # (each group text isolated: test_public_page_marks_group_texts.py)
    assert f"{said}</strong> <bdi>Calais</bdi>{colon} <strong><bdi>Demo at the port</bdi></strong> (<bdi>police ban</bdi>)" in page, page
