"""The log's refusal of a field (bad_field: a rule of the event's kind, its expiry) reached the API's
answer with its English text only: no `key`, so a client could not say it in its own language, as
it says a publish refusal's. It carries the key of its words now, the rule's own where it has one."""
from __future__ import annotations

import json

import pytest

from crypto.keys import SigningKey
from events.errors import InvalidEvent
from events.kinds import KINDS, check_fields, parse_body
from node.api import field_refusal
from node.dashboard.i18n import catalog
from node.http_failures import error_response
from node.log import now_ms
from signing_author import Author


def _answer(exc: InvalidEvent) -> dict:
    refusal = field_refusal(exc)
    response = error_response(refusal.status, refusal.code, refusal.message, refusal.field, refusal=refusal.refusal)
    return json.loads(response.text)["error"]


def _refused(call, *args) -> InvalidEvent:
    with pytest.raises(InvalidEvent) as refused:
        call(*args)
    return refused.value


def test_a_field_rule_of_the_log_is_answered_with_its_key_and_values() -> None:
    too_long = _refused(check_fields, KINDS["need"], {"category": "tents", "quantity": 2, "region": "calais",
                                                      "notes": "x" * 5000})
    error = _answer(too_long)
    assert (error["code"], error["field"], error["key"]) == ("invalid_field", "notes", "too_long"), error
    assert error["values"] == {"length": 5000, "limit": KINDS["need"].field("notes").max_len}, error
    assert _answer(_refused(check_fields, KINDS["need"], {"category": "tents", "quantity": 2, "region": "calais",
                                                          "colour": "red"}))["key"] == "no_such_field"
    assert _answer(_refused(check_fields, KINDS["need"], {"category": "tents", "quantity": 2}))["key"] == "required"
    author = Author(SigningKey.generate(), b"n" * 32)
    alert = author.sign("alert", {"region": "calais", "type": "raid", "text": "now"}, expires=now_ms() + 10 * 86_400_000)
    error = _answer(_refused(parse_body, alert.header, alert.body))
    assert error["key"] == "expiry_too_long" and error["values"] == {"hours": KINDS["alert"].max_expiry_ms // 3_600_000}
    for lang in ("en", "fr"):
        assert {f"error.{key}" for key in ("too_long", "no_such_field", "required", "expiry_too_long")} <= set(catalog(lang))


def test_a_field_refusal_without_words_of_its_own_has_the_generic_key() -> None:
    error = _answer(InvalidEvent("bad_field", "member.vouch: the device's consent does not verify"))
    assert error["key"] == "generic" and error["values"] == {} and "consent" in error["message"], error
