"""The version-1 event kinds (docs/design.md section 4): their body fields, who may author them, expiry rules.

A body is a canonical msgpack map from field name to value. Unknown kinds (from newer versions)
are stored and forwarded but not validated beyond the format, and not projected.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events.canonical import Overfull, key_of_long_value, unpack
from events.errors import BAD_FIELD, MALFORMED, InvalidEvent, quoted
from events.fields import LIST_TYPES, Field, most_items
from events.format import Header
from events.consent import consent_is_valid
from solnet_errors import Said

HOUR_MS = 3600 * 1000
ALERT_DEFAULT_EXPIRY_MS = 6 * HOUR_MS
ALERT_MAX_EXPIRY_MS = 48 * HOUR_MS

DAY_MS = 24 * HOUR_MS
ALERT_UPDATE_DEFAULT_EXPIRY_MS = 7 * DAY_MS  # an all clear is the alert's history for a week, then goes
ALERT_UPDATE_MAX_EXPIRY_MS = 30 * DAY_MS

ACTION_TYPES = ("protest", "direct_action", "info_night", "class", "distribution", "outreach", "detention_visit",
                "other")
GOODS = ("tents", "blankets", "sleeping_bags", "clothes", "shoes", "bikes", "firewood", "water", "food",
         "sim_cards", "phones", "books", "sports_kit", "hygiene", "chargers", "baby_items", "tarpaulins", "other")
# How a quantity is counted. A need or offer without a unit counts items (as every 0.2 one does).
UNITS = ("items", "pairs", "sets", "boxes", "kg", "litres", "m3", "top_ups")
DEFAULT_UNIT = "items"
SUPPORT_TYPES = ("housing", "legal", "legal_information", "accompaniment", "medical", "activist_trauma_support",
                 "safeguarding_minor")
PEOPLE_BUCKETS = ("1", "2", "3-5", "6-10", "11+")
URGENCY = ("low", "medium", "high")
ALERT_TYPES = ("raid", "eviction", "arrest", "border_check", "other")
ALERT_STATUS = ("update", "all_clear")
# Kinds whose bodies say where nodes are (their addresses): the panic wipe drops those bodies and a
# bundle not encrypted carries them without (node/wipe.py, node/bundle.py); the signed headers stay.
LOCATING_KINDS = ("node.announce",)
ACTION_STATUS = ("cancelled", "on")  # of an action, set by its own group (action.update)
LISTING_STATUS = ("open", "withdrawn")  # of a need, an offer or a support offer, set by its own group
OUTCOMES = ("resolved", "referred", "withdrawn", "unresolved")
RESOURCE_TOPICS = ("legal", "know_your_rights", "class_materials", "health", "housing", "other")
ROLES = ("group", "device", "accept")  # accept: a group names a group it joined through (events/trust.py)
# Kinds that change an earlier event of their author's group, and the field naming it: only the
# group that made that event may (events.effects).
UPDATES = {"need.update": "need", "offer.update": "offer", "support.offer.update": "offer",
           "alert.update": "alert", "action.report": "action", "support.share": "request",
           "action.update": "action"}
YES_NO = ("yes", "no")

# Who may sign a kind: "device" keys publish, "group" keys manage membership; some kinds both.
DEVICE, GROUP = "device", "group"


class Kind:
    """An event kind's rules: its fields, who signs it (`signers`), whether it expires ("forbidden",
    "optional" or "required") and how long by default and at most; `references` are its fields that
    name another event (`refers_to`), in order, worked out once. Read-only once made, like the
    rules it holds. (A plain class, not a frozen dataclass: `dataclasses` loads `inspect` and `ast`,
    1.1 MiB of an ingest worker's memory, node/verify_worker.py.)"""

    __slots__ = ("name", "fields", "signers", "expiry", "default_expiry_ms", "max_expiry_ms", "summary",
                 "_by_name", "_rules", "references", "_required")

    def __init__(self, name: str, fields: tuple[Field, ...], signers: frozenset[str] = frozenset({DEVICE}),
                 expiry: str = "optional", default_expiry_ms: int | None = None, max_expiry_ms: int | None = None,
                 summary: str = "") -> None:
        for attr, value in (("name", name), ("fields", fields), ("signers", signers), ("expiry", expiry),
                            ("default_expiry_ms", default_expiry_ms), ("max_expiry_ms", max_expiry_ms),
                            ("summary", summary),
                            ("_by_name", {f.name: f for f in fields}),
                            ("_rules", {f.name: (f, f.rule) for f in fields}),
                            ("references", tuple(f for f in fields if f.refers_to)),
                            ("_required", tuple(f.name for f in fields if f.required))):
            object.__setattr__(self, attr, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a kind's rules do not change: cannot set {name}")

    def __reduce__(self) -> tuple[type[Kind], tuple[Any, ...]]:
        # Made again from its arguments: pickle and copy would set each slot, which __setattr__ refuses.
        return Kind, (self.name, self.fields, self.signers, self.expiry, self.default_expiry_ms, self.max_expiry_ms,
                      self.summary)

    def __repr__(self) -> str:
        return f"Kind({self.name!r})"

    def field(self, name: str) -> Field | None:
        return self._by_name.get(name)


def _t(name: str, max_len: int = 200, required: bool = False, help: str = "") -> Field:
    return Field(name, "text", required, max_len=max_len, help=help)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("group.profile", (
            _t("name", 80, True), Field("region", "region", True), _t("description", 2000),
            Field("languages", "languages"), _t("contact", 200),
            Field("public_feeds", "enum", choices=YES_NO,
                  help="yes: the group's public actions and fundraisers go into the calendar and Atom feeds"),
        ), signers=frozenset({DEVICE, GROUP}), expiry="forbidden", summary="the group's public profile"),
        Kind("action", (
            _t("title", 140, True), _t("description", 4000), Field("region", "region", True), _t("place", 200),
            Field("starts_at", "time", True), Field("ends_at", "time"),
            Field("type", "enum", True, choices=ACTION_TYPES), Field("languages", "languages"), Field("link", "url", max_len=500),
        ), summary="a solidarity action, info night, class, distribution ..."),
        Kind("fundraiser", (
            _t("title", 140, True), Field("goal", "int", True, minimum=1, maximum=10**12, help="in minor units (cents, pence)"),
            Field("currency", "currency", True), Field("region", "region", True), Field("ends_at", "time"),
            _t("how_to_give", 1000), _t("description", 4000),
        ), summary="a fundraiser with a goal"),
        Kind("fundraiser.update", (
            Field("fundraiser", "id", True, refers_to="fundraiser"), Field("raised", "int", maximum=10**12),
            Field("pledge", "int", minimum=1, maximum=10**12),
            _t("note", 500),
        ), expiry="forbidden", summary="amount raised so far (by the fundraiser's group: the whole sum, "
                                      "each report replaces the last) or a pledge (by anyone: each pledge adds to the "
                                      "group's earlier ones; to change one, redact it and pledge again)"),
        # A kind of its own, not a field of fundraiser.update: a node that does not know a field refuses
        # the whole event (and then holds every later event of its author), one that does not know a
        # kind stores and forwards it (docs/design.md section 4).
        Kind("fundraiser.decline", (
            Field("fundraiser", "id", True, refers_to="fundraiser"),
            Field("decline", "id", True, refers_to="fundraiser.update", help="a pledge of the group declined: every pledge of that group to this fundraiser, earlier and later, is declined with it"),
            _t("note", 500),
        ), expiry="forbidden", summary="the fundraiser's group declines every pledge of a group to it, earlier and later "
                                      "(naming one): none of them counts as pledged"),
        Kind("need", (
            Field("category", "enum", True, choices=GOODS), Field("quantity", "int", True, minimum=1, maximum=10**6),
            Field("unit", "enum", choices=UNITS, help=f"how the quantity counts (default {DEFAULT_UNIT})"),
            Field("urgency", "enum", choices=URGENCY),
            _t("notes", 500), Field("region", "region", True), Field("until", "time"),
        ), summary="goods a region needs"),
        Kind("offer", (
            Field("category", "enum", True, choices=GOODS), Field("quantity", "int", True, minimum=1, maximum=10**6),
            Field("unit", "enum", choices=UNITS, help=f"how the quantity counts (default {DEFAULT_UNIT})"),
            _t("notes", 500), Field("region", "region", True), Field("until", "time"),
        ), summary="goods a group can give"),
        Kind("need.update", (
            Field("need", "id", True, refers_to="need"),
            Field("quantity", "int", minimum=1, maximum=10**6, help="the whole quantity needed now"),
            Field("urgency", "enum", choices=URGENCY), _t("notes", 500),
            Field("status", "enum", choices=LISTING_STATUS, help="withdrawn: no longer needed"),
        ), expiry="forbidden", summary="adjust or withdraw a need (by the group that posted it)"),
        Kind("offer.update", (
            Field("offer", "id", True, refers_to="offer"),
            Field("quantity", "int", minimum=1, maximum=10**6, help="the whole quantity offered now"),
            _t("notes", 500), Field("status", "enum", choices=LISTING_STATUS, help="withdrawn: no longer offered"),
        ), expiry="forbidden", summary="adjust or withdraw an offer (by the group that posted it)"),
        Kind("need.fulfil", (
            Field("need", "id", True, refers_to="need"), Field("quantity", "int", True, minimum=1, maximum=10**6), _t("by", 80),
            Field("offer", "id", refers_to="offer", help="the offer it comes from (drawn down by the quantity when the offer is your group's)"),
        ), expiry="forbidden", summary="part or all of a need was covered (from an offer, if named)"),
        Kind("need.decline", (  # (a kind of its own: see fundraiser.decline)
            Field("need", "id", True, refers_to="need"),
            Field("decline", "id", True, refers_to="need.fulfil", help="a fulfilment of the group declined: every fulfilment of that group to this need, earlier and later, is declined with it"),
            _t("note", 500),
        ), expiry="forbidden", summary="the need's group declines every fulfilment of a group to it, earlier and later "
                                      "(naming one): none of them counts as covered"),
        Kind("support.offer", (
            Field("region", "region", True), Field("type", "enum", True, choices=SUPPORT_TYPES),
            Field("capacity", "int", True, minimum=1, maximum=10_000, help="how many people (or places) at once"),
            Field("starts_at", "time", help="available from"), Field("until", "time", help="available until"),
            Field("languages", "languages"), _t("notes", 500),
        ), summary="support a group can give: housing places, accompaniment, legal help ..."),
        Kind("support.offer.update", (
            Field("offer", "id", True, refers_to="support.offer"),
            Field("capacity", "int", minimum=1, maximum=10_000, help="how many people (or places) now"),
            _t("notes", 500), Field("status", "enum", choices=LISTING_STATUS, help="withdrawn: no longer offered"),
        ), expiry="forbidden", summary="adjust or withdraw a support offer (by the group that posted it)"),
        Kind("support.request", (
            Field("region", "region", True), Field("type", "enum", True, choices=SUPPORT_TYPES),
            Field("people", "enum", True, choices=PEOPLE_BUCKETS), Field("urgency", "enum", True, choices=URGENCY),
            Field("sealed", "bytes", max_len=60 * 1024, help="private details, encrypted to the recipients"),
        ), summary="a request for support; identifying details only in the encrypted part"),
        Kind("support.claim", (Field("request", "id", True, refers_to="support.request"),
                               _t("note", 500, help="public: every node can read it"),
                               Field("sealed", "bytes", max_len=60 * 1024,
                                     help="case notes, encrypted to the requesting group and the claiming one")),
             expiry="forbidden", summary="a group takes a support request"),
        Kind("support.close", (Field("request", "id", True, refers_to="support.request"),
                               Field("outcome", "enum", True, choices=OUTCOMES),
                               _t("note", 500, help="public: every node can read it"),
                               Field("sealed", "bytes", max_len=60 * 1024,
                                     help="case notes, encrypted to the requesting group and the closing one")),
             expiry="forbidden", summary="a support request is closed"),
        # A kind of its own (see fundraiser.decline): a node that does not know it stores and forwards it.
        Kind("support.share", (Field("request", "id", True, refers_to="support.request"),
                               Field("sealed", "bytes", max_len=60 * 1024,
                                     help="the request's private details, encrypted to the groups it is shared with "
                                          "and the requesting group (publishing fills it in)")),
             expiry="forbidden", summary="the requesting group shares a support request's private details with more "
                                         "groups, which may then take it"),
        Kind("alert", (
            Field("region", "region", True), _t("location", 120), Field("type", "enum", True, choices=ALERT_TYPES),
            _t("text", 1000, True),
            Field("public", "enum", choices=YES_NO,
                  help="yes: also on the public alert page and feed, for people without a node"),
        ), expiry="required", default_expiry_ms=ALERT_DEFAULT_EXPIRY_MS, max_expiry_ms=ALERT_MAX_EXPIRY_MS,
            summary="a live alert (raid, eviction ...), spread first, expires"),
        Kind("alert.update", (
            Field("alert", "id", True, refers_to="alert"),
            Field("status", "enum", True, choices=ALERT_STATUS, help="all_clear ends the alert"),
            _t("text", 1000, help="what changed (needed for an update)"), _t("location", 120),
            Field("region", "region", help="the alert's region (filled in from the alert)"),
            Field("type", "enum", choices=ALERT_TYPES, help="the alert's type (filled in from the alert)"),
        ), default_expiry_ms=ALERT_UPDATE_DEFAULT_EXPIRY_MS, max_expiry_ms=ALERT_UPDATE_MAX_EXPIRY_MS,
            summary="an update or the all clear of an alert (by any device of the group that posted it)"),
        Kind("action.update", (
            Field("action", "id", True, refers_to="action"),
            Field("starts_at", "time", help="the new start (moved); its end moves with it unless 'ends_at' is given"),
            Field("ends_at", "time", help="the new end"), _t("place", 200, help="the new place"),
            Field("status", "enum", choices=ACTION_STATUS,
                  help="cancelled: it will not take place; on: it takes place after all"),
            _t("note", 500, help="why, or what people should know (public, like the action)"),
        ), expiry="forbidden", summary="move or cancel an action (by any device of the group that posted it)"),
        Kind("action.report", (
            Field("action", "id", True, refers_to="action"),
            Field("people", "int", maximum=1_000_000, help="how many took part"),
            _t("outcome", 2000, True, help="what happened"),
            Field("photos", "urls", maximum=8, max_len=500, help="links to photos"),
            Field("languages", "languages"),
        ), expiry="forbidden", summary="what happened at a past action (by the group that held it)"),
        Kind("resource", (
            _t("title", 140, True), Field("languages", "languages", True), _t("summary", 2000, True),
            Field("topic", "enum", choices=RESOURCE_TOPICS), Field("region", "region", help="where it applies "
                                                                                          "(leave out: everywhere)"),
            Field("link", "url", max_len=500), _t("text", 16_000, help="the text itself, if there is no link"),
        ), summary="legal information, a know-your-rights leaflet, class materials ..."),
        Kind("redact", (Field("ids", "ids", True, maximum=64), _t("reason", 200)),
             expiry="forbidden", summary="drop the bodies of the author's own earlier events"),
        Kind("member.vouch", (
            Field("subject", "key", True), Field("role", "enum", True, choices=ROLES),
            Field("encryption_key", "key"), _t("name", 80),
            Field("consent", "signature", help="the device key's signature consenting to this group and encryption key"),
        ), signers=frozenset({DEVICE, GROUP}), expiry="forbidden",
             summary="certify a device key, admit a group, or (role accept) name a group this group joined through"),
        Kind("member.revoke", (
            Field("subject", "key", True), Field("from_seq", "int", True, minimum=1), _t("reason", 200),
            Field("pin", "id", help="the id of the subject's event at from_seq - 1: the chain its revoker vouches "
                                    "for (a group key revoking its device; events/trust.py)"),
        ), signers=frozenset({DEVICE, GROUP}), expiry="forbidden", summary="revoke a key from a seq on"),
        Kind("node.announce", (
            Field("addresses", "texts", True, maximum=8), Field("pin", "id"),
        ), summary="how to reach a node"),
        # Content for chosen groups only (events/sealed.py): the kind, fields and recipients are inside
        # the envelope; the header shows the author, the time and (roughly) the size.
        Kind("sealed", (Field("envelope", "bytes", True, max_len=63 * 1024,
                              help="the event's kind and fields, encrypted to the chosen groups' devices"),),
             summary="content for chosen groups only (publish a kind with --to GROUP)"),
    )
}


def _a(word: str) -> str:
    """'an alert', 'a need': messages are read by people."""
    return ("an " if word[:1] in "aeiou" else "a ") + word


BODY_BUILT_FREELY = 1024  # bytes: a body this long or shorter is decoded as it comes (~75 kB at most built)
# The most items a body's map (its kind's fields) or any list in it (a list field's) may hold: 64.
# A long body's maps and lists are refused past it at their headers, before their items are built
# (a 64 KiB list of one-byte numbers built 41 x its size in an ingest worker, until 2026-12-07).
MOST_ITEMS = max(*(len(k.fields) for k in KINDS.values()),
                 *(most_items(f) for k in KINDS.values() for f in k.fields if f.type in LIST_TYPES))
assert MOST_ITEMS <= 256  # (a list field given no maximum would lift the cap for every kind)
_MAP_STARTS = frozenset({*range(0x80, 0x90), 0xDE, 0xDF})  # a msgpack map's first byte


def parse_body(header: Header, body: bytes | None) -> dict[str, Any] | None:
    """Validate a body against its kind; return its fields, or None for unknown kinds and stubs.

    Raises InvalidEvent(bad_field) naming the field and the rule that failed.
    """
    kind = KINDS.get(header.kind)
    if kind is None:
        return None
    _check_expiry(kind, header)
    if body is None:
        if header.body_len == 0:
            raise InvalidEvent(BAD_FIELD, f"{_a(kind.name)} event needs a body")
        return None
    # Flat: a field holds a plain value or a list of them, and `check_fields` refuses anything else,
    # so the containers in a stranger's body are not walked one Python call each (2 KiB of nested
    # empty maps in a vouch's unknown field: 1.8 ms, 32 such vouches in one handshake's credentials).
    try:
        # A long body's maps and lists are counted as they are built: one map of fields, each a
        # plain value or a list of them, so one more than its kind has fields at most (`unpack`),
        # each of at most MOST_ITEMS items.
        long = len(body) > BODY_BUILT_FREELY
        fields = unpack(body, what=f"{kind.name} body", flat=True,
                        containers=1 + len(kind.fields) if long else None, items=MOST_ITEMS if long else None)
    except Overfull:
        if body[0] in _MAP_STARTS:
            raise _past_caps(kind, key_of_long_value(body, MOST_ITEMS)) from None
        raise InvalidEvent(MALFORMED, f"{_a(kind.name)} body must be a map of fields") from None
    if not isinstance(fields, dict):
        raise InvalidEvent(MALFORMED, f"{_a(kind.name)} body must be a map of fields")
    try:
        check_fields(kind, fields)
    except InvalidEvent:
        # A short body read whole is refused past the caps as a long one is (only a body past them
        # fails `check_fields` there: every list field holds MOST_ITEMS items at most, plain values)
        if not long and _beyond_caps(kind, fields):
            raise _past_caps(kind, key_of_long_value(body, MOST_ITEMS)) from None  # (as a long one's is named)
        raise
    _check_consent(kind, header, fields)
    return fields


def _past_caps(kind: Kind, name: str | None) -> InvalidEvent:
    """The refusal of a body whose maps and lists go past the caps a long body is read with (more
    than MOST_ITEMS items in one, or more of them than one per field and the body's own): MALFORMED
    wherever they lie and whatever else the body holds. A long body is read only up to the first one
    past, never after it: refused `bad_field` there (5 points), it was `malformed` (10) when a
    broken string came before it, and `bad_field` when after it (until 2026-12-08): a peer's penalty
    hung on the order of the faults. `name`: the field holding a list or map past MOST_ITEMS items."""
    if name is not None:
        return InvalidEvent(MALFORMED, Said(f"{kind.name}: field {quoted(name)} holds more than {MOST_ITEMS} items, "
                                            "more than any field may", "too_many_items", most=MOST_ITEMS))
    return InvalidEvent(MALFORMED, Said(f"{kind.name}: its fields hold lists or maps no field of it may hold, "
                                        f"or more than {MOST_ITEMS} of them", "fields_nested", most=MOST_ITEMS))


def _beyond_caps(kind: Kind, fields: dict[str, Any]) -> bool:
    """Whether a body read whole goes past the caps `unpack(containers=..., items=...)` reads a long
    one with: a list or map of more than MOST_ITEMS items at any depth (the body's map too), or more
    lists and maps than one per field of its kind and the body. Only for a refused short body (at
    most 1 KiB: a few hundred values walked at most)."""
    if len(fields) > MOST_ITEMS:
        return True
    containers, walk = 1, [v for v in fields.values() if type(v) in (list, dict)]
    while walk:
        value = walk.pop()
        containers += 1
        items = value.values() if type(value) is dict else value
        if len(value) > MOST_ITEMS or containers > 1 + len(kind.fields):
            return True
        walk += [v for v in items if type(v) in (list, dict)]
    return False


def checked_body(header: Header, fields: dict[str, Any]) -> dict[str, Any] | None:
    """What `parse_body(header, pack(fields))` returns or raises, for `fields` that already passed
    `check_fields` for `header`'s kind and that `round_trips`: unpacking their body would give them
    back (keys sorted) and check them again with the same verdict, so only the header's expiry and
    a vouch's consent are left to check. A local append's own body is not unpacked and checked twice."""
    kind = KINDS.get(header.kind)
    if kind is None:
        return None
    _check_expiry(kind, header)
    _check_consent(kind, header, fields)
    return fields


_ROUND_TRIP = frozenset({str, bytes, int, bool, type(None)})


def round_trips(fields: dict[str, Any]) -> bool:
    """Whether `unpack(pack(fields))` is `fields` with its keys sorted, every value of the same type:
    values of these exact types, or lists of them (a subclass, a tuple or a nested map may come back
    as another type, which the rules could judge otherwise)."""
    plain = _ROUND_TRIP
    if plain.issuperset(map(type, fields.values())):  # (no list among them: judged in C)
        return True
    for value in fields.values():
        t = type(value)
        if t is list:
            if not plain.issuperset(map(type, value)):
                return False
        elif t not in plain:
            return False
    return True


def _check_consent(kind: Kind, header: Header, fields: dict[str, Any]) -> None:
    if kind.name == "member.vouch" and "consent" in fields and not consent_is_valid(
            header.author, fields["subject"], fields["encryption_key"], fields["consent"]):
        raise InvalidEvent(BAD_FIELD, "member.vouch: the device's consent does not verify for this group and "
                                      "encryption key")


def check_fields(kind: Kind, fields: dict[str, Any]) -> None:
    """Check a field map against `kind` (also used before signing, to refuse bad input early)."""
    rules = kind._rules
    for name, value in fields.items():
        rule = rules.get(name)
        if rule is None:
            known = ", ".join(f.name for f in kind.fields)
            raise InvalidEvent(BAD_FIELD, Said(f"unknown field {quoted(name)} for {kind.name} (known fields: {known})",
                                               "no_such_field"))
        problem = rule[1](rule[0], value)  # what Field.check would raise as FieldError, without raising it
        if problem:
            # (the rule's words keep their key: the API gives it to a client that says it in its own)
            raise InvalidEvent(BAD_FIELD, Said(f"{kind.name}: field '{name}' {problem}", problem.key, **problem.values))
    missing = [name for name in kind._required if name not in fields]  # (in order)
    if missing:
        raise InvalidEvent(BAD_FIELD, Said(f"{kind.name} needs the field(s): {', '.join(missing)}", "required"))
    _check_relations(kind.name, fields)


def wrong_reference(kind: Kind, fields: dict[str, Any], kind_of: Callable[[bytes], str | None],
                    ) -> tuple[str, Said] | None:
    """(field, why) for the first id field of `fields` that names an event of another kind than the
    one it refers to (a need.fulfil naming an action), or None. `kind_of` gives the kind of an event
    the caller holds, None if it holds none: an event not seen yet cannot be judged."""
    for spec in kind.references:
        value = fields.get(spec.name)
        if isinstance(value, bytes):
            found = kind_of(value)
            if found is not None and found != spec.refers_to:
                return spec.name, Said(f"'{spec.name}' must name {_a(spec.refers_to)} event, but {value.hex()[:12]}… "
                                       f"is {_a(found)} event", "wrong_reference")
    return None


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _check_relations(kind: str, f: dict[str, Any]) -> None:
    problems = relation_problems(kind, f)
    if problems:
        raise InvalidEvent(BAD_FIELD, problems[0])


def relation_problems(kind: str, f: dict[str, Any]) -> list[Said]:
    """What is wrong between the fields `f` of a `kind` event (an end before its start ...), each
    naming the fields it concerns in quotes. A rule whose fields are not all there says nothing
    (a form says every problem at once: a required field left empty is its own problem); on a
    whole event, which has its required fields, these are the rules `check_fields` applies.
    Looked up by kind: most kinds have none, and ingest asks for every event."""
    rules = _RELATIONS.get(kind)
    return rules(f) if rules is not None else []


def _ends_in_order(kind: str, start: str, end: str, f: dict[str, Any]) -> list[Said]:
    if end in f and start in f and f[end] < f[start]:
        return [Said(f"{kind}: '{end}' is before '{start}'", "ends_before_start")]
    return []


def _changes_something(kind: str, f: dict[str, Any]) -> list[Said]:
    # (with its required reference there, "only the reference": nothing else it has is a change)
    changes = [name for name in ("quantity", "capacity", "urgency", "notes", "status") if KINDS[kind].field(name)]
    if not any(name in f for name in changes):
        return [Said(f"{kind} changes something: give at least one of {', '.join(map(repr, changes))}",
                     "change_something", fields=changes)]
    return []


def _action_update(f: dict[str, Any]) -> list[Said]:
    out = []
    if not any(name in f for name in ("starts_at", "ends_at", "place", "status")):
        changes = ["starts_at", "ends_at", "place", "status"]
        out.append(Said(f"action.update changes something: give at least one of {', '.join(map(repr, changes))}",
                        "change_something", fields=changes))
    return out + _ends_in_order("action.update", "starts_at", "ends_at", f)


def _vouch(f: dict[str, Any]) -> list[Said]:
    out = []
    if f.get("role") == "device" and "encryption_key" not in f:
        out.append(Said("member.vouch of a device must carry the device's 'encryption_key'", "vouch_encryption_key"))
    if "role" in f and f["role"] != "device" and "consent" in f:
        out.append(Said("member.vouch: only a device vouch carries a 'consent'", "vouch_consent"))
    return out


# The rules between fields, by kind, each kind's in the order they are said.
_RELATIONS: dict[str, Callable[[dict[str, Any]], list[Said]]] = {
    "action": lambda f: _ends_in_order("action", "starts_at", "ends_at", f),
    "fundraiser.update": lambda f: ([Said("fundraiser.update carries exactly one of 'raised' or 'pledge'",
                                          "raised_or_pledge")]
                                    if ("raised" in f) == ("pledge" in f) else []),
    **{kind: (lambda f, kind=kind: _changes_something(kind, f))
       for kind in ("need.update", "offer.update", "support.offer.update")},
    "action.update": _action_update,
    "alert.update": lambda f: ([Said("alert.update: an update needs its 'text' (what changed)", "update_text")]
                               if f.get("status") == "update" and "text" not in f else []),
    "support.offer": lambda f: _ends_in_order("support.offer", "starts_at", "until", f),
    "resource": lambda f: ([Said("resource: give its 'link' or its 'text'", "link_or_text")]
                           if "link" not in f and "text" not in f else []),
    "member.vouch": _vouch,
}


def _check_expiry(kind: Kind, header: Header) -> None:
    if header.expires is None:
        if kind.expiry == "required":
            raise InvalidEvent(BAD_FIELD, Said(f"{_a(kind.name)} event must have an expiry", "expiry_needed"))
        return
    if kind.expiry == "forbidden":
        raise InvalidEvent(BAD_FIELD, Said(f"{_a(kind.name)} event cannot expire", "no_expiry"))
    if kind.max_expiry_ms is not None and header.expires - header.timestamp > kind.max_expiry_ms:
        hours = kind.max_expiry_ms // HOUR_MS
        raise InvalidEvent(BAD_FIELD, Said(f"{_a(kind.name)} event expires at most {hours} h after it is made",
                                           "expiry_too_long", hours=hours))
