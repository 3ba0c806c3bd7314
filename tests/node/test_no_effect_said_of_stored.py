"""`solnet show` and the API's event say why a stored event has no effect to whoever reads it, on
any node: they said it with the publish refusal's words to its author, so every node showed a
group's decline of its own fulfilment as "that fulfilment is your own group's ... take your own back
with `redact`", and a fulfilment drawn on an offer of another unit as advice to record it again."""
from __future__ import annotations

from pathlib import Path

import pytest

from events.effects import Problem, explain
from node.log import now_ms
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


# Every problem whose words to its author give advice or name what to type: what a reader is told
ADVICE = ("`", "'to'", "your ", "report on it", "name one of", "add ", "record it", "post a new", "if it is wanted")


@pytest.mark.parametrize(("code", "field", "detail"), [
    ("report_too_early", "action", {"starts_at": 1_900_000_000_000}),
    ("decline_not_owner", "need", {"owner": b"c" * 32}),
    ("decline_not_owner", "fundraiser", {"owner": b"c" * 32}),
    ("reply_not_to_owner", "need", {"owner": b"c" * 32}),
    ("decline_not_fulfilment", "decline", {}),
    ("decline_not_pledge", "decline", {}),
    ("decline_own", "decline", {"what": "pledge"}),
    ("raised_not_owner", "raised", {"owner": b"c" * 32}),
    ("draw_other_unit", "offer", {"offer": "boxes", "need": "items", "offer_owner": b"c" * 32, "own_offer": True}),
])
def test_a_stored_events_words_give_its_reader_no_advice(code: str, field: str, detail: dict) -> None:
    """`solnet show` and the API's event told any reader of a stored event what its author should
    have done (report once the action has taken place, take a pledge back with `redact`, add a
    group to 'to', name one of the fulfilments): the dashboard's event page says what happened."""
    said = explain(Problem(code, field, detail), lambda group: "Calais", of_stored=True)
    assert not [words for words in ADVICE if words in said], said


def test_a_stored_second_all_clear_gives_its_reader_no_advice(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "bristol.db")
    log.ingest(wires(net.group.made))
    alert = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "ID checks"},
                            expires=now_ms() + 3_600_000)
    clears = [net.device.sign("alert.update", {"alert": alert.id, "status": "all_clear"}) for _ in range(2)]
    log.ingest(wires([alert, *clears]))
    try:
        said = log.no_effect(clears[1])
        assert said is not None and said.key == "no_effect.cleared_before", said
        assert not [words for words in ADVICE if words in said], said
    finally:
        log.store.close()


def test_a_stored_update_after_a_withdrawal_gives_its_reader_no_advice(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "bristol.db")
    log.ingest(wires(net.group.made))
    need = net.device.sign("need", {"category": "tents", "quantity": 10, "region": "calais"})
    withdrawn = net.device.sign("need.update", {"need": need.id, "status": "withdrawn"})
    late = net.device.sign("need.update", {"need": need.id, "quantity": 4})
    log.ingest(wires([need, withdrawn, late]))
    try:
        said = log.no_effect(late)
        assert said is not None and said.key == "no_effect.withdrawn_before", said
        assert not [words for words in ADVICE if words in said], said
    finally:
        log.store.close()
