"""New alerts as they are stored, for whatever must pass them on at once: `solnet run --on-alert`
(node/alert_hook.py) and the API's alert stream (GET /api/v1/alerts/stream).

The feed follows the log, not one source: an alert published here, pushed by a peer or carried in a
bundle is new when it is stored. It wakes on the node's change signal (the watcher notices new rows
every 100 ms) and reads the alerts stored after the last one it handed on, so none is handed on
twice and none is skipped while the node runs. Alerts stored before the feed started are not new.
What it hands on are an alert's public fields only (`alert_json`), never anything sealed; an
update or the all clear of an alert comes the same way, with the alert's fields, once the alert is
held and if it is from the alert's own group (an update that arrived before its alert is handed on
right after the alert). An alert handed on that a revocation or a fork then takes out of the log
(an infiltrator's false raid alert, its group revoked; a thief's, signed with a copied device key,
once the owner's event at its seq came) is handed on once more, as an update of status
`withdrawn` with the alert's fields: the Signal chat or SMS list that got the alert learns that it
no longer stands. An update or all clear handed on and taken out so (a seized phone's "all clear,
come back" during the raid, the phone revoked) comes once more, of status `update_withdrawn`: the
alert stands as it now is (its text and location as the alert history has them); unless it does not
(another all clear of its group still says it is over: then nothing more is said). An alert or update
handed on that its author then redacts comes once more, of status `redacted` (`update_redacted`),
with no text and no location, and is forgotten: what the redaction dropped from every database is
never handed on again from the feed's memory (an alert redacted and taken out in one look is
withdrawn without its words). An update is handed on with the alert's current location, as the
alert history has it (`alert_now`: an earlier update moved it), never where it was first posted. The
feed remembers the live alerts it handed on, and the updates of live
alerts, 10,000 of each at most (a flood's newest forgotten first), and starts from the newest live
alerts and updates held already, so one handed on before the node restarted is withdrawn too; one
taken out while the node was stopped is not here (the hook withdraws those it passed on as it
starts: node/alert_hook.py). The withdrawals and `update_withdrawn` handed on are numbered under a
mark of this feed and the newest kept, so a stream that reconnects is sent those it missed
(`withdrawals_after`; or, where the feed cannot say which, those of the live alerts and updates out
of the log, from the store, page by page: `withdrawals_page`). Each subscriber has a bounded queue (the
hook's is not: node/alert_hook.py): one that does not keep up loses alerts (they stay on the
dashboard and in the API), never the node's memory: those of the group with the most waiting
(`FairQueue`), so that a flood from one member does not push out another group's alert. A
withdrawal it had no room for is noted (`Subscription.missed`): the API's stream sends it once its
reader has caught up. An all clear is never the one that goes (one per alert waits): it ends the alert.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
import weakref
from collections import Counter, deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from events.canonical import unpack
from events.errors import InvalidEvent
from events.format import Event, decode_event
from events import readmodels
from events.kinds import KINDS, check_fields, parse_body
from events.effects import problem
from events.projections import ALERT, ALERT_UPDATE
from events.trust import Member
from node import references
from node.log import EventLog, now_ms
from node.ports import WebNode
from node.render import iso
from node.store import BODY_REDACTED, DatabaseDamaged, PagedEvent, StoreError

log = logging.getLogger(f"solnet.{__name__}")

WAKE_S = 1.0  # also wakes this often without a change, to notice the node stopping
BATCH = 200
QUEUE = 100


def alert_json(log_: EventLog, n: int, event_id: bytes, author: bytes, ts: int, expires: int | None,
               fields: dict[str, Any], names: dict[bytes, str], update: dict[str, Any] | None = None) -> dict[str, Any]:
    """An alert's public fields, as hooks, bots and the public feed get them. For an update or the
    all clear of an alert (`update`: the update's fields), the same fields of the alert it names,
    with the update's text and location, its `status`, and the alert's id as `alert` (`expires`:
    the alert's, which the caller gives)."""
    member = log_.trust.member(author)
    group = member.group if member is not None else None
    out = {"id": event_id.hex(), "n": n, "kind": "alert", "region": fields["region"], "type": fields["type"],
           "text": fields["text"], "location": fields.get("location"), "group": group.hex() if group else None,
           "group_name": names.get(group) if group else None, "published": iso(ts), "expires": iso(expires),
           "public": fields.get("public") == "yes"}
    if update is not None:
        out.update(kind="alert.update", status=update["status"], alert=update["alert"].hex(),
                   text=update.get("text") or ("all clear" if update["status"] == "all_clear" else ""),
                   location=update.get("location") or fields.get("location"))
    return out


FOLLOWED = (ALERT, ALERT_UPDATE)
WITHDRAWN = "withdrawn"  # the status of an alert handed on, then taken out of the log by a revocation
UPDATE_WITHDRAWN = "update_withdrawn"  # the status of an update or all clear handed on, then taken out
REDACTED = "redacted"  # the status of an alert handed on, then redacted by its author: no text, no location
UPDATE_REDACTED = "update_redacted"  # the same of an update or all clear handed on, then redacted
TAKEN_BACK = (WITHDRAWN, UPDATE_WITHDRAWN, REDACTED, UPDATE_REDACTED)  # what says something handed on no longer stands
REMEMBERED = 10_000  # live alerts handed on that the feed watches for a withdrawal
RECENT_WITHDRAWALS = 2_000  # withdrawals handed on kept for streams that reconnect (older: read from the store)
PAGE = 200  # withdrawals read from the store at a time for a stream that reconnects (any number, page by page)


def new_alerts(log_: EventLog, after_n: int, now: int, limit: int = BATCH) -> tuple[int, list[dict[str, Any]]]:
    """(last row read, alerts and alert updates stored after row `after_n` that have not expired at
    `now`). An update or all clear counts only if it comes from the group that posted the alert
    (events.effects, the rule every view follows) and only once that alert is held here: one that
    arrived before its alert is handed on right after the alert, so what a hook hears does not
    depend on the order in which the two arrived."""
    # The last row read is the newest stored when fewer than `limit` came back, whatever its kind:
    # else a node whose newest rows are no alerts (a need after an alert) would be told there is
    # something after `after_n` at every look, and its feed would look again at once, for ever
    # (a core kept busy on a Pi). Read first: a row committed after it has a greater n.
    newest = log_.store.last_n()
    rows = log_.store.kinds_after(FOLLOWED, after_n, limit)
    if not rows:
        return max(after_n, newest), []
    names = references.group_names(log_.store)
    out: list[dict[str, Any]] = []
    known: Stories = {}
    for n, event_id, author, kind, ts, expires, body in rows:
        if kind == ALERT_UPDATE and _stored_before_its_alert(log_, n, body):
            continue  # handed on right after its alert (below), whenever that is read
        item = _handed_on(log_, n, event_id, author, kind, ts, expires, body, names, now, known)
        if item is None:
            continue
        out.append(item)
        if kind == "alert":
            out += _updates_before(log_, n, event_id, names, now, known)
    return (rows[-1][0] if len(rows) == limit else max(rows[-1][0], newest)), out


Stories = dict[bytes, "dict[str, Any] | None"]  # alert_now's answers within one look, by alert id


def alert_now(log_: EventLog, alert_id: bytes, known: Stories | None = None) -> dict[str, Any] | None:
    """The alert `alert_id` as `solnet view alert-history` has it now (events.readmodels.alert_story:
    its status, and its current location, an update of its group having moved it); None if it is
    not held (out of the log, or over). `known`: the answers given within this look (read once per
    alert: read for each of its updates, a member's alert with 3,000 updates held the database
    thread for half a minute, and every other group's raid alert behind it)."""
    if known is not None and alert_id in known:
        return known[alert_id]
    row = log_.store.row_of(ALERT, alert_id)
    story = None if row is None else readmodels.alert_story(row, log_.store.rows(ALERT_UPDATE, refs=[alert_id]))
    if known is not None:
        known[alert_id] = story
    return story


def update_withdrawn(update: dict[str, Any], n: int, story: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a hook gets when an update or the all clear of an alert, handed on, has been taken out of
    the log (a seized phone of the alert's group sent "all clear, come back" during the raid, and its
    group revoked it): the alert stands again as it was. Status `update_withdrawn`, the alert's text
    and location as they are now, the update taken out (`story`: `alert_now`; the newest text of its
    group's, as `latest`: the text first posted with the place an update moved it to was a record
    no view of the alert ever showed), what the update said as `withdrawn_status` and
    `withdrawn_text`; `id` the update's. None when the alert does not stand: another all clear
    of its group still says it is over (the group's real one came after the phone's false one),
    or it is no longer held. "The alert stands" said then was false, and the chat ended on it."""
    if story is None or story["status"] != "live":
        return None
    return {**update, "n": n, "status": UPDATE_WITHDRAWN, "text": story["latest"],
            "location": story.get("location"), "withdrawn_status": update["status"],
            "withdrawn_text": update["text"]}


def withdrawn(alert: dict[str, Any], n: int) -> dict[str, Any]:
    """What a hook gets when `alert`, as it was handed on, has been taken out of the log by a
    revocation or a fork: an update of status `withdrawn`, with the alert's fields as they were handed on (its
    group's name too: a revoked group's profile has left the log with it); row `n` is the newest
    the feed has read, where a stream resumes after it."""
    return {**alert, "n": n, "kind": "alert.update", "status": WITHDRAWN, "alert": alert["id"]}


def unsaid(item: dict[str, Any]) -> dict[str, Any]:
    """`item` as a hook or a stream may still get it once its author redacted the alert or update:
    which one (id, kind, region, type, group, times), never what it said nor where (a group's alert
    naming a person in hiding, taken back: the redaction drops it from every database, and the
    feed's memory must not bring it back)."""
    out = {**item, "text": "", "location": None}
    if "withdrawn_text" in out:
        out["withdrawn_text"] = ""
    return out


def redacted(item: dict[str, Any], n: int) -> dict[str, Any]:
    """What a hook gets when an alert (status `redacted`) or an update or all clear of one
    (`update_redacted`: the alert stands as it is now), handed on as `item`, is redacted by its
    author: `unsaid`, at row `n` (the newest the feed has read)."""
    status = REDACTED if item["kind"] == ALERT else UPDATE_REDACTED
    return {**unsaid(item), "n": n, "kind": "alert.update", "status": status, "alert": item.get("alert", item["id"])}


def redacted_among(log_: EventLog, after_n: int, upto: int, kept: Callable[[bytes], bool]) -> list[bytes]:
    """The ids `kept` holds whose bodies a redaction stored after row `after_n` (up to `upto`)
    dropped: those its author signed (the store drops no other), so only those whose body is gone."""
    named: list[bytes] = []
    while True:
        rows = log_.store.kinds_after(("redact",), after_n, BATCH)
        for n, _, _, _, _, _, body in rows:
            if n > upto:
                break
            try:
                named += [i for i in unpack(body)["ids"] if isinstance(i, bytes) and kept(i)]
            except (InvalidEvent, TypeError, KeyError):
                continue
        if len(rows) < BATCH or rows[-1][0] >= upto:
            break
        after_n = rows[-1][0]
    state = log_.store.known(named) if named else {}
    return [i for i in dict.fromkeys(named) if state.get(i) == BODY_REDACTED]


def bodiless(log_: EventLog, ids: Sequence[bytes], now: int) -> set[bytes]:
    """Those of `ids` (taken out of the log) kept aside without their body: redacted before a
    revocation took them out, in the same look (the redaction, by the same author, left with them)."""
    out: set[bytes] = set()
    for i in range(0, len(ids), PAGE):
        rows = log_.store.withdrawn_alerts(now, PAGE, ids=ids[i: i + PAGE], kinds=FOLLOWED)
        out.update(ev.id for ev in (decode_event(wire) for wire, _, _ in rows) if ev.body is None)
    return out


class TakenOut(NamedTuple):
    """An alert taken out of the log, not expired: as its author signed it, when it was taken out
    (ms, this node's clock) and why ("revoked" or "fork": Store.withdrawn_alerts)."""

    event: Event
    fields: dict[str, Any]
    taken: int
    why: str


def taken_out(log_: EventLog, now: int, limit: int, *, ids: Sequence[bytes] | None = None,
              since: int | None = None, kinds: Sequence[str] = (ALERT,)) -> list[TakenOut]:
    """The alerts a revocation or a fork took out of the log, not expired at `now`, the latest taken
    out first (`ids`: those only; `since`: those taken out then or later, ms; `kinds`: alert.update
    for the updates and all clears so taken out)."""
    rows = log_.store.withdrawn_alerts(now, limit, ids=ids, since=since, kinds=kinds)
    return [gone for gone in map(_decoded, rows) if gone is not None]


def _decoded(row: tuple[bytes, int, str]) -> TakenOut | None:
    """A row of Store.withdrawn_alerts as a TakenOut (None: its body does not read as its kind's)."""
    wire, taken, why = row
    ev = decode_event(wire)
    try:
        fields = parse_body(ev.header, ev.body)
    except InvalidEvent:
        return None
    return TakenOut(ev, fields, taken, why) if fields else None


def withdrawal_of(log_: EventLog, gone: TakenOut, n: int, names: dict[bytes, str]) -> dict[str, Any]:
    """What a hook or a stream gets for an alert taken out of the log that the feed did not hand on
    as it stood (it was taken out while the node was stopped, or while a stream was away): its
    withdrawal, its fields read from the event as signed (its group's name if still known)."""
    ev = gone.event
    alert = alert_json(log_, n, ev.id, ev.author, ev.header.timestamp, ev.header.expires, gone.fields, names)
    return withdrawn(alert, n)


def update_withdrawal_of(log_: EventLog, gone: TakenOut, n: int, names: dict[bytes, str],
                         now: int, known: Stories | None = None) -> dict[str, Any] | None:
    """The same for an update or all clear taken out of the log: its `update_withdrawn`, as the feed
    hands it on; None if the feed never handed the update on as one of a live alert held here (it
    was of another group's alert, or its alert is out of the log too, or over: nothing stands), or
    if another all clear of the alert's group still stands (`update_withdrawn`)."""
    ev = gone.event
    member = log_.trust.member(ev.author)  # (a revoked device is still known, with its group)
    alert = references.target(log_.store, log_.trust, gone.fields["alert"])
    if not _may_sign(member, ALERT_UPDATE) or alert is None or alert.kind != ALERT \
            or problem(ALERT_UPDATE, gone.fields, member.group, ev.header.timestamp, lambda _: alert):
        return None
    held = log_.store.event_row(gone.fields["alert"])
    if held is None or held.expires is not None and held.expires <= now:
        return None
    update = alert_json(log_, n, ev.id, ev.author, ev.header.timestamp, held.expires, alert.fields, names,
                        update=gone.fields)
    return update_withdrawn(update, n, alert_now(log_, gone.fields["alert"], known))


def withdrawals_page(log_: EventLog, now: int, since: int | None = None, after: tuple[int, bytes] | None = None,
                     limit: int = PAGE) -> tuple[list[tuple[int, dict[str, Any]]], tuple[int, bytes] | None]:
    """On the database thread: one page of what a stream that reconnects is sent when it cannot be
    told only what it missed (the node restarted since it left, or it left long ago): the
    withdrawals of the live alerts, and the `update_withdrawn` of the updates and all clears of
    live alerts, taken out of the log (at `since`, ms, or later), the earliest taken out first,
    after `after` (where the page before ended): each with when it was taken out (ms), and where
    the next page starts (None: this was the last). Read page by page, a revoked group's thousands
    of alerts are all sent, none held in memory at once."""
    rows = log_.store.withdrawn_alerts(now, limit, since=since, kinds=FOLLOWED, after=after or (-1, b""))
    names = references.group_names(log_.store)
    n = log_.store.last_n()
    out = []
    known: Stories = {}
    for gone in filter(None, map(_decoded, rows)):
        item = withdrawal_of(log_, gone, n, names) if gone.event.kind == ALERT \
            else update_withdrawal_of(log_, gone, n, names, now, known)
        if item is not None:
            out.append((gone.taken, item))
    ends = (rows[-1][1], decode_event(rows[-1][0]).id) if len(rows) == limit else None
    return out, ends


def cleared_since(log_: EventLog, alert_ids: Sequence[bytes], now: int) -> list[dict[str, Any]]:
    """On the database thread: the all clears, as the feed hands them on, of those of `alert_ids`
    (alerts held) that an all clear of their group ends now: for a hook starting again, whose
    command was told of the alerts before the node stopped. An all clear stored while it was
    stopped (a bundle imported, `solnet publish` with no node running) comes before the feed's
    start, which hands on only what is stored after it: the chat ended on the raid."""
    names = references.group_names(log_.store)
    out = []
    for alert_id in alert_ids:
        story = alert_now(log_, alert_id)
        if story is None or story["status"] != "all_clear":
            continue
        stored = log_.store.numbered_row(story["updates"][-1]["id"])  # the all clear (an all clear is final)
        if stored is None:
            continue
        item = _stored_handed_on(log_, stored, stored.n, names, now)
        if item is not None:
            out.append(item)
    return out


def _stored_before_its_alert(log_: EventLog, n: int, body: bytes) -> bool:
    """Whether the alert this update names was stored after it (row n); False if not held."""
    try:
        alert_n = log_.store.event_n(unpack(body)["alert"])
    except (InvalidEvent, TypeError, KeyError):
        return False  # malformed: _handed_on drops it
    return alert_n is not None and alert_n > n


def _may_sign(member: Member | None, kind: str) -> bool:
    """Whether the key is a member of a role that may sign `kind` (devices post alerts and their
    updates): an all clear signed with a group key is stored without effect, and the dashboard and
    the history say the alert stands; handed on, it told a chat ALL CLEAR during the raid."""
    return member is not None and member.role in KINDS[kind].signers


def _handed_on(log_: EventLog, n: int, event_id: bytes, author: bytes, kind: str, ts: int, expires: int | None,
               body: bytes | None, names: dict[bytes, str], now: int, known: Stories | None = None,
               ) -> dict[str, Any] | None:
    """What a hook gets for one stored alert or alert update; None if it gets nothing (`known`: as
    for alert_now). A defect in reading one event costs that event, said in the log, never the feed:
    an exception here ended the feed's task (or the node, at its start) and every later raid alert
    with it, on every node that held the event."""
    try:
        return _handed_on_unguarded(log_, n, event_id, author, kind, ts, expires, body, names, now, known)
    except (StoreError, RuntimeError):
        raise  # the database's own trouble (or its thread stopping): the feed's loop says it and tries again
    except Exception:
        log.exception("an alert event (row %d) could not be handed on, and was skipped: a defect, please report "
                      "it with this log; the alerts after it go on", n)
        return None


def _handed_on_unguarded(log_: EventLog, n: int, event_id: bytes, author: bytes, kind: str, ts: int,
                         expires: int | None, body: bytes | None, names: dict[bytes, str], now: int,
                         known: Stories | None) -> dict[str, Any] | None:
    if body is None:
        return None
    try:
        fields = unpack(body)
        check_fields(KINDS[kind], fields)
    except (InvalidEvent, TypeError):
        return None
    if expires is not None and expires <= now:
        return None  # it arrived late (a node cut off for hours): no longer an alert
    member = log_.trust.member(author)
    if not _may_sign(member, kind):
        return None
    if kind == "alert":
        return alert_json(log_, n, event_id, author, ts, expires, fields, names)
    alert = references.target(log_.store, log_.trust, fields["alert"])
    if alert is None or alert.kind != "alert" or problem(kind, fields, member.group, ts, lambda _: alert):
        return None  # not held (yet), or by another group: it changes nothing
    # `expires` says when the alert ends (a hook prints "until ..."), not the update's own expiry
    # (a week by default, for an alert of 6 hours).
    held = log_.store.event_row(fields["alert"])
    ends = held.expires if held is not None else expires
    # Where the alert is now, as the history says (an update of its group moved it): an all clear
    # without a location of its own was handed on at the place the alert was first posted at.
    # (An alert posted without a location, and never moved, has none: the story leaves it out.)
    story = alert_now(log_, fields["alert"], known)
    where = {**alert.fields, "location": story.get("location")} if story is not None else alert.fields
    return alert_json(log_, n, event_id, author, ts, ends, where, names, update=fields)


def _stored_handed_on(log_: EventLog, stored: PagedEvent, n: int, names: dict[bytes, str], now: int,
                      known: Stories | None = None) -> dict[str, Any] | None:
    """`_handed_on` of a stored event as the store reads it back (numbered_row), at row `n`."""
    return _handed_on(log_, n, stored.id, stored.author, stored.kind, stored.ts, stored.expires, stored.body, names,
                      now, known)


def _updates_before(log_: EventLog, alert_n: int, alert_id: bytes, names: dict[bytes, str],
                    now: int, known: Stories | None = None) -> list[dict[str, Any]]:
    """The updates of this alert stored before it (they were passed over then), in stored order,
    each at the alert's `n`: what follows the feed resumes after that `n` (a stream's Last-Event-ID),
    and an update handed on under its own lower `n` was a step back, dropped by a stream as sent
    already and, resumed from, the alert sent again at each reconnect. Those stored after it come
    through the feed in their turn."""
    earlier = []
    for row in log_.store.rows(ALERT_UPDATE, refs=[alert_id]):
        stored = log_.store.numbered_row(row.key)
        if stored is not None and stored.n < alert_n:
            earlier.append(stored)
    out = []
    for stored in sorted(earlier, key=lambda e: e.n):
        item = _stored_handed_on(log_, stored, alert_n, names, now, known)
        if item is not None:
            out.append(item)
    return out


class FairQueue(asyncio.Queue):
    """A subscription's alerts waiting for its reader. When it is full, what goes to make room is
    one of the group with the most waiting in the lineage with the most (the newcomer counted), not
    the oldest of all: a member
    flooding alerts (an infiltrator, a broken script) pushes out its own, never another group's
    alert that came in between, so that one still reaches the Signal group or the SMS gateway. Of
    that group, its oldest alert or update goes; once only withdrawals of it are left, its newest
    withdrawal goes (the newcomer perhaps): a revoked flooder's alerts are withdrawn all at once,
    and the first of them, the false raid alert the flood came after, is the one people acted on.
    An all clear is not counted and does not go: a dropped withdrawal is sent again later
    (`Subscription.missed`), a dropped all clear was lost, and a bot told "the alert stands" (a
    seized phone's false all clear taken back) that then lost the group's real all clear ended
    believing the raid was on. One all clear waits per alert (a newer one of the same alert takes
    the older's place), so they never fill the queue unless as many alerts were cleared while the
    reader was stuck: only then does the oldest all clear of the group with the most go."""

    def __init__(self, maxsize: int = 0, lineage: Callable[[str | None], Hashable] | None = None) -> None:
        super().__init__(maxsize)
        # of a group (hex), its lineage (events/trust.py lineages: the groups one member admitted
        # share one): a hundred groups made up by one member, one alert each, counted as a hundred
        # groups of one, and the oldest waiting, a real group's raid alert, went to make room
        self.lineage = lineage or (lambda group: group)

    def make_room(self, incoming: dict[str, Any]) -> dict[str, Any]:
        """Drop one to make room for `incoming`: the one dropped (`incoming` itself if it is the one)."""
        waiting: deque[dict[str, Any]] = self._queue  # type: ignore[attr-defined]  (asyncio.Queue's own store)
        if _clears(incoming):
            older = next((a for a in waiting if _clears(a) and a.get("alert") == incoming.get("alert")), None)
            if older is not None:  # the same news, newer: it ends the alert as well
                waiting.remove(older)
                return older
        rest = [a for a in waiting if not _clears(a)]
        if not rest:  # nothing but the all clears of as many alerts
            if not _clears(incoming):
                return incoming
            dropped = _crowding(list(waiting), incoming, self.lineage)[0]  # (the oldest of the group with the most)
            waiting.remove(dropped)
            return dropped
        theirs = _crowding(rest, None if _clears(incoming) else incoming, self.lineage)
        group = theirs[0].get("group")
        plain = next((a for a in theirs if a.get("status") not in TAKEN_BACK), None)
        if plain is not None:
            waiting.remove(plain)
            return plain
        if incoming.get("group") == group and incoming.get("status") in TAKEN_BACK:
            return incoming  # the newest of its withdrawals
        waiting.remove(theirs[-1])
        return theirs[-1]

    def holds(self, alert_id: str) -> bool:
        """Whether the alert (not an update of it) `alert_id` waits here."""
        waiting: deque[dict[str, Any]] = self._queue  # type: ignore[attr-defined]
        return any(a.get("id") == alert_id and a.get("kind") == ALERT for a in waiting)


def _clears(alert: dict[str, Any]) -> bool:
    """Whether `alert` is an all clear (what ends an alert, never dropped from a full queue)."""
    return alert.get("kind") == ALERT_UPDATE and alert.get("status") == "all_clear"


def _crowding(among: list[dict[str, Any]], incoming: dict[str, Any] | None,
              lineage: Callable[[str | None], Hashable] = lambda group: group) -> list[dict[str, Any]]:
    """Those of `among` (not empty) of the group with the most of them in the lineage with the most
    (`incoming` counted, if given), oldest first; of lineages or groups with as many, the one whose
    first waits longest."""
    line = _most(among, incoming, lambda a: lineage(a.get("group")))
    group = _most([a for a in among if lineage(a.get("group")) == line], incoming, lambda a: a.get("group"))
    return [a for a in among if a.get("group") == group]


def _most(among: list[dict[str, Any]], incoming: dict[str, Any] | None, of: Callable[[dict[str, Any]], Hashable],
          ) -> Hashable:
    """Which `of` the most of `among` (and `incoming`) share, of those in `among`; of those with as
    many, the one whose first waits longest."""
    counts = Counter(of(a) for a in among)
    if incoming is not None:
        counts[of(incoming)] += 1
    most = max(counts[of(a)] for a in among)
    return next(of(a) for a in among if counts[of(a)] == most)


@dataclass
class Subscription:
    regions: frozenset[str]  # empty: every region
    keeps: Callable[[dict[str, Any]], bool] | None = None  # of those of its regions, what it wants (None: all)
    queue: FairQueue = field(default_factory=lambda: FairQueue(QUEUE))
    dropped: int = 0
    # A withdrawal dropped from the full queue: the API's stream sends the withdrawals numbered after
    # `missed_after` that it lacks once its reader has caught up (node/api.py), from the feed's
    # record of them, or from the store for those taken out since `missed_at_s` where it forgot.
    missed_after: int | None = None
    missed_at_s: int | None = None

    def wants(self, alert: dict[str, Any]) -> bool:
        return (not self.regions or alert["region"] in self.regions) and (self.keeps is None or self.keeps(alert))

    def offer(self, alert: dict[str, Any]) -> dict[str, Any] | None:
        """Queue `alert`; what a full queue dropped for it (`alert` itself, perhaps), or None."""
        dropped = None
        if self.queue.full():  # a stuck reader never holds the node's memory
            self.dropped += 1
            dropped = self.queue.make_room(alert)
            if dropped is alert:
                return dropped
        self.queue.put_nowait(alert)
        return dropped

    def missed(self, number: int | None, now_s: int) -> None:
        """The withdrawal numbered `number` was dropped (None: the feed forgot its number)."""
        after = 0 if number is None else number - 1
        self.missed_after = after if self.missed_after is None else min(self.missed_after, after)
        if self.missed_at_s is None:
            self.missed_at_s = now_s


class AlertFeed:
    """Reads new alerts from a running node's log and offers each to every subscription that wants it."""

    def __init__(self, runtime: WebNode) -> None:
        self.runtime = runtime
        self.subscriptions: list[Subscription] = []
        self.last_n: int | None = None
        self._task: asyncio.Task | None = None
        self._started: asyncio.Future | None = None
        self._stop = asyncio.Event()
        # every live alert handed on and not withdrawn, by id: when it expires (ms) and what was handed
        # on (on the database thread)
        self._handed: dict[bytes, tuple[int | None, dict[str, Any]]] = {}
        # the same for the updates and all clears handed on, by the update's id
        self._updates: dict[bytes, tuple[int | None, dict[str, Any]]] = {}
        self._trust_seen: bytes | None = None  # the trust graph's version when they were last looked up
        self._lineages: dict[str | None, Hashable] = {}  # of the groups handed on of late (`lineage_of`)
        self._failing = False  # a look failed (a defect), said once until a look succeeds again
        # The withdrawals handed on, numbered, for streams that reconnect: this feed's own mark (a
        # node restarted has another), how many so far, the newest of them and their numbers by alert.
        self.epoch = secrets.token_hex(4)
        self.withdrawals = 0
        self._recent: deque[tuple[int, dict[str, Any]]] = deque(maxlen=RECENT_WITHDRAWALS)
        self._numbers: dict[str, int] = {}

    def subscribe(self, regions: Sequence[str] = (), keeps: Callable[[dict[str, Any]], bool] | None = None,
                  queue_size: int = QUEUE) -> Subscription:
        """A subscription to the alerts of `regions` (all when empty) that `keeps` wants, waiting for
        its reader in a queue of `queue_size` (0: unbounded, for a reader in this process that takes
        each at once: nothing it wants is ever dropped)."""
        sub = Subscription(frozenset(regions), keeps, FairQueue(queue_size, self.lineage_of))
        self.subscriptions.append(sub)
        return sub

    def lineage_of(self, group: str | None) -> Hashable:
        """The lineage (events/trust.py lineages) of `group` (hex) as of its newest alert handed on;
        the group itself if none was."""
        return self._lineages.get(group, group)

    def unsubscribe(self, sub: Subscription) -> None:
        if sub in self.subscriptions:
            self.subscriptions.remove(sub)

    async def start(self) -> None:
        """Begin following the log from its newest row (once, however many callers ask)."""
        if self._started is None:
            self._started = asyncio.ensure_future(self._begin())
        await asyncio.shield(self._started)

    async def _begin(self) -> None:
        self.last_n = await self.runtime.db(self.runtime.log.store.last_n)
        self._handed = await self.runtime.db(self._held, ALERT, self.last_n, now_ms())
        self._updates = await self.runtime.db(self._held, ALERT_UPDATE, self.last_n, now_ms())
        self._task = asyncio.create_task(self._run(), name="alert-feed")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        assert self.last_n is not None
        while not self._stop.is_set() and not self.runtime.stopping:
            await self.runtime.wait_for_change(self.last_n, WAKE_S)
            while True:
                try:
                    last, alerts = await self.runtime.db(self._look, self.last_n, now_ms())
                except RuntimeError:  # the node's database thread has shut down: it is stopping
                    return
                except StoreError as exc:  # told as any request's; a damaged database does not mend by waiting
                    self.runtime.storage_failed(exc)
                    if isinstance(exc, DatabaseDamaged):
                        return
                    break  # (locked, a full disk) tried again at the next wake
                except Exception:  # a defect: said (once), and tried again at each wake; the feed never ends silently
                    if not self._failing:
                        log.exception("the alert feed could not read what was stored (tried again every %d s): a "
                                      "defect, please report it with this log", WAKE_S)
                    self._failing = True
                    break
                self._failing = False
                for alert in alerts:
                    if alert.get("status") in TAKEN_BACK:
                        self._count_withdrawal(alert)
                    for sub in list(self.subscriptions):
                        if sub.wants(alert) and (dropped := sub.offer(alert)) is not None \
                                and dropped.get("status") in TAKEN_BACK:
                            sub.missed(self.withdrawal_number(dropped["id"]), now_ms() // 1000)
                if last == self.last_n:
                    break
                self.last_n = last

    def _count_withdrawal(self, alert: dict[str, Any]) -> None:
        """Number a withdrawal or an `update_withdrawn` handed on and keep it (the newest
        RECENT_WITHDRAWALS) for the streams that reconnect after it (`withdrawals_after`): a bot away
        when a seized phone's false all clear was taken back must learn it too."""
        self.withdrawals += 1
        self._recent.append((self.withdrawals, alert))
        self._numbers[alert["id"]] = self.withdrawals
        while len(self._numbers) > RECENT_WITHDRAWALS:
            self._numbers.pop(next(iter(self._numbers)))

    def withdrawal_number(self, event_id: str) -> int | None:
        """The number of the withdrawal this feed handed on of `event_id`, an alert or an update
        (the `id` of what it handed on; None: none, or long ago)."""
        return self._numbers.get(event_id)

    def withdrawals_after(self, epoch: str | None, after: int, upto: int) -> list[tuple[int, dict[str, Any]]] | None:
        """The withdrawals (and `update_withdrawn`) this feed handed on numbered after `after`, up to
        `upto`, oldest first, for
        a stream that reconnects with a mark of this feed (`epoch`); None if it cannot say (a mark
        of another feed: the node restarted since; or some of them are forgotten)."""
        if epoch != self.epoch or after > self.withdrawals:
            return None
        if after < upto and (not self._recent or self._recent[0][0] > after + 1):
            return None
        return [(number, alert) for number, alert in self._recent if after < number <= upto]

    def _look(self, after_n: int, now: int) -> tuple[int, list[dict[str, Any]]]:
        """On the database thread: the alerts stored after row `after_n`, then the withdrawals of
        those handed on before that a revocation stored meanwhile took out of the log."""
        log_ = self.runtime.log
        last, alerts = new_alerts(log_, after_n, now)
        if len(self._lineages) > REMEMBERED:
            self._lineages.clear()
        for alert in alerts:  # (read here, on the database thread, with the trust graph they came with)
            group = alert.get("group")
            self._lineages[group] = log_.trust.lineages(bytes.fromhex(group)) if group else None
            kept = self._handed if alert["kind"] == ALERT else self._updates
            kept[bytes.fromhex(alert["id"])] = (expires_ms(alert["expires"]), alert)
        if len(self._handed) > REMEMBERED or len(self._updates) > REMEMBERED:
            self._forget_expired(now)
            self._forget_crowding()
            while len(self._updates) > REMEMBERED:  # the oldest: a chat acts on the newest word of an alert
                self._updates.pop(next(iter(self._updates)))
        alerts += self._redactions(after_n, last)
        # Only a change of the trust graph takes events out of the log: the alerts handed on
        # (thousands, in a member's flood) are looked up then, not at every look. A change with no
        # new row counts too: a fork found (a thief's alert signed with a copied key, then the
        # owner's event at its seq) takes the alert out and stores nothing in the log.
        trust = log_.store.get_meta("trust_version")
        if not (self._handed or self._updates) or trust == self._trust_seen:
            self._trust_seen = trust
            return last, alerts
        self._trust_seen = trust
        self._forget_expired(now)
        # Out of the log, whichever table keeps it now (aside by a revocation, beside the chain by a
        # fork, refused as off a pinned chain): it left every view.
        taken = log_.store.not_in_log(list(self._handed) + list(self._updates))
        # Redacted, then taken out before the feed looked: what it remembers was said is not said again.
        gone = bodiless(log_, taken, now) if taken else set()
        out = [withdrawn(self._handed.pop(event_id)[1], last) for event_id in taken if event_id in self._handed]
        known: Stories = {}
        for event_id in (i for i in taken if i in self._updates):
            update = self._updates.pop(event_id)[1]
            # (None: its alert is out of the log too, withdrawn itself or never handed on; or it is
            # still over, by another all clear of its group)
            taken_back = update_withdrawn(update, last, alert_now(log_, bytes.fromhex(update["alert"]), known))
            if taken_back is not None:
                out.append(taken_back)
        out = [unsaid(item) if bytes.fromhex(item["id"]) in gone or bytes.fromhex(item["alert"]) in gone else item
               for item in out]
        return last, alerts + out

    def _redactions(self, after_n: int, last: int) -> list[dict[str, Any]]:
        """On the database thread: the alerts and updates handed on that a redaction stored after row
        `after_n` (up to `last`) took back, said so without what they said (`redacted`), and
        forgotten: a revocation that takes them out later says nothing more. What is kept of them
        for streams that reconnect (`withdrawals_after`) is stripped of what they said too."""
        ids = redacted_among(self.runtime.log, after_n, last, lambda i: i in self._handed or i in self._updates)
        out = [redacted((self._handed.pop(i, None) or self._updates.pop(i))[1], last) for i in ids]
        gone = {i.hex() for i in ids}
        if gone:
            self._recent = deque(((number, unsaid(item) if item["id"] in gone or item.get("alert") in gone else item)
                                  for number, item in self._recent), maxlen=RECENT_WITHDRAWALS)
        return out

    def _held(self, kind: str, last_n: int, now: int) -> dict[bytes, tuple[int | None, dict[str, Any]]]:
        """On the database thread, as the feed starts: the live alerts (`kind` alert) or the updates
        and all clears of live alerts (alert.update) held already (the newest REMEMBERED, oldest
        first), as they would be handed on, with when their alert ends. They were handed on before
        the node restarted, or reached this node while it was down: a revocation or a fork that
        takes one out of the log now is said all the same, as a withdrawal or an
        `update_withdrawn` (a seized phone's false all clear, passed on before the restart, its
        phone revoked after it; a hook or a bot that never had it learns that it no longer stands)."""
        log_ = self.runtime.log
        names = references.group_names(log_.store)
        held = []
        known: Stories = {}
        for row in log_.store.rows(kind, order="newest", limit=REMEMBERED):  # (expired ones have no row)
            stored = log_.store.numbered_row(row.key)
            if stored is None or stored.n > last_n:
                continue  # stored since: the feed hands it on in its turn
            item = _stored_handed_on(log_, stored, stored.n, names, now, known)
            ends = expires_ms(item["expires"]) if item is not None else None  # (an update's: its alert's)
            if item is not None and (ends is None or ends > now):
                held.append((stored.id, (ends, item)))
        return dict(reversed(held))

    def _forget_crowding(self) -> None:
        """Over the bound (a member's flood): forget the newest of the group with the most. Not the
        oldest of all: an infiltrator posting its false raid alert and then a flood of its own (a
        peer may send 5,000 events a second) pushed that first alert, the one the chat acted on, out
        of memory, and it was never withdrawn; nor was another group's alert handed on before."""
        counts = Counter(kept[1].get("group") for kept in self._handed.values())
        while len(self._handed) > REMEMBERED:
            crowding = max(counts, key=counts.__getitem__)
            newest = next(i for i in reversed(self._handed) if self._handed[i][1].get("group") == crowding)
            del self._handed[newest]
            counts[crowding] -= 1

    def _forget_expired(self, now: int) -> None:
        """An alert that has expired is over: nobody need hear it withdrawn."""
        self._handed = {i: kept for i, kept in self._handed.items() if kept[0] is None or kept[0] > now}
        self._updates = {i: kept for i, kept in self._updates.items() if kept[0] is None or kept[0] > now}


def expires_ms(text: str | None) -> int | None:
    """An `expires` as alert_json gives it (node.render.iso, to the second), back in ms."""
    return None if text is None else int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


# One feed per running node, shared by the hook and every stream; it goes with its node.
_feeds: weakref.WeakKeyDictionary[WebNode, AlertFeed] = weakref.WeakKeyDictionary()


def feed_of(runtime: WebNode) -> AlertFeed:
    """The alert feed of a running node, made at first use (the hook and every stream share it);
    the caller starts it."""
    feed = _feeds.get(runtime)
    if feed is None:
        feed = _feeds[runtime] = AlertFeed(runtime)
    return feed


async def stop_feed(runtime: WebNode) -> None:
    feed = _feeds.pop(runtime, None)
    if feed is not None:
        await feed.stop()
