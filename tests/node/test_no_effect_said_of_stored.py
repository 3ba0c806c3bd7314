"""`solnet show` and the API's event say why a stored event has no effect to whoever reads it, on
any node: they said it with the publish refusal's words to its author, so every node showed a
group's decline of its own fulfilment as "that fulfilment is your own group's ... take your own back
with `redact`", and a fulfilment drawn on an offer of another unit as advice to record it again."""
from __future__ import annotations

from pathlib import Path

from events.effects import Problem, explain
from node_fixtures import Net, wires


def test_a_stored_decline_of_its_own_fulfilment_is_said_of_the_event(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "bristol.db")  # (a reader of Calais's events, as any node is)
    log.ingest(wires(net.group.made))
    need = net.device.sign("need", {"category": "tents", "quantity": 10, "region": "calais"})
    own = net.device.sign("need.fulfil", {"need": need.id, "quantity": 2})
    decline = net.device.sign("need.decline", {"need": need.id, "decline": own.id})
    offer = net.device.sign("offer", {"category": "tents", "quantity": 5, "unit": "boxes", "region": "calais"})
    drawn = net.device.sign("need.fulfil", {"need": need.id, "quantity": 1, "offer": offer.id})
    log.ingest(wires([need, own, decline, offer, drawn]))
    try:
        said = log.no_effect(decline)
        assert said is not None and said.key == "no_effect.decline_own", said
        assert "your own" not in said and "it declines its own group's fulfilment" in said, said
        said = log.no_effect(drawn)
        assert said is not None and said.key == "no_effect.draw_other_unit", said
        assert "record it" not in said and "give the offer" not in said and "boxes" in said, said
    finally:
        log.store.close()


def test_a_stored_figure_raised_by_another_group_names_no_field_to_fill_in() -> None:
    """A reader of another group's "raised" figure was told of a field to fill in ("the 'pledge'
    field"), as its author is."""
    found = Problem("raised_not_owner", "raised", {"owner": b"c" * 32})
    said = explain(found, lambda group: "Calais", of_stored=True)
    assert said.startswith("only Calais, which runs that fundraiser, may say") and "field" not in said, said
    assert "'pledge' field" in explain(found, lambda group: "Calais")  # (the author's refusal names it)
