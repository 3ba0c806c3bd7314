"""A long body's refusals (its maps and lists counted as they are built: events/kinds.py
`parse_body`) and an event without the expiry its kind requires carry the key of their words, so
the API and the dashboard say them in the reader's language: until 2026-12-07 they had only their
English text, answered with the generic key ("Check this field.")."""
from __future__ import annotations

import json

import msgpack
import pytest

from crypto.hashing import blake2b_256
from crypto.keys import SigningKey
from events.errors import BAD_FIELD, MALFORMED, InvalidEvent
from events.format import Header
from events.kinds import BODY_BUILT_FREELY, MOST_ITEMS, parse_body
from node.api import field_refusal
from node.dashboard.i18n import catalog
from node.http_failures import error_response

KEY = bytes(SigningKey.generate().public)
NETWORK = bytes(range(32))
PADDING = "x" * BODY_BUILT_FREELY  # (a body longer than this has its containers counted)


def _header(kind: str, body: bytes, expires: int | None = None) -> Header:
    return Header(NETWORK, KEY, 1, None, 1_700_000_000_000, kind, expires, blake2b_256(body), len(body))


def _answer(kind: str, fields: dict, expires: int | None = None) -> dict:
    body = msgpack.packb(fields)
    with pytest.raises(InvalidEvent) as refused:
        parse_body(_header(kind, body, expires), body)
    assert refused.value.reason == (BAD_FIELD if kind == "alert" else MALFORMED)  # (past the caps: malformed)
    refusal = field_refusal(refused.value)
    response = error_response(refusal.status, refusal.code, refusal.message, refusal.field, refusal=refusal.refusal)
    return json.loads(response.text)["error"]


@pytest.mark.parametrize("kind, fields, key, values", [
    ("need", {"notes": PADDING, "details": [-32] * (MOST_ITEMS + 1)}, "too_many_items", {"most": MOST_ITEMS}),
    ("need", {"notes": PADDING, **{f"f{i}": [] for i in range(MOST_ITEMS)}}, "fields_nested", {"most": MOST_ITEMS}),
    ("alert", {"region": "calais", "type": "raid", "text": "now"}, "expiry_needed", {}),
], ids=["a field of too many items", "fields of lists", "no expiry"])
def test_the_refusal_is_answered_with_its_key_and_said_in_each_language(kind, fields, key, values) -> None:
    error = _answer(kind, fields)
    assert (error["key"], error["values"]) == (key, values), error
    said = {lang: catalog(lang)[f"error.{key}"].format(**values) for lang in ("en", "fr")}
    assert said["en"] != said["fr"] and all(str(v) in said["fr"] for v in values.values()), said


def test_a_field_of_too_many_items_is_named() -> None:
    assert _answer("need", {"notes": PADDING, "details": [-32] * (MOST_ITEMS + 1)})["field"] == "details"
