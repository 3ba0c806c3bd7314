"""A fulfilment naming an offer counted in another unit than its need (items of food for a need in
kg) was refused with "post the fulfilment in one unit", but a fulfilment has no unit to give: the
member was left with nothing to change. The refusal now says what to do: record it without the offer,
in the need's unit, and adjust the offer."""
from __future__ import annotations

from pathlib import Path

import pytest

from node import publishing
from node.kind_input import PublishError
from node.log import now_ms
from node_fixtures import Net, wires


def test_a_fulfilment_across_units_says_how_to_record_it(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made), now=now_ms())
    need = publishing.publish(log, net.founder, "need", {"category": "food", "quantity": "50", "unit": "kg",
                                                         "region": "calais"}, offline=True)
    offer = publishing.publish(log, net.founder, "offer", {"category": "food", "quantity": "30", "region": "calais"},
                               offline=True)
    with pytest.raises(PublishError) as refused:
        publishing.publish(log, net.founder, "need.fulfil", {"need": need.id.hex(), "offer": offer.id.hex(),
                                                             "quantity": "20"}, offline=True)
    said = str(refused.value)
    assert "record it without the offer ('offer'), in kg" in said and "offer.update" in said
    publishing.publish(log, net.founder, "need.fulfil", {"need": need.id.hex(), "quantity": "20"}, offline=True)
