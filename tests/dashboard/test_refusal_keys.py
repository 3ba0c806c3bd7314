"""Every refusal that publishing writes carries the key of its words (SolnetError.key), and each
key has words in English and in French that name only the values the refusal gives: the dashboard
chose its words by matching the refusal's English text, and a refusal reworded, or one no rule
knew, fell back to "Check this field." / "Vérifiez ce champ." unnoticed.

The refusals are read from the code, not from a list: each PublishError, EffectRefused, and each
error of a value typed, of a field's rule or a relation between fields (Said), of private details,
of the groups named and of a peer address, that any module of the node makes with words of its own
(those were read by their English text until 2026-12-07, and the refusal of a short id prefix had no
French words), and each Problem of events/effects.py (said through events.effects.words_of). A new
refusal without a key, or a key without words in either language, fails here."""
from __future__ import annotations

import ast
import inspect
import itertools
import string
from pathlib import Path

import pytest

from events import effects
from node import kind_input
from node.dashboard import forms
from node.dashboard.i18n import Translator, catalog
from node.render import GONE_WORDS
from solnet_errors import SolnetError

# Each refusal that carries the key of its words, by where its key is given (the argument after the message,
# or after the field at fault)
KEY_AT = {"PublishError": 2, "EffectRefused": 2, "InputError": 1, "NotOneMoment": 1, "UnknownEvent": 1,
          "AmbiguousEvent": 1, "FieldError": 1, "PrivateError": 1, "AudienceError": 1, "AddressError": 1, "Said": 1}
ROOT = Path(kind_input.__file__).resolve().parent.parent
SOURCES = sorted([ROOT / "cli.py", *(p for floor in ("node", "events", "sync", "crypto") for p in (ROOT / floor).rglob("*.py"))])
# What the parts of a key written as an f-string stand for: a listing's side, how its group is gone
SIDES = ("need", "offer")
DOMAINS = {"side": SIDES, "listing['side']": SIDES, "fund['group_gone']": tuple(GONE_WORDS), "how": tuple(GONE_WORDS),
           "listing['status']": tuple(f"group_{how}" for how in GONE_WORDS)}


def _keys(expr: ast.expr) -> list[str]:
    """The keys an argument written as a constant, an f-string over DOMAINS, or a choice of them stands for."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [expr.value]
    if isinstance(expr, ast.IfExp):  # one key or another: both said
        return _keys(expr.body) + _keys(expr.orelse)
    assert isinstance(expr, ast.JoinedStr), f"write the key out, or as an f-string over DOMAINS: {ast.unparse(expr)}"
    parts = []
    for part in expr.values:
        if isinstance(part, ast.Constant):
            parts.append((part.value,))
        else:
            said = ast.unparse(part.value)
            assert said in DOMAINS, f"{said!r} in a key: add what it stands for to DOMAINS"
            parts.append(DOMAINS[said])
    return ["".join(p) for p in itertools.product(*parts)]


def _refusals(source: Path) -> list[tuple[str, ast.Call]]:
    """Each refusal (KEY_AT) `source` makes, with where (path:line)."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    return [(f"{source.relative_to(ROOT)}:{node.lineno}", node) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in KEY_AT]


def _written_here(call: ast.Call) -> bool:
    """Whether the refusal's words are written at this call (a text or an f-string), not passed on
    from another module's rule (a field's parse, a relation between fields: node.dashboard.forms
    reads those, tests/dashboard/test_every_refusal_has_words.py)."""
    return isinstance(call.args[0], (ast.Constant, ast.JoinedStr, ast.Call))


CALLS = [c for source in SOURCES for c in _refusals(source)]
WRITTEN = [(where, call) for where, call in CALLS if _written_here(call)]


def _key_arg(call: ast.Call) -> ast.expr | None:
    at = KEY_AT[call.func.id]  # type: ignore[attr-defined]
    given = call.args[at] if len(call.args) > at else next((k.value for k in call.keywords if k.arg == "key"), None)
    return given


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _said_keys() -> list[tuple[str, str, set[str] | None]]:
    """(where, key, the values given) of every refusal written with its key (None: given as **values)."""
    out = []
    for where, call in WRITTEN:
        key = _key_arg(call)
        # none: said below; a Problem's (words_of) or one passed on (exc.key): checked where it is written
        if key is None or isinstance(key, (ast.Name, ast.Attribute)):
            continue
        names = {k.arg for k in call.keywords if k.arg not in (None, "key")}
        for said in _keys(key):
            out.append((where, said, names))
    return out


def _problems() -> list[tuple[str, effects.Problem]]:
    """Each Problem events/effects.py makes, with each code and each field it may name (a decline's
    field is what it declines from) and the names of its detail."""
    tree = ast.parse(inspect.getsource(effects))
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Problem"):
            continue
        code = node.args[0]
        codes = [code.body.value, code.orelse.value] if isinstance(code, ast.IfExp) else [code.value]
        field = node.args[1]
        fields = [field.value] if isinstance(field, ast.Constant) else [n for n, _ in effects.DECLINES.values()]
        detail = node.args[2] if len(node.args) > 2 else None
        names = [k.value for k in detail.keys] if isinstance(detail, ast.Dict) else []
        for c, f in itertools.product(codes, fields):
            out.append((f"events.effects:{node.lineno}", effects.Problem(c, f, {n: "x" for n in names})))
    return out


KEYS = _said_keys()
PROBLEMS = _problems()


def test_the_walk_meets_the_refusals_it_was_written_for() -> None:
    keys = {key for _, key, _ in KEYS}
    assert {"own_pledge", "fundraiser_ended", "need_lapsed", "offer_lapsed", "request_closed", "claim_unreadable",
            "unknown_kind", "redact_not_own", "fundraiser_group_revoked"} <= keys
    assert len(WRITTEN) >= 55 + 60, len(WRITTEN)
    assert {"event_id_short", "group_id_short", "recipient_not_joined", "time_skipped", "too_long", "change_something",
            "peer_address", "private_too_long"} <= keys
    assert {where.split(":")[0] for where, _ in WRITTEN} >= {
        "node/field_input.py", "node/private.py", "node/audience.py", "events/fields.py", "events/kinds.py",
        "sync/addresses.py", "node/publishing.py", "node/kind_input.py", "node/effect_checks.py"}
    codes = {p.code for _, p in PROBLEMS}
    assert {"not_owner", "draw_other_unit", "decline_own", "decline_not_pledge", "decline_not_fulfilment"} <= codes


@pytest.mark.parametrize("where,call", WRITTEN, ids=[w for w, _ in WRITTEN])
def test_each_refusal_written_carries_a_key(where: str, call: ast.Call) -> None:
    assert _key_arg(call) is not None, f"{where}: give {ast.unparse(call)[:100]}... a key and its words"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_each_key_has_words_naming_only_the_values_given(lang: str) -> None:
    words = catalog(lang)
    missing = sorted({f"{where}: error.{key}" for where, key, _ in KEYS if f"error.{key}" not in words})
    assert not missing, f"no {lang} words for: {missing}"
    unknown = sorted({f"{where}: error.{key} names {sorted(_placeholders(words[f'error.{key}']) - given)}"
                      for where, key, given in KEYS if given is not None
                      and not _placeholders(words[f"error.{key}"]) <= given})
    assert not unknown, unknown


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_each_problem_of_the_log_has_words(lang: str) -> None:
    words = catalog(lang)
    for where, found in PROBLEMS:
        key, values = effects.words_of(found, lambda group: "Calais", str)
        assert f"error.{key}" in words, f"{where}: no {lang} words for {found.code} ({found.field}): error.{key}"
        assert _placeholders(words[f"error.{key}"]) <= set(values), (where, key, values)


def test_the_dashboard_says_a_refusal_by_its_key_whatever_its_english() -> None:
    """Reworded, a refusal keeps its words: they come from its key, never from its text."""
    fr = Translator("fr")
    refused = kind_input.PublishError("reworded beyond any rule", "fundraiser", "fundraiser_ended",
                                      time="2026-12-01 18:00 CET", group="Calais")
    said = forms.refusal_words(refused, fr)
    assert said.startswith("Cette collecte s’est terminée le 2026-12-01 18:00 CET") and "Demandez à Calais" in said, said
    passed = kind_input.PublishError.of(refused, "pledge")
    assert (passed.field, passed.key, dict(passed.values)) == ("pledge", "fundraiser_ended", dict(refused.values))


def test_a_problem_of_the_log_names_the_group_and_the_choices_in_the_pages_language() -> None:
    fr = Translator("fr")
    found = effects.Problem("draw_other_goods", "offer", {"offer": "food", "need": "clothing"})
    key, values = effects.words_of(found, lambda group: "Calais", str)
    said = forms.refusal_words(kind_input.PublishError("x", "offer", key, **values), fr)
    assert fr.choice("food") in said and fr.choice("clothing") in said and "food" not in said, said
    owner = effects.Problem("not_owner", "need", {"owner": b"\x01" * 32, "verb": "adjust or withdraw", "kind": "need"})
    key, values = effects.words_of(owner, lambda group: "Calais", str)
    assert forms.refusal_words(SolnetError(), fr) == fr("error.generic")  # no key, no text: the generic words
    assert forms.refusal_words(kind_input.PublishError("x", "need", key, **values), fr).startswith("Seul Calais,")


def test_an_alerts_region_is_said_as_named_and_its_type_by_its_label() -> None:
    """alert_mismatch names the alert's region or its type: a type is a choice, said by its label; a
    region is a name the groups gave, said as they wrote it (a region called "other" or "food" came out
    as "Autre", "Nourriture": a place that does not exist)."""
    fr = Translator("fr")
    place = effects.Problem("alert_mismatch", "region", {"alert": "other", "given": "food"})
    key, values = effects.words_of(place, lambda group: "Calais", str)
    said = forms.refusal_words(kind_input.PublishError("x", "region", key, **values), fr)
    assert ": other, pas food." in said.replace("\u202f", " "), said
    kind = effects.Problem("alert_mismatch", "type", {"alert": "raid", "given": "eviction"})
    key, values = effects.words_of(kind, lambda group: "Calais", str)
    said = forms.refusal_words(kind_input.PublishError("x", "type", key, **values), fr)
    assert f"{fr.choice('raid')}, pas {fr.choice('eviction')}" in said and "raid," not in said, said
