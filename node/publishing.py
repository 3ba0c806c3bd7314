"""Publishing an event from what a person typed: the one way the CLI, the HTTP API, the dashboard's
forms and `solnet demo` publish.

`publish` takes field values as text (as typed in a terminal or a form), parses them
(node.field_input), checks them against the kind, seals the private part if any, picks the signer
and appends the event to the log. Every mistake raises PublishError naming the field at fault
(`.field`), so a form can show the message next to that field. Refusals by the log itself
(a revoked key, a frozen chain) stay InvalidEvent.

It does blocking database work: inside a running node, call it through the node's `db`.
"""
from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from crypto.keystore import NodeKeys
from crypto.short_ids import MIN_ID_PREFIX_HEX, SHORT_ID_HEX
from events.canonical import unpack
from events import errors as E
from events import readmodels
from events.errors import InvalidEvent
from events.fields import FieldError
from events.format import MAX_TIMESTAMP_MS, Event
from events.effects import Problem, Target, problem, reaches_owner
from events.kinds import HOUR_MS, KINDS, UPDATES, Kind, check_fields, relation_problems, wrong_reference
from events.projections import (ACTION_UPDATE, ALERT_UPDATE, FUNDRAISER_UPDATE, NEED_UPDATE, OFFER_UPDATE, PROFILE, REPORT,
                                SUPPORT_OFFER_UPDATE, SUPPORT_STATUS)
from events.sealed import REPLIES, SEALABLE, SEALED_KIND
from node import references, related
from node.known_regions import refuse_new_region
from node.kind_input import CASE_NOTE_KINDS, PRIVATE_FIELD, PublishError, kind_by_name, typed_fields  # noqa: F401 (their home for every caller)
from node.audience import AudienceError, Opener, opened_event, readers_here, resolve_groups, seal_content
from node.effect_checks import EffectRefused, check_effect
from node.field_input import InputError, parse_duration_ms, parse_value, zone_of
from node.log import MAX_CLOCK_SKEW_MS, EventLog, now_ms
from node.moments import LATEST_MS
from node.private import PrivateError, reading_devices, seal_private
from node.request_shares import SHARE_KIND, open_request
from node.status_text import own_key_warnings
from node.store import BODY_PRESENT, redactable
from node.render import GONE_WORDS, MONEY_FIELDS, and_list, local_time, short_id, with_article
from solnet_errors import SolnetError
from sync.addresses import AddressError, normalize_address

SIGNERS = ("device", "group")


class UnknownEvent(InputError):
    """No stored event has that id (or id prefix)."""

    reason, http_status = "not_found", 404

class AmbiguousEvent(InputError):
    """More than one stored event has an id starting with that prefix."""


# The kinds a person publishes: every kind but `sealed`, which publishing makes from another kind and 'to'.
PUBLISHABLE_KINDS = tuple(name for name in KINDS if name != SEALED_KIND)
GROUP_TEXT_MAX = 100  # a group named in 'to': its name (at most 80 characters) or its id


def resolve_event_id(log: EventLog, text: str) -> bytes:
    """An event id from its 64 hex characters or a unique prefix of at least 12 (a short id as
    printed, '1a2b3c4d5e6f…', is such a prefix)."""
    typed, text = text, text.strip().rstrip("…").rstrip(".").lower()
    try:
        raw = bytes.fromhex(text if len(text) % 2 == 0 else text[:-1])
    except ValueError:  # as typed ('ID' copied from the README), and where ids are found
        raise InputError(f"{typed[:80]!r} is not an event id: give its 64 hex characters or at least its first "
                         f"{MIN_ID_PREFIX_HEX}, as `solnet ls` prints them", "event_id_form", least=MIN_ID_PREFIX_HEX
                         ) from None
    if len(text) == 64:
        return raw
    if len(text) < MIN_ID_PREFIX_HEX or len(text) > 64:
        raise InputError(f"give the event id in full (64 hex characters) or at least {MIN_ID_PREFIX_HEX} of its first "
                         "characters", "event_id_short", least=MIN_ID_PREFIX_HEX)
    matches = [m for m in log.store.find_prefix(raw) if m.hex().startswith(text)]
    if not matches:
        raise UnknownEvent(f"no event with an id starting {text}; `solnet ls` lists them", "event_id_unknown")
    if len(matches) > 1:
        raise AmbiguousEvent(f"more than one event id starts with {text}; give more characters", "event_id_ambiguous")
    return matches[0]


def _refuse_reply_unseen_by_owner(log: EventLog, kind: str, fields: Mapping[str, Any], recipients: Sequence[bytes],
                                  own: bytes | None) -> None:
    """A pledge, fulfilment or decline for chosen groups goes to the group whose fundraiser or need
    it answers too: else coordinators would count it while that group never sees it nor can decline
    it (the read models leave such a one out: events.effects.reaches_owner)."""
    if kind not in REPLIES:
        return
    owner = references.target(log.store, log.trust, fields[REPLIES[kind]])
    if owner is None or owner.group == own or reaches_owner(kind, {"shared_with": recipients}, owner.group):
        return
    # said as the log says it of one signed all the same (`show`, the API): one rule, one set of words
    found = Problem("reply_not_to_owner", REPLIES[kind], {"owner": owner.group})
    raise PublishError.of(EffectRefused.of_problem(found, log, None), "to")


def _check_against_sealed_target(log: EventLog, kind: str, fields: dict[str, Any], own: bytes | None, now: int,
                                 keys: NodeKeys, time_zone: str | None) -> None:
    """events.effects' rules for an update (a report on an action ...) against the event for chosen
    groups it names, opened with this device's key: references.target reads only its envelope, so
    a report on a direct action for chosen groups made before its start was published and counted
    for nothing on every node, unsaid (the same report on an open action is refused). One event
    opened, only when the one named is for chosen groups and this device reads it."""
    named = fields.get(UPDATES[kind])
    row = log.store.event_row(named) if isinstance(named, bytes) and own is not None else None
    if row is None or row[4] != SEALED_KIND:
        return
    opened = opened_event(log, Opener(keys.device_encryption), row)
    if opened is None:
        return
    inner, group = opened
    held = Target(inner.kind, group, inner.fields, row[3])
    found = problem(kind, fields, own, now, lambda event_id: held if event_id == named else None)
    if found is not None:
        raise PublishError.of(EffectRefused.of_problem(found, log, time_zone), found.field)


# Updates that change an item for chosen groups: each must go to the groups that read the item, no
# more (another would learn of it: a squat's new address) and no fewer (one left out keeps the old
# time and place, and nodes disagree on where the action is).
SAME_READERS = ("action.update", "need.update", "offer.update", "support.offer.update")


def _refuse_other_readers(log: EventLog, kind: str, fields: dict[str, Any], recipients: Sequence[bytes],
                          own: bytes | None, keys: NodeKeys) -> None:
    """Refuse an update in SAME_READERS of an item for chosen groups (opened with this device's key)
    whose groups are not the item's readers, those that left or were revoked apart, naming them."""
    named = fields.get(UPDATES[kind])
    row = log.store.event_row(named) if kind in SAME_READERS and isinstance(named, bytes) else None
    opened = opened_event(log, Opener(keys.device_encryption), row) if row is not None else None
    if opened is None or opened[1] != own:
        return  # not for chosen groups, not read here, or another group's (check_effect refuses that)
    inner, gone = opened[0], references.departed(log.trust)
    readers = [g for g in inner.to if g != own]
    # a reader gone, frozen (its group key forked: recipient_keys refuses it), or with no device that
    # can read it now (a seized phone revoked, no new one yet) cannot be sealed to: left out, as
    # publish would otherwise refuse every update of the item
    frozen = [g for g in readers if not gone(g) and not _reachable(log, g)]
    still = [g for g in readers if not gone(g) and g not in frozen and reading_devices(log.trust, g)]
    wanted = {g for g in recipients if g != own}
    extra = [g for g in recipients if g in wanted and g not in readers]
    if not extra and wanted == set(still):
        return
    name = lambda g: references.group_name(log.store, g)  # noqa: E731
    # As --to takes it: by the name its profile says, else (no profile here: shown "group 1a2b…"; a
    # name shown with its short id, like another's) by its id's first characters
    said = references.profile_names(log.store)
    given = lambda g: said[g] if name(g) == said.get(g) else g.hex()[:SHORT_ID_HEX]  # noqa: E731
    words = [f"that {inner.kind} is shared with {and_list([name(own), *map(name, readers)])} only: publish "
             f"its update for the same groups ({' '.join('--to ' + shlex.quote(given(g)) for g in still or [own])})"]
    if extra:
        words.append(f"{and_list([name(g) for g in extra])} would learn of it from this update")
    if left := [g for g in readers if gone(g)]:
        words.append(f"{and_list([name(g) for g in left])} {'is' if len(left) == 1 else 'are'} no longer in the "
                     "network: leave it out")
    if frozen:
        words.append(f"{and_list([name(g) for g in frozen])} {'is' if len(frozen) == 1 else 'are'} frozen (a group "
                     "key that signed two different events at one seq) and cannot receive private details: leave "
                     f"{'it' if len(frozen) == 1 else 'them'} out")
    if unread := [g for g in readers if g not in still and not gone(g) and g not in frozen]:
        words.append(f"{and_list([name(g) for g in unread])} {'has' if len(unread) == 1 else 'have'} no device that "
                     "can read it now: leave it out")
    # (the groups as a list: a page, or a program, joins them in its own language)
    raise PublishError("; ".join(words), "to", "same_readers", groups=[name(own), *map(name, still)])


def parse_groups(log: EventLog, texts: Sequence[str], own: bytes | None = None) -> list[bytes]:
    """The groups named in `to`: by name, by id, or by a unique id prefix (node.audience); `own`:
    this node's group."""
    if not texts:
        return []  # most events name no group: no need to read every group's name
    try:
        return resolve_groups(log, texts, own)
    except AudienceError as exc:
        raise PublishError.of(exc, "to") from None


def group_names(log: EventLog) -> dict[bytes, str]:
    return references.group_names(log.store)


def parse_fields(log: EventLog, kind: Kind, texts: Mapping[str, str], time_zone: str | None = None,
                 ) -> dict[str, Any]:
    """Typed body fields from text values, checked against `kind`; PublishError names the bad one.
    Times without an offset are read in `time_zone` (an IANA name), else this machine's zone."""
    fields, problems = field_problems(log, kind, texts, time_zone)
    if problems:  # the first, in the order of the fields given, then the missing ones, then the relations
        raise next(iter(problems.values()))
    try:
        check_fields(kind, fields)  # relations between fields (ends_at after starts_at, ...)
    except InvalidEvent as exc:
        message = exc.args[0]  # (a rule's words, Said, with their key)
        named = _fields_named(kind, message)
        raise PublishError.of(message, named[0] if named else None) from None
    if kind.name == "node.announce":
        check_addresses(fields["addresses"])
    return fields


def field_problems(log: EventLog, kind: Kind, texts: Mapping[str, str], time_zone: str | None = None,
                   ) -> tuple[dict[str, Any], dict[str, PublishError]]:
    """The fields of `texts` that parse and keep their rules, and what is wrong with each of the
    others, by name (each as the PublishError that refuses it), required ones left empty included: a
    form says every problem at once, not one per attempt. A field `kind` does not have is refused at
    once (PublishError): no form sends one."""
    fields: dict[str, Any] = {}
    problems: dict[str, PublishError] = {}
    for name, text in texts.items():
        spec = kind.field(name)
        if spec is None or name == PRIVATE_FIELD:
            raise PublishError(f"{kind.name} has no field {name!r}; its fields are: {', '.join(typed_fields(kind))}",
                               name, "no_such_field")
        if not isinstance(text, str):
            raise PublishError(f"'{name}' must be given as text, as a person would type it", name, "not_text")
        if not text.strip():
            continue  # an empty form input means "not given"
        try:
            value = parse_value(spec, text, lambda t: resolve_event_id(log, t), time_zone)
            spec.check(value)
        except InputError as exc:
            problems[name] = PublishError(str(exc) if name in str(exc) else f"'{name}': {exc}", name, exc.key,
                                          **exc.values)
            continue
        except FieldError as exc:
            if name in MONEY_FIELDS:  # said in the units the person typed, not the stored cents
                low, high = f"{spec.minimum / 100:,.2f}", f"{spec.maximum / 100:,.2f}"
                problems[name] = PublishError(f"'{name}' must be an amount from {low} to {high}, got "
                                              f"{text.strip()[:40]!r}", name, "amount_range", low=low, high=high)
            else:
                problems[name] = PublishError(f"{kind.name}: {exc}", name, exc.key, **exc.values)
            continue
        fields[name] = value
    missing = [f.name for f in kind.fields
               if f.required and f.name not in fields and f.name not in problems and f.name != PRIVATE_FIELD]
    said = [repr(m) + (f" ({and_list(list(spec.choices), 'or')})" if (spec := kind.field(m)) and spec.choices else "")
            for m in missing]  # a choice to make is named with its choices: the person cannot guess them
    for name in missing:
        problems[name] = PublishError(f"{with_article(kind.name)} needs {and_list(said)}", name, "required")
    for message in relation_problems(kind.name, fields):  # an end before its start, said with the rest
        named = _fields_named(kind, message)
        if named and not any(n in problems for n in named):  # one of them wrong already: said of it
            problems[named[0]] = PublishError.of(message, named[0])
    return fields, problems


def _fields_named(kind: Kind, message: str) -> list[str]:
    """The fields of `kind` a refusal names in quotes ('ends_at' is before 'starts_at'): the first is
    where a form shows it."""
    return [n for n in re.findall(r"'(\w+)'", message) if kind.field(n) is not None]


def pairing_problems(kind: Kind, fields: Mapping[str, Any], *, private: str | None, to: Sequence[str],
                     public_note: bool) -> dict[str, PublishError]:
    """What is wrong between the fields and the inputs beside them (the private details, their
    recipients, the tick that lets a case note be public), by the input where a form shows it."""
    problems: dict[str, PublishError] = {}
    case_note = kind.name in CASE_NOTE_KINDS
    if case_note and fields.get("note") and not public_note:
        problems["note"] = PublishError("a note on a claim or close is public: every node of the network can read it. "
                                        "Put case details in the private part (sealed to the requesting group and "
                                        "yours), or confirm that this note may be public", "note", "public_note")
    has_private = private is not None and private != ""
    if kind.name == SHARE_KIND:  # it carries the request's own details, to the groups named
        if has_private:
            problems["private"] = PublishError("a share carries the request's own private details, as they were "
                                               "sealed: leave 'private' out", "private", "share_private")
        if not to:
            problems["to"] = PublishError("name the groups to share it with ('to'; `solnet view groups` lists them)",
                                          "to", "share_to_none")
        return problems
    chosen = kind.name in SEALABLE and bool(to) and not has_private  # the whole event, for chosen groups only
    if to and kind.name not in SEALABLE and kind.field(PRIVATE_FIELD) is None:
        # said first: "give the details too" then "no private part" sent the person round in a circle
        problems["to"] = PublishError(f"{kind.name} cannot be shared with chosen groups: every group of the network "
                                      "reads it. Leave out the recipients ('to'); these kinds can be shared with "
                                      f"chosen groups: {', '.join(SEALABLE)}", "to", "not_sealable")
    elif to and not has_private and not chosen:
        problems["private"] = PublishError("the recipients ('to') say who may read the private details; give the "
                                           "details too", "private", "private_empty")
    if has_private and kind.field(PRIVATE_FIELD) is None:
        private_kinds = ", ".join(k.name for k in KINDS.values() if k.field(PRIVATE_FIELD) is not None)
        problems["private"] = PublishError(f"{kind.name} has no private part; these kinds have one: {private_kinds}",
                                           "private", "no_private_part")
    if has_private and not to and not case_note:
        problems["to"] = PublishError("name at least one recipient group ('to'; `solnet view groups` lists them)",
                                      "to", "recipients_none")
    return problems


def form_problems(log: EventLog, kind: Kind, texts: Mapping[str, str], time_zone: str | None = None, *,
                  private: str | None = None, to: Sequence[str] = (), public_note: bool = False,
                  ) -> dict[str, PublishError]:
    """Every problem of a form at once, by input: each field's (`field_problems`, the relations
    between fields included) and those between the fields and the inputs beside them
    (`pairing_problems`), each as the PublishError publish raises for it. A form that sends a
    field `kind` has not is refused (PublishError)."""
    fields, problems = field_problems(log, kind, texts, time_zone)
    pairs = pairing_problems(kind, fields, private=private, to=to, public_note=public_note)
    return problems | {name: problem for name, problem in pairs.items() if name not in problems}


def stored_kind(log: EventLog, event_id: bytes) -> str | None:
    """The kind of a stored event, None if this node holds no event with that id (yet), or if it is
    sealed to chosen groups (its kind is inside: it cannot be judged from here)."""
    row = log.store.event_row(event_id)
    return row[4] if row is not None and row[4] != SEALED_KIND else None


def sealed_references(log: EventLog, kind: Kind, fields: dict[str, Any]) -> str | None:
    """The first id field of `fields` that names an event shared with chosen groups only, or None:
    an open event that names one would tell every node that it exists and what it is about."""
    for spec in kind.references:
        value = fields.get(spec.name)
        if isinstance(value, bytes):
            row = log.store.event_row(value)
            if row is not None and row[4] == SEALED_KIND:
                return spec.name
    return None


def check_addresses(texts: Sequence[str]) -> None:
    """The addresses of a node.announce, by the rule every receiver applies (sync.addresses): one that no
    node could dial would be gossiped for ever, and dropped by each receiver."""
    for text in texts:
        try:
            normalize_address(text)
        except AddressError as exc:
            raise PublishError.of(exc, "addresses") from None


def expiry_time(kind: Kind, text: str, now: int) -> int:
    """When an event of `kind` made at `now` expires, from a duration such as 6h."""
    if kind.expiry == "forbidden":
        raise PublishError(f"{kind.name} events do not expire: leave 'expires_in' out", "expires_in", "no_expiry")
    try:
        duration = parse_duration_ms(text)
    except InputError as exc:
        raise PublishError.of(exc, "expires_in") from None
    if duration <= 0:
        raise PublishError(f"'expires_in' must be at least 1 minute, got {text.strip()!r}; write it like 90m, 6h "
                           "or 2d", "expires_in", "duration")
    if kind.max_expiry_ms is not None and duration > kind.max_expiry_ms:
        raise PublishError(f"'expires_in' is at most {kind.max_expiry_ms // HOUR_MS}h for {kind.name} events (they "
                           f"expire at most that long after they are made), got {text.strip()!r}", "expires_in",
                           "expiry_too_long", hours=kind.max_expiry_ms // HOUR_MS)
    if now + duration >= min(MAX_TIMESTAMP_MS, LATEST_MS):
        raise PublishError(f"'expires_in' {text.strip()!r} is too far away; write it like 90m, 6h or 2d", "expires_in",
                           "expires_too_far")
    return now + duration



def default_signer(kind: str, fields: dict[str, Any], keys: NodeKeys) -> str:
    """Devices publish; membership changes are the group key's whenever this node holds it (also a
    revocation of its own device: a thief holding that device key can then neither undo nor block
    it); a device without its group key can only revoke itself."""
    if kind in ("member.vouch", "member.revoke") and keys.group is not None:
        return "group"
    if kind == "member.revoke" and fields.get("subject") == bytes(keys.device.public):
        return "device"
    return "device" if "device" in KINDS[kind].signers else "group"


def check_case_step(log: EventLog, kind: str, request: bytes, group: bytes | None, time_zone: str | None = None) -> None:
    """A claim or close must follow the request's story as the read models tell it: it names a
    support request this node holds, nothing follows the requesting group's close, a group does
    not claim what it takes already (each claim would tell every node again), and a group hands
    back only what it takes (events.effects: only the requesting group closes for everyone). A time a
    refusal names is said in `time_zone` (the request's), else this machine's."""
    if log.store.event_row(request) is None:  # of another kind: refused by wrong_reference before
        raise PublishError(f"this node does not hold that support request ({short_id(request)}); `solnet view "
                           "support` lists the requests, sync first if it is missing", "request", "request_not_held")
    state = references.request_state(log.store, log.trust, request)
    if state is None:
        _check_unlisted_step(log, request)
        return
    owner = references.group_name(log.store, state["group"])
    if state["status"] == "closed":
        ender = state["closed_by_taker"]
        closer = references.group_name(log.store, ender["group"]) if ender else owner
        at = local_time(state['closed_at'], time_zone)
        raise PublishError(f"that support request was closed by {closer} on {at}; nothing more can be added to it",
                           "request", "request_closed", group=closer, time=at)
    if group is None:
        return
    since = {t["group"]: t["since"] for t in state["taken"]}
    gone = {t["group"] for t in state["taker_gone"]}
    if kind == "support.close" and group != state["group"] and group in gone:
        raise PublishError(f"your group is no longer a member of the network, so it no longer takes that support "
                           f"request and has nothing to hand back; {owner}, which made it, closes it", "request",
                           "taker_gone", group=owner)
    if kind == "support.claim" and group in since:
        at = local_time(since[group], time_zone)
        raise PublishError(f"your group already claimed that support request on {at}; one claim is enough (hand it "
                           "back, or report your part, with a close when it is done)", "request", "claimed_already",
                           time=at)
    back = {b["group"]: b["closed_at"] for b in state["handed_back"]}
    if kind == "support.close" and group != state["group"] and group in back:
        at = local_time(back[group], time_zone)
        raise PublishError(f"your group handed that support request back on {at}; only {owner}, which made it, closes "
                           "it (take it again first with a claim if you are back on it)", "request", "handed_back",
                           time=at, group=owner)


def _check_unlisted_step(log: EventLog, request: bytes) -> None:
    """A request held but not listed: its content is gone (redacted: nothing to tell its story by),
    or its requesting group is gone and no group takes it (a claim would take a case nobody can
    tell about any more)."""
    row = log.store.event_row(request)
    requester = log.trust.group_of(row[1]) if row is not None else None
    how = references.departed(log.trust)(requester) if requester is not None else None
    if how is not None:
        raise PublishError(f"that support request is no longer open: {GONE_WORDS[how]}, and no group takes it; "
                           "nobody is left to tell who needs the support (ask around the network whether "
                           "anyone is still in touch with them)", "request", f"request_group_{how}")


def check_claim_readable(log: EventLog, request: bytes, keys: NodeKeys) -> None:
    """A group takes a request to act on what it says: one whose private part this device cannot
    open (sealed to other groups, or sealed before this device was certified), nor any share of it
    (node.request_shares), is not one it can take from here. Every node would count such a claim
    (who may read a part is sealed inside it), and show a group as taking a request it cannot read."""
    sealed, opened = open_request(log, request, keys.device_encryption)
    if sealed and opened is None:
        row = log.store.event_row(request)
        group = log.trust.group_of(row[1]) if row is not None else None
        owner = references.group_name(log.store, group) if group is not None else "the group that made it"
        own = log.trust.group_of(bytes(keys.device.public))
        ours = references.group_name(log.store, own) if own is not None else "YOUR_GROUP"
        raise PublishError(f"this device is not a recipient of that support request's private details: {owner} "
                           "sealed them to other groups (or before this device was certified), so your group "
                           f"cannot take it from here; ask {owner} to share it with your group (`{share_command(request, ours)}` "
                           "on its node), or take it from a device that can read it", "request", "claim_unreadable",
                           group=owner)


def share_command(request: bytes, group: str) -> str:
    """The command the requesting group runs to let `group` (a name as typed) read and take `request`."""
    shown = group if re.fullmatch(r"[\w.-]+", group) else f'"{group}"'
    return f"solnet publish {SHARE_KIND} --request {request.hex()[:12]} --to {shown}"


def referral_advice(log: EventLog, kind: str, texts: Mapping[str, str], to: Sequence[str],
                    keys: NodeKeys | Callable[[], NodeKeys]) -> str | None:
    """After a support request was handed back as `referred` with case notes for groups ('to') that
    cannot read the request (as far as this device can tell: it reads every part of it): what the
    requesting group must run for them to read and take it. None otherwise."""
    if kind != "support.close" or (texts.get("outcome") or "").strip() != "referred" or not to:
        return None
    request = resolve_event_id(log, texts["request"])
    row = log.store.event_row(request)
    group = log.trust.group_of(row[1]) if row is not None else None
    if group is None:
        return None
    keys = keys() if callable(keys) else keys  # (the keys the publish unlocked: asked once)
    readers = readers_here(log, Opener(keys.device_encryption), request, group)
    own = log.own_group(keys)
    missing = [g for g in parse_groups(log, to, own) if readers is not None and g not in readers]
    if not missing:
        return None
    names = [references.group_name(log.store, g) for g in missing]
    owner = references.group_name(log.store, group)
    command = " ".join([share_command(request, names[0]), *(f"--to {n}" for n in names[1:])])
    return (f"{and_list(names)} cannot read that support request's private details, so cannot take it yet: ask "
            f"{owner}, which made it, to share them (`{command}` on its node)")


def _refuse_readers_already(log: EventLog, request: bytes, recipients: list[bytes], own: bytes,
                            keys: NodeKeys) -> None:
    """A share to a group that reads the request already (sealed to it when made, or shared with it
    since) seals the details to it again for nothing, and was announced as the group that "can now"
    read them: refused, naming it, as the dashboard's share form does not offer it
    (dashboard/pages.share_groups). Told only when this device reads every part of the request."""
    readers = readers_here(log, Opener(keys.device_encryption), request, own)
    if readers is None:  # this device does not read every part: who reads it is not known here
        return
    others = [g for g in dict.fromkeys(recipients) if g != own]
    already = [g for g in others if g in readers]
    if not already:
        return
    names = references.group_names(log.store)
    listed = [names.get(g) or short_id(g) for g in already]
    said = and_list(listed)
    verb = "reads" if len(already) == 1 else "read"
    if len(already) == len(others):
        raise PublishError(f"{said} {verb} that support request's private details already: nothing was shared. "
                           f"Name only groups that cannot read it yet ('to'; `solnet show {request.hex()[:12]}` names "
                           "those that can)", "to", "share_read_already", groups=listed)
    raise PublishError(f"{said} {verb} that support request's private details already: leave "
                       f"{'it' if len(already) == 1 else 'them'} out ('to') and share it with the others", "to",
                       "share_read_already", groups=listed)


def _shared_details(log: EventLog, request: bytes, keys: NodeKeys) -> str:
    """The private details a share carries: the request's own, as this device (of the requesting
    group: events.effects refused any other before) reads them."""
    sealed, opened = open_request(log, request, keys.device_encryption)
    if not sealed:
        raise PublishError("that support request has no private details: every group reads all of it already, and "
                           "any group can take it", "request", "share_nothing_private")
    if opened is None:
        raise PublishError("this device cannot read that support request's private details (it was certified after "
                           "they were sealed): share it from a device of your group that can", "request",
                           "share_unreadable_here")
    return opened[0]


def _case_note_recipients(log: EventLog, fields: dict[str, Any], keys: NodeKeys) -> list[bytes]:
    """A case note (claim, close) is sealed to the request's readers: the group that made it and the
    groups its private part went to (when this device is one of them and can read which), besides
    our own. A group revoked since is left out (node.private refuses no recipient for it)."""
    row = log.store.event_row(fields["request"])  # held: check_case_step said so
    group = log.trust.group_of(row[1])
    if group is None:
        raise PublishError("the group that made that support request is no longer a member: nobody there could "
                           "read the notes", "request", "requester_gone")
    opened = open_request(log, fields["request"], keys.device_encryption)[1]
    readers = [g for g in (opened[1] if opened else []) if _reachable(log, g)]
    return list(dict.fromkeys([group, *readers]))


def _reachable(log: EventLog, group: bytes) -> bool:
    member = log.trust.member(group)
    return member is not None and member.role == "group" and member.revoked_from is None


def publish(log: EventLog, keys: NodeKeys | Callable[[], NodeKeys], kind_name: str, texts: Mapping[str, str], *,
            expires_in: str | None = None, signer: str | None = None, private: str | None = None,
            to: Sequence[str] = (), now: int | None = None, offline: bool = False, public_note: bool = False,
            time_zone: str | None = None, check_region: bool = False,
            home_region: Callable[[], str | None] | None = None, told: dict[str, Any] | None = None) -> Event:
    """Parse, check, sign and store one event; returns it. `keys` may be a function that loads
    them: it is called only once the input is known to be good (so a typo costs no passphrase).
    `offline` signs even if this home has not caught up with the network (node/chain_gate.py).
    A `note` on a claim or close of a support request is public text, so it needs `public_note`;
    case details go in `private`, sealed to the requesting group and this one. `to` names groups
    by name or id. Times typed without an offset are read in `time_zone` (else this machine's).
    An event that would have no effect (events.effects: an update of another group's need, a
    fulfilment beyond what is left ...) is refused, saying who may do it. With `check_region` (what a
    person typed: the CLI, the API, the dashboard), a region the network does not know is refused
    (node.known_regions.NewRegion): a typo would send an alert to no one; `home_region()` (asked only
    then) is the home's own, known before its group's profile is in the log. `told`, if given, is
    filled with what the caller says besides, found while checking: a redaction's "stay" (the events
    another device signed that keep what it withdraws readable: `_with_own_related`), "gone" (those
    it names that had no content left to withdraw: `_nothing_left`) and, with `to`, "readers": the
    groups `to` was resolved to, this one first, as {id hex: name as shown then} (what `solnet publish`
    says it sealed to: never looked up again after signing, when another profile may have come)."""
    kind = kind_by_name(kind_name)
    if kind.name == SEALED_KIND:
        raise PublishError("publish the event's own kind (action, need ...) with the groups it is for ('to'); "
                           "it is sealed for them", "kind", "sealed_kind")
    try:
        zone_of(time_zone)
    except InputError as exc:
        raise PublishError.of(exc, "time_zone") from None
    fields = parse_fields(log, kind, texts, time_zone)
    if check_region and isinstance(fields.get("region"), str):
        refuse_new_region(log, fields["region"], home_region)
    wrong = wrong_reference(kind, fields, lambda event_id: stored_kind(log, event_id))
    if wrong is not None:  # from a peer it would be stored and count for nothing: say so now
        raise PublishError.of(wrong[1], wrong[0])
    if pairing := pairing_problems(kind, fields, private=private, to=to, public_note=public_note):
        raise next(iter(pairing.values()))
    case_note = kind.name in CASE_NOTE_KINDS
    now = now_ms() if now is None else now
    _refuse_lapsed_at_once(kind.name, fields, now, time_zone)
    expires = None
    if expires_in is not None and expires_in.strip():
        expires = expiry_time(kind, expires_in, now)
        _refuse_all_clear_ending_first(log, kind.name, fields, expires, expires_in, time_zone)
    if signer is not None and signer not in SIGNERS:
        raise PublishError(f"'as' is 'device' or 'group', not {signer!r}", "as", "signer")
    has_private = private is not None and private != ""
    chosen = kind.name in SEALABLE and bool(to) and not has_private  # the whole event, for chosen groups only
    if not chosen and (ref := sealed_references(log, kind, fields)) is not None:
        raise PublishError(f"'{ref}' names an event shared with chosen groups only; publish this one for the same "
                           "groups ('to'), or everyone would learn of it", ref, "sealed_reference")
    keys = keys() if callable(keys) else keys
    refuse_if_revoked_here(log, keys)  # before naming recipients: a revoked device has no group to seal from
    own = log.own_group(keys)
    recipients = parse_groups(log, to, own)
    if told is not None and to:
        shown = references.group_names(log.store)
        told["readers"] = {g.hex(): shown.get(g) or short_id(g) for g in dict.fromkeys([*([own] if own else []), *recipients])}
    if chosen:
        _refuse_reply_unseen_by_owner(log, kind.name, fields, recipients, own)
    now = _after_own_steps(log, kind.name, fields, own, now)
    try:
        check_effect(log, kind.name, fields, own, now, bytes(keys.device.public), time_zone)
    except EffectRefused as exc:
        raise PublishError.of(exc, exc.field) from None
    if chosen and kind.name in UPDATES:
        _check_against_sealed_target(log, kind.name, fields, own, now, keys, time_zone)
        _refuse_other_readers(log, kind.name, fields, recipients, own, keys)
    if kind.name == SHARE_KIND:
        check_case_step(log, kind.name, fields["request"], own, time_zone)
        if not [g for g in recipients if g != own]:
            raise PublishError("your group reads its own request already: name the other groups to share it with "
                               "('to'; `solnet view groups` lists them)", "to", "share_own_group")
        _refuse_readers_already(log, fields["request"], recipients, own, keys)
        private, has_private = _shared_details(log, fields["request"], keys), True
    if case_note:
        check_case_step(log, kind.name, fields["request"], own, time_zone)
        if kind.name == "support.claim":
            check_claim_readable(log, fields["request"], keys)
        if has_private:
            recipients = _case_note_recipients(log, fields, keys) + recipients
    if has_private:
        own_group = log.trust.group_of(bytes(keys.device.public))
        try:
            fields[PRIVATE_FIELD] = seal_private(private, log.trust, recipients, own_group,
                                                 references.group_names(log.store))
        except PrivateError as exc:
            raise PublishError.of(exc, exc.field) from None
    role = signer or default_signer(kind.name, fields, keys)
    if role not in kind.signers:  # chosen with `as`: said of that input, before anything is signed
        raise PublishError(f"a {role} key may not sign {kind.name} events; leave 'as' out, or give "
                           f"{' or '.join(repr(s) for s in sorted(kind.signers))}", "as", "signer_not_allowed")
    key = keys.group if role == "group" else keys.device
    if key is None:
        raise PublishError("this node does not hold its group key; publish from the node that does", "as",
                           "no_group_key")
    if kind.name == "member.revoke" and role == "group" and fields.get("subject") == own:
        _refuse_leaving_with_devices(log, own)
    if kind.name == "redact":  # `publish redact` and the API's: as `solnet redact`, with what would keep it readable
        _refuse_redacting_a_redaction(log, fields["ids"])
        if told is not None:
            told["gone"] = _nothing_left(log, fields["ids"], bytes(key.public), now)
        fields["ids"] = _with_own_related(log, fields["ids"], bytes(key.public), told=told,
                                          opener=Opener(keys.device_encryption))
    if chosen:
        own_group = log.trust.group_of(bytes(keys.device.public))
        try:
            body = seal_content(log, kind.name, fields, recipients, own_group)
        except PrivateError as exc:
            raise PublishError.of(exc, "to") from None
    else:
        body = fields
    if kind.name == "group.profile":
        now = _after_current_profile(log, own, now)
    try:
        return log.append(key, SEALED_KIND if chosen else kind.name, body, expires=expires, now=now, offline=offline)
    except InvalidEvent as exc:
        why = own_keys_revoked(log, keys) if exc.reason in (E.NOT_A_MEMBER, E.REVOKED) else None
        if why is None:
            raise
        raise InvalidEvent(exc.reason, f"{why} Nothing was published.") from None


# The listings that end at their `until`, in words: one published with it past is in no list at all
_LAPSING = {"need": "need", "offer": "offer", "support.offer": "support offer"}


def _refuse_lapsed_at_once(kind: str, fields: Mapping[str, Any], now: int, time_zone: str | None) -> None:
    """A need, an offer or a support offer whose `until` has already passed: it lapses at once, and
    no list, desk or page shows it (`view needs` nor the dashboard), though "Published" was all it
    said: a typo in a date (the 5th for the 15th), or a time of day already gone, reached no one."""
    until = fields.get("until")
    if kind in _LAPSING and isinstance(until, int) and until <= now:
        at = local_time(until, time_zone)
        raise PublishError(f"'until' ({at}) has already passed: the {_LAPSING[kind]} would lapse at once and no list "
                           "would show it; give a time still to come, or leave 'until' out", "until", "until_passed",
                           time=at)


def _refuse_leaving_with_devices(log: EventLog, group: bytes) -> None:
    """A group revoking its own key (leaving the network) while devices of it are members: they
    would go on signing (design rule 8: what a group certified before its revocation point stays),
    and a raid alert one of them signed afterwards is taken on every node. `solnet revoke` of the
    group revokes each device first (node/membership.py); this kind of publish does not."""
    devices = log.trust.unrevoked_devices_of(group)
    if devices:
        count = f"its {len(devices)} devices" if len(devices) > 1 else "its device"
        raise PublishError(f"this would have your group leave the network while {count} could still sign events "
                           f"that every node takes: leave with `solnet revoke {group.hex()}`, which revokes "
                           "each device first, then the group; nothing was published", "subject",
                           "leaving_with_devices")


def _after_current_profile(log: EventLog, group: bytes | None, now: int) -> int:
    """The timestamp for a new profile of `group`: `now`, or just after the profile it replaces.
    The newest profile by timestamp wins (events/projections.py). A Pi has no real-time clock and
    runs late after a power cut until it reaches a time server: an edit stamped by it then would
    lose, on every node, to the very profile it was made to replace. Never further ahead than
    peers take (MAX_CLOCK_SKEW_MS, and by as much as this clock looks behind): a profile this node
    signed while its clock ran ahead, which peers refused, would drag every later edit along."""
    if group is None:
        return now
    current = log.store.rows(PROFILE, groups=[group])
    return _just_after(log, current[0].version[0], now) if current else now


def _just_after(log: EventLog, stamp: int, now: int) -> int:
    """`now`, or `stamp` + 1 if that is later and no further ahead than peers take
    (MAX_CLOCK_SKEW_MS, and by as much as this clock looks behind)."""
    after = stamp + 1
    return after if now < after <= now + MAX_CLOCK_SKEW_MS + (log.clock_doubt.behind_ms(now) or 0) else now


# The kinds whose effect follows their group's earlier steps on the same item by timestamp, with the
# table of those steps and the field naming the item: the newest update of a need wins, a claim
# after a hand-back takes the request again, a hand-back counts after a claim (events.effects).
_STEPS = {"support.claim": (SUPPORT_STATUS, "request"), "support.close": (SUPPORT_STATUS, "request"),
          "need.update": (NEED_UPDATE, "need"), "offer.update": (OFFER_UPDATE, "offer"),
          "support.offer.update": (SUPPORT_OFFER_UPDATE, "offer"), "alert.update": (ALERT_UPDATE, "alert"),
          "action.report": (REPORT, "action"), "fundraiser.update": (FUNDRAISER_UPDATE, "fundraiser"),
          "action.update": (ACTION_UPDATE, "action")}


def _after_own_steps(log: EventLog, kind: str, fields: Mapping[str, Any], group: bytes | None, now: int) -> int:
    """The timestamp for a step of `group` on an item (see _STEPS): `now`, or just after the
    group's newest step on it held here. Each device dates its events by its own clock: a second
    device of a group whose clock ran five minutes behind handed back a request the group had taken
    from its first device, and its close, dated before the claim, was refused (and from a peer
    counted for nothing): the request stayed taken on every desk; its quantity update of a need
    lost to the earlier one it was made to replace."""
    step = _STEPS.get(kind)
    item = fields.get(step[1]) if step is not None else None
    if group is None or not isinstance(item, bytes):
        return now
    # (one index walk: a flood of other groups' steps on the item, a mole's, rebuilt every row for it)
    newest = log.store.newest_stamp(step[0], item, group)
    return _just_after(log, newest, now) if newest is not None else now


def behind_a_step_stamped_ahead(log: EventLog, event: Event, time_zone: str | None = None) -> str | None:
    """The warning for a step just published (`event`, a kind of _STEPS) that its group's newest step
    on the item, from another device, is stamped after it (`step_stamped_ahead`); else None."""
    facts = step_stamped_ahead(log, event)
    if facts is None:
        return None
    return (f"another device of your group signed a step on this {facts['item']} stamped {local_time(facts['at'], time_zone)} "
            f"({short_id(facts['other'])}), after this one's {local_time(facts['own_at'], time_zone)}: that device's clock "
            f"runs ahead (or this one's behind), and every node reads its step as the newer, so this one may change "
            f"nothing. Set the clock that is wrong right, then publish this again from the device that signed the "
            f"other, or from this one once its clock has passed that time")


def step_stamped_ahead(log: EventLog, event: Event) -> dict[str, Any] | None:
    """For a step just published (`event`, a kind of _STEPS): when its group's newest step on the item,
    from another device, is stamped after it, that device's clock ran more ahead than a publish
    follows (_just_after), and every node reads the other step as the newer, so this one changes
    nothing there (a phone's 'cancelled' under a laptop's 'on' stamped an hour ahead: the action
    stays on everywhere, and the phone was told 'Published'). Published all the same (the other
    device may be right). The facts the warning says (`item` the item's kind, `at` and `other` the
    newer step's stamp and id, `own_at` this one's), else None. One device's own steps go by its
    seq (readmodels.in_order)."""
    step = _STEPS.get(event.kind)
    fields = _fields_of(event) if step is not None else None
    if step is None or fields is None:
        return None
    item, group = fields.get(step[1]), log.trust.group_of(event.author)
    if not isinstance(item, bytes) or group is None or (event.kind == "fundraiser.update" and "raised" not in fields):
        return None  # (pledges add up, whatever their order; a report of what is raised replaces the last)
    steps = readmodels.in_order(r for r in log.store.rows(step[0], refs=[item]) if r.data.get("group") == group
                                and (event.kind != "fundraiser.update" or "raised" in r.data))
    at = next((i for i, r in enumerate(steps) if r.key == event.id), None)
    if at is None or at == len(steps) - 1:
        return None
    newest = steps[-1]  # (another device's: this one's own newest step is its last signed)
    return {"item": step[1], "at": newest.data["ts"], "other": newest.key, "own_at": event.header.timestamp}


def refuse_if_revoked_here(log: EventLog, keys: NodeKeys) -> None:
    """InvalidEvent, saying why as `solnet status` does, if this home's device may not sign its next
    event because its own keys are revoked in its trust graph. A running node checks it before it
    waits for a first sync that will never come (node/net/admin_requests.py)."""
    device = bytes(keys.device.public)
    member = log.trust.member(device)
    if member is not None and member.may_sign(log.store.head(device)[0] + 1):
        return
    why = own_keys_revoked(log, keys)
    if why is not None:
        raise InvalidEvent(E.NOT_A_MEMBER if member is None else E.REVOKED, f"{why} Nothing was published.")


def own_keys_revoked(log: EventLog, keys: NodeKeys) -> str | None:
    """Why this home may not publish, when its own group or device key is revoked (or forked) in
    its trust graph, as `solnet status` says it (node.status_text.own_key_warnings); else None.
    A device of a group revoked from seq 1 is no member at all, and the log alone says only that
    its key is not certified: the revocation, its reason and what to do are the news."""
    device = bytes(keys.device.public)
    group = log.own_group(keys)
    revoked = []
    for key in filter(None, (group, device)):
        member = log.trust.member(key)
        if member is not None and member.revoked_from is not None:
            r = log.trust.revocation(key)
            revoked.append({"id": key.hex(), "from_seq": member.revoked_from, "reason": r.reason if r else None,
                            "by": r.by.hex() if r else None, "fork": bool(r and r.fork)})
    warnings = own_key_warnings(group.hex() if group else "", device.hex(), revoked)
    return warnings[0] if warnings else None


def public_alert(log: EventLog, text: str | None) -> bool:
    """Whether `text` (an alert's id, or a unique prefix) names an alert held here that its group
    marked public: an update or all clear of it is public too, on every public alert page and feed
    with it (anyone reads it, no login), which the member typing it must be told."""
    try:
        alert_id = resolve_event_id(log, text) if text else None
    except InputError:
        return False
    alert = references.target(log.store, log.trust, alert_id) if alert_id is not None else None
    return alert is not None and alert.kind == "alert" and alert.fields.get("public") == "yes"


def _refuse_redacting_a_redaction(log: EventLog, ids: Sequence[bytes], field: str = "ids") -> None:
    """A redaction withdrawn would travel on without its body, naming nothing: every node that had
    not yet received it whole refuses it as malformed, and with it every later event of its author
    (their chain has a gap no peer can fill), and what it withdrew does not come back anyway."""
    for event_id in ids:
        row = log.store.event_row(event_id)
        if row is not None and row.kind == "redact":
            raise PublishError(f"{short_id(event_id)} is a redaction itself: what it dropped does not come back, and "
                               "withdrawn, it would reach other nodes without what it names: they would refuse it and "
                               "every later event of this device", field, "redact_redaction")


def _fields_of(event: Event) -> dict[str, Any] | None:
    """The fields of an event just published (its body, read back), None if it has none to read."""
    if event.body is None:
        return None
    try:
        fields = unpack(event.body)
    except InvalidEvent:
        return None
    return fields if isinstance(fields, dict) else None


def alert_end(log: EventLog, event: Event) -> int | None:
    """When the alert an update (not an all clear) names ends (ms), its own end: an update's
    `--expires-in` is how long the update is kept, and nothing moves the alert's end, so a group
    whose raid goes on past it must publish a new alert. None for other events, or an alert not held."""
    fields = _fields_of(event) if event.kind == "alert.update" else None
    if fields is None or fields.get("status") == "all_clear" or not isinstance(fields.get("alert"), bytes):
        return None
    alert = references.named_alert(log.store, log.trust, fields["alert"])
    if alert is None or alert.kind != "alert" or alert.expires is None or alert.expires <= event.header.timestamp:
        return None
    return alert.expires


def _refuse_all_clear_ending_first(log: EventLog, kind: str, fields: Mapping[str, Any], expires: int,
                                   typed: str, time_zone: str | None = None) -> None:
    """An all clear must last as long as the alert it ends: once its body expires, nothing says the
    alert ended, and the raid alert showed as live again, in every list, until its own end (an all
    clear given with `--expires-in 1h` on a 48 h alert brought it back an hour later)."""
    if kind != "alert.update" or fields.get("status") != "all_clear" or not isinstance(fields.get("alert"), bytes):
        return
    alert = references.named_alert(log.store, log.trust, fields["alert"])
    if alert is not None and alert.expires is not None and expires < alert.expires:
        at = local_time(alert.expires, time_zone)
        raise PublishError(f"'expires_in' {typed.strip()!r} ends this all clear before the alert it ends ({at}): once "
                           "the all clear expires the alert shows as live again; leave 'expires_in' out (an all clear "
                           "is kept a week)", "expires_in", "all_clear_too_short", time=at)


def alert_ends_warning(ends: int, expires: str = "--expires-in", time_zone: str | None = None) -> str:
    """What `publish alert.update` and the API's answer (`expires`: its body's key) say of the alert's
    end (alert_end), which an update does not move: its --expires-in read as the alert's new end left
    a raid unsaid. The time is shown in `time_zone` (the request's), else this machine's."""
    return (f"The alert itself still ends {local_time(ends, time_zone)}: an update does not move its end ({expires} is how "
            "long the update is kept). If the raid goes on past then, publish a new alert.")


def _nothing_left(log: EventLog, ids: Sequence[bytes], author: bytes, now: int) -> list[str]:
    """Of `ids`, those `author` signed that have no content left to withdraw, each with why: an
    earlier redaction of theirs withdrew it (named when among their newest related.WITHDRAWALS_READ
    redactions, read once for all of them and only if one is), or it expired by `now` (the stamp of
    the redaction being made). Read before it is signed, from each id's row: no redaction unpacked
    per id (a 64-id redaction read up to 32,000 rows while the database thread waited)."""
    redacted, expired = [], []
    for event_id in dict.fromkeys(ids):
        row = log.store.event_row(event_id)
        if row is None or row.author != author:
            continue
        if log.store.is_redacted(event_id, author):
            redacted.append(event_id)
        elif row.expires is not None and row.expires <= now:
            expired.append(event_id)
    by = {i: w["id"] for i, w in related.withdrawals(log, redacted, author).items()} if redacted else {}
    return ([f"{i.hex()} (redacted already by {by[i].hex()})" if by[i] is not None else f"{i.hex()} (redacted already)"
             for i in redacted] + [f"{i.hex()} (expired already)" for i in expired])


def _with_own_related(log: EventLog, ids: Sequence[bytes], author: bytes, field: str = "ids",
                      told: dict[str, Any] | None = None, opener: Opener | None = None) -> list[bytes]:
    """`ids` (each once), each followed by the events `author` signed that name it and still have
    their content (node.related: updates and all clears, moves, a request's shares): withdrawn alone,
    it would have stayed readable through them. Refused (PublishError on `field`) past what one
    redaction holds. `told["stay"]`: the events another device signed that name one of them and still
    have their content (readable unless their author redacts them): id, kind and author. One pass:
    the stored shares are read once for all of them, not once an id (thousands a mole group stores,
    up to 128 times, while the database thread waited). `opener`: this device's, to find its sealed
    events that name them (their rows are made in memory only: node.related.sealed_naming)."""
    ids = list(dict.fromkeys(ids))  # a repeated id ("X,X") is one event: counted once, said once
    shares = related.held_shares(log)
    sealed = related.sealed_naming(log, opener, author) if opener is not None else None
    named = {event_id: related.naming(log, event_id, shares, sealed) for event_id in ids}
    out = list(ids)
    for event_id in ids:
        out.extend(r.id for r in related.split(named[event_id], author)[0] if r.id not in out)
    most = next(f.maximum or 1 for f in KINDS["redact"].fields if f.name == "ids")
    if len(out) > most:
        what = short_id(ids[0]) if len(ids) == 1 else f"these {len(ids)} events"
        raise PublishError(f"{len(out) - len(ids)} events of this device name {what}, more than one redaction "
                           f"holds with {'it' if len(ids) == 1 else 'them'} ({most - len(ids)}): redact some of "
                           "its updates first", field, "redact_too_many")
    if told is not None:  # (what names the events taken along stays too)
        stay = {r.id: r for event_id in out for r in related.split(
            named[event_id] if event_id in named else related.naming(log, event_id, shares, sealed), author)[1]}
        told["stay"] = [{"id": r.id.hex(), "kind": r.kind, "author": r.author.hex()}
                        for r in stay.values() if r.id not in out]
    return out


def redaction(log: EventLog, text: str, reason: str | None, own_device: Callable[[], bytes],
              told: dict[str, Any] | None = None, opener: Opener | None = None) -> dict[str, Any]:
    """The fields of a redaction of the event `text` names (its id or a unique prefix), checked:
    it is held here with its content, `own_device()` (called once the event is found) published
    it, and a redaction drops it (not a vouch, a revocation or a redaction). Its ids name with it
    every event of this device that names it and still has its content (node.related: its updates
    and all clears, its moves, a request's shares with the sealed details): withdrawn, it would
    have stayed readable through them. Called in the turn of the database that signs it, so a
    form sent twice, or the command run twice, signs one redaction: the second finds it gone.
    `told["stay"]`: those another device signed, which stay (found in the same pass). `opener`: this
    device's, to find those sealed for chosen groups (None: a first check before the keys are at hand)."""
    event_id = resolve_event_id(log, text)
    row = log.store.event_row(event_id)
    if row is None:
        raise PublishError(f"no event {text}", "id", "no_event")
    if row.author != own_device():
        raise PublishError("only the device that published an event can redact it; this one was published by device "
                           f"{short_id(row.author)}", "id", "redact_not_own")
    _refuse_redacting_a_redaction(log, [event_id], "id")
    if not redactable(row.kind):
        raise PublishError("vouches and revocations cannot be redacted: they are the network's record of who may "
                           "publish (to withdraw a vouch, revoke the key)", "id", "redact_membership")
    if row.body_state != BODY_PRESENT or log.store.is_redacted(event_id, row.author):
        raise PublishError(f"{short_id(event_id)} has no content left to redact: it is redacted or expired already",
                           "id", "redact_nothing_left")
    fields: dict[str, Any] = {"ids": _with_own_related(log, [event_id], row.author, "id", told, opener)}
    if reason:
        fields["reason"] = reason
    return fields
