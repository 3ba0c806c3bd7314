"""The warning of an action published with a start in the past, or moved to one (action.update):
no list of actions to come shows it. One text for `solnet publish` and the API's answer (its
`warnings`).

Its own module: it reads the start as typed (node.field_input, which loads the read side's
rendering), and `solnet publish` of any other kind through a running node loads none of that."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from node.field_input import InputError, parse_time
from node.words import local_time, moved_past, past_action, starts_in_the_past

if TYPE_CHECKING:
    from events.format import Event
    from node.log import EventLog


def as_moved(log: EventLog, fields: Mapping[str, Any]) -> dict[str, int | None] | None:
    """The start and end of the action an action.update (its stored `fields`) moves, as every list
    reads it now, its group's updates applied (readmodels: a start moved without a new end moves the
    end with it); None when the action is not held here or not readable (for chosen groups). A
    blocking read. The warning must judge the action the lists show: an update moving a running
    action's start to 8 this morning, its end moved with it to tonight, was told it moved the
    action into the past, and to redact itself, while every list showed it under way."""
    from node.views import Held, action_item  # (the read side: only for an update of an action)

    if not isinstance(fields.get("action"), bytes):
        return None
    item = action_item(Held(log.store, log.trust), fields["action"])
    return None if item is None else {"starts_at": item["starts_at"], "ends_at": item.get("ends_at")}


def as_moved_by(log: EventLog, event: Event) -> dict[str, int | None] | None:
    """`as_moved` for an action.update just published (`event`); None for any other event."""
    from events.canonical import unpack
    from events.errors import InvalidEvent

    if event.kind != "action.update" or event.body is None:
        return None
    try:
        fields = unpack(event.body)
    except InvalidEvent:
        return None
    return as_moved(log, fields) if isinstance(fields, dict) else None


def moves_into_the_past(starts_at: int, ends_at: int | None, moved: Mapping[str, Any] | None, now: int) -> bool:
    """Whether an action.update giving `starts_at` (and `ends_at`, if it says one) leaves its action
    in no list of actions to come. With `moved` (as_moved: the action as the lists read it, this
    update applied) the end is the one the lists use: without a new end it moved with the start,
    and an action still running is under way, not past. A start the lists do not read (a newer
    update of the group moved it since) is not this update's doing: nothing to say."""
    if moved is None:
        return starts_in_the_past(starts_at, now, ends_at)
    if moved.get("starts_at") != starts_at:
        return False
    return starts_in_the_past(starts_at, now, moved.get("ends_at"))


def past_action_warning(kind: str, texts: dict[str, str], event_id: str, now: int,
                        time_zone: str | None = None, moved: Mapping[str, Any] | None = None) -> str | None:
    """The warning of an action just published (`kind`, its fields as typed `texts`, a start without
    an offset read in `time_zone`) if it starts in the past, or of an update that moves its start
    there (`moved`: the action as the lists read it now, see as_moved), else None: the words
    `solnet publish` and the API's answer both give."""
    if kind not in ("action", "action.update") or not isinstance(texts.get("starts_at"), str):
        return None
    try:
        when = parse_time(texts["starts_at"], time_zone)
        ends = parse_time(texts["ends_at"], time_zone) if isinstance(texts.get("ends_at"), str) else None
    except InputError:
        return None
    if kind == "action.update" and not moves_into_the_past(when, ends, moved, now):
        return None
    if kind == "action" and not starts_in_the_past(when, now, ends):
        return None
    # (an update that moves an action to a wrong year took it out of every list, unsaid)
    return (past_action if kind == "action" else moved_past)(local_time(when, time_zone), event_id)
