"""node.alert_feed.new_alerts over a real store: alerts and their updates, as hooks and the alert
stream get them. An update or all clear counts only from the group that posted the alert (the rule
every view follows), and only once the alert is held."""
from __future__ import annotations

from pathlib import Path

from crypto.keys import SigningKey
from node.alert_feed import QUEUE, Subscription, new_alerts
from node.log import now_ms
from node.render import iso
from node_fixtures import Author, Net, device_vouch

HOUR_MS = 3_600_000
ALERT = {"region": "calais", "type": "raid", "text": "Police at the canal camp", "location": "Loon-Plage"}


def other_group(net: Net, name: str) -> tuple[Author, Author]:
    group = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"})
    device = Author(SigningKey.generate(), net.genesis.network_id)
    group.sign("member.vouch", device_vouch(group.key, device.key, bytes(32)))
    group.sign("group.profile", {"name": name, "region": name.lower()})
    return group, device


def test_updates_and_all_clears_follow_the_alert_and_only_from_its_group(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "db.sqlite")
    dover, dover_device = other_group(net, "Dover")
    second = net.device_of(net.group)  # another device of Calais, the posting group
    expires = now_ms() + HOUR_MS
    alert = net.device.sign("alert", ALERT, expires=expires)
    foreign = dover_device.sign("alert.update", {"alert": alert.id, "status": "all_clear"}, expires=expires)
    update = second.sign("alert.update", {"alert": alert.id, "status": "update", "text": "Moved to the beach"},
                         expires=expires)
    clear = net.device.sign("alert.update", {"alert": alert.id, "status": "all_clear"}, expires=expires)
    # The updates arrive first: none is handed on before its alert is held here.
    log.ingest([e.encode() for e in net.group.made + dover.made])
    log.ingest([foreign.encode(), update.encode()])
    last, got = new_alerts(log, 0, now_ms())
    assert got == []
    log.ingest([alert.encode(), clear.encode()])
    _, got = new_alerts(log, last, now_ms())
    # The update that came first is handed on right after its alert, as if they had come in order.
    assert [(a["id"], a.get("status")) for a in got] == [
        (alert.id.hex(), None), (update.id.hex(), "update"), (clear.id.hex(), "all_clear")]
    everything = new_alerts(log, 0, now_ms())[1]  # read from the start: the same, each once
    assert everything == got
    for limit in (1, 2, 3):  # read in small batches: still each once, in the same order
        after, pieces = 0, []
        for _ in range(20):  # bounded: there are fewer than 20 rows
            read_to, more = new_alerts(log, after, now_ms(), limit=limit)
            if read_to == after:
                break
            after, pieces = read_to, pieces + more
        assert pieces == got
    moved, cleared = got[1], got[2]
    assert moved["alert"] == alert.id.hex() and moved["text"] == "Moved to the beach"
    assert moved["region"] == "calais" and moved["type"] == "raid" and moved["location"] == "Loon-Plage"
    assert moved["group_name"] == "Calais" and cleared["text"] == "all clear"
    assert foreign.id.hex() not in {a["id"] for a in everything}  # Dover may not clear Calais's alert


def test_an_update_says_when_its_alert_ends_not_when_the_update_expires(net: Net, tmp_path: Path) -> None:
    """A hook's "UPDATE ... until ..." (the README's recipes print `expires`) gave the update's own
    expiry, a week by default, for an alert that ends in 6 hours: an SMS said the raid alert ran
    until next week."""
    log = net.new_log(tmp_path / "db.sqlite")
    log.ingest([e.encode() for e in net.group.made])
    ends = now_ms() + 6 * HOUR_MS
    alert = net.device.sign("alert", ALERT, expires=ends)
    update = net.device.sign("alert.update", {"alert": alert.id, "status": "update", "text": "Also at the station"},
                             expires=now_ms() + 7 * 24 * HOUR_MS)
    log.ingest([alert.encode(), update.encode()])
    posted, moved = new_alerts(log, 0, now_ms())[1]
    assert moved["id"] == update.id.hex() and moved["expires"] == posted["expires"] == iso(ends)


def test_rows_after_the_last_alert_are_read_past_so_the_feed_goes_idle(net: Net, tmp_path: Path) -> None:
    """The feed waits for rows after the last one it read. Told "read up to the alert" while a need
    was stored after it, it was woken at once at every wait: a core kept busy until the next alert."""
    log = net.new_log(tmp_path / "db.sqlite")
    log.ingest([e.encode() for e in net.group.made])
    alert = net.device.sign("alert", ALERT, expires=now_ms() + HOUR_MS)
    need = net.device.sign("need", {"category": "water", "quantity": 40, "region": "calais"})
    log.ingest([alert.encode(), need.encode()])
    read_to, got = new_alerts(log, 0, now_ms())
    assert [a["id"] for a in got] == [alert.id.hex()]
    assert read_to == log.store.last_n() == log.store.event_n(need.id)  # past the need: nothing left to look at
    assert new_alerts(log, read_to, now_ms()) == (read_to, [])
    more = net.device.sign("need", {"category": "food", "quantity": 5, "region": "calais"})
    log.ingest([more.encode()])  # only rows that are no alerts since
    assert new_alerts(log, read_to, now_ms()) == (log.store.last_n(), [])


def test_a_full_subscription_drops_the_crowding_groups_alerts_not_another_groups() -> None:
    """A reader that does not keep up (an SMS gateway down) while one member floods alerts: what
    goes to make room is the flooding group's oldest, so another group's alert that came in between
    still reaches it."""
    sub = Subscription(frozenset())
    flood = [{"id": f"{i:064x}", "group": "aa" * 32, "region": "calais"} for i in range(QUEUE + 250)]
    genuine = {"id": "ff" * 32, "group": "bb" * 32, "region": "calais"}
    for alert in flood[:10]:
        sub.offer(alert)
    sub.offer(genuine)
    for alert in flood[10:]:
        sub.offer(alert)
    waiting = [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]
    assert len(waiting) == QUEUE and sub.dropped == len(flood) + 1 - QUEUE
    assert waiting[0] == genuine, "the other group's alert stays, and first"
    assert waiting[1:] == flood[-(QUEUE - 1):], "the flood keeps its newest, in order"


def test_a_full_subscription_of_one_group_drops_its_oldest() -> None:
    sub = Subscription(frozenset())
    alerts = [{"id": f"{i:064x}", "group": "aa" * 32, "region": "calais"} for i in range(QUEUE + 5)]
    for alert in alerts:
        sub.offer(alert)
    assert [sub.queue.get_nowait() for _ in range(QUEUE)] == alerts[5:] and sub.dropped == 5


def _update(group: str, alert: str, i: int, status: str = "update") -> dict:
    return {"id": f"{i:064x}", "kind": "alert.update", "alert": alert, "status": status, "group": group,
            "region": "calais"}


def test_a_full_subscription_never_drops_the_all_clear_that_ends_an_alert() -> None:
    """A slow bot, its queue full of its own group's updates: the seized phone's false all clear,
    its taking back ("the alert stands"), then the group's real all clear. The real all clear
    reaches the bot after the taking back, however many updates come after it: dropped, the bot
    ended believing the raid was on."""
    sub = Subscription(frozenset())
    group, raid = "aa" * 32, "ee" * 32
    busy = [_update(group, "dd" * 32, i) for i in range(2 * QUEUE)]
    false = _update(group, raid, 10_000, "all_clear")
    taken_back = {**false, "status": "update_withdrawn", "withdrawn_status": "all_clear"}
    real = _update(group, raid, 10_001, "all_clear")
    for item in busy[:QUEUE] + [false, taken_back, real] + busy[QUEUE:]:
        sub.offer(item)
    waiting = [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]
    assert len(waiting) == QUEUE
    assert [a for a in waiting if a["alert"] == raid][-1] == real, "the bot's last word on the raid: all clear"
    assert waiting.index(taken_back) < waiting.index(real)


def test_all_clears_waiting_keep_the_queue_bounded() -> None:
    """One all clear waits per alert (a flood of all clears of one alert keeps the newest); the all
    clears of more alerts than the queue holds lose their group's oldest: never more than QUEUE."""
    sub = Subscription(frozenset())
    group = "aa" * 32
    for i in range(QUEUE - 1):
        sub.offer(_update(group, "dd" * 32, i))
    clears = [_update(group, "ee" * 32, 1000 + i, "all_clear") for i in range(3 * QUEUE)]
    for clear in clears:
        sub.offer(clear)
    waiting = [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]
    assert waiting[-1] == clears[-1] and sum(a["status"] == "all_clear" for a in waiting) == 1
    other = [_update(group, f"{i:064x}", 5000 + i, "all_clear") for i in range(2 * QUEUE)]
    for clear in other:
        sub.offer(clear)
    assert sub.queue.qsize() == QUEUE
    assert [sub.queue.get_nowait() for _ in range(QUEUE)] == other[-QUEUE:]


def test_an_alerts_history_is_read_once_a_look_however_many_updates_it_has(net: Net, tmp_path: Path) -> None:
    """Where an alert is now was read again for each of its updates handed on: a member's alert with
    3,000 updates held the database thread for half a minute, every other group's raid alert
    behind it."""
    log = net.new_log(tmp_path / "db.sqlite")
    expires = now_ms() + HOUR_MS
    alert = net.device.sign("alert", ALERT, expires=expires)
    updates = [net.device.sign("alert.update", {"alert": alert.id, "status": "update", "text": f"still there {i}",
                                                "location": f"place {i}"}, expires=expires) for i in range(150)]
    log.ingest([e.encode() for e in net.group.made + [alert] + updates])
    reads = []
    rows = log.store.rows

    def counted(kind: str, *args, **kw):  # the store's own read, counted
        reads.append(kind)
        return rows(kind, *args, **kw)

    log.store.rows = counted
    _, got = new_alerts(log, 0, now_ms())
    assert len(got) == 151 and got[-1]["location"] == "place 149"  # each update where the alert is now
    assert reads.count("alert.update") <= 2, len(reads)


def test_an_alert_posted_without_a_location_and_its_updates_are_handed_on_in_either_order(
        net: Net, tmp_path: Path) -> None:
    """`--location` is optional (the README's eviction alert has none): an update of such an alert
    raised KeyError in the feed, which ended its task silently, and every later alert, update and all
    clear never reached a hook or a stream (at a start, the node itself stopped)."""
    expires = now_ms() + HOUR_MS
    bare = {k: v for k, v in ALERT.items() if k != "location"}
    alert = net.device.sign("alert", bare, expires=expires)
    update = net.device.sign("alert.update", {"alert": alert.id, "status": "update", "text": "Now at the port"},
                             expires=expires)
    moved = net.device.sign("alert.update", {"alert": alert.id, "status": "update", "text": "Moving",
                                             "location": "Rue Mollien"}, expires=expires)
    clear = net.device.sign("alert.update", {"alert": alert.id, "status": "all_clear"}, expires=expires)
    later = net.device.sign("alert", ALERT, expires=expires)
    for first in ([alert, update], [update, alert]):
        log = net.new_log(tmp_path / f"{first[0].kind}.sqlite")
        log.ingest([e.encode() for e in net.group.made])
        log.ingest([e.encode() for e in first])
        last, got = new_alerts(log, 0, now_ms())
        assert [(a["id"], a["location"]) for a in got] == [(alert.id.hex(), None), (update.id.hex(), None)]
        log.ingest([moved.encode(), clear.encode(), later.encode()])
        _, got = new_alerts(log, last, now_ms())
        # the all clear is where the update moved the alert; the next alert still comes through
        assert [(a["id"], a["location"]) for a in got] == [
            (moved.id.hex(), "Rue Mollien"), (clear.id.hex(), "Rue Mollien"), (later.id.hex(), "Loon-Plage")]
