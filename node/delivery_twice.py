"""The warning of a delivery recorded by both sides: the need's group records `need.fulfil --offer X
--quantity 5`, and the offer's group records the same 5 from its offer (or the other way round).
Each fulfilment counts, so the need reads covered twice over. The same goes for two devices of one
group (two coordinators) recording one delivery, or a command run twice. Which of two equal fulfilments is
a second record of one delivery no rule can tell (two deliveries of 5 happen), so publishing warns,
after signing, the group that records second, with how to take its record back. One text for
`solnet publish` (here or through the node) and the API's answer (its `warnings`). Blocking reads.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from events.canonical import unpack
from events.errors import InvalidEvent
from events.format import Event
from events.projections import FULFIL
from node import references
from node.words import local_time

if TYPE_CHECKING:
    from node.log import EventLog

# A group's own second record of the same quantity from the same offer is said within this time of
# the first (a group that gives 10 blankets every week records 10 each time: those are not one).
OWN_TWICE_WITHIN_MS = 24 * 3_600_000

WHO_RECORDS = ("One group records a delivery, once: the group that gave the goods, naming its offer (--offer), "
               "which draws the offer down too; the need's group records only goods that came from no posted "
               "offer. A delivery recorded by both groups counts twice.")


def twice_recorded(log: EventLog, event: Event, time_zone: str | None = None) -> str | None:
    """The warning for a fulfilment just published (`event`) if the other group of the exchange (the
    offer's, for the need's group; the need's, for the offer's) already recorded the same quantity
    from the same offer for the same need, or its own group did within OWN_TWICE_WITHIN_MS; else None.
    Its time is said in `time_zone` (the request's), else this machine's."""
    facts = recorded_twice(log, event)
    if facts is None:
        return None
    said = (f"already recorded {facts['quantity']} from that offer for that need ({local_time(facts['at'], time_zone)}, "
            f"{facts['other'].hex()[:12]}): if it is the same delivery, the need now counts it twice")
    if facts["by"] == "group":
        return (f"{facts['group']} {said}. {WHO_RECORDS} If it is the same, take yours back: "
                f"`solnet redact {event.id.hex()[:12]}`")
    by = "this device" if facts["by"] == "this_device" else "another device of your group"
    return (f"{by} {said}{', and your offer gave it twice' if facts['own_offer'] else ''}. If it is the same, take "
            f"this one back: `solnet redact {event.id.hex()[:12]}`")


def recorded_twice(log: EventLog, event: Event) -> dict[str, Any] | None:
    """The facts of `twice_recorded`'s warning: `by` who recorded it already ("group": the other
    group, named `group`; "this_device"; "another_device" of this group), `quantity`, `at` and
    `other` (that record's stamp and id), `own_offer` (the offer is this group's: it gave it twice
    too); else None."""
    if event.kind != "need.fulfil" or event.body is None:
        return None
    try:
        fields = unpack(event.body)
    except InvalidEvent:
        return None
    if not isinstance(fields, dict) or not isinstance(fields.get("offer"), bytes):
        return None
    own = log.trust.group_of(event.author)
    need, offer = (references.target(log.store, log.trust, fields[name]) for name in ("need", "offer"))
    if own is None or need is None or offer is None or own not in (need.group, offer.group):
        return None
    other = offer.group if own == need.group else need.group
    same = [row for row in log.store.rows(FULFIL, refs=[fields["need"]])
            if row.key != event.id and row.data.get("offer") == fields["offer"]
            and row.data.get("quantity") == fields["quantity"]]
    said = {"quantity": fields["quantity"], "own_offer": offer.group == own}
    for row in same:
        if other != own and row.data["group"] == other:
            return {**said, "by": "group", "group": references.group_name(log.store, other), "at": row.data["ts"],
                    "other": row.key, "own_offer": False}
    for row in same:  # two coordinators of one group (or one run twice) recording one delivery
        if row.data["group"] == own and abs(row.data["ts"] - event.header.timestamp) <= OWN_TWICE_WITHIN_MS:
            by = "this_device" if row.data.get("author") == event.author else "another_device"
            return {**said, "by": by, "group": None, "at": row.data["ts"], "other": row.key}
    return None
