"""What the dashboard says after a publish besides "Published", as `solnet publish` and the API's
`warnings` say it: a step behind another device's stamped ahead (node.publishing
step_stamped_ahead), a delivery recorded twice (node.delivery_twice recorded_twice). The facts
here, blocking reads; the words are the dashboard's catalogs' (publish.step_behind,
publish.twice_*). The form's page showed neither: a coordinator whose phone cancelled an action
under a laptop's 'on' stamped an hour ahead read 'Published' and nothing else."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from events.errors import InvalidEvent
from events.format import decode_event
from node.delivery_twice import recorded_twice
from node.publishing import step_stamped_ahead

if TYPE_CHECKING:
    from node.log import EventLog


def published_facts(log: EventLog, event_id: bytes) -> dict[str, Any]:
    """`behind` and `twice` (each None when there is nothing to say) of the event `event_id` just
    published here."""
    wires = log.store.wires_by_id([event_id])
    try:
        event = decode_event(wires[0]) if wires else None
    except InvalidEvent:
        event = None
    if event is None:
        return {"behind": None, "twice": None}
    return {"behind": step_stamped_ahead(log, event), "twice": recorded_twice(log, event)}
