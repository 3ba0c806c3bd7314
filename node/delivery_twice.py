"""The warning of a delivery recorded by both sides: the need's group records `need.fulfil --offer X
--quantity 5`, and the offer's group records the same 5 from its offer (or the other way round).
Each fulfilment counts, so the need reads covered twice over. The same goes for two devices of one
group (two coordinators) recording one delivery, or a command run twice. Which of two equal fulfilments is
a second record of one delivery no rule can tell (two deliveries of 5 happen), so publishing warns,
after signing, the group that records second, with how to take its record back. One text for
`solnet publish` (here or through the node) and the API's answer (its `warnings`). Blocking reads.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

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


def twice_recorded(log: EventLog, event: Event) -> str | None:
    """The warning for a fulfilment just published (`event`) if the other group of the exchange (the
    offer's, for the need's group; the need's, for the offer's) already recorded the same quantity
    from the same offer for the same need; else None."""
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
    for row in same:
        if other != own and row.data["group"] == other:
            name = references.group_name(log.store, other)
            return (f"{name} already recorded {fields['quantity']} from that offer for that need "
                    f"({local_time(row.data['ts'])}, {row.key.hex()[:12]}): if it is the same delivery, the need "
                    f"now counts it twice. {WHO_RECORDS} If it is the same, take yours back: "
                    f"`solnet redact {event.id.hex()[:12]}`")
    for row in same:  # two coordinators of one group (or one run twice) recording one delivery
        if row.data["group"] == own and abs(row.data["ts"] - event.header.timestamp) <= OWN_TWICE_WITHIN_MS:
            by = "this device" if row.data.get("author") == event.author else "another device of your group"
            return (f"{by} already recorded {fields['quantity']} from that offer for that need "
                    f"({local_time(row.data['ts'])}, {row.key.hex()[:12]}): if it is the same delivery, the need "
                    f"now counts it twice{', and your offer gave it twice' if offer.group == own else ''}. If it is "
                    "the same, take this one back: "
                    f"`solnet redact {event.id.hex()[:12]}`")
    return None
