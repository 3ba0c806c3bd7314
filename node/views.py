"""The read models of a node, read from its store: what `solnet view`, the HTTP API and the
dashboard show. SQL selects the rows (by table, region, time, reference); the pure functions of
`events.readmodels` combine them. Every view is a list; groups are named (`group_name`) beside
their ids.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from events import readmodels
from events.effects import Target
from events.projections import (ACTION, ACTION_UPDATE, ALERT, ALERT_UPDATE, FULFIL, FUNDRAISER, FUNDRAISER_UPDATE, NEED, NEED_UPDATE,
                                OFFER, OFFER_UPDATE, PROFILE, REPORT, RESOURCE, SUPPORT, SUPPORT_OFFER,
                                SUPPORT_OFFER_UPDATE, SUPPORT_STATUS, MemoryTables, Row, offer_key)
from events.trust import GROUP_ROLE, TrustGraph
from events.view_names import VIEWS
from node import fair_share, references
from node.audience import Opener, WithOpened, ordered, request_readers
from node.log import EventLog, now_ms
from node.status import peer_list
from node.words import UNDER_WAY_SHOWN_MS

DAY_MS = readmodels.DAY_MS
T = TypeVar("T")
SUMMARY_ROWS = 20  # per region and table, the newest rows the region summary adds up (`capped` says so)
# per region and table, the rows a desk cell cut at SUMMARY_ROWS looks through for what it must never
# leave out, open needs of high urgency, support requests of high urgency or waiting for a group
# (`urgent_too`): the newest of those the store marks (of any age: node/store/desk_marks.py; a
# request whose takers left or were revoked, or only groups it was not sealed to took, is marked);
# `capped` names "needs_urgent" / "support_urgent" when there were more than that
URGENT_ROWS = 5 * SUMMARY_ROWS
ALERTS_COUNTED = 2_000  # the live alerts a region summary counts when a flood cut the list (`capped` past that)
# Tables whose rows place a region on the map (a group's home region too).
REGION_TABLES = (PROFILE, ACTION, FUNDRAISER, NEED, OFFER, SUPPORT, ALERT, SUPPORT_OFFER, RESOURCE)


def view(log: EventLog, name: str, *, region: str | None = None, now: int | None = None,
         limit: int | None = None, peers: list[dict[str, Any]] | None = None,
         opened: MemoryTables | None = None, reader: Held | None = None) -> list[dict[str, Any]]:
    """The read model `name`, a list. With `limit`, SQL selects at most that many rows of each
    table involved (the soonest actions and the latest started, the newest of the others), so the
    cost does not grow with the log; without it, everything (for `solnet view`). `peers` (for the
    regions view: when each was last synced) default to what the running node last saved.
    `opened` holds the rows of the events for chosen groups this node could read
    (node.audience.opened_rows): they join the stored ones, marked `shared_with`, and exist only
    in memory. A page that shows several views passes one `reader` (`reader_of`) to all of them:
    the rows each needs are then read once."""
    now = now_ms() if now is None else now
    if name not in _VIEWS:
        raise ValueError(f"unknown view {name!r}; one of: {', '.join(VIEWS)}")
    held = reader or Held(log.store if opened is None else WithOpened(log.store, opened), log.trust)
    names = group_names(held)
    if name == "regions":
        data = regions(held, now, region=region, limit=SUMMARY_ROWS if limit is not None else None, peers=peers,
                       names=names)
    elif name == "groups":  # with when each was last heard from (peers: its last syncs)
        data = groups(held, region, now, limit, peers)
    else:
        data = _VIEWS[name](held, region, now, limit)
    return named(data, names)


@dataclass(frozen=True)
class Held:
    """What the views read: the store (with the opened sealed rows, if any) and the trust graph;
    the rows read, remembered for as long as this object lives (one command, request or page)."""

    store: Any
    trust: TrustGraph
    read: dict[tuple, list[Row]] = field(default_factory=dict, compare=False, repr=False)
    # The groups whose rows the listings hold, chosen in SQL before the limit (the public feeds:
    # the groups that opted in); None: every group.
    only: frozenset[bytes] | None = None
    # Where each group's rows lie, by table (ProjectionTables.rows_of_each_group), found once
    places: dict[tuple[int | str, ...], list] = field(default_factory=dict, compare=False, repr=False)
    # Live alerts of those marked public only, chosen in SQL before the limit (the public pages).
    public: bool = False
    # The tables of which a capped listing left rows out (more than its limit exist): a reader
    # of the API learns that its listing is cut (node.api `capped`).
    capped: set[str] = field(default_factory=set, compare=False, repr=False)
    # The groups a support request's private part went to, where this device reads it
    # (node.audience.request_readers); None: it cannot tell. A claim by another group takes nothing
    # (events.readmodels.support_requests).
    readers: Callable[[Row], Collection[bytes] | None] = field(default=lambda row: None, compare=False, repr=False)
    # How each group is gone (`gone`), as far as asked
    departed: dict[bytes, str | None] = field(default_factory=dict, compare=False, repr=False)
    # The items built of the rows read, for the read transaction they were read in (`built`)
    memo: Built = field(default_factory=lambda: Built(), compare=False, repr=False)

    def rows(self, table: str, **where: Any) -> list[Row]:
        """store.rows, each distinct question asked once while the read transaction lasts (`_reading`)."""
        key = (table, *sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in where.items()))
        self._reading()
        if key not in self.read:
            self.read[key] = self.store.rows(table, **where)
        return self.read[key]

    def listed(self, table: str, limit: int | None, **where: Any) -> list[Row]:
        """The rows of a capped listing ("the newest N", "the soonest N"): `rows` with `limit`, fair
        to every lineage and group (`fair_cut`). When one lineage has more than `per_group(limit)`
        of them (a member flooding needs or actions from one group or from groups it made up: an
        infiltrator, a broken script), the first rows of other groups are read too (of every group
        not already holding its few when a group has more; else of the lineages that could still
        win a place), so no flood pushes another lineage's rows out of sight. Of a lineage whose
        rows fill its share, when none of its groups floods, only the rows that could still win a
        turn down its admission tree are read (`_turns_of_full`). Without a limit, every row
        (nothing is pushed out)."""
        if self.only is not None:
            where["groups"] = sorted(self.only)
        if limit is None:
            return self.rows(table, **where)
        rows = self.rows(table, **where, limit=limit + 1)  # one more: whether any row is left out
        if len(rows) > limit:
            self.capped.add(table)
            rows = rows[:limit]  # the orders are total (ties broken by id): the first `limit` as such
        if len(rows) < limit:
            return rows
        quota = per_group(limit)
        counts = Counter(map(_group_of_row, rows))
        lineages: Counter = Counter()
        for g, c in counts.items():  # (by group, not by row: a desk asks this of ~2,600 rows a page)
            lineages[self.trust.lineages(g)] += c
        if max(lineages.values()) <= quota:  # (and so no group has more either)
            return rows
        full = {g for g, c in counts.items() if c >= quota}  # their first rows are in `rows` already
        known = {r.key for r in rows}
        if max(counts.values()) <= quota:
            # Only a lineage has more than its few (a network grown by referral: Calais admitted
            # dozens of groups, no flood). A lineage whose rows here fill all it could be given
            # takes no place from another with its other rows, but within it they take turns down
            # the admission tree: of its groups, only the rows that could win a turn are read
            # (`_turns_of_full`), not each group's few (a walk of every group for most listings
            # of such a network).
            filled = fair_share.full_lineages(lineages, limit, quota)
            if filled:
                turns, read = self._turns_of_full(table, rows, filled, fair_share.most_levels(lineages, limit, quota),
                                                  quota, where)
                rows, known, full = rows + turns, known | {r.key for r in turns}, full | read
        extra = [r for r in self.store.rows_of_each_group(table, per_group=quota, skip=full, places=self.places,
                                                          **where)
                 if r.key not in known and (self.only is None or r.data["group"] in self.only)]
        if not extra and len(rows) <= limit:  # (the first `limit`, as read, in their order: nothing to share out)
            return rows
        return fair_cut(ordered(rows + extra, where["order"]), quota, limit, _group_of_row, *_shares(self.trust))

    def _turns_of_full(self, table: str, rows: list[Row], filled: set[Any], most: dict[Any, int], quota: int,
                       where: dict[str, Any]) -> tuple[list[Row], set[Any]]:
        """Of the groups of the lineages `filled` (whose `rows`, a listing's first, fill the most
        they could be given: `most`, by lineage), the rows further down that could win a turn in
        their lineage (fair_share.most_turns), and those groups (read as far as they need). In two
        steps: the first row of each group that could still win a turn, none of whose rows is in
        `rows`; then, the order of every subtree's first row known, up to `quota` rows of each
        group that could win more turns than are read (in a network grown by referral, none:
        one row of each group whose rows are further down than `rows`, not each group's few)."""
        parent = fair_share.admitter(self.trust)
        lineage_groups: dict[Any, set[Any]] = {line: set() for line in filled}
        for k, m in self.trust.members.items():
            if m.role == GROUP_ROLE and (line := self.trust.lineages(k)) in filled:
                lineage_groups[line].add(k)
        for g in {r.data["group"] for r in rows} - {None}:  # (None: a row of no group, read no further)
            if (line := self.trust.lineages(g)) in filled:
                lineage_groups[line].add(g)
        read = set().union(*lineage_groups.values())
        if self.only is not None:
            lineage_groups = {line: gs & self.only for line, gs in lineage_groups.items()}
        held = list(rows)
        have = {r.key for r in rows}
        done: set[Any] = set()  # the groups read to their end (fewer rows than asked)
        bound: dict[Any, int] = {}
        for step in (1, quota):
            items = ordered(held, where["order"])
            known: dict[Any, list[int]] = {}
            for i, r in enumerate(items):
                known.setdefault(r.data["group"], []).append(i)
            wanted: dict[Any, int] = {}  # of each group to read further, how far
            for line, gs in lineage_groups.items():
                for g, most_of_g in fair_share.most_turns(known, gs, parent, most[line]).items():
                    bound[g] = min(bound.get(g, most_of_g), most_of_g)
                    n = len(known.get(g, ()))
                    ask = min(step, quota, bound[g])
                    if g not in done and n < ask and (step > 1 or n == 0):
                        wanted[g] = ask
            if wanted:  # (read together, each group as far as it is asked: one walk of them all)
                got = self.store.rows_of_each_group(table, per_group=max(wanted.values()), places=self.places,
                                                    each=wanted, **where)
                held += [r for r in got if r.key not in have]
                have |= {r.key for r in got}
                ofs = Counter(r.data["group"] for r in got)
                done |= {g for g, ask in wanted.items() if ofs[g] < ask}
        return held[len(rows):], read

    def built(self, kind: str, now: int, rows: list[Row], build: Callable[[list[Row]], list[dict[str, Any]]],
              *, sums: bool = False) -> list[dict[str, Any]]:
        """The items `build` makes of `rows` (a read model's: newest first, each of its own rows alone,
        none for a row it leaves out), each built once while the read transaction lasts (Store.moment)
        for every view of the page or request that asks for it: the overview built 1,100 support
        requests' items of 800, 1,437 needs' of 1,107 (its sections, the desk, the count after a
        section's first page, the desk's urgent pass). `kind` names what `build` makes (one kind, one
        way of building: a need without its offers is not one with them). The items are shared: a
        view that adds to its own (a need's `matches`, a request's `can_go`, and what the pages add
        to those: `mine`, `read_here`) copies them first, or the views read after it would get what
        it added. Outside a transaction, each read is of its own moment: nothing is kept. `sums`: `build`
        makes the items a desk adds up (readmodels' `sums`: fewer fields, the same figures), kept apart
        from the whole items of `kind`; a row whose whole item is built already gives that one (it holds
        every field a sum reads), not a second."""
        if self._reading() is None:
            return build(rows)
        # (one dict per kind and moment of the page, by event id: a desk asks for ~1,800 items a page)
        kept = self.memo.items.setdefault((kind, now), {})
        if sums:
            whole, kept = kept, self.memo.items.setdefault((f"{kind} sums", now), {})
            kept.update((r.key, whole[r.key]) for r in rows if r.key in whole and r.key not in kept)
        missing = [r for r in rows if r.key not in kept]
        if missing:
            made = {i["id"]: i for i in build(missing)}
            kept.update((r.key, made.get(r.key)) for r in missing)
        # (in the read models' own order: newest first, the ties as given)
        return [i for r in sorted(rows, key=_version, reverse=True) if (i := kept[r.key]) is not None]

    def _reading(self) -> int | None:
        """The store's transaction under way (Store.moment), None outside one. The rows read and the
        items built in another are forgotten: another connection may have committed since (a reader
        kept from one page to the next must not show a request as open that was taken between them)."""
        moment = self.store.moment()
        if moment != self.memo.moment:
            self.memo.moment = moment
            self.memo.items.clear()  # (in place: the copies of this reader, `replace`, share them)
            self.read.clear()
        return moment

    def gone(self, group: bytes) -> str | None:
        """How `group` is gone from the network (events.readmodels.departure), None: a member. Worked
        out once for each group while this object lives (a page asks it of every row it reads)."""
        if group not in self.departed:
            self.departed[group] = readmodels.departure(group, self.trust.member, self.trust.revocation)
        return self.departed[group]

    def replied_by(self, event_id: bytes) -> bytes | None:
        """The group whose device signed the pledge or fulfilment `event_id`, from its signed header
        (events.readmodels.RepliedBy)."""
        return references.replied_by(self.store, self.trust, event_id)

    def target(self, event_id: bytes) -> Target | None:
        """A need or offer as events.effects judges against it: from the opened sealed rows if it
        is one this node reads, else as stored (of kind `sealed` if it is one it cannot read)."""
        return self._opened_target(event_id) or references.target(self.store, self.trust, event_id)

    def targets(self, ids: Collection[bytes]) -> dict[bytes, Target]:
        """`target` of each of `ids` (those it gives None left out), the stored ones read together."""
        found = {event_id: t for event_id in ids if (t := self._opened_target(event_id)) is not None}
        rest = [i for i in ids if i not in found]
        return {**found, **(references.targets(self.store, self.trust, rest) if rest else {})}

    def _opened_target(self, event_id: bytes) -> Target | None:
        """`target` of a sealed need or offer this node reads, from its opened row; None otherwise."""
        if isinstance(self.store, WithOpened):
            row = self.store.opened_row(NEED, event_id) or self.store.opened_row(OFFER, event_id)
            if row is not None:
                return readmodels.target_of(row)
        return None


@dataclass
class Built:
    """The read transaction (Store.moment) a reader's rows were read and its items built in, and those
    items (Held.built), by kind, moment of the page (`now`) and event id."""

    moment: int | None = None
    items: dict[tuple[str, int], dict[bytes, dict[str, Any] | None]] = field(default_factory=dict)


def _version(row: Row) -> Any:
    return row.version


def _group_of_row(row: Row) -> bytes:
    return row.data["group"]


def _group_of_item(item: dict[str, Any]) -> Any:
    return item.get("group")


def per_group(limit: int) -> int:
    """Rows of one group a capped listing of `limit` shows before the others' (10 of 100, 2 of 20)."""
    return max(1, min(ALERTS_PER_GROUP, limit // 10))


def fair_cut(items: list[T], quota: int, limit: int, group: Callable[[T], Any] = _group_of_row,
             lineage: Callable[[Any], Any] | None = None, parent: fair_share.Parent | None = None) -> list[T]:
    """`limit` of `items`, still in their order, shared as node/fair_share.py says (one rule with the
    dashboard's banner): each lineage's first `quota` (`lineage`: of a group, events/trust.py
    `lineages`; without it each group is its own) chosen first, then each lineage's others up to
    its fair share of `limit`, in turns down the admission tree (`parent`: fair_share.admitter),
    then the rest. Any member admits a group with one vouch: an infiltrator's throw-away groups,
    each flooding its own `quota`, took 18 of 20 places and pushed other lineages' alerts out."""
    if len(items) <= limit:
        return items
    tier = fair_share.tiers([group(item) for item in items], limit, quota, lineage or (lambda g: g), parent)
    chosen = sorted(range(len(items)), key=lambda i: (tier[i], i))[:limit]
    return [items[i] for i in sorted(chosen)]


def fair_items(items: list[dict[str, Any]], limit: int, trust: TrustGraph | None = None) -> list[dict[str, Any]]:
    """`limit` items of a read model (dicts naming their `group`), fair to every group (`fair_cut`),
    and to every lineage and down the admission tree with `trust`."""
    return fair_cut(items, per_group(limit), limit, _group_of_item, *_shares(trust))


def _shares(trust: TrustGraph | None) -> tuple[Callable[[Any], Any] | None, fair_share.Parent | None]:
    """fair_cut's `lineage` and `parent` of `trust` (none without)."""
    return (None, None) if trust is None else (trust.lineages, fair_share.admitter(trust))


def _fair(log: Held, table: str, items: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """`fair_items` of listings joined (without `limit`: all), noting in `log.capped` a cut."""
    if limit is None or len(items) <= limit:
        return items
    log.capped.add(table)
    return fair_items(items, limit)


def reader_of(log: EventLog, opened: MemoryTables | None = None, only: frozenset[bytes] | None = None,
              public: bool = False, opener: Opener | None = None) -> Held:
    """One reader for several views of the same moment (a dashboard page); `only`: listings of
    those groups' rows alone (Held.only); `public`: of the alerts, those marked public alone;
    `opener`: this device's key, to tell who reads each support request's private part."""
    return Held(log.store if opened is None else WithOpened(log.store, opened), log.trust, only=only, public=public,
                **({"readers": request_readers(log, opener)} if opener is not None else {}))


def group_names(log: Held) -> dict[bytes, str]:
    return references.group_names(_stored(log))


def _stored(log: Held) -> Any:
    """The store itself: profiles are never sealed, so the opened rows add no name."""
    return log.store.stored if isinstance(log.store, WithOpened) else log.store


def named(value: Any, names: dict[bytes, str]) -> Any:
    """Every dict in `value` that names a group (`group`) gets its `group_name` (None if the group
    has published no profile yet), in place: the read models make fresh dicts for every view."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if isinstance(item.get("group"), bytes):
                item["group_name"] = names.get(item["group"])
            stack += [v for v in item.values() if isinstance(v, (list, dict))]  # (an overview: ~2,700 dicts)
    return value


def _newest(limit: int | None) -> dict[str, Any]:
    return {"order": "newest"} if limit is not None else {}


def _latest(limit: int | None) -> dict[str, Any]:
    return {"order": "latest"} if limit is not None else {}


def actions(log: Held, region: str | None, now: int, limit: int | None, days: int | None = None,
            ) -> list[dict[str, Any]]:
    """Actions not over yet, soonest first, every region together (or one)."""
    window_start = now - readmodels.RECENT_ACTION_GRACE_MS
    if limit is None:
        rows = log.rows(ACTION, region=region, t_from=window_start - UNDER_WAY_SHOWN_MS)
    else:  # still going (the latest started in the last 30 days), then the soonest upcoming
        started = log.listed(ACTION, limit, region=region, t_from=window_start - UNDER_WAY_SHOWN_MS,
                             t_before=window_start, order="latest")
        # The soonest `limit` by first start, not only those starting within `days`: one moved into
        # them from beyond (a drop-in of the 16th moved to tonight) is found by its first start, as
        # the overview's week finds it. Rows past the days are no cut of them: `week_cut` says one.
        soonest = log if days is None else replace(log, capped=set())
        rows = started + soonest.listed(ACTION, limit, region=region, t_from=window_start, order="t")
        if days is not None and week_cut(log, region, now, limit, days):
            log.capped.add(ACTION)
    updates = log.rows(ACTION_UPDATE, refs=[r.key for r in rows])
    found = readmodels.upcoming_actions(rows, now, days=days, updates=updates, gone=log.gone)
    return _fair(log, ACTION, found, limit)  # (two listings joined: fair again)


def _starting_within(now: int, days: int | None) -> dict[str, Any]:
    """The bound of a listing of the actions that start within `days` (none: no bound). A listing of
    the soonest `limit` cut there leaves some out only if more than `limit` start within the days."""
    return {} if days is None else {"t_before": now + days * DAY_MS}


def week_cut(log: Held, region: str | None, now: int, limit: int, days: int = readmodels.TIMELINE_DAYS) -> bool:
    """Whether more actions start in `region` (None: anywhere) within the coming `days` (the week)
    than a desk of `limit` rows reads (`actions` lists the soonest `limit`): its count of them is
    then a floor. One bounded question, answered once a page or request (Held.rows)."""
    where = {"region": region, "t_from": now - readmodels.RECENT_ACTION_GRACE_MS, "order": "t",
             **_starting_within(now, days)}
    return len(log.rows(ACTION, **where, limit=limit + 1)) > limit


def timeline(log: Held, region: str | None, now: int, limit: int | None) -> list[dict[str, Any]]:
    """The network timeline: actions of the next TIMELINE_DAYS days, soonest first."""
    return actions(log, region, now, limit, days=readmodels.TIMELINE_DAYS)


def past_actions(log: Held, region: str | None, now: int, limit: int | None) -> list[dict[str, Any]]:
    """What happened: actions of the last two weeks that are over, with their report-backs."""
    since = now - readmodels.PAST_ACTION_DAYS * DAY_MS
    rows = log.listed(ACTION, limit, region=region, t_from=since, t_before=now, **_latest(limit))
    return readmodels.past_actions(rows, log.rows(REPORT, refs=[r.key for r in rows]), now,
                                   log.rows(ACTION_UPDATE, refs=[r.key for r in rows]))


def fundraisers(log: Held, region: str | None, now: int, limit: int | None, *, open_only: bool = False,
                ) -> list[dict[str, Any]]:
    """Fundraisers newest first, ended ones too; with `open_only`, those whose `ends_at` is still to
    come (or that have none), chosen in SQL before the limit: the open ones' index alone is walked
    (proj.lapsed, schema.LAPSE_SCHEMA), whatever number of them ended. (Chosen after the limit, a
    region whose newest fundraisers had ended showed too few, or none.) Reaching the goal ends none:
    money may still come in. Those of a group that is gone are not open either (`group_gone`)."""
    window = {"t_from": now} if open_only else {}
    funds = log.listed(FUNDRAISER, limit, region=region, **window, **_newest(limit))
    found = readmodels.fundraisers(funds, log.rows(FUNDRAISER_UPDATE, refs=[f.key for f in funds]), now, log.gone,
                                   log.replied_by)
    return [f for f in found if not f["group_gone"]] if open_only else found


def needs(log: Held, region: str | None, now: int, limit: int | None, *, sums: bool = False) -> list[dict[str, Any]]:
    """Open needs and offers with their updates, fulfilments and draw-downs; of `region` alone if
    one is given, but what could cover each need (`matches`) comes from offers of any region.
    `sums`: the items a desk adds up (events.readmodels.needs_and_offers `sums`), of the region's
    own offers alone and without `matches`."""
    lapse = {"t_from": now} if limit is not None else {}
    need_rows = log.listed(NEED, limit, region=region, **lapse, **_newest(limit))
    offer_rows = log.listed(OFFER, limit, region=region, **lapse, **_newest(limit))
    listed = {o.key for o in offer_rows}
    if region is not None and not sums:
        # What could cover a region's needs comes from any region (same goods and unit): the offers
        # the whole network's listing reads (bounded alike), read beside this listing, not part of
        # its cut nor of what it lists. (Matched among this region's offers alone, a need of Calais
        # lost Lille's offers from "could come from" once a reader chose Calais.)
        offer_rows = offer_rows + [o for o in replace(log, capped=set()).listed(OFFER, limit, **lapse,
                                                                                **_newest(limit))
                                   if o.key not in listed]
    # Each need's item is of its own rows (and those its declines name) alone, each offer's of its
    # draw-downs and the declines of the needs they name, whichever needs are read beside it
    # (events.readmodels.needs_and_offers): built apart, each once a page (Held.built), the section,
    # the desk and the counts sharing them. (Built together, the overview built 1,437 needs' and
    # offers' items of 1,107.)
    held = {n.key: n for n in need_rows}
    items = {i["id"]: i for i in [
        *log.built("need", now, need_rows, lambda rows: _needs_of(log, rows, now, sums), sums=sums),
        *log.built("offer", now, offer_rows, lambda rows: _offers_of(log, rows, now, held, sums), sums=sums)]}
    if sums:  # (added up, never changed: no copies)
        return [items[r.key] for r in sorted([*need_rows, *offer_rows], key=_version, reverse=True) if r.key in items]
    # (copies: `matches`, and what a page adds to them, are of this view's items alone: Held.built)
    found = [dict(items[r.key]) for r in sorted([*need_rows, *offer_rows], key=_version, reverse=True)
             if r.key in items]
    readmodels.suggest_offers(found)  # (sets every open need's `matches`, from these offers)
    return [item for item in found if item["side"] == "need" or item["id"] in listed]


def _offers_of(log: Held, offer_rows: list[Row], now: int, needs: Mapping[bytes, Row],
               sums: bool = False) -> list[dict[str, Any]]:
    """The items of `offer_rows` as `needs` gives them, built: drawn down by their own group's
    fulfilments naming them, less those the needs' groups declined. `needs`: rows read already, the
    needs those fulfilments may name (the others are read by id: `Held.target`). `sums`: as a desk
    adds them up (events.readmodels.needs_and_offers)."""
    drawn = log.rows(FULFIL, regions=[offer_key(o.key) for o in offer_rows])
    drawn = drawn + references.declines_of(log.rows, {f.ref for f in drawn})
    drawn = drawn + references.named_by_declines(log.store.row_of, drawn)
    # (the needs not read beside them by id, together: one by one, 579 statements a desk)
    targets = log.targets({f.ref for f in drawn if f.ref not in needs})
    targets.update((f.ref, readmodels.target_of(needs[f.ref])) for f in drawn if f.ref in needs)
    return readmodels.needs_and_offers(offer_rows, [], now, log.rows(OFFER_UPDATE, refs=[o.key for o in offer_rows]),
                                       drawn, targets, gone=log.gone, replied_by=log.replied_by, suggest=False,
                                       sums=sums)


def capacity(log: Held, region: str | None, now: int, limit: int | None) -> list[dict[str, Any]]:
    """Support offers (who can take whom): open ones, as last adjusted."""
    offers = log.listed(SUPPORT_OFFER, limit, region=region, **({"t_from": now} if limit is not None else {}),
                        **_newest(limit))
    return log.built("capacity", now, offers, lambda rows: readmodels.support_offers(
        rows, log.rows(SUPPORT_OFFER_UPDATE, refs=[o.key for o in rows]), now, log.gone))


def support(log: Held, region: str | None, now: int, limit: int | None) -> list[dict[str, Any]]:
    """Support requests with who took them, and where each could go (support offers of its type)."""
    requests = log.listed(SUPPORT, limit, region=region, **_newest(limit))
    return _requests_with_where_to_go(log, requests, now, limit)


def _requests(log: Held, requests: list[Row], now: int, sums: bool = False) -> list[dict[str, Any]]:
    """The support requests `requests` with who took them (not where each could go), each built once a
    page or request (Held.built); `sums`: as a desk adds them up (events.readmodels.support_requests)."""
    return log.built("support", now, requests, lambda rows: readmodels.support_requests(
        rows, log.rows(SUPPORT_STATUS, refs=[r.key for r in rows]), now, log.gone, log.readers, sums), sums=sums)


def _requests_with_where_to_go(log: Held, requests: list[Row], now: int, limit: int | None) -> list[dict[str, Any]]:
    found = [dict(i) for i in _requests(log, requests, now)]  # (`can_go` of this view's alone: Held.built)
    # Where each could go: read alongside (the rows read are shared), not part of the listing's cut
    # (the groups each private part went to come first, before the cut: node.audience.request_readers)
    readers = {r.key: log.readers(r) for r in requests if r.data.get("has_private")}
    readmodels.where_requests_can_go(found, capacity(replace(log, capped=set()), None, now, limit), readers)
    return found


def counted(log: Held, name: str, region: str | None, now: int, limit: int | None,
            known: Mapping[bytes, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The items of the view `name` for counting them and telling them apart by id: the same
    items as `view` lists, each open, closed or running as there, but not every detail worked out
    (a dashboard section's first page counts those after it among a thousand rows: working out
    where each of a thousand requests could go, from a thousand support offers, cost most of the
    page). No groups' names; support requests without where each could go; needs without the
    offers that could cover them (`matches`); fundraisers without their updates (whether one is
    running, not `ended` nor `group_gone`, is of the fundraiser itself: raised and pledged are not
    read). `known`: the items of the view `name` the caller holds already, by id (the section's
    first page, read from the newest of the same rows): the rows read among them are not worked out
    again, their items stand for them (each item is of its own rows alone, as in `urgent_too`), after
    the others. A third of the items counted were built twice."""
    known = known or {}
    if name == "support":
        rows = log.listed(SUPPORT, limit, region=region, **_newest(limit))
        return _requests(log, [r for r in rows if r.key not in known], now) + _held(rows, known)
    if name == "fundraisers":
        rows = log.listed(FUNDRAISER, limit, region=region, **_newest(limit))
        return readmodels.fundraisers([r for r in rows if r.key not in known], [], now, log.gone) + _held(rows, known)
    if name == "needs":
        return _needs_alone(log, region, now, limit, known, known=known)
    return _VIEWS[name](log, region, now, limit)


def _held(rows: list[Row], known: Mapping[bytes, dict[str, Any]]) -> list[dict[str, Any]]:
    """The items `known` of those `rows` (`counted`)."""
    return [known[r.key] for r in rows if r.key in known]


def _needs_alone(log: Held, region: str | None, now: int, limit: int | None, leave_out: Collection[bytes] = (),
                 known: Mapping[bytes, dict[str, Any]] | None = None, sums: bool = False,
                 **marked: bool) -> list[dict[str, Any]]:
    """The needs of `needs` (side "need" alone), each as open and as covered as there, without the
    offers: what a need has left is of the fulfilments naming it and their declines (each names the
    need too), never of an offer's rows (events.readmodels.needs_and_offers: an offer's draw is
    counted for the offer only). Half the rows a section's count read were offers and their draws.
    `marked`: urgent=True, of the needs the store marks only (`urgent_too`); `leave_out`: needs read
    and not worked out (each need's item is of its own rows and the rows its declines name alone: the
    others' are the same without them); `known`: of those left out, the items to give for them
    (`counted`), after the others; `sums`: as a desk adds them up (`needs`)."""
    lapse = {"t_from": now} if limit is not None else {}
    listed = log.listed(NEED, limit, region=region, **lapse, **_newest(limit), **marked)
    need_rows = [n for n in listed if n.key not in leave_out] if leave_out else listed
    return (log.built("need", now, need_rows, lambda rows: _needs_of(log, rows, now, sums), sums=sums)
            + _held(listed, known or {}))


def _needs_of(log: Held, need_rows: list[Row], now: int, sums: bool = False) -> list[dict[str, Any]]:
    """The items of `need_rows` as `_needs_alone` gives them, built."""
    refs = [n.key for n in need_rows]
    fulfils = log.rows(FULFIL, refs=refs)
    # (a decline may name another need's fulfilment, left out or not listed: read, it bars nobody)
    fulfils = fulfils + references.named_by_declines(log.store.row_of, fulfils)
    return readmodels.needs_and_offers(need_rows, fulfils, now, log.rows(NEED_UPDATE, refs=refs),
                                       gone=log.gone, replied_by=log.replied_by, suggest=False, sums=sums)


def support_request_item(log: Held, key: bytes, now: int, limit: int | None) -> dict[str, Any] | None:
    """One support request as `support` lists it, however old: its own page names it by id (a
    request that had waited longest lost its status and its take and close buttons there, once 100
    newer ones were in its region)."""
    row = log.store.row_of(SUPPORT, key)
    found = _requests_with_where_to_go(log, [row], now, limit) if row is not None else []
    return found[0] if found else None


def fundraiser_item(log: Held, key: bytes, now: int) -> dict[str, Any] | None:
    """One fundraiser as `fundraisers` lists it, however old (its own page: see support_request_item)."""
    row = log.store.row_of(FUNDRAISER, key)
    found = (readmodels.fundraisers([row], log.rows(FUNDRAISER_UPDATE, refs=[key]), now, log.gone, log.replied_by)
             if row is not None else [])
    return found[0] if found else None


def support_offer_item(log: Held, key: bytes, now: int) -> dict[str, Any] | None:
    """One support offer as its group last adjusted it (capacity, notes), withdrawn, lapsed or of a
    group gone included (`status` says which), however old (`show`: see support_request_item)."""
    row = log.store.row_of(SUPPORT_OFFER, key)
    found = (readmodels.support_offers([row], log.rows(SUPPORT_OFFER_UPDATE, refs=[key]), now, log.gone,
                                       every_state=True) if row is not None else [])
    return found[0] if found else None


def action_item(log: Held, key: bytes) -> dict[str, Any] | None:
    """One action as its group last moved or cancelled it, however old (its own page, `show`), with
    `group_gone` as the lists give it: `show` of an action whose group left read as any other,
    though nobody can move or cancel it any more, nor be asked about it."""
    row = log.store.row_of(ACTION, key)
    if row is None:
        return None
    item = readmodels.updated_actions([row], log.rows(ACTION_UPDATE, refs=[key]))[0]
    return {**item, "group_gone": log.gone(item["group"])}


ALERTS_PER_GROUP = 10  # of one group, once a group's flood fills a reader's limit: it hides no other's


def alerts(log: Held, region: str | None, now: int, limit: int | None) -> list[dict[str, Any]]:
    """The live alerts, newest first. With a `limit` that as many fill (a member flooding alerts),
    each group's newest few instead (`alerts_of_every_group`), at most `limit` in all: the API's
    and the CLI's readers (bots passing raid alerts on) lost another group's alert to a flood."""
    if limit is None:
        live = log.rows(ALERT, region=region, t_from=now + 1)
        return readmodels.active_alerts(live, now, log.rows(ALERT_UPDATE, refs=[a.key for a in live]), log.gone)
    shown, more = alerts_of_every_group(log, region, now, limit, per_group(limit))
    if more or len(shown) > limit:
        log.capped.add(ALERT)
    # (each group's newest few are all in `shown`: those of a lineage of many groups come after
    # the other lineages' newest, fair_cut)
    return fair_items(shown, limit, log.trust)


def alerts_of_every_group(log: Held, region: str | None, now: int, limit: int,
                          per_group: int) -> tuple[list[dict[str, Any]], set[bytes]]:
    """The live alerts as a reader of the whole network must see them, newest first, and the groups
    that have more than are shown. Fewer than `limit`: all of them. As many or more (a member
    flooding alerts: an infiltrator, a broken script): at most `per_group` of each group, each
    group's newest read too, so that the flood cannot push another group's raid alert out of sight."""
    public = {"public": True} if log.public else {}  # (the public pages: chosen before the limit)
    live = log.rows(ALERT, region=region, t_from=now + 1, order="newest", limit=limit, **public)
    flood = len(live) >= limit
    if flood:
        known = {r.key for r in live}
        each = log.store.rows_of_each_group(ALERT, order="newest", t_from=now + 1, per_group=per_group + 1,
                                            region=region, places=log.places, **public)
        live += [r for r in each if r.key not in known]
        # A group whose read was cut may have live alerts left out behind cleared ones (those are
        # read, then dropped): the listing says it is cut (`capped`), though no group shows more.
        if max(Counter(r.data["group"] for r in each).values(), default=0) > per_group:
            log.capped.add(ALERT)
    found = readmodels.active_alerts(live, now, log.rows(ALERT_UPDATE, refs=[a.key for a in live]), log.gone)
    if not flood:
        return found, set()
    shown: list[dict[str, Any]] = []
    counts: dict[bytes, int] = {}
    more: set[bytes] = set()
    for alert in found:
        counts[alert["group"]] = counts.get(alert["group"], 0) + 1
        if counts[alert["group"]] <= per_group:
            shown.append(alert)
        else:
            more.add(alert["group"])
    return shown, more


def alert_history(log: Held, region: str | None, now: int, limit: int | None) -> list[dict[str, Any]]:
    # The public pages (`log.public`): of the alerts marked public alone, chosen in SQL before the
    # limit, with their own updates only (an update does not say whether its alert was public, and
    # one whose alert is gone shows nowhere public). Chosen after it, a flood of newer alerts not
    # marked public, and of their updates, left the public all clears out of the page and the feed.
    public = {"public": True} if log.public else {}
    held = log.listed(ALERT, limit, region=region, t_from=now + 1, **public, **_newest(limit))
    since = now - readmodels.ALERT_HISTORY_DAYS * DAY_MS
    recent = [] if log.public else log.listed(ALERT_UPDATE, limit, region=region, t_from=since, **_newest(limit))
    about_held = log.rows(ALERT_UPDATE, refs=[a.key for a in held])
    updates = list({u.key: u for u in recent + about_held}.values())
    found = readmodels.alert_history(held, updates, now, log.gone, _named_alerts(log, recent, held, region))
    return _fair(log, ALERT_UPDATE, found, limit)


def _named_alerts(log: Held, updates: list[Row], held: list[Row], region: str | None) -> dict[bytes, Target]:
    """The alerts `updates` name that are not `held`, as this node still has them (the header alone
    once expired or redacted): their own group's updates alone tell their story. The updates were
    read by their own region, which the signer chose: an alert whose content says another region
    is left out (its own region's history shows it)."""
    listed = {a.key for a in held}
    named = {}
    for ref in {u.ref for u in updates} - listed:
        alert = references.named_alert(_stored(log), log.trust, ref)
        if alert is not None and (region is None or not alert.fields or alert.fields.get("region") == region):
            named[ref] = alert
    return named


def resources(log: Held, region: str | None, now: int, limit: int | None) -> list[dict[str, Any]]:
    """Resources of a region and those for everywhere (no region)."""
    rows = log.listed(RESOURCE, limit, **_newest(limit))
    return readmodels.resources(r for r in rows if region is None or r.region in (region, None))


def groups(log: Held, region: str | None, now: int, limit: int | None,
           peers: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Every group; a name that looks like another group's is shown with the group's short id, and
    `looks_like` lists those other groups (events/names.py); `last_heard` and `heard_by`: when this
    node last heard from it, and how (heard_from; `peers` default to what the running node saved)."""
    found = readmodels.groups(log.rows(PROFILE), log.trust.members.values(), log.trust.revocations)
    heard = heard_from(log, peer_list(log.store) if peers is None else peers)
    for g in found:
        g["last_heard"], g["heard_by"] = heard.get(g["id"], (None, None))
    names, alike = group_names(log), references.look_alike_groups(_stored(log))
    for g in found:
        g["name"] = names.get(g["id"], g["name"])
        if g["name"] is None and g["revoked_from"] is not None:  # its profile left the log with it
            kept = references.kept_aside_profile(_stored(log), g["id"]) or {}
            g["name"] = references.kept_aside_name(_stored(log), g["id"])  # (its short id if it looks like another's)
            g["region"] = g["region"] or kept.get("region")
        g["looks_like"] = alike.get(g["id"], [])
    labels = references.device_labels(_stored(log), log.trust)
    for g in found:
        for d in g["device_list"]:
            d["name"] = labels.get(d["id"])
    return [g for g in found if region is None or g["region"] == region]


def region_names(log: Held) -> list[str]:
    """Every region something is shown for (a group's home region included)."""
    return log.store.regions(REGION_TABLES)


MAX_REGIONS_SHOWN = 100  # regions a desk or a page's region list shows at once: any member can name new ones


def regions_shown(names: list[str], based: set[str], at_most: int = MAX_REGIONS_SHOWN) -> tuple[list[str], int]:
    """Of the region `names`, those a desk shows, sorted, and how many it leaves out: every region
    where a member group is based (`based`) first, then the others by name. One member publishing a
    need in each of 5,000 new regions made the overview take 4 s and hold the database for it, a
    raid alert published meanwhile waiting 13 s; it also listed them all, 4 MB of page."""
    if len(names) <= at_most:
        return names, 0
    home = [r for r in names if r in based]
    chosen = set(home + [r for r in names if r not in based][:max(0, at_most - len(home))])
    return sorted(chosen), len(names) - len(chosen)


def regions(log: Held, now: int, *, region: str | None = None, limit: int | None = SUMMARY_ROWS,
            peers: list[dict[str, Any]] | None = None, names: dict[bytes, str] | None = None,
            ) -> list[dict[str, Any]]:
    """The coordinator's desk: one summary per region (events.readmodels.region_summary). With
    `limit`, each region adds up at most that many of its newest rows per table (`capped` says
    where there were more)."""
    homes: dict[str, list[bytes]] = {}
    for p in log.rows(PROFILE):
        homes.setdefault(p.data["region"], []).append(p.key)
    heard = heard_from(log, peer_list(log.store) if peers is None else peers)
    # One region asked for is summed only if something is placed in it: an unknown one gave an item of
    # zeros (GET /api/v1/regions?region=nowhere), where every other view gives none.
    wanted = region_names(log) if region is None else [r for r in region_names(log) if r == region]
    if region is None and limit is not None:
        wanted, left_out = regions_shown(wanted, set(homes))
        if left_out:
            log.capped.add("regions")
    live = alerts(log, region, now, limit)
    alerts_capped = False
    if limit is not None and ALERT in log.capped:
        # The list shows each group's newest few (a flood); a desk counting from it said "2 alerts"
        # of a region with 21 live. Counted from the newest ALERTS_COUNTED instead (capped past that).
        rows = log.rows(ALERT, region=region, t_from=now + 1, order="newest", limit=ALERTS_COUNTED)
        live = readmodels.active_alerts(rows, now, log.rows(ALERT_UPDATE, refs=[a.key for a in rows]), log.gone)
        alerts_capped = len(rows) >= ALERTS_COUNTED
    out = []
    for r in wanted:
        week = actions(log, r, now, limit, days=readmodels.TIMELINE_DAYS)
        # What this region's reads left out (Held.listed says so per table, before withdrawn or
        # closed items are dropped: counting what was left, a withdrawn need among the newest made
        # "57 missing" of 60 read as all of them)
        region_log = replace(log, capped=set())
        listed = {"needs": needs(region_log, r, now, limit, sums=True),
                  "support": support_requests_of(region_log, r, now, limit, sums=True),
                  "capacity": capacity(region_log, r, now, limit),
                  "funds": fundraisers(region_log, r, now, limit, open_only=True)}
        log.capped.update(region_log.capped)
        capped = [part for part, tables in DESK_PARTS.items() if region_log.capped & tables]
        capped += urgent_too(log, r, now, listed, capped)
        capped += ["alerts"] if alerts_capped else []
        # the week's actions are counted from the soonest `limit` (an action under way that started
        # before the latest `limit` of the past 30 days is not read either: older than this count)
        capped += ["actions"] if limit is not None and week_cut(log, r, now, limit) else []
        group_ids = homes.get(r, [])
        out.append(readmodels.region_summary(
            r, needs=listed["needs"], support=listed["support"], capacity=listed["capacity"], actions=week,
            funds=listed["funds"], alerts=live, last_heard=max([heard.get(g, (0,))[0] for g in group_ids], default=0) or None,
            groups=group_ids, capped=capped))
    for summary in out:
        summary["group_names"] = [(names or {}).get(g) for g in summary["groups"]]
        # (a group that left or was revoked keeps its profile's region: "DOVER — Dover; last heard
        # from 14:00" read as a group there to send goods to or to call)
        summary["groups_gone"] = [log.gone(g) for g in summary["groups"]]
        # each group apart, the quietest first: a raided group gone silent beside an active one was
        # hidden by the region's latest
        summary["groups_heard"] = sorted(
            ({"group": g, "last_heard": heard.get(g, (None, None))[0],  # (`named` adds its group_name)
              "heard_by": heard.get(g, (None, None))[1], "group_gone": gone}
             for g, gone in zip(summary["groups"], summary["groups_gone"])),
            key=lambda h: (h["last_heard"] or 0, h["group"]))
    return out


def urgent_too(log: Held, region: str, now: int, listed: dict[str, list[dict[str, Any]]],
               capped: list[str]) -> list[str]:
    """Of a region whose desk cell for needs or support requests was cut at its newest rows
    (`capped`), the open needs of high urgency and the support requests of high urgency or waiting
    for a group, added to `listed` in place (each once): of those the store marks, whatever their
    age (proj.urg: node/store/desk_marks.py; a request whose takers left or were revoked is marked
    again), URGENT_ROWS of each, newest first and fair to every group (Held.listed); the
    parts of which more were marked ("needs_urgent", "support_urgent"). After 55 newer
    book needs by Bristol, its urgent blankets need was missing from the desk entirely; behind 100
    newer rows, until the marks. A bounded read: its cost does not grow with the log."""
    found: list[str] = []
    for part, (table, items, keep) in _URGENT_PARTS.items():
        if part not in capped:
            continue
        known = {i["id"] for i in listed[part]}
        deep = replace(log, capped=set())
        # (the items listed already are not worked out again: a third of the desk's time went to them)
        added = []
        for i in items(deep, region, now, known):
            if i["id"] not in known and keep(i):
                known.add(i["id"])
                added.append(i)
        listed[part] = listed[part] + added  # (a new list: the items `listed` held may be shared)
        found += [f"{part}_urgent"] if table in deep.capped else []  # (more marked than read)
    return found


# Each desk part `urgent_too` completes: its table, its items (of the rows marked), and which of them
# it adds (a mark says "maybe": the read model decides, with the trust graph and the readers)
_URGENT_PARTS: dict[str, tuple[str, Callable[[Held, str, int, Collection[bytes]], list[dict[str, Any]]],
                               Callable[[dict[str, Any]], bool]]] = {
    "needs": (NEED, lambda log, region, now, known: _needs_alone(log, region, now, URGENT_ROWS, known, sums=True,
                                                                 urgent=True),
              lambda n: n["remaining"] > 0 and n.get("urgency") == "high"),
    "support": (SUPPORT, lambda log, region, now, known: support_requests_of(log, region, now, URGENT_ROWS, known,
                                                                             sums=True, urgent=True),
                lambda s: s["status"] != "closed" and (s["urgency"] == "high" or s["status"] != "claimed")),
}


def support_requests_of(log: Held, region: str | None, now: int, limit: int | None,
                        leave_out: Collection[bytes] = (), sums: bool = False, **marked: bool) -> list[dict[str, Any]]:
    """The support requests of `region` (`marked`: of those the store marks), those in `leave_out` read
    and not worked out (each request's item is of its own rows alone: the others' are the same without
    them); `sums`: as a desk adds them up (events.readmodels.support_requests)."""
    requests = log.listed(SUPPORT, limit, region=region, **_newest(limit), **marked)
    requests = [r for r in requests if r.key not in leave_out] if leave_out else requests
    return _requests(log, requests, now, sums)


# The desk's parts, each with the tables its sums are read from: a part is `capped` when a read of
# its own left rows out (offers apart from needs: 800 needs must not say the offers' sums are cut).
DESK_PARTS = {"needs": {NEED}, "offers": {OFFER}, "support": {SUPPORT}, "capacity": {SUPPORT_OFFER},
              "funds": {FUNDRAISER}}


def heard_from(log: Held, peers: list[dict[str, Any]]) -> dict[bytes, tuple[int, str]]:
    """When this node last heard from each group (ms) and how, whichever is later: "event", the
    newest stored event of its devices or of its group key (its profile, its vouches: a group that
    joined and published nothing yet was heard from) as its author's clock stamped it (no arrival
    time is stored); or "sync", this node's last complete sync with one of its devices (this node's
    clock: `peers`, node.status.peer_list or a running node's peer_views)."""
    heard: dict[bytes, tuple[int, str]] = {}
    members = [(key, member) for key, member in list(log.trust.members.items()) if member.role in ("device", "group")]
    stamps = log.store.newest_stamps([key for key, _ in members])
    for key, member in members:
        if key in stamps and stamps[key] > heard.get(member.group, (0,))[0]:
            heard[member.group] = (stamps[key], "event")
    for p in peers:
        device = p.get("device")
        member = log.trust.member(bytes.fromhex(device)) if isinstance(device, str) and len(device) == 64 else None
        if member is not None and p.get("last_sync") and int(p["last_sync"]) > heard.get(member.group, (0,))[0]:
            heard[member.group] = (int(p["last_sync"]), "sync")
    return heard


_VIEWS = {"regions": None, "actions": actions, "timeline": timeline, "past-actions": past_actions,
          "fundraisers": fundraisers, "needs": needs, "support": support, "capacity": capacity, "alerts": alerts,
          "alert-history": alert_history, "resources": resources, "groups": groups}
