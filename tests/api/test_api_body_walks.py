"""node.api_body.parse looks for lone surrogates value by value only in a body whose text may hold one
(one in the text, or a \\uD800-\\uDFFF escape in either case): the refusals are as before, and a
plain body is not walked."""
from __future__ import annotations

import pytest

import node.api_body as api_body
from node.api_body import BodyError, parse

NEED = '"kind": "need", "fields": {"category": "water", "region": "calais", "quantity": "3"'


def test_a_plain_body_is_not_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    walked = []
    monkeypatch.setattr(api_body, "_broken", lambda value: walked.append(value) or False)
    request = parse(("{" + NEED + "}}").encode(), "application/json")
    assert request.texts == {"category": "water", "region": "calais", "quantity": "3"}
    assert walked == []


@pytest.mark.parametrize("escape", ["\\ud800", "\\uD800", "\\uDFFF", "\\udBff"])
def test_an_escaped_surrogate_in_either_case_is_refused_naming_its_field(escape: str) -> None:
    with pytest.raises(BodyError) as refused:
        parse(("{" + NEED + f', "notes": "a{escape}b"}}}}').encode(), "application/json")
    assert refused.value.field == "notes" and "surrogate" in str(refused.value)


def test_an_escaped_backslash_before_u_d800_is_text() -> None:
    request = parse(("{" + NEED + ', "notes": "a\\\\ud800"}}').encode(), "application/json")
    assert request.texts["notes"] == "a\\ud800"


def test_a_key_given_twice_is_still_named() -> None:
    with pytest.raises(BodyError) as refused:
        parse(("{" + NEED + ', "region": "dover"}}').encode(), "application/json")
    assert refused.value.code == "bad_json" and refused.value.field == "region"
