"""Publish forms: which inputs each kind's form has (from events.kinds), and the message shown
next to a field when publishing refuses it, in the page language.

Every refusal carries the key of its words and their values (SolnetError.key; a field's rule and a
relation between fields, events.fields.Said): said by them in the page's language (`refusal_words`),
never by reading the English text. One without a key is said as written in English pages and as a
generic "check this field" in the others, so no untranslated sentence reaches a French page.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from events.kinds import ALERT_DEFAULT_EXPIRY_MS, HOUR_MS, KINDS
from events.sealed import SEALABLE
from node.dashboard.i18n import Translator
from node.dashboard.markup import time_tag
from node.publishing import CASE_NOTE_KINDS, PRIVATE_FIELD, typed_fields
from node.render import MOMENT_VALUES, MONEY_FIELDS, and_list, isolated
from node.request_shares import SHARE_KIND
from solnet_errors import Said, SolnetError

EXPIRY_CHOICES = ("1h", "3h", "6h", "12h", "24h", "48h")
DEFAULT_EXPIRY = f"{ALERT_DEFAULT_EXPIRY_MS // HOUR_MS}h"
LONG_TEXT = 400  # text fields longer than this get a text area


@dataclass(frozen=True)
class Input:
    name: str
    widget: str          # text, textarea, select, number, datetime, money, list, url, id
    required: bool
    choices: tuple[str, ...] = ()
    max_len: int | None = None
    ask: bool = False  # a required choice the form does not make for the person (it shows "Choose…")


# Required choices whose first option, chosen for whoever did not choose, says something false: an
# urgent request published as "low", a request closed as "resolved", a number of people. The others
# keep their first option shown (an alert is a raid far more often than not, and is typed in a hurry).
ASKED_CHOICES = {("support.request", "urgency"), ("support.request", "people"), ("support.close", "outcome")}


def inputs(kind_name: str) -> list[Input]:
    kind = KINDS[kind_name]
    out = []
    for name in typed_fields(kind):
        f = kind.field(name)
        assert f is not None
        if f.type == "enum":
            widget = "select"
        elif name in MONEY_FIELDS:
            widget = "money"
        elif f.type == "int":
            widget = "number"
        elif f.type == "time":
            widget = "datetime"
        elif f.type in ("languages", "texts", "ids", "urls"):
            widget = "list"
        elif f.type in ("url", "id"):
            widget = f.type
        elif f.type == "text" and f.max_len > LONG_TEXT:
            widget = "textarea"
        else:
            widget = "text"
        out.append(Input(name, widget, f.required, f.choices, f.max_len if f.type in ("text", "url") else None,
                         (kind_name, name) in ASKED_CHOICES))
    return out


def form_fields(kind_name: str) -> set[str]:
    """The names of every input of the form for `kind` (a refusal naming another is said above the form)."""
    extra = {"public_note"} if takes_case_notes(kind_name) else set()
    extra |= {"expires_in"} if needs_expiry(kind_name) else set()
    extra |= {"private", "to"} if has_private_part(kind_name) else set()
    extra |= {"audience", "to"} if takes_audience(kind_name) else set()
    extra |= {"to"} if shares_request(kind_name) else set()
    return {i.name for i in inputs(kind_name)} | extra


def in_form_order(kind_name: str, problems: dict[str, str]) -> dict[str, str]:
    """`problems` by input, in the order the form shows the inputs (publish_form.html: the kind's
    fields, the public note's tick, the expiry, the audience, the private details, the recipients):
    the error summary listed the problem the log met first at the top, wherever its field was."""
    order = [i.name for i in inputs(kind_name)] + ["public_note", "expires_in", "audience", "private", "to"]
    return dict(sorted(problems.items(), key=lambda p: order.index(p[0]) if p[0] in order else len(order)))


def takes_audience(kind_name: str) -> bool:
    """Kinds a group may share with chosen groups only (events/sealed.py): their forms have a picker."""
    return kind_name in SEALABLE


def has_private_part(kind_name: str) -> bool:
    """Kinds whose form takes private details typed for the groups ticked (a share's sealed part is the
    request's own details, which publishing seals again: its form has the groups alone)."""
    return KINDS[kind_name].field(PRIVATE_FIELD) is not None and not shares_request(kind_name)


def shares_request(kind_name: str) -> bool:
    """A support request's share: its form names the groups to share the request's details with."""
    return kind_name == SHARE_KIND


def picks_groups(kind_name: str) -> bool:
    """Whether the form has a list of the network's groups to tick (its 'to')."""
    return has_private_part(kind_name) or takes_audience(kind_name) or shares_request(kind_name)


def takes_case_notes(kind_name: str) -> bool:
    """Claims and closes: a public note needs a tick, private notes go to the requesting group."""
    return kind_name in CASE_NOTE_KINDS


def needs_expiry(kind_name: str) -> bool:
    return KINDS[kind_name].expiry == "required"


def reason_error(field: Any, reason: str, t: Translator, too_long_key: str) -> str | None:
    """What is wrong with the public `reason` typed for `field` (a withdrawal's or a revocation's), in
    `t`'s language; None if nothing: its length, then the log's own rule (control characters ...)."""
    if len(reason) > field.max_len:
        return t(too_long_key, max=field.max_len)
    problem = field.rule(field, reason) if reason else None
    return refusal_words(problem, t) if problem else None


def confirmed_errors(sent: Any, field: Any, reason: str, t: Translator, prefix: str) -> dict[str, str]:
    """The errors of a form that signs once ticked, with a public `reason` (`field` its rule): the
    reason's (`prefix`.reason_too_long ...) and the tick's, not given (`prefix`.not_confirmed)."""
    errors = {}
    if problem := reason_error(field, reason, t, f"{prefix}.reason_too_long"):
        errors["reason"] = problem
    if sent.get("confirm") != "yes":
        errors["confirm"] = t(f"{prefix}.not_confirmed")
    return errors


def not_caught_up_error(exc: Any, t: Translator, prefix: str) -> tuple[str, bool]:
    """A signing refused by the log (`exc`, an InvalidEvent) as the form says it, and whether the
    override is offered: refused for not having caught up (node/chain_gate.py), `prefix`.not_caught_up
    (`_bundle` for a home moved or restored that syncs by bundles only), with the tick offered."""
    from node.chain_gate import MOVED, NOT_CAUGHT_UP

    held = exc.reason == NOT_CAUGHT_UP
    return (t(f"{prefix}.not_caught_up_bundle" if held and MOVED in exc.args[0] else
              f"{prefix}.not_caught_up" if held else "error.refused_by_log"), held)


# The values of a refusal's words that are a choice of the form (a category, an alert's type): said
# by the choice's label in the page's language (events.effects.words_of gives them as stored)
CHOICE_VALUES = ("offer", "need", "alert", "given")
# The values that are groups' names (a list of them: `groups`): set apart (render.isolated), as the
# dashboard's <bdi> does beside the words, so a name in Arabic followed by digits or by the sentence's
# colon is not drawn across the words around it; a list joined with the page's own 'and'
NAME_VALUES = ("group", "groups", "owner", "offer_owner", "need_owner", "typed")


def refusal_words(refusal: SolnetError | Said, t: Translator, *, said_of: str = "error") -> str:
    """A refusal (a PublishError of node.publishing, or a rule's words) as said to the person, in `t`'s
    language: by the words of its key (SolnetError.key: the catalog's error.<key>, with its values),
    never by its English text; one without a key as written on English pages, generic words on others.
    `said_of`: "event" for why a stored event has no effect, said to any reader (the catalog's
    event.<key> where the form's words would advise the one filling it in), else the form's."""
    if refusal.key is None:
        return str(refusal) if t.lang == "en" and str(refusal) else t("error.generic")
    values = dict(refusal.values)
    if "fields" in values:  # the fields a change may name, by the form's own labels
        values["fields"] = ", ".join(t(f"field.{name}") for name in values["fields"])
    # A region is a name the groups gave, never a choice (alert_mismatch of an alert's region): a region
    # called "other" was said "Autre"
    choices = () if values.get("field") == "region" else CHOICE_VALUES
    if "field" in values:  # the field at fault, by the form's own label
        values["field"] = t(f"field.{values['field']}")
    for name in choices:
        if isinstance(values.get(name), str):
            values[name] = t.choice(values[name])
    key = f"event.{refusal.key}" if said_of == "event" and t.has(f"event.{refusal.key}") else f"error.{refusal.key}"
    return t(key, **_names_apart(values, t))


def said_on_page(said: Said, t: Translator) -> Markup:
    """Why an event has no effect (the log's reason, Said), in `t`'s language and in words for any
    reader of the event, not advice to its author (refusal_words' said_of="event"), a moment
    it names (given in milliseconds) as every time of the page is: a <time> its script shows in the
    reader's zone (said as text, it was in the server's zone)."""
    moments = {name: v for name, v in said.values.items() if name in MOMENT_VALUES and type(v) is int}
    marks = {name: f"\x00{name}\x00" for name in moments}
    words = escape(refusal_words(Said(said, said.key, **{**said.values, **marks}) if marks else said, t, said_of="event"))
    for name, ms in moments.items():
        words = words.replace(marks[name], time_tag(ms))
    return words


def _names_apart(values: dict[str, Any], t: Translator) -> dict[str, Any]:
    """`values` with each group's name set apart (NAME_VALUES), a list of names joined in `t`'s language."""
    for name in NAME_VALUES:
        if isinstance(values.get(name), str):
            values[name] = isolated(values[name])
        elif isinstance(values.get(name), list):
            values[name] = and_list([isolated(n) for n in values[name]], t("list.and"))
    return values


def values_for(kind_name: str, query: Any) -> dict[str, str]:
    """Prefilled values from a link (e.g. 'Pledge' on a fundraiser page gives ?fundraiser=ID)."""
    return {i.name: str(query.get(i.name, ""))[:500] for i in inputs(kind_name) if query.get(i.name)}
