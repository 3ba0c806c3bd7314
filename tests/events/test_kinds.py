"""Body schemas of the version-1 kinds (events.kinds): every kind's fields, types, relations and expiry rules."""
from __future__ import annotations

import msgpack
import pytest

from events.canonical import pack
from events.errors import BAD_FIELD, MALFORMED, NON_CANONICAL, InvalidEvent
from events.format import Header
from events.kinds import (
    ALERT_DEFAULT_EXPIRY_MS,
    ALERT_MAX_EXPIRY_MS,
    HOUR_MS,
    KINDS,
    check_fields,
    parse_body,
)

TS = 1_700_000_000_000
ID = b"\x11" * 32
KEY = b"\x22" * 32

EXAMPLES: dict[str, dict] = {
    "group.profile": {"name": "Calais Solidarity", "region": "calais", "description": "We cook.\nDaily.",
                      "languages": ["en", "fr", "ar"], "contact": "hello@example.org"},
    "action": {"title": "Info night", "description": "Rights at the border", "region": "bristol",
               "place": "Community hall", "starts_at": TS + 86_400_000, "ends_at": TS + 90_000_000,
               "type": "info_night", "languages": ["en"], "link": "https://example.org/info"},
    "fundraiser": {"title": "Winter tents", "goal": 250_000, "currency": "GBP", "region": "calais",
                   "ends_at": TS + 30 * 86_400_000, "how_to_give": "Bank transfer", "description": "Tents"},
    "fundraiser.update": {"fundraiser": ID, "raised": 1200, "note": "thank you"},
    "fundraiser.decline": {"fundraiser": ID, "decline": ID, "note": "we cannot verify this pledge"},
    "need.decline": {"need": ID, "decline": ID, "note": "nothing came"},
    "need": {"category": "sleeping_bags", "quantity": 40, "unit": "items", "urgency": "high", "notes": "adult size",
             "region": "calais", "until": TS + 7 * 86_400_000},
    "offer": {"category": "bikes", "quantity": 3, "unit": "items", "notes": "need repair", "region": "cardiff"},
    "need.update": {"need": ID, "quantity": 50, "urgency": "medium", "notes": "more came", "status": "open"},
    "offer.update": {"offer": ID, "quantity": 2, "notes": "one went", "status": "open"},
    "need.fulfil": {"need": ID, "quantity": 10, "by": "Brighton group", "offer": b"\x12" * 32},
    "support.offer": {"region": "bristol", "type": "housing", "capacity": 3, "starts_at": TS, "until": TS + 86_400_000,
                      "languages": ["en", "ar"], "notes": "two hosts"},
    "support.offer.update": {"offer": ID, "capacity": 2, "notes": "one placed", "status": "open"},
    "alert.update": {"alert": ID, "status": "update", "text": "Police left the north camp", "location": "north camp",
                     "region": "calais", "type": "raid"},
    "action.update": {"action": ID, "starts_at": 1_780_000_000_000, "ends_at": 1_780_007_200_000,
                      "place": "Parc Richelieu", "status": "cancelled", "note": "prefecture ban"},
    "action.report": {"action": ID, "people": 120, "outcome": "The rally went ahead.", "languages": ["en"],
                      "photos": ["https://example.org/p/1.jpg", "https://example.org/p/2.jpg"]},
    "resource": {"title": "حقوقك عند الحدود", "languages": ["ar", "fr"], "summary": "Your rights at the border",
                 "topic": "know_your_rights", "region": "calais", "link": "https://example.org/rights.pdf",
                 "text": "النص الكامل"},
    "support.request": {"region": "manchester", "type": "housing", "people": "3-5", "urgency": "high",
                        "sealed": b"\x00ciphertext"},
    "support.claim": {"request": ID, "note": "we can host"},
    "support.close": {"request": ID, "outcome": "resolved"},
    "support.share": {"request": ID, "sealed": b"\x02" * 64},
    "alert": {"region": "calais", "location": "north beach", "type": "eviction", "text": "Eviction under way"},
    "redact": {"ids": [ID, b"\x12" * 32], "reason": "posted by mistake"},
    "member.vouch": {"subject": KEY, "role": "device", "encryption_key": b"\x33" * 32, "name": "kitchen pi"},
    "member.revoke": {"subject": KEY, "from_seq": 4, "reason": "phone stolen"},
    "node.announce": {"addresses": ["https://node.example.org:8443"], "pin": ID},
    "sealed": {"envelope": b"\x00" * 200},
}

# A value of the wrong type for each field type.
WRONG = {
    "text": 5, "enum": "no-such-choice", "int": "5", "time": "tomorrow", "id": b"\x00" * 31, "key": "k" * 32,
    "ids": [], "languages": "en", "texts": "one address", "url": "javascript:alert(1)", "bytes": b"",
    "region": "North Wales", "currency": "eur", "signature": b"\x00" * 63, "urls": ["javascript:alert(1)"],
}


def header(kind: str, *, expires: int | None = None, body_len: int = 1, timestamp: int = TS) -> Header:
    return Header(network=b"\x00" * 32, author=b"\x01" * 32, seq=1, prev=None, timestamp=timestamp, kind=kind,
                  expires=expires, body_hash=b"\x02" * 32 if body_len else None, body_len=body_len)


def default_expiry(kind: str) -> int | None:
    return TS + ALERT_DEFAULT_EXPIRY_MS if KINDS[kind].expiry == "required" else None


def parse(kind: str, fields: dict, **kw) -> dict | None:
    kw.setdefault("expires", default_expiry(kind))
    return parse_body(header(kind, **kw), pack(fields))


def refusal(kind: str, fields: dict, **kw) -> InvalidEvent:
    with pytest.raises(InvalidEvent) as info:
        parse(kind, fields, **kw)
    return info.value


def field_cases(predicate=lambda kind, field: True):
    return [pytest.param(k, f.name, id=f"{k}.{f.name}") for k, kind in KINDS.items() for f in kind.fields
            if predicate(kind, f)]


def test_every_kind_has_an_example():
    assert set(EXAMPLES) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_valid_example_passes(kind):
    fields = EXAMPLES[kind]
    assert parse(kind, fields) == fields
    check_fields(KINDS[kind], fields)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_only_required_fields_pass(kind):
    required = {f.name for f in KINDS[kind].fields if f.required}
    fields = {k: v for k, v in EXAMPLES[kind].items() if k in required}
    if kind == "fundraiser.update":
        fields["pledge"] = 500
    if kind == "member.vouch":
        fields["encryption_key"] = b"\x33" * 32
    if kind in ("need.update", "offer.update", "support.offer.update", "action.update"):
        fields["status"] = "withdrawn" if kind != "action.update" else "cancelled"  # an update changes something
    if kind == "resource":
        fields["link"] = "https://example.org"  # a link or the text
    if kind == "alert.update":
        fields["status"] = "all_clear"  # an update says what changed; an all clear need not
    assert parse(kind, fields) == fields


@pytest.mark.parametrize("kind,name", field_cases(lambda kind, f: f.required))
def test_missing_required_field_is_named(kind, name):
    fields = dict(EXAMPLES[kind])
    del fields[name]
    error = refusal(kind, fields)
    assert error.reason == BAD_FIELD
    assert name in str(error)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_all_missing_required_fields_are_named(kind):
    required = [f.name for f in KINDS[kind].fields if f.required]
    error = refusal(kind, {})
    assert all(name in str(error) for name in required)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_unknown_field_is_named(kind):
    error = refusal(kind, {**EXAMPLES[kind], "zz_unknown": "x"})
    assert error.reason == BAD_FIELD
    assert "zz_unknown" in str(error)


@pytest.mark.parametrize("kind,name", field_cases())
def test_wrong_type_is_refused_and_named(kind, name):
    spec = KINDS[kind].field(name)
    error = refusal(kind, {**EXAMPLES[kind], name: WRONG[spec.type]})
    assert error.reason == BAD_FIELD
    assert f"'{name}'" in str(error)


@pytest.mark.parametrize("kind,name", field_cases())
@pytest.mark.parametrize("value", [None, True, [], {}], ids=["nil", "bool", "list", "map"])
def test_other_msgpack_types_are_refused(kind, name, value):
    spec = KINDS[kind].field(name)
    if spec.type == "languages" and value == []:
        assert parse(kind, {**EXAMPLES[kind], name: value}) is not None  # no languages listed is fine
        return
    error = refusal(kind, {**EXAMPLES[kind], name: value})
    assert error.reason == BAD_FIELD and name in str(error)


@pytest.mark.parametrize("kind,name", field_cases(lambda kind, f: f.type == "enum"))
def test_enum_error_lists_the_choices(kind, name):
    spec = KINDS[kind].field(name)
    assert spec.choices
    error = refusal(kind, {**EXAMPLES[kind], name: "nonsense"})
    for choice in spec.choices:
        assert choice in str(error)
    for choice in spec.choices:
        assert parse(kind, {**EXAMPLES[kind], name: choice}) is not None


@pytest.mark.parametrize("kind,name", field_cases(lambda kind, f: f.type in ("text", "url")))
def test_text_length_limit(kind, name):
    spec = KINDS[kind].field(name)
    prefix = "https://e.org/" if spec.type == "url" else ""
    at_limit = prefix + "a" * (spec.max_len - len(prefix))
    assert parse(kind, {**EXAMPLES[kind], name: at_limit}) is not None
    error = refusal(kind, {**EXAMPLES[kind], name: at_limit + "a"})
    assert str(spec.max_len) in str(error)


@pytest.mark.parametrize("kind,name", field_cases(lambda kind, f: f.type == "text"))
@pytest.mark.parametrize("bad", ["", "   ", "\n\t", "a\x00b", "bell\x07", "esc\x1b[31m", "a\x08", "cr\rlf", "del\x7f"])
def test_empty_or_control_character_text_is_refused(kind, name, bad):
    error = refusal(kind, {**EXAMPLES[kind], name: bad})
    assert error.reason == BAD_FIELD and name in str(error)


def test_newline_and_tab_are_allowed_in_text():
    fields = {**EXAMPLES["alert"], "text": "line one\nline two\tend"}
    assert parse("alert", fields) == fields


@pytest.mark.parametrize("bad", ["a\x9b31mb", "a\x85b", "a\x80b"])
def test_c1_control_characters_are_refused(bad):
    error = refusal("alert", {**EXAMPLES["alert"], "text": bad})
    assert "control" in str(error)


@pytest.mark.parametrize("value,ok", [
    ("calais", True), ("north-wales", True), ("x" * 40, True), ("1st", True),
    ("Calais", False), ("-calais", False), ("x" * 41, False), ("calais ", False), ("", False), ("cal\nais", False),
])
def test_region_names(value, ok):
    fields = {**EXAMPLES["alert"], "region": value}
    if ok:
        assert parse("alert", fields) == fields
    else:
        assert "region" in str(refusal("alert", fields))


@pytest.mark.parametrize("kind,name,value", [
    ("alert", "region", "calais\n"),
    ("group.profile", "languages", ["en\n"]),
    ("fundraiser", "currency", "EUR\n"),
])
def test_trailing_newline_is_not_part_of_a_code(kind, name, value):
    assert name in str(refusal(kind, {**EXAMPLES[kind], name: value}))


@pytest.mark.parametrize("value,ok", [(0, False), (1, True), (10**12, True), (10**12 + 1, False), (-5, False),
                                      (True, False)])
def test_fundraiser_goal_range(value, ok):
    fields = {**EXAMPLES["fundraiser"], "goal": value}
    if ok:
        assert parse("fundraiser", fields) == fields
    else:
        assert "goal" in str(refusal("fundraiser", fields))


@pytest.mark.parametrize("value", [0, -1, 2**53, True])
def test_time_out_of_range(value):
    assert "starts_at" in str(refusal("action", {**EXAMPLES["action"], "starts_at": value, "ends_at": 2**53 - 1}))


@pytest.mark.parametrize("value", [["en", "fr"], [], ["ar"], ["fil"]])
def test_languages_accepted(value):
    assert parse("group.profile", {**EXAMPLES["group.profile"], "languages": value}) is not None


@pytest.mark.parametrize("value", [["EN"], ["english"], ["e"], [5], ["en"] * 9, "en"])
def test_languages_refused(value):
    assert "languages" in str(refusal("group.profile", {**EXAMPLES["group.profile"], "languages": value}))


@pytest.mark.parametrize("value", ["ftp://example.org", "https://", "example.org", "javascript:alert(1)",
                                   "data:text/html,x"])
def test_link_must_be_http(value):
    assert "link" in str(refusal("action", {**EXAMPLES["action"], "link": value}))


def test_redact_ids_limits():
    assert "ids" in str(refusal("redact", {"ids": [ID] * 65}))
    assert parse("redact", {"ids": [ID] * 64}) is not None
    assert "ids" in str(refusal("redact", {"ids": [ID, b"short"]}))


def test_node_announce_address_limits():
    assert "addresses" in str(refusal("node.announce", {"addresses": ["a"] * 9}))
    assert "addresses" in str(refusal("node.announce", {"addresses": ["ok", 5]}))


# --- alerts and expiry -----------------------------------------------------------------------------

def test_alert_without_expiry_is_refused():
    error = refusal("alert", EXAMPLES["alert"], expires=None)
    assert error.reason == BAD_FIELD and "expiry" in str(error)


def test_alert_expiry_up_to_48_hours_is_accepted():
    assert ALERT_MAX_EXPIRY_MS == 48 * HOUR_MS
    for delta in (1, ALERT_DEFAULT_EXPIRY_MS, ALERT_MAX_EXPIRY_MS):
        assert parse("alert", EXAMPLES["alert"], expires=TS + delta) is not None


@pytest.mark.parametrize("delta", [ALERT_MAX_EXPIRY_MS + 1, 72 * HOUR_MS, 365 * 24 * HOUR_MS])
def test_alert_expiring_beyond_48_hours_is_refused(delta):
    error = refusal("alert", EXAMPLES["alert"], expires=TS + delta)
    assert error.reason == BAD_FIELD and "48" in str(error)


FORBIDDEN_EXPIRY = ["group.profile", "fundraiser.update", "fundraiser.decline", "need.fulfil", "need.decline", "support.claim", "support.close", "support.share",
                    "redact", "member.vouch", "member.revoke", "need.update", "offer.update", "support.offer.update",
                    "action.report", "action.update"]


def test_expiry_rules_are_what_the_design_says():
    assert {k for k, v in KINDS.items() if v.expiry == "forbidden"} == set(FORBIDDEN_EXPIRY)
    assert {k for k, v in KINDS.items() if v.expiry == "required"} == {"alert"}


@pytest.mark.parametrize("kind", FORBIDDEN_EXPIRY)
def test_expiry_on_kind_that_forbids_it_is_refused(kind):
    error = refusal(kind, EXAMPLES[kind], expires=TS + HOUR_MS)
    assert error.reason == BAD_FIELD and "expire" in str(error)


@pytest.mark.parametrize("kind", ["action", "fundraiser", "need", "offer", "support.request", "node.announce"])
def test_expiry_on_kind_that_allows_it_is_accepted(kind):
    assert parse(kind, EXAMPLES[kind], expires=TS + 365 * 24 * HOUR_MS) is not None


# --- relations between fields ----------------------------------------------------------------------

def test_action_that_ends_before_it_starts_is_refused():
    fields = {**EXAMPLES["action"], "ends_at": EXAMPLES["action"]["starts_at"] - 1}
    error = refusal("action", fields)
    assert error.reason == BAD_FIELD and "ends_at" in str(error)


def test_action_that_ends_when_it_starts_is_accepted():
    fields = {**EXAMPLES["action"], "ends_at": EXAMPLES["action"]["starts_at"]}
    assert parse("action", fields) == fields


def test_fundraiser_update_with_both_raised_and_pledge_is_refused():
    error = refusal("fundraiser.update", {"fundraiser": ID, "raised": 10, "pledge": 5})
    assert error.reason == BAD_FIELD and "raised" in str(error) and "pledge" in str(error)


def test_fundraiser_update_with_neither_raised_nor_pledge_is_refused():
    error = refusal("fundraiser.update", {"fundraiser": ID, "note": "hello"})
    assert error.reason == BAD_FIELD and "raised" in str(error) and "pledge" in str(error)


def test_fundraiser_update_zero_raised_allowed_zero_pledge_refused():
    assert parse("fundraiser.update", {"fundraiser": ID, "raised": 0}) is not None
    assert "pledge" in str(refusal("fundraiser.update", {"fundraiser": ID, "pledge": 0}))


def test_vouch_of_device_without_encryption_key_is_refused():
    fields = {"subject": KEY, "role": "device"}
    error = refusal("member.vouch", fields)
    assert error.reason == BAD_FIELD and "encryption_key" in str(error)
    with pytest.raises(InvalidEvent):
        check_fields(KINDS["member.vouch"], fields)


def test_vouch_of_group_needs_no_encryption_key():
    fields = {"subject": KEY, "role": "group", "name": "Glasgow"}
    assert parse("member.vouch", fields) == fields


def test_revoke_from_seq_must_be_positive():
    assert "from_seq" in str(refusal("member.revoke", {"subject": KEY, "from_seq": 0}))


# --- bodies that are not field maps, stubs and unknown kinds ---------------------------------------

@pytest.mark.parametrize("body", [pack([1, 2]), pack("text"), pack(None), pack(5)])
def test_body_that_is_not_a_map(body):
    with pytest.raises(InvalidEvent) as info:
        parse_body(header("action"), body)
    assert info.value.reason == MALFORMED


def test_body_that_is_not_msgpack():
    with pytest.raises(InvalidEvent) as info:
        parse_body(header("action"), b"\xc1garbage")
    assert info.value.reason == MALFORMED


def test_body_with_unsorted_keys_is_non_canonical():
    fields = EXAMPLES["support.claim"]
    unsorted = msgpack.packb(dict(sorted(fields.items(), reverse=True)), use_bin_type=True)
    assert unsorted != pack(fields)
    with pytest.raises(InvalidEvent) as info:
        parse_body(header("support.claim"), unsorted)
    assert info.value.reason == NON_CANONICAL


def test_body_with_float_is_non_canonical():
    body = msgpack.packb({"need": ID, "quantity": 1.0}, use_bin_type=True)
    with pytest.raises(InvalidEvent) as info:
        parse_body(header("need.fulfil"), body)
    assert info.value.reason == NON_CANONICAL


def test_stub_of_known_kind_returns_none():
    assert parse_body(header("action", body_len=40), None) is None


def test_known_kind_without_any_body_is_refused():
    with pytest.raises(InvalidEvent) as info:
        parse_body(header("action", body_len=0), None)
    assert info.value.reason == BAD_FIELD


def test_stub_still_gets_its_expiry_checked():
    with pytest.raises(InvalidEvent):
        parse_body(header("alert", body_len=40, expires=None), None)


@pytest.mark.parametrize("body", [pack({"anything": [1, 2, 3]}), b"\xc1 not even msgpack", None])
def test_unknown_kind_is_not_validated(body):
    assert parse_body(header("future.kind", body_len=0 if body is None else len(body), expires=TS + 1), body) is None


# --- the edges of each rule: every node must draw them in the same place -------------------------

def _refused(kind: str, fields: dict) -> bool:
    try:
        parse(kind, fields)
    except InvalidEvent as exc:
        assert exc.reason == BAD_FIELD, exc
        return True
    return False


def test_the_limits_of_lists_bytes_and_times_are_inclusive():
    from events.format import MAX_TIMESTAMP_MS
    action, offer = EXAMPLES["action"], EXAMPLES["support.offer"]
    assert not _refused("action", action | {"languages": ["en"] * 8})
    assert _refused("action", action | {"languages": ["en"] * 9})
    report = EXAMPLES["action.report"]
    assert not _refused("action.report", report | {"photos": ["https://example.org/p.jpg"] * 8})
    assert _refused("action.report", report | {"photos": ["https://example.org/p.jpg"] * 9})
    assert not _refused("redact", {"ids": [ID] * 64})
    assert refusal("redact", {"ids": [ID] * 65}).reason == MALFORMED  # (past the caps a long body is read with)
    request = EXAMPLES["support.request"]
    assert not _refused("support.request", request | {"sealed": b"s" * (60 * 1024)})
    assert _refused("support.request", request | {"sealed": b"s" * (60 * 1024 + 1)})
    for at, refused in ((0, True), (1, False), (MAX_TIMESTAMP_MS - 1, False), (MAX_TIMESTAMP_MS, True)):
        open_ended = {k: v for k, v in action.items() if k != "ends_at"}
        assert _refused("action", open_ended | {"starts_at": at}) == refused, at
    assert not _refused("support.offer", offer | {"until": offer["starts_at"]})  # a single day
    assert _refused("support.offer", offer | {"until": offer["starts_at"] - 1})


def test_plain_http_links_are_links():
    assert not _refused("action", EXAMPLES["action"] | {"link": "http://example.org/info"})
    assert _refused("action", EXAMPLES["action"] | {"link": "ftp://example.org/info"})


def test_a_device_vouch_carries_only_its_devices_own_consent():
    """The consent is the device's signature over its group and encryption key: checked when the
    body is read, so a forged one is refused on every node alike; a group vouch carries none."""
    from crypto.keys import SigningKey
    from events.trust import device_consent
    group, device, other = SigningKey.generate(), SigningKey.generate(), SigningKey.generate()
    enc = b"\x33" * 32
    vouch = {"subject": bytes(device.public), "role": "device", "encryption_key": enc}

    def as_group(fields: dict) -> dict | None:
        return parse_body(Header(network=b"\x00" * 32, author=bytes(group.public), seq=1, prev=None, timestamp=TS,
                                 kind="member.vouch", expires=None, body_hash=b"\x02" * 32, body_len=1), pack(fields))
    assert as_group(vouch | {"consent": device_consent(device, bytes(group.public), enc)})["consent"]
    for forged in (device_consent(other, bytes(group.public), enc),  # another key signed it
                   device_consent(device, bytes(other.public), enc),  # for another group
                   device_consent(device, bytes(group.public), b"\x44" * 32)):  # another encryption key
        with pytest.raises(InvalidEvent) as refused:
            as_group(vouch | {"consent": forged})
        assert refused.value.reason == BAD_FIELD
    with pytest.raises(InvalidEvent):
        as_group({"subject": bytes(device.public), "role": "group",
                  "consent": device_consent(device, bytes(group.public), enc)})


def test_a_kind_copies_and_pickles_with_its_rules_and_stays_read_only():
    """A Kind is a read-only class with slots (no dataclass: node/verify_worker.py's memory); its
    refusal of every attribute set also refused pickle's and copy's, which set a copy's slots one by
    one: a Kind in anything copied or sent to another process raised "a kind's rules do not change"."""
    import copy
    import pickle

    kind = KINDS["need.fulfil"]
    for again in (pickle.loads(pickle.dumps(kind)), copy.deepcopy(kind), copy.copy(kind)):
        assert [getattr(again, a) for a in ("name", "fields", "signers", "expiry", "default_expiry_ms",
                                            "max_expiry_ms", "summary", "references")] == \
            [getattr(kind, a) for a in ("name", "fields", "signers", "expiry", "default_expiry_ms",
                                        "max_expiry_ms", "summary", "references")]
        assert again.field("need") == kind.field("need") and again.references
        with pytest.raises(AttributeError):
            again.name = "action"
