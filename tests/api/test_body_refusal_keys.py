"""Every refusal of a publish body's own check (node.api_body, 422 invalid_field) carries the key of
its words, as the refusals of a value not in its form did (test_refusal_key_in_api): an unknown key,
a null, a kind not publishable, an `offline` sent as text ... gave the English message and no key, so
an API client could not say them in its own language. Each key's words are in the dashboard's
catalogs in English and French, and name only the values the refusal gives."""
from __future__ import annotations

import json
import string

import pytest

from node.api_body import BodyError, parse
from node.dashboard.i18n import catalog

NEED = {"category": "food", "quantity": "3", "region": "calais"}


def _body(**more) -> dict:
    return {"kind": "need", "fields": dict(NEED), **more}


@pytest.mark.parametrize(("body", "field"), [
    (_body(colour="red"), "colour"),
    (_body(expires_in=None), "expires_in"),
    ({"fields": NEED}, "kind"),
    ({"kind": "party", "fields": {}}, "kind"),
    ({"kind": 3, "fields": {}}, "kind"),
    (_body(to="Calais"), "to"),
    (_body(to=[]), "to"),
    (_body(public_note="yes"), "public_note"),
    (_body(offline="false"), "offline"),
    (_body(new_region=1), "new_region"),
    (_body(expires_in="soon"), "expires_in"),
    (_body(**{"as": "admin"}), "as"),
    (_body(time_zone=2), "time_zone"),
    ({"kind": "need", "fields": ["food"]}, "fields"),
    ({"kind": "need", "fields": {**NEED, "colour": "red"}}, "colour"),
    ({"kind": "need", "fields": {**NEED, "notes": None}}, "notes"),
    ({"kind": "need", "fields": {**NEED, "quantity": "HUGE"}}, "quantity"),
    ({"kind": "support.offer", "fields": {"languages": ["fr", "en"]}}, "languages"),
    ({"kind": "need", "fields": {**NEED, "notes": 3}}, "notes"),
    ({"kind": "need", "fields": {**NEED, "quantity": True}}, "quantity"),
])
def test_every_refusal_of_the_body_has_the_key_of_its_words(body, field) -> None:
    raw = json.dumps(body).replace('"HUGE"', "1e400").encode()  # (a JSON number Python reads as infinity)
    with pytest.raises(BodyError) as refused:
        parse(raw, "application/json")
    error = refused.value
    assert (error.status, error.code, error.field) == (422, "invalid_field", field), error
    assert error.key is not None, f"no key for: {error}"
    for lang in ("en", "fr"):
        words = catalog(lang)[f"error.{error.key}"]
        named = {name for _, name, _, _ in string.Formatter().parse(words) if name}
        assert named <= set(error.values), (lang, error.key, named, dict(error.values))
        words.format(**error.values)


def test_a_broken_text_has_its_key() -> None:
    with pytest.raises(BodyError) as refused:
        parse(b'{"kind": "need", "fields": {"category": "food", "quantity": "3", "region": "calais", '
              b'"notes": "a\\ud800"}}', "application/json")
    assert (refused.value.field, refused.value.key) == ("notes", "body.broken_text"), refused.value


@pytest.mark.parametrize("body", [
    '{"kind": "need", "fields": {"category": "food", "%s": "a\\ud800"}}' % ("n" * 10_000),
    '{"kind": "need", "%s": "a\\ud800"}' % ("k" * 10_000),
])
def test_a_broken_text_names_its_key_cut_short(body: str) -> None:
    """A name the client made up, of any length, is quoted at most 40 characters long, as an unknown
    key or field is: the refusal of its broken text gave it whole, in its message, its field and
    (since its words carry a key) its values: 30 KB answered for a 10 KB name."""
    with pytest.raises(BodyError) as refused:
        parse(body.encode(), "application/json")
    error = refused.value
    assert error.key == "body.broken_text", error
    assert len(error.field) <= 40 and all(len(str(v)) <= 40 for v in error.values.values()), error
    assert len(str(error)) < 400, len(str(error))
