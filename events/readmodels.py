"""Read models: pure functions from projection rows (and the current time) to what people look at.

They combine rows that several events contributed (amounts raised, quantities fulfilled and drawn
from offers, updates of needs, offers and alerts, who took a request), so the result is the same
whatever order the events arrived in. Whether an update or a fulfilment counts is decided by the
rules of events.effects, the same ones publishing and `solnet show` apply. The store selects rows
with SQL (by table, region, time, ref) and hands them here; tests hand them `MemoryTables` rows.
"""
from __future__ import annotations


from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from events.effects import (Claim, Target, closes_for_all, draws_on_offer, problem, reaches_owner,
                            signed_before)
from events.kinds import DEFAULT_UNIT, URGENCY
from events.projections import PUBLIC_YES, Row

HOUR_MS = 3600 * 1000
DAY_MS = 24 * HOUR_MS
RECENT_ACTION_GRACE_MS = 3 * HOUR_MS  # an action that started in the last 3 h is still "upcoming"
TIMELINE_DAYS = 7
PAST_ACTION_DAYS = 14  # "what happened": actions of the last two weeks
ALERT_HISTORY_DAYS = 7
MATCHES_PER_NEED = 3
GROUP_LEFT, GROUP_REVOKED = "left", "revoked"  # how a group is gone (`departure`)
Gone = Callable[[bytes], "str | None"]  # a group -> GROUP_LEFT, GROUP_REVOKED, or None: still a member


def urgency_rank(urgency: str | None) -> int:
    """Where an item of `urgency` goes in a list the most urgent first: high, medium, low, then
    none said (the desk's order of needs, and the overview's of needs and support requests)."""
    return -URGENCY.index(urgency) if urgency else 1

def staying(group: bytes) -> str | None:
    """The `gone` of read models given none: every group is still a member."""
    return None


def departure(group: bytes, member: Callable[[bytes], Any], revocation: Callable[[bytes], Any]) -> str | None:
    """How `group` is gone from the network, by the trust graph (`member`, `revocation`: its
    lookups, events.trust): GROUP_LEFT when it revoked itself (its key or one of its devices: `solnet
    revoke OWN_GROUP_ID`), GROUP_REVOKED when others did; None while it is a member, and while its
    key is only frozen by a fork (design rule 6: the devices it certified still sign, and withdraw
    or close what they posted; a restore that had not caught up, or a twin of its home, took every
    need of the group off every desk). From any seq: what it signed before still counts (design
    rule 8), but nobody can withdraw, adjust or close its open items any more, so the read models
    stop offering them."""
    m = member(group)
    if m is None or m.role != "group" or m.revoked_from is None:
        return None
    r = revocation(group)
    if r is not None and r.fork:
        return None
    by = member(r.by) if r is not None else None
    return GROUP_LEFT if r is not None and by is not None and (r.by == group or by.group == group) else GROUP_REVOKED


def _public(row: Row) -> dict[str, Any]:
    return {"id": row.key, **row.data}


def target_of(row: Row) -> Target:
    """A row as the event other events name (events.effects)."""
    return Target(row.table, row.data["group"], row.data, row.data["ts"])


def lookup(rows: Iterable[Row], extra: Mapping[bytes, Target] | None = None) -> Callable[[bytes], Target | None]:
    """The `target` function of events.effects over these rows (and `extra` targets). A row's
    Target is made when it is asked for: a page holds hundreds of rows, and few are named."""
    by_key = {r.key: r for r in rows}
    others = extra or {}
    made: dict[bytes, Target] = {}  # (each made once: a need's fulfilments ask for it again and again)

    def target(key: bytes) -> Target | None:
        found = made.get(key)
        if found is not None:
            return found
        row = by_key.get(key)
        if row is None:
            return others.get(key)
        found = made[key] = target_of(row)
        return found
    return target


def _counts(row: Row, target: Callable[[bytes], Target | None],
            claims: Callable[[bytes], Sequence[Claim]] = lambda request: (), kind: str | None = None) -> bool:
    """Whether the event that made `row` has its effect (events.effects); `kind` when the row's
    table is not the event's kind (claims and closes share one table)."""
    return problem(kind or row.table, row.data, row.data["group"], row.data["ts"], target, claims,
                   (row.data.get("author"), row.data.get("seq"))) is None


RepliedBy = Callable[[bytes], "bytes | None"]
"""The group whose device signed a pledge or fulfilment, by its id, from its signed header (None:
not held here): what a decline names, read where the reply's own row is not (a reply sealed to
groups this node is not among, a reply its group redacted)."""


def nobody(event_id: bytes) -> bytes | None:
    return None


def _declined_group(decline: Row, held: Mapping[bytes, Row], names_reply: Callable[[Row], bool],
                    replied_by: RepliedBy) -> bytes | None:
    """The group the `decline` bars: the group of the reply it names, from that reply's row where
    this node reads it (`held`; None unless `names_reply` says it is a reply the decline may name),
    else from its signed header (`replied_by`). Else the declined group undid the decline by redacting
    the one reply it named, and a decline naming a reply sealed to the owner alone barred the group
    on the owner's desk and nowhere else. Never the declining group itself: a decline names another
    group's reply. One naming its own group's event (another decline, sealed where it is not read,
    whose header is its own group's; its own fulfilment or pledge) struck out the owner's own goods
    or pledges on the nodes that could not read what it named, and nowhere else."""
    named = decline.data["decline"]
    row = held.get(named)
    group = replied_by(named) if row is None else row.data["group"] if names_reply(row) else None
    return group if group != decline.data["group"] else None


def _by_ref(rows: Iterable[Row]) -> dict[bytes, list[Row]]:
    out: dict[bytes, list[Row]] = defaultdict(list)
    for r in rows:
        out[r.ref].append(r)
    # (most items have one step: in order as it is)
    return {ref: items if len(items) == 1 else in_order(items) for ref, items in out.items()}


def claim_of_row(row: Row) -> Claim:
    """A support.claim's row as a close is judged against it (events.effects): group, time, author, seq."""
    return row.data["group"], row.data["ts"], row.data["author"], row.data["seq"]


def in_order(steps: Iterable[Row]) -> list[Row]:
    """Steps on one item (updates, claims and closes, reports), oldest first: by (timestamp, id),
    but one device's own steps in the order it signed them (its seq), in the places its steps take
    in that order. Its seq is what it did last; its stamps are its clock's word: a laptop an hour
    ahead that cancelled an action by mistake, set right and said "on" again, had its "on" stamped
    before the cancel, and every node, its own too, kept the action CANCELLED for the hour. Steps of
    several devices still go by their stamps (nothing else orders them), and the order is a function
    of the set, whatever order the events came in."""
    ordered = sorted(steps, key=lambda r: r.version)
    if len(ordered) < 2:  # (most items have one step: a desk orders ~2,600 such lists a page)
        return ordered
    places: dict[bytes, list[int]] = defaultdict(list)
    for i, r in enumerate(ordered):
        if isinstance(r.data.get("author"), bytes) and isinstance(r.data.get("seq"), int):
            places[r.data["author"]].append(i)
    out = list(ordered)
    for slots in places.values():
        if len(slots) > 1:
            for i, r in zip(slots, sorted((ordered[i] for i in slots), key=lambda r: (r.data["seq"], r.version))):
                out[i] = r
    return out


def _ends(action: dict[str, Any]) -> int:
    return action.get("ends_at") or action["starts_at"] + RECENT_ACTION_GRACE_MS


# --- actions ------------------------------------------------------------------------------------------
def _as_updated(row: Row, updates: Sequence[Row], target: Callable[[bytes], Target | None]) -> dict[str, Any]:
    """An action as its own group last moved or cancelled it (action.update), its updates applied
    oldest first by (timestamp, id), so the same on every node whatever order they came in. A start
    moved without a new end moves the end with it; an end left before the start is dropped.
    `status` is "cancelled" or "on"; `moved_from` the first start and place when either changed;
    `note` the newest update's, but of a cancelled action the note of the update that cancelled it
    (why it is off: two coordinators, one cancelling it, "prefecture ban", the other at once moving
    it, "moved to the park", had it read "CANCELLED by its group: moved to the park"; a cancel said
    again without a note keeps it too); `updated_at` when it was last changed; `changes` how many of its group's updates
    it has (no version number: a revocation taking one out lowers it)."""
    item = {**_public(row), "status": "on", "note": None, "updated_at": None, "moved_from": None, "changes": 0}
    first = {"starts_at": item["starts_at"], "place": item.get("place")}
    for u in updates:
        if not _counts(u, target):
            continue  # another group's word on it (a mole "cancelling" a protest) counts for nothing
        if "starts_at" in u.data:
            if item.get("ends_at") is not None and "ends_at" not in u.data:
                item["ends_at"] += u.data["starts_at"] - item["starts_at"]
            item["starts_at"] = u.data["starts_at"]
        # Off already: a move keeps why it is off, and so does a move said cancelled again without a
        # note (publish asks a move of a cancelled action for its status: the reason went with it)
        keeps_why = item["status"] == "cancelled" and ("status" not in u.data or (
            u.data["status"] == "cancelled" and not u.data.get("note")))
        for name in ("ends_at", "place", "status"):
            if name in u.data:
                item[name] = u.data[name]
        if not keeps_why:
            item["note"] = u.data.get("note")
        item["updated_at"] = u.data["ts"]
        item["changes"] += 1
    if item.get("ends_at") is not None and item["ends_at"] < item["starts_at"]:
        del item["ends_at"]
    if (item["starts_at"], item.get("place")) != (first["starts_at"], first["place"]):
        item["moved_from"] = first
    return item


def updated_actions(actions: Iterable[Row], updates: Iterable[Row]) -> list[dict[str, Any]]:
    """Each action with its own group's updates applied (`_as_updated`)."""
    actions = list(actions)
    target, changes = lookup(actions), _by_ref(updates)
    return [_as_updated(row, changes.get(row.key, ()), target) for row in actions]


def upcoming_actions(actions: Iterable[Row], now: int, *, days: int | None = None,
                     updates: Iterable[Row] = (), gone: Gone = staying) -> list[dict[str, Any]]:
    """Actions not yet over, every region together, soonest first, as their groups last moved them;
    with `days`, only those that start within that many days (the network timeline). A cancelled
    one stays, `status` "cancelled", until it would have ended: people who saw it must learn that it
    is off (gone from the list, it read as a glitch, and they went). `group_gone` when its group is
    gone (`departure`): it stays listed (a march may still take place), but nobody can move or cancel
    it any more, and a reader must know its group is not there to ask."""
    horizon = now + days * DAY_MS if days is not None else None
    out = []
    for item in sorted(updated_actions(actions, updates), key=lambda a: (a["starts_at"], a["id"])):
        if _ends(item) >= now and (horizon is None or item["starts_at"] < horizon):
            out.append({**item, "group_gone": gone(item["group"])})
    return out


def past_actions(actions: Iterable[Row], reports: Iterable[Row], now: int,
                 updates: Iterable[Row] = ()) -> list[dict[str, Any]]:
    """Actions that are over (started in the last PAST_ACTION_DAYS days), newest first, each with
    the report-backs of its own group (people, outcome, photos), oldest report first; moved and
    cancelled as their groups last said (`_as_updated`)."""
    actions = list(actions)
    items = [a for a in updated_actions(actions, updates)
             if _ends(a) < now and a["starts_at"] >= now - PAST_ACTION_DAYS * DAY_MS]
    target = lookup(actions)
    by_action = _by_ref(r for r in reports if _counts(r, target))
    out = []
    for item in sorted(items, key=lambda a: (a["starts_at"], a["id"]), reverse=True):
        mine = [_public(r) for r in by_action.get(item["id"], ())]
        people = [r["people"] for r in mine if "people" in r]
        out.append({**item, "reports": mine, "people": people[-1] if people else None})
    return out


# --- money ------------------------------------------------------------------------------------------
def fundraisers(funds: Iterable[Row], updates: Iterable[Row], now: int | None = None,
                gone: Gone = staying, replied_by: RepliedBy = nobody) -> list[dict[str, Any]]:
    """Each fundraiser with what its group says is raised (latest report), pledges, and progress
    in percent (past 100 when more came in than the goal); `ended` once its `ends_at` passed (at
    `now`; never without it), `group_gone` when its group is gone (`departure`): neither is running.
    The pledges of groups that are gone are not in `pledged` (nobody remains to honour them): their
    sum is `pledged_gone`, for the fundraiser's group to know what will not come. Pledges the
    fundraiser's group declined (fundraiser.decline) are in neither: `declined` names them and who
    pledged, so a reader sees that something was struck out and by whom it was offered; `pledged_by`
    names those counted (for the group to decline one). Declining one pledge declines every pledge
    of its group to that fundraiser, earlier and later ones alike. `pledges_gone` counts the pledges
    in `pledged_gone`. Pledges of the fundraiser's own group are in none of these: their sum is
    `pledged_own` (its own promise, not others'; typed for money it received, it swelled `pledged`).
    A pledge for chosen groups only that leaves out the fundraiser's group counts
    nowhere (events.effects.reaches_owner): its group could not see it nor decline it.
    `pledged_shared`: of `pledged`, what pledges for chosen groups add. `updated_at`: when the newest
    report, pledge or decline that counts here was made (None: none yet), so that a feed reader
    shows the entry again when what it says changed (a goal reached), not only its first words.
    `reported_at`: when its newest counted report of money raised was made (None: none yet), all a
    public page or feed may tell: `updated_at` moves with each pledge, when members pledged.
    `note`: the note of its group's newest report of money raised ("goal reached, thank you: stop
    sending"), which no list, page nor `show` said."""
    funds = list(funds)
    target = lookup(funds)
    by_fund = _by_ref(updates)
    result = []
    for f in sorted(funds, key=lambda r: r.version, reverse=True):
        mine = [u for u in by_fund.get(f.key, ()) if reaches_owner(_reply_kind(u), u.data, f.data["group"])]
        reports = [u for u in mine if "raised" in u.data and _counts(u, target)]
        raised = reports[-1].data["raised"] if reports else 0
        # declined by the fundraiser's group: out of `pledged`, said apart (whichever came first).
        # A decline is of the group that pledged, not of one event: every pledge of that group to
        # this fundraiser is declined with it, made before or after (by whose clock? each group
        # dates its own events), so a group cannot pledge again at once and have the fundraiser's
        # group decline each one, and the outcome is the same in every arrival order.
        refused = [u for u in mine if "decline" in u.data and _counts(u, target, kind="fundraiser.decline")]
        # A pledge by the fundraiser's own group is its own promise, not money others pledged: the
        # protocol takes it, but `pledged` (and the desk's sums) leave it out; `pledged_own` says it.
        offered = [u for u in mine if "pledge" in u.data and u.data["group"] != f.data["group"]]
        own = [u for u in mine if "pledge" in u.data and u.data["group"] == f.data["group"]]
        held = {u.key: u for u in mine}  # a raised report or a decline named is held, and is no pledge
        barred = {g for d in refused
                  if (g := _declined_group(d, held, lambda u: "pledge" in u.data, replied_by)) is not None}
        declined = [u for u in offered if u.data["group"] in barred]
        pledges = [u for u in offered if not gone(u.data["group"]) and u.data["group"] not in barred]
        broken = [u for u in offered if gone(u.data["group"]) and u.data["group"] not in barred]
        goal = f.data["goal"]
        ends = f.data.get("ends_at")
        changes = [u.data["ts"] for u in (*reports, *offered, *own, *refused)]
        result.append({**_public(f), "raised": raised, "pledged": sum(u.data["pledge"] for u in pledges),
                       "pledged_shared": sum(u.data["pledge"] for u in pledges if u.data.get("shared_with")),
                       "progress": raised * 100 // goal, "pledges": len(pledges),
                       "pledged_gone": sum(u.data["pledge"] for u in broken), "pledges_gone": len(broken),
                       "pledged_own": sum(u.data["pledge"] for u in own),
                       "pledged_by": [_pledge(u) for u in pledges], "declined": [_pledge(u) for u in declined],
                       "ended": now is not None and ends is not None and ends < now, "group_gone": gone(f.data["group"]),
                       "updated_at": max(changes, default=None),
                       "reported_at": max((u.data["ts"] for u in reports), default=None),
                       "note": reports[-1].data.get("note") if reports else None})
    return result


def _reply_kind(row: Row) -> str:
    """The kind of the event that made a row of fundraiser.update or need.fulfil (declines share them)."""
    if "decline" in row.data:
        return "fundraiser.decline" if row.table == "fundraiser.update" else "need.decline"
    return row.table


def _pledge(row: Row) -> dict[str, Any]:
    return {"id": row.key, "group": row.data["group"], "pledge": row.data["pledge"]}


# --- goods --------------------------------------------------------------------------------------------
def _until_withdrawn(updates: Sequence[Row], target: Callable[[bytes], Target | None]) -> list[Row]:
    """Of a listing's `updates` (oldest first, `in_order`), those that count: its own group's, up to
    and with its first withdrawal. A withdrawal is final: an edit that comes after it (a second
    device of the group, offline while another withdrew) changes nothing, not even the quantity a
    withdrawn need is said to have asked."""
    out = []
    for u in updates:
        if _counts(u, target):
            out.append(u)
            if u.data.get("status") == "withdrawn":
                break
    return out


def withdrawn_before(updates: Iterable[Row], step: Row, target: Callable[[bytes], Target | None]) -> Row | None:
    """The withdrawal by its own group that comes before `step`, an update of the same listing, in
    the order the read models apply `updates` and `step` (`in_order`): `step` then counts for
    nothing (`_until_withdrawn`). None if no withdrawal comes before it."""
    steps = {u.key: u for u in updates}
    steps[step.key] = step
    for u in in_order(steps.values()):
        if u.key == step.key:
            return None
        if u.data.get("status") == "withdrawn" and _counts(u, target):
            return u
    return None


def _apply_updates(item: dict[str, Any], updates: Sequence[Row], target: Callable[[bytes], Target | None],
                   fields: Sequence[str]) -> None:
    """The changes of the owner's updates, oldest first; a withdrawal is final."""
    for u in _until_withdrawn(updates, target):
        for name in fields:
            if name in u.data:
                item[name] = u.data[name]
        if u.data.get("status") == "withdrawn":
            item["status"] = "withdrawn"
        item["updated_at"] = u.data["ts"]


def needs_and_offers(rows: Iterable[Row], fulfils: Iterable[Row], now: int, updates: Iterable[Row] = (),
                     drawn: Iterable[Row] = (), targets: Mapping[bytes, Target] | None = None,
                     every_state: bool = False, gone: Gone = staying,
                     replied_by: RepliedBy = nobody, suggest: bool = True, sums: bool = False,
                     ) -> list[dict[str, Any]]:
    """Open needs and offers, newest first, as their groups last adjusted them, until they lapse or
    are withdrawn. A need says how much is fulfilled, remains, and was covered beyond what it
    asked (`over`; `over_lowered`: how much of it is there only because its group lowered the
    quantity below what was covered before, within what it asked then; `lowered` when that is all of
    it: no group over-claimed), who covered it (`fulfilled_by`: each group's total, largest first: "covered
    999,960 more than asked" is one group's claim, said as such; `id`: its first fulfilment, for a
    decline to name), which fulfilments its group
    declined (`declined`, need.decline: a decline of one of a group's fulfilments of the need takes
    every fulfilment of that group off it, whichever came first), and which offers could cover the
    rest (same goods and unit, any region); an
    offer says how much was drawn from it (its own group's fulfilments naming it, from `drawn`, less those their
    need's group declined) and remains.
    `targets`: needs that fulfilments in `drawn` name but that are not among `rows`; `drawn` holds
    the declines of those needs too (an offer's view is the same as its needs' whatever it lists), and
    either holds the rows the declines name where this node reads them (a fulfilment of a need not
    among `rows`: node.references.named_by_declines): one named and not given is taken for one not
    read here, and bars its signed header's group (`replied_by`). Those of a
    group that is gone (`gone`, `departure`) are no longer open: a need of a group that left must
    not invite goods, and nobody can withdraw it. With `every_state`, lapsed, withdrawn and gone
    ones are kept too (`status` says which: lapsed, withdrawn, group_left, group_revoked).
    `suggest` False: the needs get no `matches` (items only counted: nothing else changes). `sums`:
    items of the fields a desk adds up alone (region_summary), the same needs and offers with the
    same figures: who covered a need, what was declined and what is over are left
    out (a regions page built ~1,000 items, each a copy of its row, for the few numbers it adds)."""
    rows = list(rows)
    fulfils, drawn = list(fulfils), list(drawn)
    target = lookup(rows, targets)
    changes = _by_ref(updates)
    read = {f.key: f for f in [*fulfils, *drawn]}
    # a sealed fulfilment (or decline) that leaves out the need's group counts nowhere (reaches_owner)
    every = {k: f for k, f in read.items()
             if (need := target(f.ref)) is None or reaches_owner(_reply_kind(f), f.data, need.group)}
    declines = [f for f in every.values() if "decline" in f.data and _counts(f, target, kind="need.decline")]
    # (need, group): a decline of one of a group's fulfilments of a need declines them all (a row
    # read here counts as named only if it is a fulfilment of that need: one that counts nowhere
    # too, else whether its need was given, and so whether it was left out, decided whom it barred)
    declined_of = {(d.ref, g) for d in declines if (g := _declined_group(
        d, read, lambda f, need=d.ref: "quantity" in f.data and f.ref == need, replied_by)) is not None}
    done: dict[bytes, int] = defaultdict(int)
    by_group: dict[bytes, dict[bytes, int]] = defaultdict(lambda: defaultdict(int))
    counted: dict[bytes, list[Row]] = defaultdict(list)  # the fulfilments each need counts
    first: dict[tuple[bytes, bytes], Row] = {}  # a fulfilment of each (need, group): what a decline names
    refused: dict[bytes, list[Row]] = defaultdict(list)
    # What each need among `rows` counts (none: a build of offers alone, whose draw-downs count for
    # their offers below); a desk's sums read `done` alone (the other four are the whole item's)
    for f in every.values() if any(r.table == "need" for r in rows) else ():
        if "decline" in f.data:
            continue
        if (f.ref, f.data["group"]) in declined_of:
            if not sums:
                refused[f.ref].append(f)
            continue
        done[f.ref] += f.data["quantity"]
        if sums:
            continue
        counted[f.ref].append(f)
        by_group[f.ref][f.data["group"]] += f.data["quantity"]
        if (f.ref, f.data["group"]) not in first or f.version < first[f.ref, f.data["group"]].version:
            first[f.ref, f.data["group"]] = f
    taken: dict[bytes, int] = defaultdict(int)
    # What is drawn from the offers among `rows` alone (a build of needs alone judged each fulfilment
    # naming an offer for nothing). A declined fulfilment draws nothing either: its need's group says
    # it never came.
    offers = {r.key for r in rows if r.table != "need"}
    for f in every.values() if offers else ():
        if ("decline" not in f.data and f.data.get("offer") in offers and (f.ref, f.data["group"]) not in declined_of
                and draws_on_offer(f.data, f.data["group"], target)):
            taken[f.data["offer"]] += f.data["quantity"]
    result = []
    for row in sorted(rows, key=lambda r: r.version, reverse=True):
        until = row.data.get("until")
        lapsed = until is not None and until < now
        if lapsed and not every_state:
            continue
        data = row.data
        if sums:
            item = {"id": row.key, "category": data["category"], "quantity": data["quantity"],
                    "urgency": data.get("urgency"), "shared_with": data.get("shared_with"), "side": row.table,
                    "unit": data.get("unit", DEFAULT_UNIT), "status": "open"}
        else:
            item = {**_public(row), "side": row.table, "unit": data.get("unit", DEFAULT_UNIT), "status": "open"}
        # (most rows of a page: no update, fulfilment nor decline; what follows asks of those only)
        own = changes.get(row.key, ())
        if own:
            _apply_updates(item, own, target, ("quantity", "urgency", "notes"))
        if item["status"] == "withdrawn" and not every_state:
            continue
        if lapsed and item["status"] == "open":
            item["status"] = "lapsed"
        if item["status"] == "open" and (how := gone(row.data["group"])):
            if not every_state:
                continue
            item["status"] = f"group_{how}"
        used = done.get(row.key, 0) if row.table == "need" else taken.get(row.key, 0)
        left = max(0, item["quantity"] - used)
        if sums:
            item["fulfilled" if row.table == "need" else "drawn"], item["remaining"] = used, left
        elif row.table == "need":
            over = max(0, used - item["quantity"])
            by_lowering = _over_by_lowering(row, own, counted[row.key], target, over) if over else 0
            groups, barred = by_group.get(row.key), refused.get(row.key)
            item.update(fulfilled=used, remaining=left, over=over, over_lowered=by_lowering,
                        lowered=0 < by_lowering == over,
                        fulfilled_by=[{"group": g, "quantity": n, "id": first[row.key, g].key} for g, n in sorted(
                            groups.items(), key=lambda gn: (-gn[1], gn[0]))] if groups else [],
                        declined=[{"id": f.key, "group": f.data["group"], "quantity": f.data["quantity"]}
                                  for f in sorted(barred, key=lambda f: f.version)] if barred else [])
        else:
            item.update(drawn=used, remaining=left)
        result.append(item)
    if suggest:
        suggest_offers(result)
    return result


def _over_by_lowering(need: Row, updates: Sequence[Row], fulfils: Sequence[Row],
                      target: Callable[[bytes], Target | None], over: int) -> int:
    """Of `over` (what a need's counted `fulfils` cover beyond what it asks now), how much is there
    only because its own group lowered it: what was covered, within what it asked then, before the
    update that set its quantity now (by the events' stamps, whatever order they came in). Not the
    fulfilling groups' over-claim, which a decline answers, and not said as one; a fulfilment
    stamped after that update, or beyond anything asked before it, still is (a need lowered to 5,
    then claimed 18 against it). Asked of a need with something `over` only (most have nothing
    covered beyond what they ask: no update to walk)."""
    asks = [u for u in _until_withdrawn(updates, target) if "quantity" in u.data]
    if not asks:
        return 0
    last = asks[-1]  # (oldest first, as _apply_updates applies them: it set the quantity asked now)
    asked_before = max([need.data["quantity"], *(u.data["quantity"] for u in asks[:-1])])
    # (stamped in the same millisecond as the update: not before it, and said as a claim; but one the
    # update's own device signed before it is before it, as `in_order` takes a device's own steps)
    covered_before = sum(f.data["quantity"] for f in fulfils if f.data["ts"] < last.data["ts"]
                         or signed_before(f.data["author"], f.data["seq"], (last.data["author"], last.data["seq"])))
    return min(over, max(0, min(covered_before, asked_before) - last.data["quantity"]))


def suggest_offers(items: list[dict[str, Any]]) -> None:
    """Each open need gets `matches`: offers of the same goods and unit with some left, its own
    region first, then the largest. The offers are sorted once per goods and unit (and once per
    region within them), so each need takes its few from the heads of the lists: comparing every
    need with every offer took minutes at a busy network's thousands of each on a Pi."""
    by_goods: dict[tuple[Any, Any], list[dict[str, Any]]] = defaultdict(list)
    by_region: dict[tuple[Any, Any, Any], list[dict[str, Any]]] = defaultdict(list)
    for o in sorted((o for o in items if o["side"] == "offer" and o["remaining"] > 0 and o["status"] == "open"),
                    key=lambda o: (-o["remaining"], o["id"])):
        by_goods[o["category"], o["unit"]].append(o)
        by_region[o["category"], o["unit"], o["region"]].append(o)
    for need in items:
        if need["side"] != "need" or need["status"] != "open":
            continue
        fits: list[dict[str, Any]] = []
        if need["remaining"]:
            # fewer than MATCHES_PER_NEED of its region are skipped in the second list: each need costs O(1)
            fits = by_region.get((need["category"], need["unit"], need["region"]), [])[:MATCHES_PER_NEED]
            for o in by_goods.get((need["category"], need["unit"]), ()):
                if len(fits) >= MATCHES_PER_NEED:
                    break
                if o["region"] != need["region"]:
                    fits.append(o)
        need["matches"] = [{"id": o["id"], "region": o["region"], "group": o["group"], "remaining": o["remaining"],
                            "unit": o["unit"]} for o in fits]


# --- support ------------------------------------------------------------------------------------------
def support_requests(requests: Iterable[Row], statuses: Iterable[Row], now: int | None = None,
                     gone: Gone = staying, readers: Callable[[Row], Collection[bytes] | None] = lambda r: None,
                     sums: bool = False) -> list[dict[str, Any]]:
    """Support requests with status: open, claimed (who takes it now, since when) or closed (outcome).
    `group_gone` says the requesting group is gone (`departure`): one nobody took is left out (no
    one can answer its questions or close it), one taken stays with those who took it, and they
    end it: once no group that is still a member holds it, the last close by one of them (its
    hand-back, what it did) closes it for everyone (`closed_by_taker` names that group; None when
    the requesting group closed it, or it is not closed). Not one with a private part: most nodes
    cannot tell whether a closing group read it, so, once no taker holds it, it is left out as one
    nobody took, on every node alike.

    A group that took a request and is gone (it left or was revoked) no longer takes it: its claim
    is in `taker_gone` (since when, how it went), not in `taken`, and the request is open, waiting
    for a group again, unless another group that took it (a second offer of help) is still a member.
    Decided from the trust graph, so the same in every arrival order.

    Only the requesting group closes a request; a group that took it hands it back with its own
    close (events.effects): it is then no longer among the takers, and `handed_back` says when and
    with what outcome, until it takes the request again with a later claim. Each names the event
    that did it (`claim` of a taker, `close` of a hand-back and of the request): its page holds
    the close's sealed note, which the request's page cannot reach otherwise.

    `readers(request)`: the groups its private part was sealed to (its own included), where this
    node can tell (its device reads the part, e.g. on the requesting group's node); else None. A
    claim by a group that is not among them does not take it (a modified client or a hand-signed
    claim: that group cannot read who the people are, and coordinators would pass the case over):
    it is in `claimed_unsent`, and the request waits for a group unless another holds it. A node
    that cannot tell counts the claim as taking it (who reads a part is sealed inside it). Where it
    can tell and every group besides its own that reads the part is gone, `readers_gone` names them
    (events.readmodels.readers_gone): no group can act on it until its group shares it with one that can.

    `sums`: each request as a desk adds it up alone (region_summary: its status and urgency), who
    reads its private part asked only where a group holds it: a regions page built ~900 items of ~25
    fields each, and asked who reads each private part, for two of them."""
    requests = list(requests)
    target = lookup(requests)
    by_request = _by_ref(statuses)
    result = []
    for r in sorted(requests, key=lambda r: r.version, reverse=True):
        history = by_request.get(r.key, ())  # in (time, id) order
        # Most requests: nobody took or closed it; what follows, said at once (the whole walk for
        # 4,000 such requests took 29.7 ms of CPU, this 20.8: an A/B of 30 interleaved rounds)
        if not history:
            if sums:  # (open unless its group is gone, as _untouched_request says)
                if not gone(r.data["group"]):
                    result.append({"id": r.key, "status": "open", "urgency": r.data["urgency"]})
                continue
            item = _untouched_request(r, gone, readers)
            if item is None:
                continue
            if now is not None:
                item["age_hours"] = max(0, now - r.data["ts"]) // HOUR_MS
            result.append(item)
            continue
        claims = [claim_of_row(s) for s in history if s.data["status"] == "claimed"]
        counted = [s for s in history if s.data["status"] == "closed"
                   and _counts(s, target, lambda request: claims, "support.close")]
        closes = [s for s in counted if closes_for_all(r.data["group"], s.data["group"])]
        back = {s.data["group"]: s for s in counted if not closes_for_all(r.data["group"], s.data["group"])}
        holding: dict[bytes, int] = {}
        claim_of: dict[bytes, bytes] = {}  # the claim event by which each group holds it: linked from its page
        place = {s.key: i for i, s in enumerate(history)}
        for s in history:  # a claim after the group handed the request back takes it again (in_order's after)
            group, at = s.data["group"], s.data["ts"]
            if s.data["status"] == "claimed" and (group not in back or place[s.key] > place[back[group].key]):
                if group not in holding:
                    holding[group], claim_of[group] = at, s.key
        # A group that is gone holds nothing: nobody remains to act on the request (or hand it back)
        taken = {g: at for g, at in holding.items() if not gone(g)}
        # (a sum asks who reads the part only of a request some group holds: it decides whether it is taken)
        sent_to = readers(r) if r.data.get("has_private") and (taken or not sums) else None
        unsent = {g: at for g, at in taken.items() if sent_to is not None and g not in sent_to}
        taken = {g: at for g, at in taken.items() if g not in unsent}
        ender = None
        if not closes and not taken and gone(r.data["group"]) and not r.data.get("has_private"):
            # Nobody remains to close it for all: the groups that took it end it, the last close
            # of one still a member once none of them holds it (whenever each came in). Not a
            # request with a private part: who it was sealed to is inside it, so most nodes
            # cannot tell a group that read the case from one that never did (a mole's claim and
            # close "resolved"), and a close they took would end it there and not on the readers'
            # nodes. What every node sees decides: such a request, once no taker holds it, is
            # left out everywhere, as one nobody took.
            closes = sorted((s for s in back.values() if not gone(s.data["group"])),
                            key=lambda s: s.version)[-1:]
            ender = closes[-1].data["group"] if closes else None
        status, outcome = "open", None
        if closes:
            status, outcome = "closed", closes[-1].data["outcome"]
        elif taken:
            status = "claimed"
        elif gone(r.data["group"]):
            continue
        if sums:
            result.append({"id": r.key, "status": status, "urgency": r.data["urgency"]})
            continue
        item = {**_public(r), "status": status, "group_gone": gone(r.data["group"]), "claimed_by": list(taken),
                "outcome": outcome,
                "taken": [{"group": g, "since": since, "claim": claim_of[g]} for g, since in taken.items()],
                "claimed_unsent": [{"group": g, "since": since} for g, since in unsent.items()],
                # (not of a closed request: "it is waiting for another group" was said of one that ended)
                "taker_gone": [{"group": g, "since": since, "group_gone": gone(g)} for g, since in holding.items()
                               if g not in taken and g not in unsent] if status != "closed" else [],
                "handed_back": [{"group": g, "closed_at": s.data["ts"], "outcome": s.data["outcome"], "close": s.key}
                                for g, s in back.items() if g not in holding and g != ender],
                "closed_at": closes[-1].data["ts"] if closes else None,
                "close": closes[-1].key if closes else None,  # its page holds the close's sealed note, if any
                "closed_by_taker": {"group": ender} if ender is not None else None,
                "private": bool(r.data.get("has_private")),
                "readers_gone": readers_gone(r.data["group"], sent_to, gone) if status != "closed" else []}
        if now is not None:
            item["age_hours"] = max(0, now - r.data["ts"]) // HOUR_MS
        result.append(item)
    return result


def _untouched_request(r: Row, gone: Gone, readers: Callable[[Row], Collection[bytes] | None]) -> dict[str, Any] | None:
    """`support_requests`' item of a request with no status rows (none if its group is gone: nobody
    took it), as the whole walk makes it: a page at 100k events builds some 800 of them, most untouched."""
    group_gone = gone(r.data["group"])
    if group_gone:
        return None
    sent_to = readers(r) if r.data.get("has_private") else None
    return {**_public(r), "status": "open", "group_gone": group_gone, "claimed_by": [], "outcome": None, "taken": [],
            "claimed_unsent": [], "taker_gone": [], "handed_back": [], "closed_at": None, "close": None,
            "closed_by_taker": None, "private": bool(r.data.get("has_private")),
            "readers_gone": readers_gone(r.data["group"], sent_to, gone)}


def readers_gone(group: bytes, sent_to: Collection[bytes] | None, gone: Gone) -> list[dict[str, Any]]:
    """The groups a request's private part was sealed to besides its own `group`, each with how it
    is gone, when every one of them is gone (left or revoked); else (one still a member, or this
    node cannot tell who reads it) none. Such a request is open but no group can act on it: a
    minor's case sealed to a group revoked since waited unread "for a group" forever, and nothing
    said so. Its group must share it with one that can (support.share)."""
    if not sent_to:  # (most requests: no private part, or not read here; a page asks it of a thousand)
        return []
    others = sorted(g for g in sent_to if g != group)
    ways = [gone(g) for g in others]
    if not others or not all(ways):
        return []
    return [{"group": g, "group_gone": how} for g, how in zip(others, ways)]


def request_readers(group: bytes, parts: Iterable[Collection[bytes] | None]) -> frozenset[bytes] | None:
    """Who reads a support request's private details, as `support_requests` takes it (`readers`):
    the requesting `group` and the groups each of its parts was sealed to (the request's own, and
    each of its shares by that group, `support.share`), when this device reads every part; None when
    it reads none, or cannot read one (a share to groups it is not among: it cannot tell who that
    one went to, and a claim by such a group must not be taken for one by a group that never read
    the case). A union, so the same whatever order the shares came in."""
    found: set[bytes] = {group}
    parts = list(parts)
    for part in parts:
        if part is None:
            return None
        found.update(part)
    return frozenset(found) if parts else None


def support_offers(offers: Iterable[Row], updates: Iterable[Row], now: int, gone: Gone = staying,
                   every_state: bool = False) -> list[dict[str, Any]]:
    """Support offers (housing places, accompaniment ...) as their groups last adjusted them, until
    they lapse or are withdrawn or their group is gone (`departure`); newest first. `available_now`
    is false before their start. With `every_state`, those are kept too, `status` saying which
    (withdrawn, lapsed, group_left, group_revoked), as `needs_and_offers` keeps them."""
    offers = list(offers)
    target = lookup(offers)
    changes = _by_ref(updates)
    out = []
    for row in sorted(offers, key=lambda r: r.version, reverse=True):
        until = row.data.get("until")
        lapsed, how = until is not None and until < now, gone(row.data["group"])
        if (lapsed or how) and not every_state:
            continue
        item = {**_public(row), "status": "open"}
        _apply_updates(item, changes.get(row.key, ()), target, ("capacity", "notes"))
        if item["status"] == "withdrawn" and not every_state:
            continue
        if item["status"] == "open" and (lapsed or how):
            item["status"] = "lapsed" if lapsed else f"group_{how}"
        item["available_now"] = row.data.get("starts_at") is None or row.data["starts_at"] <= now
        out.append(item)
    return out


def where_requests_can_go(requests: list[dict[str, Any]], offers: list[dict[str, Any]],
                          readers: Mapping[bytes, Collection[bytes] | None] | None = None) -> None:
    """Each request that is not closed gets `can_go`: support offers of its type, at most one of
    each group (its best), up to MATCHES_PER_NEED: first the groups its private part was sealed to
    (`readers`, by request id, where this node can tell: they can read who the people are, and a
    case is not sent to a group that cannot), then its own region, available now, the largest
    capacity. Decided before the cut: three offers of 10,000 places from one group pushed out the
    only group that could read a minor's case, to be put first only afterwards. Never the requesting
    group's own offers: it asks others (its own group is among the readers, and came first)."""
    readers = readers or {}
    by_type: dict[str, list[dict[str, Any]]] = {}
    for o in sorted(offers, key=lambda o: (not o["available_now"], -o["capacity"], o["id"])):
        by_type.setdefault(o["type"], []).append(o)
    # A request's places depend on its type, region, readers and group only: worked out once for each
    # (a page lists a hundred requests of a few types in a few regions).
    chosen: dict[tuple[str, str, frozenset[bytes] | None, bytes | None], list[dict[str, Any]]] = {}
    for r in requests:
        if r["status"] == "closed":
            r["can_go"] = []
            continue
        sent_to = readers.get(r["id"]) if r.get("id") is not None else None
        asker = r.get("group")
        key = (r["type"], r["region"], frozenset(sent_to) if sent_to is not None else None, asker)
        if key not in chosen:
            fits = sorted((o for o in by_type.get(r["type"], []) if o["group"] != asker), key=lambda o: (
                sent_to is not None and o["group"] not in sent_to, o["region"] != r["region"]))  # stable
            best: dict[bytes, dict[str, Any]] = {}
            for o in fits:  # one line for each group: its best offer (a group cannot fill every slot)
                best.setdefault(o["group"], o)
            chosen[key] = [{"id": o["id"], "region": o["region"], "group": o["group"], "capacity": o["capacity"],
                            "starts_at": o.get("starts_at"), "until": o.get("until")}
                           for o in list(best.values())[:MATCHES_PER_NEED]]
        r["can_go"] = [dict(o) for o in chosen[key]]


# --- alerts ------------------------------------------------------------------------------------------
def _alert_story(ref: bytes, alert: Row | None, updates: Sequence[Row], target: Callable[[bytes], Target | None],
                 now: int | None = None) -> dict[str, Any] | None:
    """The alert `ref` (`alert`: its row, if still held) with the updates of its own group: the
    newest text, and whether and when an all clear ended it. Without its row, what its own group's
    updates say, and `expired` once its end (as `target` has it) is past `now` with no all clear;
    None when nothing tells that story (see `_own_updates`)."""
    counted = _own_updates(updates, target(ref), target)
    clear = next((i for i, u in enumerate(counted) if u.data["status"] == "all_clear"), None)
    counted = counted if clear is None else counted[:clear + 1]  # an all clear is final
    if alert is None and not counted:
        return None
    first = counted[0].data if counted else {}
    base = _public(alert) if alert is not None else {
        "id": ref, "region": first.get("region"), "type": first.get("type"),
        "location": first.get("location"), "text": None, "group": first.get("group"), "ts": None}
    if alert is not None:  # true or false, as the alert stream and `--on-alert` say it (not the field's "yes")
        base["public"] = base.get("public") == PUBLIC_YES
    story = {**base, "alert": base["id"], "posted_at": base.get("ts"), "latest": base.get("text"),
             "updated_at": None, "status": "live", "cleared_at": None,
             "updates": [{"id": u.key, "status": u.data["status"], "text": u.data.get("text"), "ts": u.data["ts"],
                          "group": u.data["group"], "location": u.data.get("location")} for u in counted]}
    for u in counted:
        if u.data.get("text"):
            story["latest"] = u.data["text"]
        if u.data.get("location"):
            story["location"] = u.data["location"]
        story["updated_at"] = u.data["ts"]
        if u.data["status"] == "all_clear" and story["cleared_at"] is None:
            story.update(status="all_clear", cleared_at=u.data["ts"])
    # An update outlives its alert (it lasts a week): "live" then told of an alert that ended, in the
    # history of the CLI and the API, while no view of live alerts showed it
    named = target(ref) if alert is None and now is not None else None
    if story["status"] == "live" and named is not None and named.expires is not None and named.expires <= now:
        story["status"] = "expired"
    return story


def _own_updates(updates: Sequence[Row], alert: Target | None, target: Callable[[bytes], Target | None],
                 ) -> list[Row]:
    """Of an alert's `updates`, those that count: signed by its own group (and, while its content
    is held, of its region and type: events.effects). `alert` with no fields: only its header is
    held (expired, redacted), its group alone is known. An alert this node does not hold at all
    gets none: its updates cannot be told from another group's words put on it (an infiltrator's
    "all clear, safe to return" on a raid), and whoever holds the alert shows its story."""
    if alert is None:
        return []
    if not alert.fields:
        return [u for u in updates if u.data["group"] == alert.group]
    return [u for u in updates if _counts(u, target)]


def alert_story(alert: Row, updates: Iterable[Row]) -> dict[str, Any]:
    """One alert as the alert history has it now, its own group's updates applied: `status` (live
    or all_clear), its newest text (`latest`) and its current `location` (an update moved it)."""
    story = _alert_story(alert.key, alert, in_order(updates), lookup([alert]))
    assert story is not None  # (its row is given)
    return story


def active_alerts(alerts: Iterable[Row], now: int, updates: Iterable[Row] = (), gone: Gone = staying,
                  ) -> list[dict[str, Any]]:
    """Alerts that have not expired nor been cleared by their group, newest first, each with its
    group's updates (newest text in `latest`). An alert of a group that is gone stays (a raid
    someone saw), marked `group_gone` (`departure`): nobody can send its all clear any more."""
    live = [a for a in alerts if a.time is not None and a.time > now]
    target = lookup(live)
    changes = _by_ref(updates)
    out = []
    for a in sorted(live, key=lambda r: r.version, reverse=True):
        story = _alert_story(a.key, a, changes.get(a.key, ()), target)
        if story is not None and story["status"] == "live":
            out.append({**story, "expires": a.time, "group_gone": gone(a.data["group"])})
    return out


def alert_history(alerts: Iterable[Row], updates: Iterable[Row], now: int, gone: Gone = staying,
                  named: Mapping[bytes, Target] | None = None) -> list[dict[str, Any]]:
    """The alerts of the last ALERT_HISTORY_DAYS days, newest activity first: those still held
    (live or cleared) and, once an alert has expired, what its own group's updates recorded (an all
    clear keeps its region, type and times for a week, an update says it `expired`; an alert that
    simply expired leaves nothing).
    `named`: the alerts the updates name that are not among `alerts`, as this node still has them
    (node.references.named_alert: with no fields once only the header is left); the updates of
    an alert in neither make no story (`_own_updates`)."""
    held = [a for a in alerts if a.time is None or a.time > now]
    target = lookup(held, named)
    known = {a.key for a in held}
    # Every update of an alert held, whatever its stamp (its author's word): an all clear stamped
    # back past the week ended the alert in the live list and was left out here, where the alert
    # then stood live, and nobody could see who ended it.
    changes = _by_ref(u for u in updates if u.ref in known or u.data["ts"] >= now - ALERT_HISTORY_DAYS * DAY_MS)
    told = [_alert_story(a.key, a, changes.get(a.key, ()), target) for a in held]
    told += [_alert_story(ref, None, items, target, now) for ref, items in changes.items() if ref not in known]
    stories = [s for s in told if s is not None]
    for story in stories:  # (see active_alerts)
        story["group_gone"] = gone(story["group"]) if story["group"] is not None else None
    last = lambda s: max([s["posted_at"] or 0, *(u["ts"] for u in s["updates"])])  # noqa: E731
    return sorted(stories, key=lambda s: (last(s), s["id"]), reverse=True)


# --- resources -------------------------------------------------------------------------------------
def resources(rows: Iterable[Row]) -> list[dict[str, Any]]:
    """Legal information, leaflets, class materials: by first language, then region (those for
    everywhere first), then title. Every item has the same keys (null where a field was left out)."""
    items = [{"region": None, "topic": None, "link": None, "text": None, **_public(r)} for r in rows]
    return sorted(items, key=lambda r: (r["languages"][0] if r.get("languages") else "", r.get("region") or "",
                                        r["title"].lower(), r["id"]))


# --- the coordinator's desk ----------------------------------------------------------------------
def region_summary(region: str, *, needs: list[dict[str, Any]], support: list[dict[str, Any]],
                   capacity: list[dict[str, Any]], actions: list[dict[str, Any]], funds: list[dict[str, Any]],
                   alerts: list[dict[str, Any]], last_heard: int | None, groups: Sequence[bytes] = (),
                   capped: Sequence[str] = ()) -> dict[str, Any]:
    """One region at a glance, from the read models above (already limited to the region): needs
    added up by goods and unit (asked, covered, still missing, highest urgency; those with
    nothing missing left out), offers (what is
    left), support capacity by type (with `by_group`: the places each group offers, largest first:
    one group's 30,000 must not read as the region's), requests not closed by urgency (and how many
    are taken), the next action, money by currency (raised, pledged, goals, and what will not come:
    pledges declined by the fundraisers' groups and pledges of groups that are gone, each counted and
    added up), live alerts, and when the region's
    groups were last heard from. `capped` names the parts that were counted from a bounded number
    of the newest rows. Each sum says how many of its `count` rows are for chosen groups only
    (`shared`), and the next action carries its `shared_with`: a desk read aloud or copied to a
    wider chat must not pass off what a few groups were told as what everyone may know."""
    need_sums: dict[tuple[str, str], dict[str, Any]] = {}
    offer_sums: dict[tuple[str, str], dict[str, Any]] = {}
    for item in needs:
        key = (item["category"], item["unit"])
        # (each sum made when its goods first come: a desk adds up ~1,000 needs a page)
        if item["side"] == "need":
            s = need_sums.get(key)
            if s is None:
                s = need_sums[key] = {"category": key[0], "unit": key[1], "quantity": 0, "fulfilled": 0,
                                      "missing": 0, "count": 0, "shared": 0, "urgency": None}
            s["quantity"] += item["quantity"]
            s["fulfilled"] += min(item["fulfilled"], item["quantity"])
            s["missing"] += item["remaining"]
            _count(s, item)
            urgency = item.get("urgency")
            if urgency and urgency != s["urgency"] and (
                    s["urgency"] is None or URGENCY.index(urgency) > URGENCY.index(s["urgency"])):
                s["urgency"] = urgency
        elif item["remaining"] > 0:
            s = offer_sums.get(key)
            if s is None:
                s = offer_sums[key] = {"category": key[0], "unit": key[1], "available": 0, "count": 0, "shared": 0}
            s["available"] += item["remaining"]
            _count(s, item)
    places: dict[str, dict[str, Any]] = {}
    for o in capacity:
        s = places.setdefault(o["type"], {"type": o["type"], "capacity": 0, "offers": 0, "shared": 0, "from": None,
                                          "by_group": {}})
        s["capacity"] += o["capacity"]
        s["by_group"][o["group"]] = s["by_group"].get(o["group"], 0) + o["capacity"]
        s["offers"] += 1
        s["shared"] += bool(o.get("shared_with"))
        if not o["available_now"]:
            s["from"] = min(filter(None, [s["from"], o.get("starts_at")]))
    for s in places.values():  # each group's offered places, largest first: a total is no better than who offers it
        s["by_group"] = [{"group": g, "capacity": n}
                         for g, n in sorted(s["by_group"].items(), key=lambda gn: (-gn[1], gn[0]))]
    requests = {u: 0 for u in reversed(URGENCY)}
    taken = 0
    for r in support:
        if r["status"] != "closed":
            requests[r["urgency"]] += 1
            taken += r["status"] == "claimed"
    money: dict[str, dict[str, Any]] = {}
    for f in funds:
        s = money.setdefault(f["currency"], {"currency": f["currency"], "raised": 0, "pledged": 0, "goal": 0,
                                             "count": 0, "shared": 0, "declined": 0, "pledged_declined": 0,
                                             "pledges_gone": 0, "pledged_gone": 0})
        s["raised"] += f["raised"]
        s["pledged"] += f["pledged"]
        s["goal"] += f["goal"]
        # what will not come: pledges its group declined, pledges of groups that are gone
        s["declined"] += len(f["declined"])
        s["pledged_declined"] += sum(d["pledge"] for d in f["declined"])
        s["pledges_gone"] += f["pledges_gone"]
        s["pledged_gone"] += f["pledged_gone"]
        s["count"] += 1  # for chosen groups only: the fundraiser, or a pledge counted in it
        s["shared"] += bool(f.get("shared_with") or f.get("pledged_shared"))
    for s in money.values():
        s["progress"] = s["raised"] * 100 // s["goal"] if s["goal"] else 0
    upcoming = [a for a in actions if a["region"] == region and a.get("status") != "cancelled"]
    return {
        "region": region,
        "groups": list(groups),
        # Still missing only (decided here, for every desk: `view regions`, the overview, the API):
        # a fully covered urgent need took one of the overview's three slots as "0 items missing",
        # hiding a real one. The most urgent first, then by what is missing: amounts in litres
        # outweighed urgent tents and firewood, which a desk showing three of them left under "and 2 more".
        "needs": sorted((s for s in need_sums.values() if s["missing"]),
                        key=lambda s: (urgency_rank(s["urgency"]), -s["missing"], s["category"], s["unit"])),
        "offers": sorted(offer_sums.values(), key=lambda s: (-s["available"], s["category"], s["unit"])),
        "capacity": sorted(places.values(), key=lambda s: (-s["capacity"], s["type"])),
        # "which are still waiting for a group?": the open ones no group has taken
        "requests": {**requests, "open": sum(requests.values()), "taken": taken,
                     "waiting": sum(requests.values()) - taken},
        "next_action": upcoming[0] if upcoming else None,
        "actions_this_week": len(upcoming),
        "funds": sorted(money.values(), key=lambda s: s["currency"]),
        "alerts": len([a for a in alerts if a["region"] == region]),
        "last_heard": last_heard,
        "capped": list(capped),
    }


def _count(total: dict[str, Any], item: dict[str, Any]) -> None:
    """Count `item` into a region's sum, and among its rows for chosen groups only if it is one."""
    total["count"] += 1
    total["shared"] += bool(item.get("shared_with"))


def revocation_fields(r: Any) -> dict[str, Any]:
    """Who revoked a key, when and why, from its `events.trust.Revocation` (None: not revoked), as
    the groups read model gives them for a group and each device (`node.render.revocation_text`)."""
    return {"revoked_by": r.by if r else None, "revoked_at": r.at if r else None,
            "revoked_reason": r.reason if r else None, "forked": bool(r and r.fork)}


def groups(profiles: Iterable[Row], members: Iterable[Any], revocations: Mapping[bytes, Any] | None = None,
           ) -> list[dict[str, Any]]:
    """Every certified group with its profile (if published), its devices and revocation state:
    for the group and each device, from which seq it is revoked, by which key, when (the revoking
    event's time, ms) and why; all None while not revoked. Its devices no revocation limits are
    `active_devices`, or, once the group itself is revoked, `devices_of_revoked_group`. `forked`: the key signed two events at
    one seq (no one revoked it: `revoked_by` is the key itself, with no time). `left`: it revoked
    itself (`departure`), so it left the network and was not revoked by others, and says so.

    `members` are `events.trust.Member` values, `revocations` the trust graph's `Revocation`s by subject.
    """
    members = list(members)
    revocations = revocations or {}
    profile_of = {p.key: p.data for p in profiles}
    by_key = {m.key: m for m in members}

    def revoked(key: bytes) -> dict[str, Any]:
        return revocation_fields(revocations.get(key))

    out = []
    for g in (m for m in members if m.role == "group"):
        profile = profile_of.get(g.key, {})
        devices = sorted(
            ({"id": m.key, "revoked_from": m.revoked_from, **revoked(m.key)}
             for m in members if m.role == "device" and m.group == g.key),
            key=lambda d: (d["revoked_from"] is not None, d["id"]))
        unrevoked = sum(1 for d in devices if d["revoked_from"] is None)
        out.append({
            "id": g.key,
            "name": profile.get("name"),
            "region": profile.get("region"),
            "description": profile.get("description"),
            "languages": profile.get("languages", []),
            "contact": profile.get("contact"),
            "devices": len(devices),
            # A group revoked from seq n keeps the devices it certified before n (design rule 8):
            # they still sign, but are counted apart, as `status` counts them, not as active.
            "active_devices": 0 if g.revoked_from is not None else unrevoked,
            "devices_of_revoked_group": unrevoked if g.revoked_from is not None else 0,
            "device_list": devices,
            "revoked_from": g.revoked_from,
            **revoked(g.key),
            "left": departure(g.key, by_key.get, revocations.get) == GROUP_LEFT,
            "admitted_by": g.admitted_by,
            "admitters": list(g.admitters),
        })
    return sorted(out, key=lambda g: ((g["name"] or "").lower(), g["id"]))
