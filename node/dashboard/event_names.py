"""An event's name on the dashboard, in the page's language: what a page's title, a link to the
event and a screen reader say of it.

An event with a title (an action, a fundraiser, a resource) or a name (a group's profile) is called
by it. One without is called by its kind and what tells it from others of its kind: its type, its
goods, its region, its place, its time; one about another event (an update, a pledge, a claim) by
what that event is. Only public fields are read: a private part is sealed and never named here,
and an event shared with chosen groups is called by its kind alone unless the page reads it.

A page's own title is another matter (`page_title`): browsers keep titles in their history, on the
laptop's disk, past a logout and a wipe of the node. The page of an event for chosen groups, or of
one with private details, is titled by what holds nothing sealed: that it is for chosen groups (or
its public kind, with private details) and its short id, which its address already holds.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from crypto.keys import short_id
from events.kinds import KINDS
from node.dashboard.i18n import Translator, fallback_time

# The fields that tell an untitled event apart from others of its kind, in the order said.
CHOICE_FIELDS = ("status", "type", "category")
PLACE_FIELDS = ("region", "location")


class Named(NamedTuple):
    """What an event's name is made of: its kind, its public fields, when it was made (ms)."""
    kind: str
    fields: dict[str, Any]
    ts: int | None


def event_name(t: Translator, event: Named, about: Named | None = None) -> str:
    """`event`'s name: its title, else its kind and its details ('Alert: raid, calais, 2031-06-01
    14:00 UTC'). `about`: the event it refers to (an alert update's alert), whose title or details
    say which one this is about."""
    title = _title(event.fields)
    if title:
        return title
    details = _described(t, event, about)
    kind = t(f"kind.{event.kind}")
    return t("event.name", kind=kind, details=details) if details else kind


def page_title(t: Translator, event: Named, event_id: bytes, *, chosen: bool, private: bool,
               about: Named | None = None) -> str:
    """The <title> of `event`'s page. `chosen`: it is shared with chosen groups (read here or not);
    `private`: it has a private part. Either way its name is not said (a sealed event's title and
    region, a case's type and region stay out of the browser's history): see the module's words."""
    if chosen:
        return t("event.name_chosen", id=short_id(event_id))
    if private:
        return t("event.name_private", kind=t(f"kind.{event.kind}"), id=short_id(event_id))
    return event_name(t, event, about)


def item_name(t: Translator, kind: str, item: dict[str, Any]) -> str:
    """What a link acting on an overview item (a read-model row of a `kind` event) says it acts on,
    after its own words ("Cover this need: tents, calais, 2031-06-01 14:00 UTC"): its event's name
    without the kind, which the link's words already say. Only the row's fields that are the
    kind's public fields are read (not its status, its totals or its group)."""
    spec = KINDS.get(kind)
    # (by the kind's fields, a dozen at most: a page asks this of every button of every item)
    fields = {f.name: item[f.name] for f in spec.fields if f.name in item} if spec is not None else {}
    named = Named(kind, fields, item.get("ts") if isinstance(item.get("ts"), int) else None)
    return _title(fields) or _described(t, named, None) or t(f"kind.{kind}")


def _described(t: Translator, event: Named, about: Named | None) -> str:
    """An untitled event's details and time, comma-separated ('raid, calais, 2031-06-01 14:00 UTC')."""
    details = _details(t, event.fields)
    if about is not None:
        # (an update may repeat its alert's type and region: said once)
        about_title = _title(about.fields)
        details = list(dict.fromkeys(details + ([about_title] if about_title else _details(t, about.fields))))
    when = event.fields.get("starts_at") if isinstance(event.fields.get("starts_at"), int) else event.ts
    if when:
        details.append(fallback_time(when))
    return ", ".join(details)


def _title(fields: dict[str, Any]) -> str | None:
    title = fields.get("title") or fields.get("name")
    return title if isinstance(title, str) and title.strip() else None


def _details(t: Translator, fields: dict[str, Any]) -> list[str]:
    said = [t.choice(fields[name]) for name in CHOICE_FIELDS if isinstance(fields.get(name), str)]
    return said + [fields[name] for name in PLACE_FIELDS if isinstance(fields.get(name), str) and fields[name]]
