"""Events, read models and a node's status as plain JSON-able values (hex ids, ISO times), and as
text for people (what `solnet` prints without --json).

The JSON conversion serves `solnet ... --json`, the HTTP API and the dashboard, so an id or a
time looks the same everywhere. The text is for a terminal: times in the local time zone, ids in
their one short form (`short_id`: 12 hex characters and an ellipsis; commands take any unique
prefix back), counts with their plurals, values as words rather than Python reprs.
"""
from __future__ import annotations

import errno
import json
from datetime import datetime
from functools import lru_cache
from collections.abc import Sequence
from typing import Any

import msgpack

from crypto.keys import short_id
from events.kinds import DEFAULT_UNIT, KINDS
from node import moments
from node.store import BODY_EXPIRED, BODY_MISSING, BODY_PRESENT, BODY_REDACTED
from node.clock import now_ms
from node.words import isolated, local_time, one_line, padded, plural  # noqa: F401 (used here, and by callers as render.X)
from solnet_errors import Said

# What `solnet ls` says of an event whose content this node does not hold (the signed header stays).
GONE_BODIES = {BODY_EXPIRED: "expired: its content is deleted", BODY_REDACTED: "redacted by its author: its content is deleted",
               BODY_MISSING: "its content has not reached this node"}
BODY_STATES = {BODY_PRESENT: "present", BODY_MISSING: "missing", BODY_REDACTED: "redacted", BODY_EXPIRED: "expired"}
MONEY_FIELDS = ("goal", "raised", "pledge", "pledged")
TIME_KEYS = ("starts_at", "ends_at", "until", "ts", "expires", "revoked_at", "since", "posted_at", "updated_at",
             "reported_at", "cleared_at", "closed_at", "last_heard", "from")



# The values of a no-effect reason (solnet_errors.Said, of the log) that name a moment, in milliseconds:
# a listing's withdrawal, an action's start. A page shows each as its other times; the API as ISO.
MOMENT_VALUES = ("time", "starts_at")


def no_effect_json(said: Said | None) -> dict[str, Any]:
    """Why a stored event counts for nothing, as the API says it: `no_effect` in English, and the key
    of its words in the dashboard's catalogs with their values (`no_effect_key`, `no_effect_values`),
    for a client that says it in its own language; a moment among them as ISO, as the event's times."""
    if said is None:
        return {"no_effect": None, "no_effect_key": None, "no_effect_values": None}
    values = {name: iso(v) if name in MOMENT_VALUES and type(v) is int else v for name, v in said.values.items()}
    return {"no_effect": str(said), "no_effect_key": said.key, "no_effect_values": values}


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return _iso(ms)


@lru_cache(maxsize=4096)  # a page names the same few times again and again (an offer's `until` in every match)
def _iso(ms: int) -> str:
    return moments.utc(ms).isoformat(timespec="seconds").replace("+00:00", "Z")


def local_zone() -> str:
    """This machine's time zone as people read it: 'CET (UTC+01:00)', 'UTC'."""
    now = datetime.now().astimezone()
    name, offset = now.strftime("%Z"), now.strftime("%z")
    if offset in ("+0000", "-0000") and name == "UTC":
        return "UTC"
    return f"{name} (UTC{offset[:3]}:{offset[3:]})"


def plain(value: Any) -> Any:
    """bytes -> hex, recursively; everything else unchanged."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


_TIME_KEYS = frozenset(TIME_KEYS)
_AS_IS = frozenset({str, float, type(None)})
_SCALARS = _AS_IS | {int, bool}


def view_json(data: Any) -> Any:
    """A read model (node.views) as JSON-able values: times under TIME_KEYS as ISO strings, bytes hex."""
    if isinstance(data, dict):
        return _dict_json(data)
    if isinstance(data, list):
        return [view_json(v) for v in data]
    return plain(data)


def _dict_json(data: dict) -> dict:
    """view_json of a dict, each value's type tested once: a page holds thousands of them (a
    support listing 100 requests, each with its places to go), and this runs on every request."""
    out = {}
    for k, v in data.items():
        kind = type(v)
        if kind in _AS_IS:
            out[k] = v
        elif kind is int or kind is bool:
            out[k] = iso(v) if k in _TIME_KEYS else v
        elif kind is bytes:
            out[k] = v.hex()
        elif kind is dict:
            out[k] = _dict_json(v)
        else:
            out[k] = iso(v) if k in _TIME_KEYS and isinstance(v, int) else view_json(v)
    return out


def public_fields(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields anyone may see, JSON-ready: times as ISO strings, ids hex, the private part replaced
    by a flag; an event for chosen groups says only that it is one (its envelope is of no use to read)."""
    out: dict[str, Any] = {}
    if kind == "sealed":
        return {"for_chosen_groups": True}
    times = _TIME_FIELDS.get(kind, frozenset())
    for name, value in fields.items():
        if name == "sealed":
            out["has_private"] = True
        elif name in times:
            out[name] = iso(value)
        else:
            out[name] = value if type(value) in _SCALARS else plain(value)
    return out


_TIME_FIELDS = {kind: frozenset(f.name for f in spec.fields if f.type == "time") for kind, spec in KINDS.items()}


def event_fields(row: tuple) -> dict[str, Any] | None:
    """The fields of a stored event row (None without a body or for a kind this version does not
    know). Read back from this node's own log, where every body was checked canonical when it
    arrived, so it is decoded without checking again (a page of 500 events decodes 500 bodies)."""
    body = row[8]
    if body is None or row[4] not in KINDS:
        return None
    try:
        value = msgpack.unpackb(body, raw=False)
    except (ValueError, TypeError, msgpack.UnpackException, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def event_json(row: tuple, group_of: dict[bytes, bytes] | None = None, fields: Any = ...) -> dict[str, Any]:
    """A stored event row (id, author, seq, ts, kind, expires, header, sig, body, body_state) as JSON.
    `fields`: what `event_fields(row)` gives, when the caller has it already (read here otherwise)."""
    event_id, author, seq, ts, kind, expires, _header, _sig, _body, body_state = row
    out: dict[str, Any] = {
        "id": event_id.hex(),
        "kind": kind,
        "author": author.hex(),
        "seq": seq,
        "timestamp": iso(ts),
        "expires": iso(expires),
        "body": BODY_STATES[body_state],
    }
    if group_of is not None and author in group_of:
        out["group"] = group_of[author].hex()
    if fields is ...:
        fields = event_fields(row)
    if fields:
        out.update({k: v for k, v in public_fields(kind, fields).items() if k not in out})
    # The same word everywhere (API, `show --json`, read models): whether the event has a sealed
    # private part; the decrypted text, where given, is `private_details`.
    out["private"] = bool(fields and "sealed" in fields)
    return out


# --- text for people ------------------------------------------------------------------------------
def with_article(word: str) -> str:
    """'an alert', 'a need', 'a support.request'."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def words(value: str) -> str:
    """An enum value or a field name as people write it: 'info_night' -> 'info night'."""
    return value.replace("_", " ")


def money(minor: int, currency: str) -> str:
    return f"{minor / 100:,.2f} {currency}".rstrip()


def amount(minor: int) -> str:
    """Minor units (cents, pence) as the major-unit decimal people type: 45050 -> '450.50'."""
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def quantity(count: int, unit: str) -> str:
    """'60 items', '2 m3', '10 top ups'; '1 item', '1 box', '1 top up'."""
    one = _ONE_UNIT.get(unit) if count == 1 else None
    return f"{count} {one or words(unit)}"


_ONE_UNIT = {"items": "item", "pairs": "pair", "sets": "set", "boxes": "box", "litres": "litre", "top_ups": "top up"}


def summary(kind: str, fields: dict[str, Any] | None) -> str:
    """One short line describing an event's content, for `ls`."""
    if not fields:
        return ""
    f = fields
    if kind == "action":
        return f"{f['title']} — {words(f['type'])}, {local_time(f['starts_at'])}"
    if kind == "fundraiser":
        return f"{f['title']} — goal {money(f['goal'], f['currency'])}"
    if kind == "fundraiser.update":
        if "raised" in f:
            return f"raised so far {f['raised'] / 100:,.2f} for {short_id(f['fundraiser'])}"
        return f"pledge {f['pledge'] / 100:,.2f} to {short_id(f['fundraiser'])}"
    if kind == "fundraiser.decline":
        return (f"declines every pledge, earlier and later, of the group that made pledge {short_id(f['decline'])} "
                f"to {short_id(f['fundraiser'])}")
    if kind == "need.decline":
        return (f"declines every fulfilment, earlier and later, of the group that made fulfilment {short_id(f['decline'])} "
                f"of need {short_id(f['need'])}")
    if kind in ("need", "offer"):
        counted = (quantity(f["quantity"], f["unit"]) if f.get("unit") not in (None, DEFAULT_UNIT)
                   else str(f["quantity"]))
        return (f"{counted} × {words(f['category'])}" + (f", urgency {f['urgency']}" if f.get("urgency") else "")
                + (f" ({f['notes']})" if f.get("notes") else ""))
    if kind in ("need.update", "offer.update", "support.offer.update"):
        changed = ", ".join(f"{words(k)} {words(str(f[k]))}" for k in ("status", "quantity", "capacity", "urgency")
                            if k in f)
        return f"{kind.split('.update')[0]} {short_id(f['need' if kind == 'need.update' else 'offer'])}: {changed}"
    if kind == "need.fulfil":
        return f"{f['quantity']} for need {short_id(f['need'])}" + (f" from offer {short_id(f['offer'])}"
                                                                     if "offer" in f else "")
    if kind == "support.offer":
        return f"{words(f['type'])}, {plural(f['capacity'], 'place')} in {f['region']}"
    if kind == "alert.update":
        what = "ALL CLEAR" if f["status"] == "all_clear" else "update"
        return f"{what} for alert {short_id(f['alert'])}" + (f" — {f['text']}" if f.get("text") else "")
    if kind == "action.update":
        return f"action {short_id(f['action'])}: {action_change(f)}"
    if kind == "action.report":
        came = f", {plural(f['people'], 'person', 'people')}" if "people" in f else ""
        return f"report on {short_id(f['action'])}{came}: {f['outcome']}"
    if kind == "resource":
        return f"{f['title']} ({', '.join(f['languages'])})"
    if kind == "support.request":
        return (f"{words(f['type'])}, {plural(f['people'], 'person', 'people')}, urgency {f['urgency']}"
                + (" [private part]" if "sealed" in f else ""))
    if kind in ("support.claim", "support.close", "support.share"):
        return f"request {short_id(f['request'])}" + (f": {words(f['outcome'])}" if "outcome" in f else "")
    if kind == "alert":
        return f"{words(f['type']).upper()}{' ' + f['location'] if f.get('location') else ''} — {f['text']}"
    if kind == "group.profile":
        return f"{f['name']} ({f['region']})"
    if kind == "member.vouch" and f["role"] == "accept":
        return f"names {short_id(f['subject'])} as a group it joined through"
    if kind == "member.vouch":
        return f"vouches {f['role']} {short_id(f['subject'])}"
    if kind == "member.revoke":
        return f"revokes {short_id(f['subject'])} from seq {f['from_seq']}"
    if kind == "redact":
        return f"redacts {plural(len(f['ids']), 'event')}"
    if kind == "node.announce":
        return ", ".join(f["addresses"])
    return ""


def event_line(row: tuple, group: str, fields: dict[str, Any] | None, *, inner_kind: str | None = None,
               shared: str | None = None) -> str:
    """One line of `solnet ls`: when, kind, region, group, short id, what it says. For an event for
    chosen groups, `inner_kind` and `fields` are its inside when this device could read it, and
    `shared` says with whom."""
    kind = inner_kind or row[4]
    region = (fields or {}).get("region", "")
    said = summary(kind, fields)
    if row[4] == "sealed":
        said = f"{said} [shared with {shared} only]" if inner_kind else "for chosen groups only (encrypted)"
    if fields is None and row[9] != BODY_PRESENT:  # an empty line read as a bug, or as something hidden
        said = GONE_BODIES[row[9]] + (" (was for chosen groups only)" if row[4] == "sealed" else "")
    return one_line(f"{local_time(row[3])}  {kind:<17} {region:<12} {padded(group, 12)} {short_id(row[0])}  {said}").rstrip()


def inner_json(kind: str, fields: dict[str, Any], shared_with: list[bytes]) -> dict[str, Any]:
    """The inside of an event for chosen groups, as a recipient reads it (JSON-ready)."""
    return {"kind": kind, **public_fields(kind, fields), "shared_with": [g.hex() for g in shared_with]}


def field_text(kind: str, name: str, value: Any, fields: dict[str, Any]) -> str:
    """A field's value as people read it: local times, money with its currency, short ids, lists
    joined with commas, yes/no (never a Python repr)."""
    spec = KINDS[kind].field(name) if kind in KINDS else None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name in MONEY_FIELDS and isinstance(value, int):
        return money(value, str(fields.get("currency", "")))
    if spec is not None and spec.type == "time" and isinstance(value, int):
        return local_time(value)
    if isinstance(value, bytes):
        return short_id(value) if len(value) == 32 else plural(len(value), "byte")
    if isinstance(value, list):
        return ", ".join(field_text(kind, name, v, fields) for v in value)
    if spec is not None and spec.type == "enum" and isinstance(value, str):
        return words(value)
    return str(value)


LISTING_STATUS_WORDS = {"open": "open", "withdrawn": "WITHDRAWN by its group", "lapsed": "LAPSED (its date passed)",
                        "group_left": "its group has left the network", "group_revoked": "its group was revoked"}


def state_text(kind: str, state: dict[str, Any], published: dict[str, Any] | None = None) -> str:
    """What a need, an offer or a fundraiser comes to now, as `solnet show` says it under the event
    (which shows what was published: a withdrawn need read as open there, a need half covered as
    wholly missing, a fundraiser with no word of what it raised); of an alert and of a support request
    too (a raid alert shown where it was first seen, with no word of the update that moved it nor of
    its all clear; a request with no word of who took it or closed it). `published`: the event's own
    fields, shown above this line; a need's urgency and a need's or offer's notes its group changed
    since are said (a need raised to high read "urgency: medium" and nothing more)."""
    if kind == "alert":
        return _alert_state_text(state)
    if kind == "action":
        moved = (f"{action_when(state)}" + (f" at {state['place']}" if state.get("place") else "")
                 if state.get("moved_from") else "")
        said = action_state(state).strip() or "as published"
        gone = f"; {GONE_WORDS[state['group_gone']]}" if state.get("group_gone") else ""
        return said + (f"; now {moved}" if moved else "") + gone  # (nobody to move, cancel or ask about it)
    if kind == "support.request":
        steps = request_steps_text(state)
        return state["status"] + gone_mark(state, ASKER_GONE_WORDS) + (f" — {steps}" if steps else "")
    if kind == "fundraiser":
        said = (f"raised {money(state['raised'], state['currency'])} of {money(state['goal'], state['currency'])} "
                f"({state['progress']}%), pledged {money(state['pledged'], state['currency'])}{pledges_left_out(state)}"
                + (f"; its group says: {state['note']}" if state.get("note") else ""))
        if state.get("group_gone"):
            return f"{said}; {GONE_WORDS[state['group_gone']]}"
        return f"{said}; ENDED" if state.get("ended") else said
    if kind == "support.offer":  # (its capacity above is as published: an update changes it)
        if state["status"] != "open":
            return LISTING_STATUS_WORDS.get(state["status"], state["status"])
        return f"open; {plural(state['capacity'], 'place')}{_changed_text(state, published)}"
    unit = state.get("unit", DEFAULT_UNIT)
    if kind == "need":
        covered = f"{state['fulfilled']} of {quantity(state['quantity'], unit)} covered"
        said = (covered if state["status"] != "open"  # nobody is to send the rest
                else f"{covered}, {state['remaining']} still needed" if state["remaining"] else f"fully covered ({covered})")
    elif state["status"] != "open":  # nothing of it is to be had: "10 litres left of 10" read as available
        return LISTING_STATUS_WORDS.get(state["status"], state["status"])
    else:
        said = f"{quantity(state['remaining'], unit)} left of {state['quantity']}"
    return f"{LISTING_STATUS_WORDS.get(state['status'], state['status'])}; {said}{_changed_text(state, published)}"


def pledges_left_out(fundraiser: dict[str, Any]) -> str:
    """What a fundraiser's "pledged" leaves out, in words after it (`view fundraisers`, `show`): pledges
    of groups no longer in the network (nobody remains to honour them) and its own group's (no one
    else's promise: events.readmodels.fundraisers). `show` said "pledged 20.00 EUR" alone where its
    own group had "pledged" 500."""
    currency = fundraiser["currency"]
    return ((f" (not counting {money(fundraiser['pledged_gone'], currency)} pledged by groups no longer in the network)"
             if fundraiser.get("pledged_gone") else "")
            + (f" (not counting {money(fundraiser['pledged_own'], currency)} pledged by its own group)"
               if fundraiser.get("pledged_own") else ""))


def _changed_text(state: dict[str, Any], published: dict[str, Any] | None) -> str:
    """A need's urgency and a listing's notes as its group last set them (need.update, offer.update),
    where they differ from what was published (all that `show` printed above)."""
    said = ""
    for name, words_of in (("urgency", lambda v: f"urgency now {v}"), ("notes", lambda v: f"notes now: {one_line(v)}")):
        value = state.get(name)
        if value is not None and (published is None or value != published.get(name)):
            said += f"; {words_of(value)}"
    return said


def _alert_state_text(story: dict[str, Any]) -> str:
    """What an alert comes to now (events.readmodels.alert_story, `status` "expired" once past its
    end): its all clear and the words of it, or where it is now and its group's newest words."""
    if story["status"] == "all_clear":
        last = (story.get("updates") or [{}])[-1].get("text")
        return f"ALL CLEAR {local_time(story['cleared_at'])}" + (f": {last}" if last else "")
    where = f" at {story['location']}" if story.get("location") else ""
    updated = f"; updated {local_time(story['updated_at'])}: {story['latest']}" if story.get("updated_at") else ""
    return ("EXPIRED" if story["status"] == "expired" else "LIVE") + where + updated


def listing_cut(limit: int, oldest_shown: int) -> str:
    """What `solnet ls` says (on stderr) when more events match than it lists: the newest `limit`,
    down to `oldest_shown` (ms), were printed, and how to see the others."""
    return (f"only the newest {plural(limit, 'event')} shown (back to {local_time(oldest_shown)}); older ones "
            f"match too: give a larger --limit to see them")


def show_lines(data: dict[str, Any], row: tuple, group: str | None, fields: dict[str, Any], *,
               inner_kind: str | None = None, shared: str | None = None,
               names: dict[bytes, str] | None = None, currency: str | None = None,
               named: dict[str, str] | None = None) -> list[str]:
    """`solnet show ID` for people. `data` is the event as `show --json` prints it; for an event for
    chosen groups this device reads, `inner_kind` and `fields` are its inside, `shared` with whom;
    `names` the groups' names (who can read its private details); `currency` that of its amounts
    where it names none (node/references.py `update_currency`); `named` the events it names, by
    field, said for people (what and whose: a fulfilment's need and offer), else their short ids."""
    kind = inner_kind or row[4]
    # trust events are signed with the group key itself: it is no device of the group
    signer = "with the group key" if data.get("group") == data["author"] else f"device {short_id(data['author'])}"
    lines = [f"{kind} {data['id']}" + (f" (shared with {shared} only)" if inner_kind else ""),
             f"  by {group or 'an unknown group'}, {signer}, seq {row[2]}",
             f"  made {local_time(row[3])}" + (f", expires {local_time(row[5])}" if row[5] else "")]
    if data["body"] != "present":
        lines.append(f"  body: {data['body']}")
    if data.get("no_effect"):
        lines.append(f"  no effect: {data['no_effect']}")
    spec = KINDS.get(kind)
    order = [f.name for f in spec.fields] if spec else []
    amounts_in = {"currency": currency, **fields} if currency else fields
    for name in sorted(fields, key=lambda n: order.index(n) if n in order else len(order)):
        if name != "sealed":
            said = (named or {}).get(name) or field_text(kind, name, fields[name], amounts_in)
            lines.append(f"  {words(name)}: {said}")
    if row[4] == "sealed" and not inner_kind and data["body"] == "present":
        lines.append("  for chosen groups only: what it is and who may read it are encrypted; "
                     # (who may read it cannot be told without the key: the envelope's slots name nobody)
                     + ("if this device is one of its readers, give the passphrase (a terminal or SOLNET_PASSPHRASE) "
                        "to read it" if data.get("private_status") == "locked" else "this device is not one of its readers"))
    if "sealed" in fields:
        status = data.get("private_status")
        if status == "readable":
            readers = data.get("private_readers")
            unknown = data.get("private_readers_unknown") or 0  # shares of a request this device cannot read
            # read through a share: the groups the request itself went to are not known here
            unread = [*(["the groups it was first sealed to"] if data.get("private_readers_first_unknown") else []),
                      *([f"the groups that {plural(unknown, 'share')} went to"] if unknown else [])]
            who = (f"readable by {shared_text([bytes.fromhex(g) for g in readers], names or {})}"
                   + (f" and by {' and '.join(unread)}, which this device cannot read; " if unread else " only; ")
                   if readers else "")
            lines.append(f"  private details ({who}decrypted in memory, not stored):")
            # each line set apart where it has right-to-left letters (node.words.isolated), as every
            # other member text `show` prints: first in its line, "ب: 2 people" turned it
            lines += [f"    {isolated(line)}" for line in (data.get("private_details") or "").splitlines()]
            lines += differing_lines(data.get("differing_details") or ())
            gone = [{**g, "group": bytes.fromhex(g["group"])} for g in data.get("readers_gone") or ()]
            unread = readers_gone_text(gone, data["id"], names or {})
            lines += [f"  {unread}"] if unread else []
        elif status == "locked":
            # Whether this device is a recipient is known only once it tries its key (crypto/envelope.py)
            lines.append("  private details: encrypted; if this device is one of their recipients, give the passphrase "
                         "(a terminal or SOLNET_PASSPHRASE) to read them")
        elif status == "damaged":  # (the reason is said on stderr: node/private.py DAMAGED_TEXT)
            lines.append("  private details: damaged; nothing of them can be read")
        else:
            lines.append("  private details: encrypted to other groups; this device is not a recipient")
    return lines


def differing_lines(differing: Sequence[dict[str, Any]]) -> list[str]:
    """What `solnet show` says of other shares of a request that give other details (cli.py
    `_shared_details`): each with its id, to look at (`solnet show ID`) and ask its group about."""
    if not differing:
        return []
    verb = "gives" if len(differing) == 1 else "give"
    lines = [f"  {plural(len(differing), 'other share')} of it by its group {verb} other details: ask the group "
             "which are true (a device of that group in other hands could share made-up ones):"]
    for d in differing:
        lines.append(f"    share {short_id(bytes.fromhex(d['share']))}:")
        lines += [f"      {isolated(line)}" for line in d["details"].splitlines()]
    return lines


def revocation_text(item: dict[str, Any], group_names: dict[bytes, str] | None = None) -> str:
    """'from seq 3 by Calais on 2026-11-25 14:02 (phone stolen)' for a revoked group or device: the
    revoker by its group's name where it is a group this node knows by name (as the dashboard
    names it), else by its short id (a device revoking itself). A forked key has no revoker and no
    time: 'at seq 3: its key signed two different events there'."""
    if item.get("forked"):  # no revoker and no time: the key signed twice at one seq
        return f"at seq {item['revoked_from']}: its key signed two different events there"
    revoker = item.get("revoked_by")
    by = f" by {(group_names or {}).get(revoker) or short_id(revoker)}" if revoker else ""
    at = f" on {local_time(item['revoked_at'])}" if item.get("revoked_at") else ""
    why = f" ({item['revoked_reason']})" if item.get("revoked_reason") else ""
    return f"from seq {item['revoked_from']}{by}{at}{why}"


def and_list(items: Sequence[str], conjunction: str = "and") -> str:
    """'a', 'a and b', 'a, b and c' (`conjunction`: the dashboard's language's 'and'): every list of
    names people read, in the commands and on the dashboard alike ('' for none)."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def shared_text(groups: Sequence[bytes], names: dict[bytes, str]) -> str:
    """'Calais, Bristol and 1a2b3c4d5e6f…' for a "shared with" mark (the same words in `ls`, `show`
    and `view`, and on the dashboard: node/dashboard/app.py group_list)."""
    return and_list([names.get(g) or short_id(g) for g in groups])


def view_line(view: str, item: dict[str, Any], group_names: dict[bytes, str]) -> str:
    """One item of `solnet view` for people (a region takes several lines); an item for chosen groups
    says with whom it is shared."""
    if view == "regions":
        return region_text(item, group_names)
    lines = _view_lines(view, item, group_names)
    if item.get("shared_with") and view != "groups":
        lines[0] += f" [shared with {shared_text(item['shared_with'], group_names)} only]"
    # Each line on its own: a line break inside a text is a ⏎, while a need's or a request's
    # matches, and a group's devices, keep the lines they are printed on.
    return "\n".join(one_line(line) for line in lines)


def terminal_view_line(view: str, item: dict[str, Any], group_names: dict[bytes, str]) -> str:
    """`view_line` for a terminal: every text of the item (group names, titles, places, notes ...,
    at any depth) and every group name set apart where it has right-to-left letters
    (`texts_isolated`), which node.terminal_text lets through."""
    return view_line(view, texts_isolated(item), {g: isolated(n) for g, n in group_names.items()})


def texts_isolated(value: Any) -> Any:
    """`value` (an item of a view, an event's fields) with every text in it, at any depth, set apart
    where it has right-to-left letters (node.words.isolated; keys, enums and numbers stay as they
    are: they have none). Not names alone: a terminal that lays out bidirectional text gave a
    right-to-left title's direction to what followed it, digits after it (a count, an hour, a short
    id) drawn across it, and a text first on its line turned the whole line (until 2026-12-07)."""
    if isinstance(value, str):
        return isolated(value)
    if isinstance(value, dict):
        return {k: texts_isolated(v) for k, v in value.items()}
    if isinstance(value, list):
        return [texts_isolated(v) for v in value]
    return value


def _view_lines(view: str, item: dict[str, Any], group_names: dict[bytes, str]) -> list[str]:
    """The lines of one item of `solnet view`: its own, then those under it (matches, devices)."""
    if view in ("needs", "support"):
        return _matched_lines(view, item, group_names)
    if view == "groups":
        return _group_lines(item, group_names)
    return [_view_line(view, item, group_names)]


GONE_WORDS = {"left": "its group has left the network", "revoked": "its group was revoked"}
# A support request's: its line names no group of its own and ends with who took it, so "its group"
# there read as the taker's ("taken by Bristol ... [its group has left the network]")
ASKER_GONE_WORDS = {"left": "the group that asked has left the network", "revoked": "the group that asked was revoked"}
TAKER_GONE_WORDS = {"left": "has left the network", "revoked": "was revoked"}

# A claim by a group the request's private part was not sealed to (events.readmodels `claimed_unsent`)
CLAIMED_UNSENT_WORDS = "which this request was not sent to (it cannot read the details): check with them"


def private_mark(item: dict[str, Any]) -> str:
    """What a listed support request says of its private part: whether this group reads it (the
    device's key told: `read_here`, node.audience.mark_private_readers), else only that it has one
    (the keystore stayed locked). One "[private part]" for both left a coordinator guessing whether
    `show` would give the details or nothing. "Readable here", not "shared with you": true of the
    group that wrote the request as of the groups it was sealed to. `opened_here`: read here though
    its readers cannot be told (a part of 0.1); `own_unread`: its group's own, not sealed to this
    device (cli.py `_mark_opened_here`)."""
    if not item.get("has_private"):
        return ""
    if "read_here" not in item:
        return " [private part]"
    if item.get("own_unread"):  # its group's own: sealed before this device was certified
        return " [private, not sealed to this device: your group's other devices read it]"
    return (f" [private, readable here: see `solnet show {item['id'].hex()[:12]}`]"
            if item["read_here"] or item.get("opened_here")
            else " [private, not shared with this group]")


def readers_gone_text(gone: Sequence[dict[str, Any]], request: str, names: dict[bytes, str]) -> str | None:
    """What to say of the request `request` (hex) when no group it was sealed to can still read it
    (events.readmodels `readers_gone`: `gone`), each named with how it is gone, and what to do; None
    when one still can."""
    if not gone:
        return None
    who = and_list([f"{names.get(g['group']) or short_id(g['group'])} ({TAKER_GONE_WORDS[g['group_gone']]})"
                    for g in gone])
    return (f"NO GROUP IT WAS SENT TO CAN STILL READ IT: {who}. Nobody can act on it: share it with a group "
            f"that can (solnet publish support.share --request {request} --to GROUP)")


def gone_mark(item: dict[str, Any], said: dict[str, str] = GONE_WORDS) -> str:
    """' [its group has left the network]' after an item whose group is gone (events.readmodels
    `group_gone`): nobody can update, clear or close it any more; '' for a member's. `said`: the
    words (ASKER_GONE_WORDS for a support request)."""
    return f" [{said[item['group_gone']]}]" if item.get("group_gone") else ""


def action_when(action: dict[str, Any], now: int | None = None) -> str:
    """When an action of the lists to come is: its start, and its end when it says one (a rota or a
    camp that started weeks ago and runs on read as long over, dated by its start alone). With `now`,
    one already started is said under way: the desk's "next action: 07:00 Distribution" read at 09:00
    (an action with no end is listed for 3 hours after its start) looked like a mistyped date."""
    ends = action.get("ends_at")
    started = now is not None and action["starts_at"] <= now
    return (f"{'under way since ' if started else ''}{local_time(action['starts_at'])}"
            + (f"{',' if started else ''} until {local_time(ends)}" if ends else ""))


def action_change(f: dict[str, Any]) -> str:
    """What an action.update says, in words: "CANCELLED (rain)", "moved to 12 Dec 14:00, at the park"."""
    parts = ["CANCELLED" if f.get("status") == "cancelled" else "ON after all" if f.get("status") == "on" else ""]
    moved = ", ".join([*([f"starts {local_time(f['starts_at'])}"] if "starts_at" in f else []),
                       *([f"ends {local_time(f['ends_at'])}"] if "ends_at" in f else []),
                       *([f"at {f['place']}"] if f.get("place") else [])])
    parts.append(f"moved: {moved}" if moved else "")
    note = f" ({f['note']})" if f.get("note") else ""
    return "; ".join(p for p in parts if p) + note


def action_state(item: dict[str, Any]) -> str:
    """What its group changed of an action in a list: CANCELLED (with its note), or where it moved from;
    a cancelled one that was moved too says when and where it was first (its line shows the moved start:
    who saw it planned for the 9th looked for the 9th, and read only CANCELLED on another day), and
    the place it had moved to (who saw the move went there)."""
    was = item.get("moved_from")
    old, now_at = [], ""
    if was:
        old = [local_time(was["starts_at"])] if was["starts_at"] != item["starts_at"] else []
        if was.get("place") != item.get("place"):
            old.append(f"at {was['place']}" if was.get("place") else "no place given")
            now_at = f" to {item['place']}" if item.get("place") else ""
    note = f": {item['note']}" if item.get("note") else ""
    if item.get("status") == "cancelled":  # where it had gone too: who saw the move looked there
        moved_to = f"; moved{now_at}" if now_at else ""
        return "  CANCELLED by its group" + (f" (was {', '.join(old)}{moved_to})" if old else "") + note
    return f"  MOVED{now_at} (was {', '.join(old)})" + note if was else ""


def _view_line(view: str, item: dict[str, Any], group_names: dict[bytes, str]) -> str:
    group = item.get("group_name") or group_names.get(item.get("group", b""), "?")
    short = short_id(item["id"])
    if view in ("actions", "timeline"):
        # its end after its title: "START until END" first pushed the region and title of its line out
        # of the columns of the lines with a start alone. Its group first, before the poster's own
        # title: a member's "Calais: march — Cardiff" passed for Calais's (as on the dashboard)
        ends = f" until {local_time(item['ends_at'])}" if item.get("ends_at") else ""
        return (f"{local_time(item['starts_at'])}  {item['region']:<12} {group}: {item['title']} "
                f"({words(item['type'])}){ends}{action_state(item)}{gone_mark(item)}  {short}")
    if view == "past-actions":
        reports = item.get("reports") or []
        said = (f"report: {plural(item['people'], 'person', 'people') + ', ' if item.get('people') is not None else ''}"
                f"{reports[-1]['outcome']}" + (f" ({plural(len(reports[-1]['photos']), 'photo')})"
                                               if reports[-1].get("photos") else "")) if reports else "no report yet"
        if item.get("status") == "cancelled":
            said = "CANCELLED by its group" + (f" ({item['note']})" if item.get("note") else "")
        return f"{local_time(item['starts_at'])}  {item['region']:<12} {group}: {item['title']} — {said}  {short}"
    if view == "fundraisers":
        filled = min(10, item["progress"] // 10)
        bar = "#" * filled + "." * (10 - filled)
        ends = item.get("ends_at")
        until = (f", ENDED {local_time(ends)}" if item.get("ended") else f", until {local_time(ends)}") if ends else ""
        # its group first, before the poster's own title: a member's "Calais bail fund" passed for Calais's
        return (f"[{bar}] {item['progress']:>3}%  {group}: {item['title']} — raised {money(item['raised'], item['currency'])} of "
                f"{money(item['goal'], item['currency'])}, pledged {money(item['pledged'], item['currency'])}"
                + (f" (its group says: {item['note']})" if item.get("note") else "")
                + pledges_left_out(item) + _declined_text(item, group_names)
                + f"{until}{gone_mark(item)}  {short}")
    if view == "capacity":
        when = (f" from {local_time(item['starts_at'])}" if not item.get("available_now") else "") + (
            f" until {local_time(item['until'])}" if item.get("until") else "")
        return (f"{words(item['type']):<24} {item['region']:<12} {plural(item['capacity'], 'place')}{when} — "
                f"{group}  {short}")
    if view == "alerts":
        where = f" {item['location']}" if item.get("location") else ""
        updated = f"; updated {local_time(item['updated_at'])}: {item['latest']}" if item.get("updated_at") else ""
        return (f"ALERT {item['region']}: {words(item['type'])}{where} — {item['text']} (posted "
                f"{local_time(item['posted_at'])} by {group}{updated}; until {local_time(item['expires'])})"
                f"{gone_mark(item)}  {short}")
    if view == "alert-history":
        where = f" {item['location']}" if item.get("location") else ""
        state = (f"ALL CLEAR {local_time(item['cleared_at'])}" if item["status"] == "all_clear"
                 else "EXPIRED" if item["status"] == "expired" else "LIVE")
        posted = f"posted {local_time(item['posted_at'])} by {group}" if item.get("posted_at") else f"by {group}"
        # what it came to: the all clear's own words, or the newest text (the update's, else the alert's)
        last = (item.get("updates") or [{}])[-1].get("text") if item["status"] == "all_clear" else item.get("latest")
        said = f": {last}" if last else ""
        return (f"{state:<28} {item['region'] or '?'}: {words(item['type'] or 'alert')}{where}{said} — {posted}"
                f"{gone_mark(item)}  {short}")
    if view == "resources":
        where = item.get("region") or "everywhere"
        # its group first, as on every line: with none, a member's "Calais legal line" passed for Calais's
        return (f"[{', '.join(item['languages'])}] {where:<12} {group}: {item['title']} — {item['summary']}"
                + (f" <{item['link']}>" if item.get("link") else "") + f"  {short}")
    return str(item)


def _declined_text(fund: dict[str, Any], group_names: dict[bytes, str]) -> str:
    """The pledges a fundraiser's group declined (not in "pledged"), said so nothing is hidden."""
    declined = fund.get("declined") or []
    if not declined:
        return ""
    return (f"; {len(declined)} declined by its group ("
            + ", ".join(f"{money(d['pledge'], fund['currency'])} pledged by "
                        f"{group_names.get(d['group']) or short_id(d['group'])}" for d in declined) + ")")


def _matched_lines(view: str, item: dict[str, Any], group_names: dict[bytes, str]) -> list[str]:
    """A need with the offers that could cover it, a support request with the groups that could take
    it (each match a line under it), or an offer."""
    group = item.get("group_name") or group_names.get(item.get("group", b""), "?")
    short = short_id(item["id"])
    if view == "needs":
        what = f"{quantity(item['quantity'], item['unit'])} × {words(item['category'])}"
        # its notes as its group last set them (need.update, offer.update --notes), on its line
        notes = f"; notes: {one_line(item['notes'])}" if item.get("notes") else ""
        if item["side"] != "need":
            left = f"{item['remaining']} left" if item["remaining"] else "all given out"
            return [f"offer {item['region']:<12} {what}, {left}{notes} — {group}  {short}"]
        name = lambda g: group_names.get(g) or short_id(g)  # noqa: E731
        # more than asked is what the fulfilling groups claim, not goods counted: said as their claim
        lowered = item.get("over_lowered") or 0  # (what its own group's lowering made, not anyone's claim)
        claimed = (item.get("over") or 0) - lowered
        # covered in full: said so ("0 still needed, urgency high" read as a need to act on)
        left = (f", {item['remaining']} still needed" if item["remaining"] else ", fully covered") + (
            f" (OVER-CLAIMED: {claimed} more than asked, claimed by "
            + ", ".join(f"{name(b['group'])} {b['quantity']}" for b in item.get("fulfilled_by") or ())
            + (f"; {lowered} more covered than it asks now: its group lowered it" if lowered else "") + ")"
            if claimed else f" ({lowered} more covered than it asks now: its group lowered it)" if lowered else "")
        if item.get("declined"):  # what its group declined (need.decline), not counted: said so nothing is hidden
            left += (f"; {len(item['declined'])} declined by its group ("
                     + ", ".join(f"{d['quantity']} by {name(d['group'])}" for d in item["declined"]) + ")")
        urgency = f", urgency {item['urgency']}" if item.get("urgency") and item["remaining"] else ""
        return [f"need  {item['region']:<12} {what}{left}{urgency}{notes} — {group}  {short}"] + [
            f"      could come from: {quantity(m['remaining'], m['unit'])} offered by "
            f"{m.get('group_name') or '?'} ({m['region']})  {short_id(m['id'])}" for m in item.get("matches") or ()]
    taken = request_steps_text(item)
    hours = item.get("age_hours")
    age = ("" if hours is None else f", {plural(hours // 24, 'day')} old" if hours >= 24
           else f", {plural(hours, 'hour')} old" if hours else ", less than an hour old")
    line = (f"{item['status']:<8} {item['region']:<12} {words(item['type'])}, "
            f"{plural(item['people'], 'person', 'people')}, urgency {item['urgency']}{age}"
            + gone_mark(item, ASKER_GONE_WORDS) + private_mark(item) + (f" — {taken}" if taken else "") + f"  {short}")
    gone = item.get("readers_gone")
    unread = readers_gone_text(gone, item["id"].hex(), group_names) if gone else None
    return [line] + ([f"      {unread}"] if unread else []) + [
        f"      could go to: {o.get('group_name') or '?'} ({o['region']}), {plural(o['capacity'], 'place')}"
        + (" (cannot read its private details)" if o.get("reads_private") is False else "")
        + f"  {short_id(o['id'])}" for o in item.get("can_go") or ()]


def request_steps_text(item: dict[str, Any]) -> str:
    """Who takes a support request (events.readmodels.support_requests' item, its groups named),
    who took it and is gone, who handed it back, and how it was closed: `view support` says it
    after the request, `show` as what it comes to now."""
    since = "from" if item.get("status") == "closed" else "since"  # (a closed request is taken by no one now)
    return "; ".join([f"taken by {t.get('group_name') or short_id(t['group'])} {since} {local_time(t['since'])}"
                     for t in item.get("taken") or ()]
                     # nobody of a gone group will act: the requester must look for another group
                     + [f"{t.get('group_name') or short_id(t['group'])} had taken it since {local_time(t['since'])} "
                        f"but {TAKER_GONE_WORDS[t['group_gone']]}"
                        + ("; another group that took it still holds it" if item.get("taken") else ": find another group")
                        for t in item.get("taker_gone") or ()]
                     # a claim by a group the private part was not sealed to takes nothing here
                     + [f"claimed by {t.get('group_name') or short_id(t['group'])} since {local_time(t['since'])}, "
                        f"{CLAIMED_UNSENT_WORDS}" for t in item.get("claimed_unsent") or ()]
                     + [f"handed back by {b.get('group_name') or short_id(b['group'])} {local_time(b['closed_at'])} "
                        f"({words(b['outcome'])})" for b in item.get("handed_back") or ()]
                     # a closed request says when and how it ended, not only who took it
                     + ([f"closed {local_time(item['closed_at'])}" + (f" ({words(item['outcome'])})"
                                                                     if item.get("outcome") else "")
                         + (f" by {ender.get('group_name') or short_id(ender['group'])}, which took it "
                            "(the group that made it is gone)" if (ender := item.get("closed_by_taker")) else "")]
                        if item["status"] == "closed" and item.get("closed_at") else []))


def _group_lines(item: dict[str, Any], group_names: dict[bytes, str]) -> list[str]:
    """A group, with a line per device (their ids are what `solnet revoke` takes)."""
    short = short_id(item["id"])
    # a group that revoked itself left the network: "REVOKED ... by Paris" read as thrown out
    state = (f", LEFT THE NETWORK {revocation_text({**item, 'revoked_by': None})}" if item.get("left")
             else f", {'FORKED' if item.get('forked') else 'REVOKED'} {revocation_text(item, group_names)}"
             if item["revoked_from"] else "")
    revoked = sum(1 for d in item.get("device_list", ()) if d["revoked_from"] is not None)
    of_them = f" ({revoked} of them revoked)" if revoked and not item["revoked_from"] else ""  # as `status` counts
    lines = [f"{item['name'] or '(no profile yet)'} ({item['region'] or '?'}) — "
             f"{plural(item['devices'], 'device')}{of_them}{state}  {short}"]
    if "last_heard" in item:
        lines.append(f"    last heard from {heard_text(item)}")
    if item.get("looks_like"):
        lines.append("    NAME LIKE ANOTHER'S: " + ", ".join(group_names.get(g) or short_id(g) for g in item["looks_like"])
                     + " (ask the group you know which id is theirs)")
    if item.get("admitted_by"):
        lines.append(f"    admitted by {group_names.get(item['admitted_by']) or short_id(item['admitted_by'])}")
    for d in item.get("device_list", ()):  # (their ids are what `solnet revoke` takes)
        lines.append(f"    device {short_id(d['id'])}" + (f" named {json.dumps(one_line(d['name']), ensure_ascii=False)}"
                                                            if d.get("name") else "")
                     + (" (this node)" if d.get("this_node") else "")
                     + (f" {'FORKED' if d.get('forked') else 'REVOKED'} {revocation_text(d, group_names)}"
                        if d["revoked_from"] is not None else
                        # a member still (design rule 8), but not as the active devices of other groups
                        f" of a {'group that left the network' if item.get('left') else 'revoked group'}: "
                        "certified before its revocation point, it can still sign"
                        if item["revoked_from"] else ""))
    return lines


HEARD_BY = {"event": "its newest event here, by its own clock", "sync": "last sync with one of its devices"}


def heard_text(g: dict[str, Any]) -> str:
    """When this node last heard from a group and how (node.views.heard_from): '12:03 (last sync with
    one of its devices)', or 'never'."""
    return f"{local_time(g['last_heard'])} ({HEARD_BY[g['heard_by']]})" if g.get("last_heard") else "never"


def region_text(r: dict[str, Any], group_names: dict[bytes, str] | None = None) -> str:
    """One region of `solnet view regions`: what it needs, can give and take, plans, raised, and
    when it was last heard from; what comes from events for chosen groups only says so (the next
    action with whom it is shared), as every other view does."""
    gone = r.get("groups_gone") or [None] * len(r.get("group_names") or ())
    names = ", ".join(n + (f" ({TAKER_GONE_WORDS[g]})" if g else "")
                      for n, g in zip(r.get("group_names") or (), gone) if n) or "no group based there"
    heard = local_time(r["last_heard"]) if r.get("last_heard") else "never"
    # (a region no group is based in has no group to hear from: "last heard from never" beside its
    # 2,000 needs read as a region no one had posted in)
    lines = [f"{r['region'].upper()} — {names}" + (f"; last heard from {heard}" if r.get("groups") else "")]
    if len(r.get("groups_heard") or ()) > 1:  # each apart, the quietest first: one gone silent is not hidden
        lines.append("  groups last heard from: " + "; ".join(
            f"{h.get('group_name') or short_id(h['group'])} {heard_text(h)}" for h in r["groups_heard"]))
    needs = [f"{quantity(n['missing'], n['unit'])} of {words(n['category'])} missing (of {n['quantity']})"
             + (f" [{n['urgency']}]" if n.get("urgency") else "") + _sum_shared(n) for n in r["needs"]]
    lines.append("  needs: " + ("; ".join(needs) if needs else "nothing open"))
    offers = [f"{quantity(o['available'], o['unit'])} of {words(o['category'])}{_sum_shared(o)}" for o in r["offers"]]
    lines.append("  offers: " + ("; ".join(offers) if offers else "none"))
    places = [f"{words(c['type'])} {plural(c['capacity'], 'place')}"
              + (f" (from {local_time(c['from'])})" if c.get("from") else "") + _sum_shared(c, c["offers"])
              + _offered_by(c, group_names or {}) for c in r["capacity"]]
    lines.append("  can take: " + ("; ".join(places) if places else "no support offered"))
    q = r["requests"]
    # "which are still waiting?" at a glance: taken requests are open too, until their group closes them
    lines.append(f"  support requests: {q['open']} open, of which {q['taken']} taken, {q['waiting']} waiting for a "
                 f"group ({q['high']} high, {q['medium']} medium, {q['low']} low)" if q["open"]
                 else "  support requests: none open")
    a = r.get("next_action")
    shared = (f" [shared with {shared_text(a['shared_with'], group_names or {})} only]"
              if a and a.get("shared_with") else "")
    # its group first, before its title (nothing else there names it): a member's "Calais: march" passed for Calais's
    by = (a.get("group_name") or (group_names or {}).get(a["group"], "?")) if a else ""
    lines.append("  next action: " + (f"{action_when(a, now_ms())} {by}: {a['title']} ({words(a['type'])}){shared}"
                                      f"{gone_mark(a)}" if a else "none in the next 7 days"))
    funds = [f"raised {money(f['raised'], f['currency'])} of {money(f['goal'], f['currency'])} ({f['progress']}%)"
             + (f", {money(f['pledged'], f['currency'])} pledged" if f["pledged"] else "") + _sum_shared(f)
             # what will not come, so the sum pledged is not read as all that was offered
             + (f", {plural(f['declined'], 'pledge')} declined by the fundraiser's group "
                f"({money(f['pledged_declined'], f['currency'])}, not counted)" if f.get("declined") else "")
             + (f", {plural(f['pledges_gone'], 'pledge')} from groups no longer in the network "
                f"({money(f['pledged_gone'], f['currency'])}, not counted)" if f.get("pledges_gone") else "")
             for f in r["funds"]]
    lines.append("  money: " + ("; ".join(funds) if funds else "no fundraiser running"))
    if r.get("alerts"):
        lines.append(f"  alerts: {plural(r['alerts'], 'live alert')}")
    if r.get("capped"):
        lines.append(f"  (counted from the newest entries only: {', '.join(r['capped'])})")
    return "\n".join(one_line(line) for line in lines)


def _offered_by(total: dict[str, Any], group_names: dict[bytes, str]) -> str:
    """' (all offered by Mole)' or ' (offered by Mole 30000, Bristol 2)': whose offers a region's
    places are, so one group's offer is not read as the region's capacity (the three largest).
    "Offered", not "claimed": claiming is taking a support request (support.claim)."""
    by = total.get("by_group") or []
    name = lambda g: group_names.get(g) or short_id(g)  # noqa: E731
    if len(by) == 1:
        return f" (all offered by {name(by[0]['group'])})"
    return (" (offered by " + ", ".join(f"{name(b['group'])} {b['capacity']}" for b in by[:3])
            + (", ..." if len(by) > 3 else "") + ")")


def _sum_shared(total: dict[str, Any], count: int | None = None) -> str:
    """' [for chosen groups only]' (or ' [1 of 3 for chosen groups only]') after a region's sum
    that adds up events for chosen groups only; '' when none of its rows is."""
    shared, count = total.get("shared") or 0, total.get("count", 0) if count is None else count
    if not shared:
        return ""
    return " [for chosen groups only]" if shared >= count else f" [{shared} of {count} for chosen groups only]"


def connection_problem(exc: BaseException) -> str:
    """Why a connection to a peer failed, in words: never a class name, never the peer's address
    (this text goes to logs and to `solnet peers`)."""
    import socket  # here: the commands that only print events (`solnet ls`) open no socket

    cause = getattr(exc, "os_error", None) or exc  # aiohttp's ClientConnectorError wraps the OSError
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused — is a solnet node running there?"
    if isinstance(exc, TimeoutError):
        return "no answer in time — is the address right and the node reachable?"
    if isinstance(cause, socket.gaierror):
        return "that host name cannot be found — check the address"
    if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "no route to that address — is this machine's network up?"
    if isinstance(cause, (ConnectionResetError, BrokenPipeError)):
        return "the connection was cut"
    status = getattr(exc, "status", None)
    if status == 503:  # a node turning new sync connections away for now (node/hello_budget.py, or links full)
        return "the node there is busy with new connections (HTTP 503): try again in a few seconds"
    if isinstance(status, int) and 300 <= status < 400:  # sync.peer_session._no_redirects: never followed
        return (f"the address answers with a redirect (HTTP {status}), which a solnet node never sends — check the "
                "address")
    if status == 400 and "status line" in str(getattr(exc, "message", "")).lower():
        # aiohttp's 400 for an answer that is no HTTP at all (an SSH or mail server's greeting)
        return "something answers there, but it does not speak HTTP: not a solnet node — check the address"
    if isinstance(status, int) and status:  # a websocket upgrade refused: something else listens there
        return f"something answers there, but not a solnet node (HTTP {status})"
    if type(exc).__name__ == "ServerDisconnectedError":
        return "the other side closed the connection"
    detail = cause.strerror if isinstance(cause, OSError) and cause.strerror else None
    return "the connection failed" + (f" ({detail.lower()})" if detail else "")


JOURNAL_CLEARING = ("the node's log in the system journal if it ran as a service (`journalctl -u solnet`), which keeps "
                    "when it ran and its warnings: as root, `journalctl --rotate` then `journalctl --vacuum-time=1s` "
                    "(this clears the whole journal, other services' logs too)")
NOTIFICATIONS_CLEARING = ("the alerts a dashboard notified, kept with their region and words in the notification "
                          "centre of each device that showed them: clear them there")

# A backup is a copy of the whole home (the README makes one with `cp -a` beside it): its keystore is
# whole, and the passphrase opens it with the private parts this node read. The wipe said "keystore:
# overwritten and deleted" and named no copy, so a copy made as the README says it stayed, unsaid.
COPIES_OF_HOME = ("copies of this home: a backup (`cp -a HOME HOME-backup`, as the README makes one), a copied or "
                  "cloned SD card; each holds the keystore, which the passphrase opens, with the private details this "
                  "node could read: destroy them too (shred -u COPY/keystore, then rm -r COPY)")
FILES_OUTSIDE = ("the files solnet wrote outside this home where you told it to: invite tokens and device tokens "
                 "(`invite --out`, `vouch --out`, and the one this home joined with), bundles (`export`, on a USB stick too) and sites (`export-site`); "
                 "they name your group, peers' addresses or the events they hold: find them and destroy them "
                 "(shred -u FILE)")


def _stopped_command_text(stopped: Any) -> str:
    """A one-shot command the wipe stopped (node.wipe.StoppedCommand): whether it ended by itself
    (its cleanup ran) or was killed (an export's unfinished bundle left where it wrote it)."""
    command = stopped.signing if stopped.command == "sign" and stopped.signing else stopped.command
    said = f"  stopped the `solnet {command}` that was running on it (pid {stopped.pid})"
    if stopped.command == "sign":
        said += ", which held the keys, so that it signs nothing more"
    if stopped.command == "import":
        said += ", so that it stores nothing more of its bundle"
    if stopped.command == "export" and not stopped.killed:
        return said + ", which held the keys; it ended by itself and left no unfinished bundle"
    if stopped.command == "export":
        tmp = f"{stopped.file}.tmp" if stopped.file else "FILE.tmp (FILE: the bundle file it was writing)"
        return (said + f", which held the keys; it did not end within 5 s (busy writing to a slow disk?) and was "
                f"KILLED: its unfinished bundle, which holds the event log, may be left at {tmp}: destroy it "
                f"(shred -u {tmp})")
    return said + (" (it did not end within 5 s and was killed)" if stopped.killed else "")


def wipe_text(report: Any, home: str) -> str:
    """What `solnet wipe` did (node.wipe.WipeReport), for people."""
    lines = [f"Wiped {home} in {report.seconds:.1f} s:"]
    if report.stopped_pid:
        lines.append(f"  stopped the node that was running on it (pid {report.stopped_pid})")
    for stopped in report.stopped_commands:
        lines.append(_stopped_command_text(stopped))
    failed_keystore = any(f.startswith("keystore ") for f in report.failed)
    lines.append("  keystore: overwritten and deleted" if "keystore" in report.files_destroyed else
                 "  keystore: COULD NOT be destroyed (the disk fails)" if failed_keystore else
                 "  keystore: there was none")
    if report.failed:
        lines.append(f"  could not destroy: {', '.join(report.failed)}")
    else:
        lines.append("  config (group name and ids) and admin token: overwritten and deleted")
    lines.append(f"  private parts dropped: {report.private_parts_dropped}; peers forgotten: {report.peers_forgotten}")
    # (a service's $SOLNET_PASSPHRASE_FILE opens any copy of the keystore taken before: node/wipe.py)
    if report.passphrase_file and report.passphrase_file_not_deleted:
        lines.append(f"  passphrase file {report.passphrase_file}: overwritten with random bytes (it no longer holds "
                     f"the passphrase) but not deleted ({report.passphrase_file_not_deleted}: its folder is not this "
                     f"user's); delete it as its folder's owner (sudo rm {report.passphrase_file})")
    elif report.passphrase_file:
        lines.append(f"  passphrase file {report.passphrase_file}: overwritten and deleted")
    elif report.passphrase_file_left:
        lines.append(f"  the passphrase file {report.passphrase_file_left} was NOT destroyed: destroy it yourself "
                     "(shred -u FILE), as it opens any copy of the keystore taken before the wipe")
    else:
        lines.append("  if a file outside this home holds this node's passphrase (a service's $SOLNET_PASSPHRASE_FILE), "
                     "destroy it too (shred -u FILE): it opens any copy of the keystore taken before the wipe")
    if report.disk_was_full:
        lines.append("  the disk is full: dropping the private parts needed space it lacks, so the whole database was "
                     "destroyed instead (its public events are held by every other node)")
    if report.everything:
        lines.append("  the whole home folder, event log included, is gone")
    else:
        lines.append("  public events were kept (other nodes hold them too); `solnet wipe --all` removes them as well")
    if report.clear_swap:  # (node/swap.py: pages of the node's memory may be there)
        lines.append(f"  not touched: the swap at {', '.join(report.clear_swap)}, on a disk and not encrypted, which may "
                     "hold pages of the node's memory (its keys, the private details it showed): as root, turn it off "
                     "and overwrite it (a swap file: `sudo swapoff FILE && sudo shred -u FILE`), and use zram or an "
                     "encrypted swap from now on")
    # Commands typed at a terminal stay in its shell's history file, past any wipe of the home.
    lines.append("  not touched: your shell's history, which holds the solnet commands typed on this machine (their "
                 "regions, times, groups): clear it in each terminal that ran them (bash: history -c && history -w)")
    # A service's output (its warnings, when it ran) is kept by journald, and an OS keeps each browser
    # notification (an alert's region and words) in its notification centre: neither is the home's
    lines.append(f"  not touched: {JOURNAL_CLEARING}")
    # What the node's commands wrote where they were told, outside the home: the wipe knows no list of them
    lines.append(f"  not touched: {FILES_OUTSIDE}")
    lines.append(f"  not touched: {COPIES_OF_HOME}")
    lines.append(f"  not touched: {NOTIFICATIONS_CLEARING}")
    lines.append("To take part again, make a new node in a new folder (`solnet --home NEW_FOLDER init`), or here "
                 "once `solnet wipe --all` has removed the event log, and ask a member group for an invite."
                 if not report.everything else
                 "To take part again, make a new node (`solnet init`) and ask a member group for an invite.")
    return "\n".join(lines)


def sync_counts(result: Any) -> str:
    """What a sync round stored and sent (node.net.peer_link.RoundResult), for `solnet sync`."""
    o = result.outcomes
    forked = result.of_forked_keys
    of_forks = f": {forked} signed by a key that forked, whose proof is kept" if forked else ""
    return (f"received {plural(result.received, 'event')} ({o.get('accepted', 0)} new, "
            f"{o.get('duplicate', 0)} duplicate, {o.get('pending', 0)} pending, {o.get('rejected', 0)} rejected"
            f"{of_forks}), sent {plural(result.sent, 'event')}")


def kinds_text() -> str:
    """Every kind with what it is for, for `solnet publish` without a kind."""
    return "\n".join(f"  {k.name:<18} {k.summary}" for k in KINDS.values())


def kind_help(kind_name: str, typed: list[str], extra: dict[str, str]) -> str:
    """`solnet publish KIND --help`: the fields a person types, their types, which are required and
    the values allowed; then `extra` options (name -> what it does)."""
    kind = KINDS[kind_name]
    lines = [f"solnet publish {kind.name}: {kind.summary}"]
    for f in kind.fields:
        if f.name in typed:
            allowed = f" ({', '.join(f.choices)})" if f.choices else ""
            what = f" — {f.help}" if f.help and f.name not in MONEY_FIELDS else ""
            shown = "amount" if f.name in MONEY_FIELDS else f.type  # (typed 450.50, stored in minor units: an int)
            lines.append(f"  --{f.name.replace('_', '-'):<14} {shown}{' required' if f.required else ''}{allowed}{what}")
    lines += [f"  --{name:<14} {text}" for name, text in extra.items()]
    if any(f.type == "time" and f.name in typed for f in kind.fields):
        lines.append(f"Times such as 2026-12-01T18:00 are read in this machine's time zone, {local_zone()}, unless "
                     "they carry an offset (2026-12-01T18:00+01:00) or end in Z (UTC).")
    if any(f.name in MONEY_FIELDS and f.name in typed for f in kind.fields):
        lines.append("Amounts are typed in the currency's main unit, with up to two decimals: 450.50")
    if kind.name == "need.fulfil":  # (each fulfilment counts: the same delivery recorded twice covered a need twice)
        from node.delivery_twice import WHO_RECORDS

        lines.append(WHO_RECORDS)
    return "\n".join(lines)
