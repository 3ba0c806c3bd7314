"""The warning of an action published with a start in the past, or moved to one (action.update):
no list of actions to come shows it. One text for `solnet publish` and the API's answer (its
`warnings`).

Its own module: it reads the start as typed (node.field_input, which loads the read side's
rendering), and `solnet publish` of any other kind through a running node loads none of that."""
from __future__ import annotations

from node.field_input import InputError, parse_time
from node.words import local_time, moved_past, past_action, starts_in_the_past


def past_action_warning(kind: str, texts: dict[str, str], event_id: str, now: int,
                        time_zone: str | None = None) -> str | None:
    """The warning of an action just published (`kind`, its fields as typed `texts`, a start without
    an offset read in `time_zone`) if it starts in the past, or of an update that moves its start
    there, else None: the words `solnet publish` and the API's answer both give."""
    if kind not in ("action", "action.update") or not isinstance(texts.get("starts_at"), str):
        return None
    try:
        when = parse_time(texts["starts_at"], time_zone)
        ends = parse_time(texts["ends_at"], time_zone) if isinstance(texts.get("ends_at"), str) else None
    except InputError:
        return None
    if not starts_in_the_past(when, now, ends):
        return None
    # (an update that moves an action to a wrong year took it out of every list, unsaid)
    return (past_action if kind == "action" else moved_past)(local_time(when), event_id)
