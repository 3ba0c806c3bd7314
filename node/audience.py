"""Events for chosen groups only (docs/design.md section 6.6): sealing them, and reading them back
in memory.

Publishing an action, need, offer ... `--to` some groups seals its kind, fields and the groups'
ids into one envelope (events/sealed.py) for the current, unrevoked devices of those groups and of
the author's own group, as for a support request's private part (node/private.py). The stored and
gossiped event is of kind `sealed`; its projection writes no row, so nothing of its content
reaches the database, its WAL or the logs.

A node that holds a recipient device's key reads them through an `Opener`: it opens each sealed
event once, keeps what it read in memory only (a bounded cache that dies with the process), and
`opened_rows` turns the insides into the same read-model rows the public events make, marked
`shared_with`. Views (node/views.py) add those rows to the ones they select in SQL
(`WithOpened`), so a recipient sees these events in every view and summary; a node that is not a
recipient, or has no key at hand (a command run without the passphrase), sees none of them.
The rows are a function of the set of sealed events held and the key, whatever order they came in.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from crypto.envelope import open_envelope, seal
from crypto.errors import DecryptionFailed
from crypto.keys import EncryptionKey
from crypto.short_ids import SHORT_ID_HEX
from events.canonical import unpack
from events.errors import InvalidEvent
from events.projections import MemoryTables, Row, project
from events.sealed import (ENVELOPE_FIELD, MAX_INNER_BYTES, SEALABLE, SEALED_KIND, Inner, inner_event, inner_plaintext,
                           parse_inner)
from events import readmodels
from node.clock import now_ms
from node.log import EventLog
from node import references, render, request_shares
from node.kind_input import PRIVATE_FIELD
from node.private import PrivateError, open_private_part, readers_of, recipient_keys
from node.render import short_id
from events.names import looks as names_look

MAX_OPENED = 20_000  # sealed events remembered in memory (opened or not ours); older ones are opened again
# The fewest leading hex characters that name a group here: the short id every view prints (48 bits).
# Any member may let in a group, so an infiltrator can make a key whose id starts as a real group's
# and have it admitted; with 6 characters (24 bits: ~2 minutes of one core, ~64,000 keys a second)
# that key was the only match while the real group's vouch had not arrived, and what was sealed went
# to it. 48 bits take ~2^47 tries (~70 core-years at that rate).
GROUP_PREFIX_MIN = SHORT_ID_HEX
# names a `--to` refusal lists at most ("and N more" after): `solnet view groups` lists them all
KNOWN_NAMED = 12
# Hex alone this long or longer is read as (the start of) an id, never as a name: what was the
# fewest characters of an id taken until 2026-12-07, and so what people still type as one.
HEX_READ_AS_ID = 6
# How long a live group without a profile here holds back every bare name typed (`--to NAME`), after
# the latest vouch that names it was signed or stored here (the later: `_unnamed_of_late`): it may be
# the group so called, its profile on its way. A group let
# in publishes its profile the moment it joins (`solnet join`) and its first connection carries it
# with its vouch, so a week covers a token handed over by hand. Held back for good, a member could
# let in groups that never publish one and stop every group from sharing by name (until
# 2026-12-07); now that takes a fresh vouch a week, each listed by the refusal. The latest vouch
# counts, not the first: any member may sign another vouch for a group, dated long ago.
UNNAMED_HOLDS_NAMES_MS = 7 * 24 * 3600 * 1000


# A group as shown with the start of its id last: "Bristol (1a2b3c4d5e6f…)" beside a name another
# looks like, "group 1a2b3c4d5e6f…" for a group without a profile (node.references)
_SHOWN_WITH_ID = re.compile(f"\\S.*[\\s(]([0-9a-fA-F]{{{SHORT_ID_HEX},64}})(?:…|\\.\\.\\.)?\\)?\\s*")


class AudienceError(PrivateError):
    """The chosen groups cannot be resolved or reached; the message says why."""


def _typed(wanted: str) -> str:
    """What a person typed as a refusal quotes it: its first 80 characters, set apart where they have
    right-to-left letters (render.isolated), as every group name in these refusals: said raw, "بب"
    turned the terminal's line and its words read in another order."""
    return render.isolated(repr(wanted[:80]))


def resolve_groups(log: EventLog, texts: Iterable[str], own: bytes | None = None) -> list[bytes]:
    """Group ids from what a person typed: a group's name as its profile says it or as it is shown
    (with its short id when another group's name looks like it; any case), its id in full, or a
    unique prefix of at least 12 hex characters (its short id; fewer are refused: GROUP_PREFIX_MIN).
    Hex alone is read as an id, never as a name, and a name typed with a short id in brackets names
    only a group whose id starts so. A bare name is refused where it may not mean the group it matches
    (`_refuse_if_ambiguous`), unless it is this node's own group (`own`), which
    reads everything it seals anyway. AudienceError names the one at fault."""
    names = references.group_names(log.store)
    said = references.profile_names(log.store)
    groups = [k for k, m in log.trust.members.items() if m.role == "group"]
    found: list[bytes] = []
    for text in texts:
        wanted = text.strip()
        if not wanted:  # skipped, an empty name would share with no group: refused, never read as none
            raise AudienceError("a group named in 'to' is empty: name each group that may read it (`solnet view "
                                "groups` lists them), or leave 'to' out to publish to every group", "group_empty")
        cleaned = wanted.rstrip("…").rstrip(".").lower()
        # What reads as an id is an id, never a name: a member may call its group by another group's
        # id (or its short id), and while that group's vouch had not arrived here the name was the
        # only match.
        if re.fullmatch(r"[0-9a-f]+", cleaned) and len(cleaned) >= HEX_READ_AS_ID:
            if len(cleaned) < GROUP_PREFIX_MIN:
                _say_if_read_as_an_id(groups, names, said, wanted, None)
                raise AudienceError(f"{_typed(wanted)} is too short a start of a group's id: another group's key can be "
                                    f"made to start so. Give at least its first {GROUP_PREFIX_MIN} characters (its short "
                                    "id, as `solnet view groups` lists it) or its whole id", "group_id_short",
                                    typed=wanted[:80], least=GROUP_PREFIX_MIN)
            by_name, by_id, bracketed = [], [g for g in groups if g.hex().startswith(cleaned)], None
        else:
            by_name = _called(groups, names, said, wanted)
            by_id = []
            # A group typed as shown with its short id ("Bristol (1a2b3c4d5e6f…)", "group 1a2b3c4d5e6f…")
            # names only a group whose id starts so: a member may call its group that very text.
            if (bracketed := _SHOWN_WITH_ID.fullmatch(wanted)) is not None:
                by_name = [g for g in by_name if g.hex().startswith(bracketed.group(1).lower())]
        matches = list(dict.fromkeys(by_name + by_id))
        if len(matches) > 1:
            raise AudienceError(f"more than one group is called or starts with {_typed(wanted)}: give its id "
                                "(`solnet view groups` lists them)", "group_ambiguous", typed=wanted[:80])
        if not matches:
            _say_if_read_as_an_id(groups, names, said, wanted, bracketed)
            _say_if_revoked(log, groups, wanted)
            known = _known_names(names)
            raise AudienceError(f"no group called {_typed(wanted)} and no group id starting so in this network; "
                                f"give a group's name ({known}) or its id (`solnet view groups` lists them)",
                                "group_unknown", typed=wanted[:80])
        if matches[0] != own and matches[0] not in by_id and bracketed is None:
            _refuse_if_ambiguous(log, groups, said, names, matches[0], wanted)  # a bare name
        found.append(matches[0])
    return list(dict.fromkeys(found))


def _known_names(names: dict[bytes, str]) -> str:
    """The groups' names a refusal lists, sorted by the names themselves (not by the marks that set a
    right-to-left name apart, which sorted those last) and bounded: a network of many groups (a mole
    naming one group after another) made the refusal screens long. Says how many more there are."""
    ordered = sorted(n for n in names.values() if n)
    if not ordered:
        return "none has a profile yet"
    more = f" and {len(ordered) - KNOWN_NAMED} more" if len(ordered) > KNOWN_NAMED else ""
    return ", ".join(render.isolated(n) for n in ordered[:KNOWN_NAMED]) + more


def _refuse_if_ambiguous(log: EventLog, groups: list[bytes], said: dict[bytes, str], names: dict[bytes, str],
                         group: bytes, wanted: str) -> None:
    """Refuse a bare name that may not mean the group it matches: while a live group has no profile
    here (its profile has not arrived, or it never published one), that group may be the one so
    called, and a member group that took its name would be the only match; and where another
    group's name looks like it ("Bristo1", "Bristol " with odd spaces, a Cyrillic letter). Sealed
    to the wrong one, a support request's private details go to whoever took the name. An id, or a
    name shown with its short id, names one group whatever the names say."""
    unnamed = _unnamed_of_late(log, [g for g in groups if g not in said and log.trust.speaks_for_group(g)])
    typed, near = names_look(wanted), references.look_alike_groups(log.store).get(group, [])
    alike = [g for g in groups if g != group and g in said and log.trust.speaks_for_group(g)
             and (g in near or typed & names_look(said[g]))]
    if not unnamed and not alike:
        return
    why = []
    if alike:
        why.append(f"another group's name looks like it ({', '.join(render.isolated(names[g]) for g in alike[:5])})")
    if unnamed:
        listed = ", ".join(f"group {short_id(g)}" for g in unnamed[:5]) + (", ..." if len(unnamed) > 5 else "")
        why.append(f"{len(unnamed)} group{'s' if len(unnamed) > 1 else ''} of this network "
                   f"{'have' if len(unnamed) > 1 else 'has'} no profile here yet ({listed}): the group you mean "
                   "may be one of them, and another group may have taken its name")
    raise AudienceError(f"the name {_typed(wanted)} may not be the group you mean: {'; and '.join(why)}. The group "
                        f"called so here is {short_id(group)}. Give the id of the group you mean instead of its name "
                        f"(`--to ID`, or the id in 'to'; its first {GROUP_PREFIX_MIN} characters or more): `solnet view groups` lists "
                        "each group's id, and the group itself can tell you its id over a channel you trust",
                        "group_name_unsure", typed=wanted[:80], least=GROUP_PREFIX_MIN)


def _unnamed_of_late(log: EventLog, unnamed: list[bytes]) -> list[bytes]:
    """Those of `unnamed` (live groups without a profile here) that a vouch named within the last
    `UNNAMED_HOLDS_NAMES_MS`, in their order: by the later of the vouch's signed date and when this
    home stored it. By the signed date alone, an admitter whose clock ran behind (a Pi after a power
    cut), or one that backdated on purpose, let the hold lapse at once; and on a node still syncing,
    an old group's vouch arriving before its profile let its name go to a member that took it, an
    answer that hung on arrival order. Where this home cannot tell when it stored a vouch (`arrived`
    emptied by a panic wipe, or every event counted as stored at an upgrade) it counts as stored
    within the week: a bare name is refused rather than resolved to an impostor."""
    if not unnamed:
        return []
    since = now_ms() - UNNAMED_HOLDS_NAMES_MS
    heard_before = log.store.stored_before(since)  # every event stored here from `since` on is above it
    vouches = log.trust.vouch_ids_for(set(unnamed) - set(log.genesis.founders))
    # read together, not a statement each: a mole's thousand nameless groups made a thousand reads
    stored = {event_id: (ts, n) for event_id, _a, ts, _k, _b, n
              in log.store.events_named(sorted({i for ids in vouches.values() for i in ids}))}

    def holds(group: bytes) -> bool:
        if group in log.genesis.founders:  # let in by the genesis: at the network's creation, or here
            return log.genesis.created >= since or heard_before == 0  # (a home that heard of it this week)
        rows = (stored[i] for i in vouches.get(group, ()) if i in stored)
        return any(ts >= since or n > heard_before for ts, n in rows)
    return [g for g in unnamed if holds(g)]


def _say_if_read_as_an_id(groups: list[bytes], names: dict[bytes, str], said: dict[bytes, str], wanted: str,
                          bracketed: re.Match[str] | None) -> None:
    """Refuse in words a group's own name that no longer names it because it reads as an id: hex
    alone ("cafe42", a phone number) or a name ending in a short id that is not its own ("SOS
    0033612345678"). Without them the person was told no group is called so, or only that the text
    was too short an id. The group's id is not given here: a member may have taken that name."""
    if not _called(groups, names, said, wanted):
        return
    rule = (f"a name that ends in {GROUP_PREFIX_MIN} or more hex characters is read as a name shown with its short "
            "id, and names only a group whose id starts with them; this group's id does not" if bracketed is not None else
            "hex characters alone are read as the start of an id, never as a name")
    raise AudienceError(f"a group here is called {_typed(wanted)}, but {rule}: give its id instead (at least its first "
                        f"{GROUP_PREFIX_MIN} characters: `solnet view groups` lists each group's id, and the group "
                        "itself can tell you its id over a channel you trust)", "group_name_read_as_id",
                        typed=wanted[:80], least=GROUP_PREFIX_MIN)


def _called(groups: list[bytes], names: dict[bytes, str], said: dict[bytes, str], wanted: str) -> list[bytes]:
    """The groups called `wanted` (any case), as their profile says it or as they are shown."""
    return [g for g in groups if wanted.casefold() in ((names.get(g) or "").casefold(), (said.get(g) or "").casefold())]


def _say_if_revoked(log: EventLog, groups: list[bytes], wanted: str) -> None:
    """A group revoked from its start left the log with its profile, so no name matches it: say
    that the group so named is revoked (its name is read from its events kept aside), not that no
    group has that name."""
    for g in groups:
        member = log.trust.member(g)
        if member is None or member.revoked_from is None:
            continue
        name = (references.kept_aside_profile(log.store, g) or {}).get("name")  # as typed, without a short id
        if name is not None and name.casefold() == wanted.casefold():
            raise AudienceError(f"{render.isolated(name)} ({short_id(g)}) is revoked; it cannot receive private details",
                                "recipient_revoked", group=name)


def seal_content(log: EventLog, kind: str, fields: dict[str, Any], groups: Sequence[bytes],
                 author_group: bytes) -> dict[str, Any]:
    """The body of a `sealed` event carrying `kind` and `fields` to `groups` (and the author's group)."""
    if not groups:
        raise AudienceError("name at least one group to share it with", "audience_none")
    keys = recipient_keys(log.trust, list(groups), author_group, references.group_names(log.store))
    try:
        plaintext = inner_plaintext(kind, fields, [g for g in groups if g != author_group])
    except ValueError as exc:  # a kind that cannot be sealed (told before: publishing's not_sealable), or too long
        raise AudienceError(str(exc), "not_sealable" if kind not in SEALABLE else "sealed_too_long",
                            most=MAX_INNER_BYTES) from None
    return {ENVELOPE_FIELD: seal(plaintext, keys)}


class Opener:
    """Opens sealed events with one device's encryption key and remembers what it read (in memory,
    bounded). Safe to share between the node's threads."""

    def __init__(self, key: EncryptionKey, capacity: int = MAX_OPENED) -> None:
        self._key = key
        self._capacity = capacity
        self._seen: OrderedDict[bytes, Inner | None] = OrderedDict()
        self._readers: OrderedDict[bytes, frozenset[bytes] | None] = OrderedDict()  # of private parts
        self._lock = threading.Lock()

    def open(self, event_id: bytes, body: bytes | None) -> Inner | None:
        """The inside of the sealed event `event_id` whose stored body is `body`, or None when this
        device is not a recipient (or the inside is not well formed)."""
        with self._lock:
            if event_id in self._seen:
                self._seen.move_to_end(event_id)
                return self._seen[event_id]
        inner = _open_body(body, self._key) if body is not None else None
        with self._lock:
            self._seen[event_id] = inner
            while len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
        return inner

    def private_readers(self, event_id: bytes, sealed: bytes | None, group: bytes) -> frozenset[bytes] | None:
        """The groups that can read the private part `sealed` of the event `event_id` of `group`
        (its author's and those it was sealed to), if this device can tell (it is a recipient of a
        part that names them); else None. Remembered: they never change for an event."""
        return self.readers_of_part(event_id, lambda: sealed, group)

    def readers_of_part(self, event_id: bytes, sealed: Callable[[], bytes | None],
                        group: bytes) -> frozenset[bytes] | None:
        """`private_readers`, the part read (`sealed()`) only when they are not remembered: reading
        it costs a read and a decoding of the event's body (a page of a thousand requests, each
        read again and again, spent most of its time there)."""
        with self._lock:
            if event_id in self._readers:
                self._readers.move_to_end(event_id)
                return self._readers[event_id]
        part = sealed()
        named = readers_of(part, self._key) if part is not None else None
        readers = None if named is None else frozenset([group, *named])
        with self._lock:
            self._readers[event_id] = readers
            while len(self._readers) > self._capacity:
                self._readers.popitem(last=False)
        return readers

    def opens_private(self, sealed: bytes) -> bool:
        """Whether this device is a recipient of the private part `sealed` (of any format)."""
        return open_private_part(sealed, self._key) is not None

    def forget(self) -> None:
        with self._lock:
            self._seen.clear()
            self._readers.clear()


def mark_private_readers(log: EventLog, opener: Opener | None, requests: list[dict[str, Any]],
                         own: bytes | None, shares: request_shares.Shares | None = None) -> None:
    """On each place a support request with a private part could go (its `can_go`), `reads_private`:
    whether that group can read the part, as far as this device can tell: from the part itself
    where this device is one of its readers; else only that its own group cannot read it here.
    Those that can come first. "Could go to" named groups the details were never sealed to, and a
    coordinator sent people's case to a group that could not read who they are. On the request,
    `read_here`: whether this device can tell who reads it, being one of them. `shares`: those of
    `requests` (`request_shares.shares_of`, for one request's page), else every share held is read."""
    if opener is None:
        return
    if shares is None:
        shares = request_shares.shares_by_request(log) if request_shares.has_shares(log) else {}
    for r in requests:
        if not r.get("has_private"):
            continue
        parts = (part_readers(log, opener, r["id"], r["group"], shares) if r["id"] in shares or "author" not in r
                 else _own_part_readers(log, opener, r))
        readers = readmodels.request_readers(r["group"], parts)
        known = frozenset().union(*(p for p in parts if p is not None))  # those of the parts it reads
        # a group that cannot read a request is offered no "take" (node.publishing refuses it); a
        # part of 0.1 does not name its readers, and is not offered either (`solnet publish` can)
        r["read_here"] = bool(known)
        if not r.get("can_go"):
            continue
        for o in r["can_go"]:
            if readers is not None:
                o["reads_private"] = o["group"] in readers
            elif o["group"] in known:
                o["reads_private"] = True
            elif own is not None and o["group"] == own:
                o["reads_private"] = False
        r["can_go"].sort(key=lambda o: o.get("reads_private") is False)  # stable: otherwise as it was


def request_readers(log: EventLog, opener: Opener) -> Callable[[Row], frozenset[bytes] | None]:
    """For a support request's row: the groups its private part went to (its own group's and
    those named, and those its shares went to), if this device reads every part; else None
    (views.Held.readers, events.readmodels.request_readers)."""
    if not request_shares.has_shares(log):  # most nodes hold none: one part, no search for shares
        return lambda row: opener.readers_of_part(row.key, lambda: _private_part(log, row.key), row.data["group"])

    found: dict[bytes, frozenset[bytes] | None] = {}  # (a reader serves one page: asked again, once read)

    def readers(row: Row) -> frozenset[bytes] | None:
        # each row's own shares, by the index of what they name: a page that lists a few requests (a
        # request's own page) read and checked every share held, a mole's thousands included
        if row.key not in found:
            found[row.key] = readers_here(log, opener, row.key, row.data["group"])
        return found[row.key]
    return readers


def part_readers(log: EventLog, opener: Opener, request: bytes, group: bytes,
                 shares: request_shares.Shares | None = None) -> list[frozenset[bytes] | None]:
    """For each private part of a support request (its own, then its shares: node.request_shares),
    the groups it went to if this device reads it, else None. `shares`: read once for many requests."""
    return [opener.private_readers(p.event_id, p.sealed, group)
            for p in request_shares.request_parts(log, request, shares)]


def readers_here(log: EventLog, opener: Opener, request: bytes, group: bytes,
                 shares: request_shares.Shares | None = None) -> frozenset[bytes] | None:
    """The groups that read the private details of `request`, a support request of `group`: that
    group and those each of its parts went to (events.readmodels.request_readers), if this device
    reads every part; else None (it cannot tell). Whether a group reads a request already: a
    share's page, a share to such a group refused, a referral's advice, a listing's rows."""
    return readmodels.request_readers(group, part_readers(log, opener, request, group, shares))


def _own_part_readers(log: EventLog, opener: Opener, request: dict[str, Any]) -> list[frozenset[bytes] | None]:
    """`part_readers` of a listed support request (an item of events.readmodels) that has no
    shares: its own part alone, the groups it went to as the opener remembers them (the part read
    only when it does not: the page's listing asked them already, views.Held.readers), and none when
    its author is no member (request_parts; the author is the item's own). Reading each request's
    event again was 100 of an overview's 640 statements at 100k events. A part that is not there
    (an event opened here holds none outside) is None here and left out there: either way this
    device reads none of it (`request_readers` None, `read_here` false)."""
    if log.trust.group_of(request["author"]) is None:
        return []
    return [opener.readers_of_part(request["id"], lambda: _private_part(log, request["id"]), request["group"])]


def _private_part(log: EventLog, event_id: bytes) -> bytes | None:
    """The sealed private part of a stored event, if it has one (and its body is held)."""
    row = log.store.event_row(event_id)
    if row is None or row[8] is None:
        return None
    try:
        fields = unpack(row[8])
    except InvalidEvent:
        return None
    sealed = fields.get(PRIVATE_FIELD) if isinstance(fields, dict) else None
    return sealed if isinstance(sealed, bytes) else None


def opener_of(node: Any) -> Opener:
    """The Opener of a running node (anything with `keys`), made at first use and kept on it, so
    the API and the dashboard share what it has opened."""
    opener = getattr(node, "_audience_opener", None)
    if opener is None:
        opener = Opener(node.keys.device_encryption)
        node._audience_opener = opener
    return opener


def _open_body(body: bytes, key: EncryptionKey) -> Inner | None:
    # Known gap (2026-12-08): a damaged envelope (crypto.errors.Damaged: sealed to this key but altered or
    # malformed inside, or no envelope at all) is None here, as for a stranger, so a real recipient is told
    # "this device is not one of its readers" (render.py), the fault read_private (node/private.py) mends
    # for private parts. Telling it apart needs a third state through Opener's cache, the read models, the
    # API and dashboard, and words in en and fr: not done yet.
    try:
        fields = unpack(body)
        envelope = fields[ENVELOPE_FIELD] if isinstance(fields, dict) else None
        if not isinstance(envelope, bytes):
            return None
        return parse_inner(open_envelope(envelope, key))
    except (DecryptionFailed, InvalidEvent, ValueError, KeyError):
        return None


def shared_with(inner: Inner, group: bytes) -> list[bytes]:
    """Who reads a sealed event: the author's group first, then the groups it named."""
    return list(dict.fromkeys([group, *inner.to]))


def opened_rows(log: EventLog, opener: Opener) -> MemoryTables:
    """Read-model rows of every sealed event held whose inside this device can read, in memory."""
    tables = MemoryTables()
    for n, event_id, author, seq, ts, expires, body in log.store.sealed_events():
        member = log.trust.member(author)
        if member is None or not member.may_sign(seq):
            continue
        inner = opener.open(event_id, body)
        if inner is None:
            continue
        changes = project(inner_event(event_id, author, seq, ts, expires, inner), inner.fields, member.group)  # type: ignore[arg-type]
        for change in changes:
            if isinstance(change, Row):
                change.data["shared_with"] = shared_with(inner, member.group)
        tables.apply(changes)
    return tables


def ordered(rows: list[Row], order: str | None) -> list[Row]:
    """Rows in the order node.store.Store.rows gives them (MemoryTables.select, its reference)."""
    if order in ("t", "latest"):
        return sorted(rows, key=lambda r: (r.time is not None, r.time or 0, r.version[1]), reverse=order == "latest")
    if order == "newest":
        return sorted(rows, key=lambda r: r.version, reverse=True)
    return rows


class WithOpened:
    """A store whose read-model rows include the opened sealed ones: what node.views reads from.
    Everything else is the store's own."""

    def __init__(self, store: Any, tables: MemoryTables) -> None:
        self._store = store
        self._tables = tables

    @property
    def stored(self) -> Any:
        """The store without the opened rows."""
        return self._store

    def rows(self, table: str, **where: Any) -> list[Row]:
        stored = self._store.rows(table, **where)
        # The opened rows are few and held in memory, unmarked: those a listing of the marked ones
        # asks for are all given (the view keeps those its rule finds urgent)
        extra = self._tables.select(table, **{k: v for k, v in where.items() if k != "urgent"})
        if not extra:
            return stored
        both = ordered(stored + extra, where.get("order"))
        return both[:where["limit"]] if where.get("limit") is not None else both

    def opened_row(self, table: str, key: bytes) -> Row | None:
        """The opened row of `table` under `key` (an event's id for needs and offers), if any."""
        return self._tables.rows.get((table, key))

    def row_of(self, table: str, key: bytes) -> Row | None:
        """The row of `table` under `key`: the opened one if any, else the stored one."""
        return self.opened_row(table, key) or self._store.row_of(table, key)

    def regions(self, tables: Sequence[str]) -> list[str]:
        found = set(self._store.regions(tables))
        found.update(r.region for t in tables for r in self._tables.table(t) if r.region)
        return sorted(found)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def inner_json(log: EventLog, opened: tuple[Inner, bytes]) -> dict[str, Any]:
    """The inside of an event for chosen groups (`opened_event`'s answer) as the JSON outputs give it
    (`ls`/`show --json`, the API): its kind, fields and readers, and the currency of its amounts."""
    inner, author_group = opened
    return {**render.inner_json(inner.kind, inner.fields, shared_with(inner, author_group)),
            **references.amounts_currency(log.store, log.trust, inner.kind, inner.fields)}


def opened_event(log: EventLog, opener: Opener | None, row: tuple) -> tuple[Inner, bytes] | None:
    """(inside, author's group) of a stored sealed event row (id, author, seq, ts, kind, ...) when
    `opener` can read it, else None."""
    if opener is None or row[4] != SEALED_KIND or row[8] is None:
        return None
    member = log.trust.member(row[1])
    if member is None:
        return None
    inner = opener.open(row[0], row[8])
    return (inner, member.group) if inner is not None else None
