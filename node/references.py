"""Events that other events name, read from a node's store: as the rules of events.effects see them
(`target`), as read-model rows (`row_of`), and the current state of one need or offer, for
publishing's checks and for `solnet show`. Blocking reads; pure apart from the store."""
from __future__ import annotations

import weakref
from collections.abc import Callable, Collection, Iterable
from dataclasses import replace
from typing import Any, NamedTuple

from crypto.short_ids import short_id
from events.canonical import unpack
from events.effects import Claim, Target
from events.errors import InvalidEvent
from events.format import decode_event
from events.kinds import KINDS, parse_body
from events.names import look_alikes, mimics_unnamed, seen
from events.projections import (FULFIL, NEED, NEED_UPDATE, OFFER, OFFER_UPDATE, PROFILE, REFERRING, SUPPORT,
                                SUPPORT_OFFER_UPDATE, SUPPORT_STATUS, Row, offer_key, project)
from events.readmodels import Gone, claim_of_row, departure, needs_and_offers, support_requests, withdrawn_before
from events.sealed import SEALED_KIND
from events.trust import TrustGraph
from node.store import Store
from node.words import one_line


def group_names(store: Store) -> dict[bytes, str]:
    """Each group's name as people are shown it: its newest profile's, followed by the group's
    short id (48 bits: too many to find a key whose id begins alike by trying keys) when another
    group's name looks like it, or when it reads like an unnamed group's "group 3fa2c1d0…"
    (events/names.py). So an infiltrator's group called like a trusted one is told apart wherever a
    name is shown, among the recipients of a sealed request too."""
    return dict(_names(store).shown)


def profile_names(store: Store) -> dict[bytes, str]:
    """Each group's name as its newest profile says it (what a person may type to name it)."""
    return dict(_names(store).said)


def profile_languages(store: Store) -> dict[bytes, list[str]]:
    """Each group's languages as its newest profile says them (the languages the group speaks)."""
    return {group: list(langs) for group, langs in _names(store).languages.items()}


def look_alike_groups(store: Store) -> dict[bytes, list[bytes]]:
    """Each group whose name looks like other groups' names, and those groups."""
    return {group: list(others) for group, others in _names(store).alike.items()}


class _Names(NamedTuple):
    said: dict[bytes, str]  # as the profiles say
    shown: dict[bytes, str]  # with the short id where another group's name looks like it
    alike: dict[bytes, list[bytes]]  # events.names.look_alikes of `said`
    languages: dict[bytes, list[str]]  # as the profiles say (those that say any)


def _names(store: Store) -> _Names:
    """The groups' names, worked out again only when the profiles may have changed (one read of
    them and one comparison of all, for every view and page that names groups)."""
    version = store.profiles_version
    kept = _KEPT.get(store)
    if kept is not None and kept[0] == version:
        return kept[1]
    profiles = store.rows(PROFILE)
    said = {row.key: row.data["name"] for row in profiles}
    languages = {row.key: langs for row in profiles if isinstance(langs := row.data.get("languages"), list) and langs}
    alike = look_alikes(said)
    # Shown on one line: a name may hold line breaks and runs of spaces (a profile's text field), and
    # "Calais" followed by blank lines and the rest of a member's name read, in a desktop
    # notification or a chat's preview that shows a first line alone, "posted by Calais"
    shown = {group: f"{_one_line(name)} ({short_id(group)})" if group in alike or mimics_unnamed(name)
             else _one_line(name) for group, name in said.items()}
    names = _Names(said, shown, alike, languages)
    _KEPT[store] = (version, names)
    return names


def _one_line(name: str) -> str:
    """A group's name on one line: its lines joined, each break marked (words.one_line), and its
    runs of spaces one, blank-looking characters a space and those drawn as nothing left out
    (events.names.seen: "Calais", a run of braille blanks and "(really Mole)" read "Calais" where a
    line is cut). Its blank lines are left out: each was a mark of its own, so "Calais" and
    seventy line breaks before the rest of a name (80 characters) read "posted by Calais ⏎ ⏎ ⏎ ..."
    for 140 characters, the rest cut off in a notification, and a screen reader said every mark."""
    lines = [" ".join(line.split()) for line in seen(name).splitlines()]
    kept = [line for line in lines if any(c.isprintable() and not c.isspace() for c in line)]
    return one_line("\n".join(kept)) if kept else " ".join(one_line(name).split())


def groups_named_like(store: Store, trust: TrustGraph, group: bytes) -> list[dict[str, str | None]]:
    """The groups whose names look like `group`'s, each as shown (`name`) and with the group that
    let it in (`admitted_by`): one may be passing as `group`, whose admin is who can tell, and the
    group that let it in is whom to ask."""
    out: list[dict[str, str | None]] = []
    for other in look_alike_groups(store).get(group, []):
        member = trust.member(other)
        admitter = member.admitters[-1] if member is not None and member.admitters else None
        out.append({"name": group_name(store, other), "admitted_by": group_name(store, admitter) if admitter else None})
    return out


def name_of_group(store: Store, group: bytes) -> str | None:
    """One group's name as people are shown it (group_names; None: it has no profile here)."""
    return _names(store).shown.get(group)


def device_labels(store: Store, trust: TrustGraph) -> dict[bytes, str]:
    """The name each device's own group gave it when certifying it (`solnet vouch --name`, e.g.
    "laptop 2"): what tells a seized phone from the node in the groups' lists. A vouch by any other
    key names nothing (another member cannot label a group's devices). Read again only when a trust
    event was stored since (a vouch is one): the peer list names its devices every 2 s."""
    version = store.get_meta("trust_version")
    kept = _LABELS.get(store)
    if kept is not None and kept[0] == version and version is not None:
        return kept[1]
    labels = _device_labels(store, trust)
    _LABELS[store] = (version, labels)
    return labels


def _device_labels(store: Store, trust: TrustGraph) -> dict[bytes, str]:
    out: dict[bytes, tuple[int, str]] = {}
    for event_id, body in store.bodies_of_kinds(["member.vouch"]):
        try:
            fields = unpack(body)
        except InvalidEvent:
            continue
        if not isinstance(fields, dict) or fields.get("role") != "device":
            continue
        subject, name = fields.get("subject"), fields.get("name")
        member = trust.member(subject) if isinstance(subject, bytes) else None
        row = store.event_row(event_id) if isinstance(name, str) and name and member is not None else None
        if row is None or member is None or row.author != member.group:
            continue
        if subject not in out or out[subject][0] < row.ts:  # the newest vouch's name
            out[subject] = (row.ts, name)
    return {device: name for device, (_ts, name) in out.items()}


def kept_aside_name(store: Store, group: bytes) -> str | None:
    """The name a group's first profile gave it, from the events a revocation took out of the log
    and keeps aside (90 days): a group revoked from seq 1 has no profile in the log any more, and a
    coordinator must still see which group it was (not an id alone). With its short id where the
    name looks like a live group's ('CaIais' beside the founders' 'Calais', an infiltrator's group
    revoked for it) or reads like an unnamed group's, as a live group's is shown (`group_names`)."""
    name = (kept_aside_profile(store, group) or {}).get("name")
    if name is None:
        return None
    said = _names(store).said
    if mimics_unnamed(name) or (group not in said and group in look_alikes({**said, group: name})):
        return f"{_one_line(name)} ({short_id(group)})"
    return _one_line(name)


def kept_aside_profile(store: Store, group: bytes) -> dict[str, str] | None:
    """The name and region of a group's profile among its events kept aside (kept_aside_name): the
    first it signed (the lowest seq). A function of the events alone, so every node that holds them
    shows the revoked group under one name, whatever the order they came in. Never a later one: the
    revoked key still signs, and a profile it signed after its revocation ('Calais', the name of the
    group that revoked it), carried in a bundle or relayed by a member, renamed the revoked group
    wherever it was listed. Nor the newest that was in this node's log: which those were depends on
    whether the profile came before the revocation, so two nodes with the same events named the
    group differently (and the revoked key, signing before its revocation reached a node, still
    chose the name there). None if the key signed two events at one seq at or below its first
    profile (a fork): the revoked key signs at any seq it used, and a 'Calais' signed again at its
    first profile's seq (or below it: the first profile then), its id ground lower than the real
    one's, named the group on every node; which branch the network saw nobody can tell."""
    rows = store.pending_of(group)  # by seq, then id
    for i, row in enumerate(rows):
        if i and rows[i - 1].seq == row.seq:
            return None  # a fork below the first profile
        try:
            ev = decode_event(row.wire)
            if ev.kind != "group.profile" or ev.body is None:
                continue
            fields = parse_body(ev.header, ev.body)
        except (InvalidEvent, TypeError, ValueError):
            continue
        name, region = fields.get("name"), fields.get("region")
        if isinstance(name, str):
            if i + 1 < len(rows) and rows[i + 1].seq == row.seq:
                return None  # another event at its seq: a fork at the first profile
            return {"name": name, **({"region": region} if isinstance(region, str) else {})}
    return None


def group_name(store: Store, group: bytes) -> str:
    """A group as people call it: its name, else 'group' and its short id."""
    return name_of_group(store, group) or f"group {short_id(group)}"


_KEPT: weakref.WeakKeyDictionary[Store, tuple[tuple[int, int], _Names]] = weakref.WeakKeyDictionary()
_LABELS: weakref.WeakKeyDictionary[Store, tuple[bytes | None, dict[bytes, str]]] = weakref.WeakKeyDictionary()


def target(store: Store, trust: TrustGraph, event_id: bytes) -> Target | None:
    """The stored event `event_id` as events.effects judges against it; None if this node does not
    hold it with its body, or its author is no member."""
    row = store.event_row(event_id)
    return None if row is None else _target(trust, row.author, row.ts, row.kind, row.body)


def targets(store: Store, trust: TrustGraph, ids: Collection[bytes]) -> dict[bytes, Target]:
    """`target` of each of `ids`, by id (those it gives None left out), read together: what an
    offer's draw-downs name as their need (node.views). A need from the row it made (Store.rows_named:
    rebuilt from its event and checked against what its author signed, then kept), not from its body
    decoded again each page (half a busy home's needs page): its kind, its author's group and its
    time as its event's, its fields the row's, which are its body's (with the author, group, seq and
    time beside them, a private part said by `has_private`), as a need listed on the page is judged
    (readmodels.target_of). An event makes a row only while it holds its body (a redaction, an expiry
    or a revocation drops both), so an id without one is judged as stored: not a need (a reply
    naming another kind, one sealed to groups this node is not among, one of a kind it does not
    know), or no longer one with its body. tests/node/test_drawn_needs_from_rows.py holds the two
    ways equal."""
    wanted = sorted(ids)
    found: dict[bytes, Target | None] = {}
    for row in store.rows_named(NEED, wanted):
        group = trust.group_of(row.data["author"])
        found[row.key] = Target(NEED, group, row.data, row.data["ts"]) if group is not None else None
    rest = [i for i in wanted if i not in found]
    found.update((event_id, _target(trust, author, ts, kind, body))
                 for event_id, author, ts, kind, body, _n in (store.events_named(rest) if rest else ()))
    return {event_id: t for event_id, t in found.items() if t is not None}


def _target(trust: TrustGraph, author: bytes, ts: int, kind: str, body: bytes | None) -> Target | None:
    """A stored event as `target` gives it, from its author, time, kind and body. An event of a kind
    this node does not know is none: its body was stored unread (never bounded by its kind's rules),
    and no step this node judges acts on one."""
    if body is None or kind not in KINDS:
        return None
    group = trust.group_of(author)
    try:
        fields = unpack(body)
    except InvalidEvent:
        return None
    if group is None or not isinstance(fields, dict):
        return None
    return Target(kind, group, fields, ts)


def named_alert(store: Store, trust: TrustGraph, event_id: bytes) -> Target | None:
    """The alert `event_id` as its updates are judged against it: `target` while its content is
    held; its header alone once its body is gone (expired, redacted: the header stays), with the
    group of its author and no fields; with its expiry either way (the history says an alert past it
    expired). None if this node holds no such alert (not synced yet, taken out with its author) or
    its author is no member."""
    row = store.event_row(event_id)
    if row is None or row.kind != "alert":
        return None
    if row.body is not None:  # (its expiry with it: an alert past it is said to have expired, not to be live)
        held = target(store, trust, event_id)
        return replace(held, expires=row.expires) if held is not None else None
    group = trust.group_of(row.author)
    return Target(row.kind, group, {}, row.ts, row.expires) if group is not None else None


def update_currency(store: Store, trust: TrustGraph, kind: str, fields: dict[str, Any]) -> str | None:
    """The currency of a fundraiser.update's amounts: its fundraiser's (the update names none; "raised
    758" said no currency). None for another kind, or a fundraiser this node does not hold."""
    if kind != "fundraiser.update" or not isinstance(fields.get("fundraiser"), bytes):
        return None
    fundraiser = target(store, trust, fields["fundraiser"])
    currency = fundraiser.fields.get("currency") if fundraiser is not None else None
    return currency if isinstance(currency, str) else None


def amounts_currency(store: Store, trust: TrustGraph, kind: str, fields: dict[str, Any] | None) -> dict[str, str | None]:
    """What an event's JSON (`ls`/`show --json`, the API) adds beside a fundraiser.update's amounts:
    `{"currency": ...}`, its fundraiser's (null: this node does not hold that fundraiser), as `show`
    prints them; nothing for another kind or an update without its body (no amounts)."""
    if kind != "fundraiser.update" or not fields:
        return {}
    return {"currency": update_currency(store, trust, kind, fields)}


def row_of(store: Store, trust: TrustGraph, event_id: bytes) -> Row | None:
    """The read-model row the stored event `event_id` makes (None: not held, no body, no row)."""
    row = store.event_row(event_id)
    group = trust.group_of(row[1]) if row is not None else None
    if row is None or row[8] is None or group is None:
        return None
    try:
        ev = decode_event(store.wire((row[6], row[7], row[8])))
        made = project(ev, parse_body(ev.header, ev.body), group)
    except InvalidEvent:
        return None
    return next((r for r in made if isinstance(r, Row)), None)


LISTING_UPDATES = {NEED_UPDATE: "need", OFFER_UPDATE: "offer", SUPPORT_OFFER_UPDATE: "support offer"}


def withdrawal_before(store: Store, trust: TrustGraph, event_id: bytes) -> tuple[str, Row] | None:
    """For the stored update `event_id` of a need, an offer or a support offer: (what the listing
    is, its group's withdrawal) when that withdrawal comes before it in the order the read models
    apply them, so that it counts for nothing (a withdrawal is final: a second device of the group
    that edited it offline while another withdrew it); None otherwise."""
    step = row_of(store, trust, event_id)
    if step is None or step.table not in LISTING_UPDATES:
        return None
    listing = step.data[REFERRING[step.table]]
    found = withdrawn_before(store.rows(step.table, refs=[listing]), step, lambda ref: target(store, trust, ref))
    return None if found is None else (LISTING_UPDATES[step.table], found)


def claims(store: Store, request: bytes) -> list[Claim]:
    """The claims of the support request `request`: (group, time, author, seq), oldest first."""
    return [claim_of_row(s) for s in sorted(store.rows(SUPPORT_STATUS, refs=[request]), key=lambda s: s.version)
            if s.data.get("status") == "claimed"]


REPLY_KINDS = ("fundraiser.update", "need.fulfil", SEALED_KIND)  # what a decline may name, as stored


def replied_by(store: Store, trust: TrustGraph, event_id: bytes) -> bytes | None:
    """The group whose device signed the reply `event_id` (a pledge, a fulfilment, or one sealed to
    chosen groups), from its signed header, which stays when the body goes (a redaction) or cannot
    be read here; None if this node holds no such event."""
    row = store.event_row(event_id)
    return trust.group_of(row.author) if row is not None and row.kind in REPLY_KINDS else None


def declines_of(rows: Callable[..., list[Row]], needs: Collection[bytes]) -> list[Row]:
    """The need.decline rows of `needs` (read from FULFIL with `rows`, a store's or a view's):
    an offer's draw-downs leave out the fulfilments their need's group declined, so an offer's
    view needs the declines of the needs its fulfilments name (events.readmodels.needs_and_offers)."""
    return [f for f in rows(FULFIL, refs=sorted(needs)) if "decline" in f.data] if needs else []


def named_by_declines(row_of: Callable[[str, bytes], Row | None], read: Iterable[Row]) -> list[Row]:
    """The rows (of FULFIL) that the need.declines among `read` name and `read` lacks, where this node
    reads them: a decline of need A naming a fulfilment of need B bars no group on A
    (events.readmodels.needs_and_offers), but only if that fulfilment is among the rows the read model
    is given; one it is not given it takes for unreadable here and bars its group (its signed header's).
    Read by id (`row_of`, a store's), so that A's item is the same whichever needs are read beside it
    (A on a page without B; the desk's pass over urgent needs, B left out as listed already; A's own
    page). One probe for each decline naming a row not read: the few that name another need's."""
    read = list(read)
    have = {r.key for r in read}
    named = sorted({r.data["decline"] for r in read if "decline" in r.data} - have)
    return [row for key in named if (row := row_of(FULFIL, key)) is not None]


def departed(trust: TrustGraph) -> Gone:
    """The `gone` of the read models by this trust graph (events.readmodels.departure)."""
    return lambda group: departure(group, trust.member, trust.revocation)


def request_state(store: Store, trust: TrustGraph, request: bytes) -> dict[str, Any] | None:
    """A support request as the read models show it (status, who takes it now, who handed it
    back, how it was closed, which takers are gone), with the groups that are gone as the trust
    graph says (`departure`): a taker that left or was revoked holds nothing here either, as in
    every view. None if this node does not hold it, or it is no longer listed (its requesting group
    is gone and no group takes it)."""
    row = store.row_of(SUPPORT, request)
    found = (support_requests([row], store.rows(SUPPORT_STATUS, refs=[request]), gone=departed(trust))
             if row is not None else [])
    return found[0] if found else None


def listing_state(store: Store, trust: TrustGraph, event_id: bytes, now: int,
                  fulfilled_before: tuple[int, bytes] | None = None) -> dict[str, Any] | None:
    """A need or offer as the read models show it now (quantity as last adjusted, fulfilled or
    drawn, remaining), with `status` open, withdrawn, lapsed, group_left or group_revoked; None if not held.
    With `fulfilled_before` (a row's version), a need counts only the fulfilments made before it:
    what it had when that one came (each decline still counts, made when it may, as the read models count it)."""
    opened = getattr(store, "opened_row", None)  # node.audience.WithOpened: one for chosen groups, read here
    row = (opened and (opened(NEED, event_id) or opened(OFFER, event_id))) or row_of(store, trust, event_id)
    if row is None or row.table not in ("need", "offer"):
        return None
    updates = store.rows(NEED_UPDATE if row.table == "need" else OFFER_UPDATE, refs=[event_id])
    fulfils = store.rows(FULFIL, refs=[event_id]) if row.table == "need" else []
    if fulfilled_before is not None:
        fulfils = [f for f in fulfils if "decline" in f.data or f.version < fulfilled_before]
    drawn = store.rows(FULFIL, region=offer_key(event_id)) if row.table == "offer" else []
    drawn = drawn + declines_of(store.rows, {f.ref for f in drawn})
    drawn = drawn + named_by_declines(store.row_of, [*fulfils, *drawn])
    targets = {f.ref: t for f in drawn if (t := target(store, trust, f.ref)) is not None}
    [item] = needs_and_offers([row], fulfils, now, updates, drawn, targets, every_state=True, gone=departed(trust),
                              replied_by=lambda reply: replied_by(store, trust, reply))
    return item
