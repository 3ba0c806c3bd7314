"""The items of the read-model routes (GET /api/v1/regions, /needs, ...) as node/openapi.json
describes them, field by field: what `tests/api/test_openapi.py` writes into the document.

An item made from an event holds that event's fields (events/kinds.py: the ones given, so the
kind's optional fields may be absent) as node.render.view_json writes them (ids hex, times under
node.render.TIME_KEYS as RFC 3339), the fields every row has (events.projections `_common`), and
what events/readmodels.py and node/views.py add to it (totals, status, updates). Each schema
forbids any other field: a field added to a view without its line here fails
tests/api/test_view_items.py, and a field added to a kind is written in when the document is
regenerated (`python tests/api/test_openapi.py`).
"""
from __future__ import annotations

import copy
from typing import Any

from events.fields import CURRENCY_RE, LANGUAGE_RE, REGION_RE, Field
from events.kinds import ACTION_STATUS, ALERT_STATUS, KINDS, OUTCOMES, SUPPORT_TYPES, URGENCY
from events.sealed import SEALABLE
from node.render import TIME_KEYS
from node.views import DESK_PARTS

Schema = dict[str, Any]
REF = "#/components/schemas/"
HEX_ID = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
TIME = {"type": "string", "format": "date-time"}
REGION = {"type": "string", "pattern": f"^{REGION_RE.pattern}$"}
COUNT = {"type": "integer", "minimum": 0}
GONE = {"type": ["string", "null"], "enum": ["left", "revoked", None],
        "description": "left: its group has left the network (revoked itself); revoked: its group was revoked "
                       "(or its key forked); null: its group is a member. Nobody can update, clear or close it "
                       "any more"}


def said(schema: Schema, description: str) -> Schema:
    return {**schema, "description": description}


def nullable(schema: Schema, description: str = "") -> Schema:
    """`schema` or null (an enum lists null too: JSON Schema checks the enum apart from the type)."""
    out = copy.deepcopy(schema)
    out["type"] = [out["type"], "null"] if isinstance(out.get("type"), str) else [*out["type"], "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return said(out, description) if description else out


def ref(name: str) -> Schema:
    return {"$ref": REF + name}


def array(items: Schema, description: str = "") -> Schema:
    return {"type": "array", "items": items, **({"description": description} if description else {})}


def field_json(f: Field) -> Schema:
    """How a view writes one validated field of an event (node.render.view_json)."""
    if f.type in ("text", "url"):
        schema: Schema = {"type": "string", "maxLength": f.max_len}
    elif f.type == "enum":
        schema = {"type": "string", "enum": list(f.choices)}
    elif f.type == "int":
        schema = {"type": "integer", "minimum": f.minimum, "maximum": f.maximum}
    elif f.type == "time":
        schema = dict(TIME) if f.name in TIME_KEYS else {"type": "integer", "description": "ms since 1970"}
    elif f.type in ("id", "key"):
        schema = dict(HEX_ID)
    elif f.type == "region":
        schema = dict(REGION)
    elif f.type == "currency":
        schema = {"type": "string", "pattern": f"^{CURRENCY_RE.pattern}$"}
    elif f.type == "languages":
        schema = array({"type": "string", "pattern": f"^{LANGUAGE_RE.pattern}$"})
    elif f.type in ("urls", "texts"):
        schema = array({"type": "string"})
    elif f.type == "ids":
        schema = array(dict(HEX_ID))
    else:
        raise ValueError(f"no JSON form for field type {f.type!r} ({f.name}): add it here")
    return said(schema, f.help) if f.help else schema


COMMON = {  # every row's (events.projections._common), its id, and the name node.views adds
    "id": said(HEX_ID, "the event's id"),
    "author": said(HEX_ID, "the device that signed it"),
    "group": said(HEX_ID, "the group it speaks for"),
    "seq": {"type": "integer", "minimum": 1, "description": "its place in its author's chain"},
    "ts": said(TIME, "when its author made it"),
    "group_name": nullable({"type": "string"}, "the group's name (null: it has published no profile)"),
}
SHARED = {"shared_with": array(HEX_ID, "only on an item of an event for chosen groups that this node reads: "
                                       "the groups it is for (its author's first)")}
HAS_PRIVATE = {"has_private": {"type": "boolean", "const": True,
                               "description": "only when it has a private part (never shown here)"}}


def kind_item(kind: str, added: dict[str, Schema], required: list[str], description: str) -> Schema:
    """The item of an event of `kind`: its fields (the required ones always there), every row's,
    and `added` (those named in `required` always there)."""
    fields = [f for f in KINDS[kind].fields if f.type != "bytes"]  # a private part: only `has_private`
    props = {**COMMON, **{f.name: field_json(f) for f in fields}}
    if len(fields) < len(KINDS[kind].fields):
        props.update(HAS_PRIVATE)
    if kind in SEALABLE:
        props.update(SHARED)
    props.update(added)
    kept = [*COMMON, *(f.name for f in fields if f.required), *required]
    return {"type": "object", "additionalProperties": False, "description": description,
            "required": list(dict.fromkeys(kept)), "properties": props}


def plain_object(props: dict[str, Schema], description: str = "", optional: tuple[str, ...] = ()) -> Schema:
    return {"type": "object", "additionalProperties": False, **({"description": description} if description else {}),
            "required": [name for name in props if name not in optional], "properties": props}


# Whether a group itself is gone (a region's groups: its profile keeps the region after it left)
GROUP_GONE = {"type": ["string", "null"], "enum": ["left", "revoked", None],
              "description": "left: the group has left the network (revoked itself); revoked: it was revoked (or its "
                             "key forked); null: it is a member"}


# When this node last heard from a group, and how (node/views.py heard_from)
HEARD: dict[str, Schema] = {
    "last_heard": nullable(TIME, "when this node last heard from the group (`heard_by` says how); null: never"),
    "heard_by": nullable({"type": "string", "enum": ["event", "sync"]},
                         "how this node last heard from it: `event`, the newest event of its devices or group key "
                         "that this node holds, as its author's clock stamped it (no arrival time is stored); "
                         "`sync`, this node's last complete sync with one of its devices (this node's clock); null: "
                         "never")}


def _group_ref() -> dict[str, Schema]:
    return {"group": said(HEX_ID, "the group"), "group_name": COMMON["group_name"]}


def _alert_update() -> Schema:
    return plain_object({
        "id": said(HEX_ID, "the update's id"), "status": {"type": "string", "enum": list(ALERT_STATUS)},
        "text": nullable({"type": "string"}), "ts": said(TIME, "when it was made"), **_group_ref(),
        "location": nullable({"type": "string"})}, "an update or the all clear of the alert, by its group")


def _alert_story(live: bool) -> dict[str, Schema]:
    """What node.views adds to an alert: its updates, the newest text, whether it was cleared."""
    return {
        "alert": said(HEX_ID, "the alert's id (as `id`)"),
        "posted_at": nullable(TIME, "when the alert was made (null: the alert is gone, its updates remain)"),
        "latest": nullable({"type": "string"}, "the newest text: of the newest update that has one, else the alert's"),
        "updated_at": nullable(TIME, "the time of its newest update (null: none)"),
        "status": {"type": "string", "enum": ["live"] if live else ["live", "all_clear", "expired"],
                   **({} if live else {"description": "expired: the alert ended with no all clear, its updates "
                                                      "remain"})},
        "cleared_at": {"type": "null"} if live else nullable(TIME, "when the all clear came"),
        "updates": array(ref("AlertUpdateItem"), "its group's updates, oldest first, up to the all clear"),
        "group_gone": GONE,
    }


def _listing(quantity: str) -> dict[str, Schema]:
    return {"status": {"type": "string", "enum": ["open"], "description": "open: lapsed and withdrawn ones, and "
                                                                          "those of a group that is gone, are not "
                                                                          "listed"},
            "updated_at": said(TIME, f"only once its group adjusted it: the time of its newest update ({quantity}, "
                                     "notes)")}


def _action_state() -> dict[str, Schema]:
    """What node.views adds to an action: its group's moves and cancellation (action.update)."""
    return {
        "status": {"type": "string", "enum": list(ACTION_STATUS),
                   "description": "cancelled: its group called it off (it stays listed until it would have ended, "
                                  "never counted as upcoming); on: it takes place"},
        "note": nullable({"type": "string"}, "the note of its group's newest update (why it was moved); of a cancelled "
                                             "action, that of the update that cancelled it (why it is off)"),
        "updated_at": nullable(TIME, "when its group last moved or cancelled it (null: never)"),
        "moved_from": nullable(plain_object({"starts_at": said(TIME, "its first start"),
                                             "place": nullable({"type": "string"}, "its first place")}),
                               "where and when it was first, once its group moved it (its start or place changed); "
                               "its fields are where and when it is now"),
        "changes": said(COUNT, "how many of its group's updates (moves, cancels) count now: a revocation may take "
                               "one out, so not a version number (the iCalendar SEQUENCE grows with the time of the "
                               "latest change instead)"),
    }


def item_schemas() -> dict[str, Schema]:
    """The named schemas of the read models' items, and of the parts they hold."""
    gone = GONE["description"].replace("update, clear or close it any more", "move or cancel it any more; it stays "
                                                                              "listed (it may still take place)")
    coming = {**_action_state(), "group_gone": said(GONE, gone)}
    action = kind_item("action", coming, list(coming),
                       "an action not over yet (of the timeline: starting in the next 7 days), as its group last "
                       "moved or cancelled it")
    report = kind_item("action.report", {}, [], "a report-back of its own group on a past action")
    past = kind_item("action", {
        **_action_state(),
        "reports": array(ref("ActionReport"), "its group's report-backs, oldest first"),
        "people": nullable({"type": "integer"}, "how many took part, as the newest report that says so")},
        ["reports", "people", *_action_state()], "an action of the last 14 days that is over")
    fundraiser = kind_item("fundraiser", {
        "raised": said(COUNT, "in minor units: what its group's newest fundraiser.update says"),
        "pledged": said(COUNT, "in minor units: the pledges of groups still in the network added up"),
        "progress": said(COUNT, "percent of the goal raised (past 100 when more came in)"),
        "pledges": said(COUNT, "how many pledges"),
        "pledged_gone": said(COUNT, "in minor units: the pledges of groups that are gone (left or revoked), which "
                                    "nobody remains to honour; not in `pledged` nor `pledges`"),
        "pledges_gone": said(COUNT, "how many pledges `pledged_gone` adds up"),
        "pledged_own": said(COUNT, "in minor units: pledges by the fundraiser's own group (its own promise, not money "
                                   "others pledged); not in `pledged` nor `pledges`"),
        "pledged_by": array(ref("Pledge"), "the pledges counted in `pledged`, oldest first"),
        "pledged_shared": said(COUNT, "in minor units: of `pledged`, what pledges for chosen groups only add"),
        "declined": array(ref("Pledge"), "the pledges its group declined (fundraiser.decline), oldest first, with who "
                                         "pledged them; not in `pledged` nor `pledges` nor `pledged_gone`. Declining "
                                         "one pledge declines every pledge of that group to the fundraiser, made "
                                         "before or after"),
        "ended": {"type": "boolean", "description": "its `ends_at` has passed: it is no longer running"},
        "group_gone": GONE,
        "updated_at": nullable(TIME, "when the newest report of money raised, pledge or decline that counts was made "
                                     "(null: none yet): what the fundraiser says last changed then"),
        "reported_at": nullable(TIME, "when its group's newest report of money raised that counts was made (null: "
                                      "none yet): the only change public pages and feeds show (when members pledged "
                                      "is theirs to know)"),
        "note": nullable({"type": "string"}, "the note of its group's newest report of money raised (null: none)")},
        ["raised", "pledged", "progress", "pledges", "pledged_gone", "pledges_gone", "pledged_own", "pledged_by",
         "pledged_shared", "declined", "ended", "group_gone", "updated_at", "reported_at", "note"],
        "a fundraiser (running: neither `ended` nor `group_gone`)")
    match = plain_object({"id": said(HEX_ID, "the offer"), "region": REGION, **_group_ref(), "remaining": COUNT,
                          "unit": field_json(KINDS["offer"].field("unit"))})
    need = kind_item("need", {
        "side": {"type": "string", "const": "need"}, "unit": field_json(KINDS["need"].field("unit")),
        **_listing("quantity, urgency"), "fulfilled": said(COUNT, "covered so far"),
        "remaining": said(COUNT, "still needed"),
        "over": said(COUNT, "covered beyond what it asks: what the groups in `fulfilled_by` claim, not goods counted"),
        "over_lowered": said(COUNT, "of `over`, what is there only because its group lowered the quantity below "
                                    "what was covered before that update (within what it asked then), not any "
                                    "group's over-claim; the rest of `over` was claimed beyond what was asked"),
        "lowered": said({"type": "boolean"}, "all of `over` is there only because its group lowered the quantity "
                                             "(`over_lowered` equals `over`): no group over-claimed"),
        "fulfilled_by": array(plain_object({**_group_ref(), "quantity": COUNT,
                                            "id": said(HEX_ID, "its first fulfilment: what a need.decline names")}),
                              "each group's fulfilments counted in `fulfilled`, added up, largest first"),
        "declined": array(plain_object({"id": said(HEX_ID, "the fulfilment (a need.fulfil)"), **_group_ref(),
                                        "quantity": COUNT}),
                          "the fulfilments its group declined (need.decline), oldest first, with who made them; "
                          "not in `fulfilled`"),
        "matches": array(match, "offers of the same goods and unit with some left (its region first, at most 3)")},
        ["side", "unit", "status", "fulfilled", "remaining", "over", "over_lowered", "lowered", "fulfilled_by",
         "declined", "matches"],
        "an open need")
    offer = kind_item("offer", {
        "side": {"type": "string", "const": "offer"}, "unit": field_json(KINDS["offer"].field("unit")),
        **_listing("quantity"), "drawn": said(COUNT, "taken by fulfilments naming it (not those the need's group declined)"),
        "remaining": said(COUNT, "still offered")}, ["side", "unit", "status", "drawn", "remaining"], "an open offer")
    place = plain_object({
        "id": said(HEX_ID, "the support offer"), "region": REGION, **_group_ref(),
        "capacity": field_json(KINDS["support.offer"].field("capacity")), "starts_at": nullable(TIME),
        "until": nullable(TIME),
        "reads_private": {"type": "boolean", "description": "of a request with a private part, where this node can "
                                                            "tell: whether that group can read the part"}},
        "a support offer of the request's type", ("reads_private",))
    request = kind_item("support.request", {
        "status": {"type": "string", "enum": ["open", "claimed", "closed"]},
        "claimed_by": array(HEX_ID, "the groups that take it now"),
        "outcome": nullable({"type": "string", "enum": list(OUTCOMES)}, "of a closed request"),
        "taken": array(plain_object({**_group_ref(), "since": TIME, "claim": said(HEX_ID, "the claim by which it takes it")}),
                       "who takes it now, since when"),
        "taker_gone": array(plain_object({**_group_ref(), "since": TIME, "group_gone": GONE}),
                            "groups that took it and are gone since (left or revoked): they no longer take it, "
                            "and without another in `taken` it waits for a group again"),
        "claimed_unsent": array(plain_object({**_group_ref(), "since": TIME}),
                                "groups that claimed it although its private part was not sent to them (they "
                                "cannot read the details: check with them), where this node can tell (it reads the "
                                "part, e.g. on the requesting group's node): they do not take it, and without "
                                "another in `taken` it waits for a group"),
        "handed_back": array(plain_object({**_group_ref(), "closed_at": TIME,
                                           "outcome": {"type": "string", "enum": list(OUTCOMES)},
                                           "close": said(HEX_ID, "the close by which it handed it back")}),
                             "groups that took it and handed it back (a close of theirs: only the requesting "
                             "group's closes it), when and with what outcome; a later claim takes it again"),
        "closed_at": nullable(TIME),
        "close": nullable(HEX_ID, "the close event that closed it (its page holds the close's note, if any)"),
        "closed_by_taker": {"anyOf": [plain_object(_group_ref()), {"type": "null"}],
                            "description": "the group that took it and closed it for everyone, its requesting group "
                                           "being gone (left or revoked): once no group still a member takes it, the "
                                           "last close of one that took it ends it (not a request with a private part: "
                                           "most nodes cannot tell whether that group read it); null when the "
                                           "requesting group closed it or it is not closed"},
        "private": {"type": "boolean", "description": "whether it has a private part"},
        "readers_gone": array(plain_object({**_group_ref(), "group_gone": {
                                  "type": "string", "enum": ["left", "revoked"],
                                  "description": "left: that group left the network; revoked: it was revoked"}}),
                              "where this node can tell who reads its private part (it reads the part, e.g. on "
                              "the requesting group's node) and every group it was sealed to besides the requesting "
                              "group is gone (left or revoked): those groups; no group can act on it until the "
                              "requesting group shares it with one that can (support.share: `solnet publish "
                              "support.share --request ID --to GROUP`). Otherwise empty"),
        "age_hours": said(COUNT, "hours since it was made"),
        "can_go": array(place, "support offers of its type (its region first, at most 3); none once closed"),
        "group_gone": said(GONE, GONE["description"] + ". One nobody took is not listed once its group is gone"),
        "read_here": {"type": "boolean", "description": "with a private part, to the node's admin: whether this "
                      "device is among its readers (and so can tell who the others are)"}},
        ["status", "claimed_by", "outcome", "taken", "taker_gone", "claimed_unsent", "handed_back", "closed_at",
         "close", "closed_by_taker", "private", "readers_gone", "age_hours",
         "can_go", "group_gone"],
        "a support request (its private part is never shown here)")
    support_offer = kind_item("support.offer", {
        **_listing("capacity"), "available_now": {"type": "boolean", "description": "false before its start"}},
        ["status", "available_now"], "an open support offer")
    alert = kind_item("alert", {**_alert_story(True), "expires": said(TIME, "when it ends")},
                      [*_alert_story(True), "expires"], "a live alert")
    history = kind_item("alert", _alert_story(False), list(_alert_story(False)),
                        "an alert of the last 7 days, live or cleared; once an expired alert is gone, what its "
                        "updates recorded (then `text`, `ts` and `posted_at` are null, and `author`, `seq` and "
                        "`public` absent)")
    for item in (alert, history):  # (a boolean, as on the alert stream: not the field's yes or no as signed)
        item["properties"]["public"] = {"type": "boolean", "description": "whether its group marked the alert "
                                        "public: also on the public alert page and feed, for people without a node"}
    alert["required"].append("public")
    for name in ("region", "type", "text", "ts", "location"):  # an alert that is gone: what its updates say, or null
        history["properties"][name] = nullable(history["properties"][name])
    history["required"] = [name for name in history["required"] if name not in ("author", "seq")]
    resource = kind_item("resource", {}, [f.name for f in KINDS["resource"].fields],
                         "a resource (of a region, or for everywhere); a field left out is null")
    for f in KINDS["resource"].fields:
        if not f.required:
            resource["properties"][f.name] = nullable(resource["properties"][f.name])
    revoked = {"revoked_from": nullable({"type": "integer"}, "the first seq it may no longer sign (null: not revoked)"),
               "revoked_by": nullable(HEX_ID, "the key that revoked it (of a fork: the key itself)"),
               "revoked_at": nullable(TIME), "revoked_reason": nullable({"type": "string"}),
               "forked": {"type": "boolean", "description": "it signed two events at one seq"}}
    device = plain_object({"id": said(HEX_ID, "the device key"), **revoked,
                           "name": nullable({"type": "string"}, "the name its group gave it")})
    group = plain_object({
        "id": said(HEX_ID, "the group key"),
        "name": nullable({"type": "string"}, "its name (with the start of its id when it looks like another's)"),
        "region": nullable(REGION), "description": nullable({"type": "string"}),
        "languages": array({"type": "string"}), "contact": nullable({"type": "string"}),
        "devices": COUNT,
        "active_devices": said(COUNT, "its devices no revocation limits, while the group is not revoked (0 once it is)"),
        "devices_of_revoked_group": said(COUNT, "once the group is revoked: its devices certified before its "
                                         "revocation point and not revoked themselves, which can still sign "
                                         "(0 while it is not revoked)"),
        "device_list": array(device), **revoked,
        "left": {"type": "boolean", "description": "it revoked itself: it left the network (not revoked by others)"},
        "admitted_by": nullable(HEX_ID, "the group that admitted it (null: a founder)"),
        "admitters": array(HEX_ID), "looks_like": array(HEX_ID, "groups whose names look like its name"), **HEARD},
        "a group of the network")
    summed = {"count": said(COUNT, "how many items"), "shared": said(COUNT, "of them, for chosen groups only")}
    region = plain_object({
        "region": REGION, "groups": array(HEX_ID, "the groups whose home region it is"),
        "group_names": array(nullable({"type": "string"}), "their names, in the same order"),
        "groups_gone": array(GROUP_GONE, "whether each is gone, in the same order"),
        "needs": array(plain_object({"category": field_json(KINDS["need"].field("category")),
                                     "unit": field_json(KINDS["need"].field("unit")), "quantity": COUNT,
                                     "fulfilled": COUNT, "missing": COUNT, **summed,
                                     "urgency": nullable({"type": "string", "enum": list(URGENCY)})})),
        "offers": array(plain_object({"category": field_json(KINDS["offer"].field("category")),
                                      "unit": field_json(KINDS["offer"].field("unit")), "available": COUNT,
                                      **summed})),
        "capacity": array(plain_object({"type": {"type": "string", "enum": list(SUPPORT_TYPES)}, "capacity": COUNT,
                                        "offers": COUNT, "shared": COUNT,
                                        "from": nullable(TIME, "when places open, if none is open now"),
                                        "by_group": array(plain_object({**_group_ref(), "capacity": COUNT}),
                                                          "the places each group offers, largest first (one "
                                                          "group's offer is not the region's capacity)")})),
        "requests": plain_object({**{u: COUNT for u in reversed(URGENCY)}, "open": COUNT,
                                  "taken": said(COUNT, "of the open ones, those a group takes"),
                                  "waiting": said(COUNT, "of the open ones, those no group takes yet")},
                                 "support requests not closed, by urgency"),
        "next_action": {"anyOf": [ref("Action"), {"type": "null"}]},
        "actions_this_week": COUNT,
        "funds": array(plain_object({"currency": field_json(KINDS["fundraiser"].field("currency")),
                                     "raised": COUNT, "pledged": COUNT, "goal": COUNT, **summed,
                                     "progress": COUNT,
                                     "declined": said(COUNT, "pledges declined by their fundraiser's group (not in "
                                                             "`pledged`)"),
                                     "pledged_declined": said(COUNT, "in minor units: those declined pledges added up"),
                                     "pledges_gone": said(COUNT, "pledges of groups that are gone, left or revoked "
                                                                 "(not in `pledged`: nobody remains to honour them)"),
                                     "pledged_gone": said(COUNT, "in minor units: those pledges added up")})),
        "alerts": said(COUNT, "live alerts"),
        "last_heard": nullable(TIME, "when this node last heard from the region's groups: the latest of them "
                                     "(`groups_heard` has each)"),
        "capped": array({"type": "string", "enum": [*DESK_PARTS, "alerts", "actions", "needs_urgent", "support_urgent"]},
                        "the parts counted from a bounded number of the newest items (alerts: more than 2,000 "
                        "live, a flood; below that they are all counted; actions: `actions_this_week` counted from "
                        "the soonest of them only). Of needs and support requests so cut, the open needs of high "
                        "urgency and the requests of high urgency or waiting for a group are counted too, of any age "
                        "(the newest 100 of them: `needs_urgent`, `support_urgent` when there were more; a request "
                        "left waiting because the groups that took it left is looked for among the newest 100 "
                        "requests only)"),
        "groups_heard": array(plain_object({**_group_ref(), **HEARD, "group_gone": GROUP_GONE}),
                              "each group based in the region with when this node last heard from it, the quietest "
                              "first: a group gone silent beside an active one is not hidden by the region's "
                              "`last_heard`")},
        "one region at a glance (the coordinator's desk)")
    return {
        "RegionSummary": region, "Action": action, "PastAction": past, "ActionReport": report,
        "Fundraiser": fundraiser, "Pledge": plain_object({
            "id": said(HEX_ID, "the pledge (a fundraiser.update): what a fundraiser.decline names"), **_group_ref(),
            "pledge": said(COUNT, "in minor units")}, "a pledge to a fundraiser and the group that made it"),
        "Need": need, "Offer": offer,
        "NeedOrOffer": {"oneOf": [ref("Need"), ref("Offer")], "description": "a need or an offer (`side` says which)"},
        "SupportRequest": request, "SupportOffer": support_offer, "Alert": alert, "AlertUpdateItem": _alert_update(),
        "AlertHistoryItem": history, "Resource": resource, "Group": group,
    }


VIEW_ITEMS = {"regions": "RegionSummary", "actions": "Action", "timeline": "Action", "past-actions": "PastAction",
              "fundraisers": "Fundraiser", "needs": "NeedOrOffer", "support": "SupportRequest",
              "capacity": "SupportOffer", "alerts": "Alert", "alert-history": "AlertHistoryItem",
              "resources": "Resource", "groups": "Group"}


def view_response(name: str) -> Schema:
    """The 200 answer of GET /api/v1/`name`: a View whose items are the view's own."""
    return {"allOf": [ref("View")], "properties": {"view": {"const": name}, "items": array(ref(VIEW_ITEMS[name]))}}
