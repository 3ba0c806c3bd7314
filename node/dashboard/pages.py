"""What each dashboard page shows, read from the node's log: plain dicts for the templates.

Blocking database reads (run them through the node's `db`). The read models come from node.views
and the network health from node.status; this module only picks, bounds and arranges them, so
a page costs a few indexed queries whatever the size of the log.
"""
from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from events import readmodels
from events.kinds import KINDS
from events.projections import FUNDRAISER, NEED, PROFILE, SUPPORT, MemoryTables
from events.sealed import SEALED_KIND
from events.trust import TrustGraph
from crypto.short_ids import short_id
from node import (alert_banner, fair_share, feeds_opt_in, publishing, references, related, render, request_shares,
                  revoked_here)
from node.request_shares import SHARE_KIND
from node.dashboard.event_names import Named
from node.field_input import InputError
from node.hidden_own import still_said
from node.audience import (Opener, WithOpened, mark_private_readers, opened_event, opened_rows, readers_here,
                           shared_with)
from node.log import EventLog
from node.private import reading_devices
from node.status import admitters_unnamed, name_peers
from node.status_text import undo_command
from node.views import (ALERTS_PER_GROUP, REGION_TABLES, Held, alerts_of_every_group, counted, fair_items,
                        fundraiser_item, named, reader_of, regions_shown, support_offer_item, support_request_item, view)

MAX_REFERENCES = 64  # events named by one event's page (a redaction names at most 64)
MAX_ITEMS = 50  # per section of the overview; "and more" says when others exist
CANDIDATES = 2 * MAX_ITEMS  # rows read per table for the overview, newest first (some are closed or over)
# Rows read per table for a section's later pages (?support_page=2): what lies beyond the first
# MAX_ITEMS is reachable, in pages of MAX_ITEMS, as far as this many rows go (a bounded cost still).
DEEP = 10 * CANDIDATES
# Rows read per table to say, on a section's first page, how many come after it: exact up to this,
# "N or more" past it (the rows past the cap may all be closed: "more than 50" was said of exactly
# 50); the next page counts again, among DEEP rows. Counting among DEEP rows on every first page was
# a third of the overview's time at 100k events (DESIGN section 10: < 100 ms a page), for a figure
# nobody reads to the unit past a few hundred.
COUNTED = 3 * CANDIDATES
# Rows rebuilt by one overview past which it hands the database's cached pages back (Store.release_pages):
# a first page rebuilds ~2,800 rows at 100k events, their events' pages (4.8 MiB) staying cached for
# nothing after it; a later page rebuilds only the rows of events new since (the row cache keeps the others).
RELEASE_AFTER = 1_000
PAGED = {"support": "support_page", "needs": "needs_page", "fundraisers": "funds_page"}  # section: its page's query key
PUBLISHABLE = ("action", "action.report", "action.update", "alert", "alert.update", "fundraiser", "fundraiser.update",
               "fundraiser.decline", "need", "need.update", "offer", "offer.update", "need.fulfil", "need.decline", "support.request", "support.claim",
               "support.close", "support.share", "support.offer", "support.offer.update", "resource", "group.profile")


CAPPED_CELLS = {"needs", "offers", "capacity", "support", "funds"}  # the desk's parts whose cell marks a cap


def group_names(log: EventLog) -> dict[bytes, str]:
    return references.group_names(log.store)


def regions(log: EventLog, opened: MemoryTables | None = None) -> tuple[list[str], int]:
    """The regions a page lists (views.regions_shown: the groups' home regions first, MAX_REGIONS_SHOWN
    at most) of every region something is shown for (with `opened`, the regions of the events for
    chosen groups this node reads too), and how many more there are."""
    store = log.store if opened is None else WithOpened(log.store, opened)
    return regions_shown(store.regions(REGION_TABLES), {p.data["region"] for p in store.rows(PROFILE)})


def _bounded(items: list[dict[str, Any]], capped: bool = False,
             trust: TrustGraph | None = None) -> dict[str, Any]:
    """MAX_ITEMS of them, fair to every group (a few of each before one group's others: a flood
    hides no other group's item) and with `trust` first to every lineage (a member's made-up
    groups are one); `more` says that others exist (beyond the section or the SQL cap)."""
    return {"items": fair_items(items, MAX_ITEMS, trust), "more": capped or len(items) > MAX_ITEMS}


def _running(funds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in funds if not f["ended"] and not f["group_gone"]]


def _open_needs(needs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Those with some still missing, the most urgent first, then newest first (their order): newest
    first alone put 55 newer needs for books on the first page and an urgent one for blankets on the second."""
    return sorted((n for n in needs if n["side"] == "need" and n["remaining"] > 0),
                  key=lambda n: readmodels.urgency_rank(n.get("urgency")))


def _open_requests(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Those not closed: the ones waiting for a group first, the most urgent first, then newest
    first (their order). Newest first alone put 50 newer requests taken or of low urgency on the
    first page and a family's urgent request for housing, waiting for a group, on the second."""
    return sorted((s for s in requests if s["status"] != "closed"),
                  key=lambda s: (s["status"] != "open", readmodels.urgency_rank(s.get("urgency"))))


# Each paged section: its view, which of the view's items it lists, and the table it lists.
SECTION_ITEMS = {"support": ("support", _open_requests, SUPPORT), "needs": ("needs", _open_needs, NEED),
                 "fundraisers": ("fundraisers", _running, FUNDRAISER)}


def paged(section: dict[str, Any], deeper: list[dict[str, Any]], deep_capped: bool, page: int) -> dict[str, Any]:
    """`section` (its first page, `_bounded`) as page `page` of it: the first page as is, each
    later one the next MAX_ITEMS of `deeper` (the section's items of DEEP rows, newest first) that
    the first page does not show; so no item is on two pages and none between them is skipped.
    `after`: how many come after this page (`after_more`: more than that, beyond the DEEP rows);
    `page`, and `next_page` if there are any."""
    shown = {i["id"] for i in section["items"]}
    rest = [i for i in deeper if i["id"] not in shown]
    last = max(1, min(page, 1 + -(-len(rest) // MAX_ITEMS)))  # a page past the end: the last one
    items = section["items"] if last == 1 else rest[(last - 2) * MAX_ITEMS:(last - 1) * MAX_ITEMS]
    after = max(0, len(rest) - (last - 1) * MAX_ITEMS)
    return {**section, "items": items, "page": last, "after": after, "after_more": deep_capped,
            "more": bool(after) or deep_capped, "next_page": last + 1 if after else None}


def _view_cut(log: EventLog, name: str, bounded: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The view `name` of the page's `bounded` reading, and whether its SQL limit left rows out
    (Held.capped, of this view's reads alone; the rows read are shared with the page's other views).
    The overview's all clears and past actions said nothing of a cut: past 100 alerts read, all
    clears were dropped without a word."""
    reader = replace(bounded["reader"], capped=set())
    return view(log, name, **{**bounded, "reader": reader}), bool(reader.capped)


def case_actions(request: dict[str, Any], own: bytes | None) -> None:
    """What this node's group may do with a support request, for its buttons (events.effects):
    take it (another group's request it can read, which it does not take yet: beside a group that
    takes it already, as a second offer of help), share it (its own, with more groups), close it (its
    own request, or one whose requesting
    group is gone, that it alone takes and that has no private part) or hand it back (one it takes)."""
    still = own is not None and request["status"] != "closed"
    request["may_take"] = (still and own != request["group"] and own not in request["claimed_by"]
                           and request.get("read_here", True)
                           and not request.get("group_gone"))  # (its group's questions would go unanswered)
    # Its requesting group gone, the last group still taking it closes it for everyone
    # (events.readmodels.support_requests): its close is no hand-back, and says so on the button.
    # Not a request with a private part: no taker's close ends one (most nodes cannot tell whether
    # the taker read it), so there the close hands it back, and the button says that.
    ends_it = (bool(request.get("group_gone")) and request["claimed_by"] == [own]
               and not request.get("private"))
    request["may_close"] = still and (own == request["group"] or ends_it)
    request["may_hand_back"] = still and own != request["group"] and own in request["claimed_by"] and not ends_it
    # Its own request's private details, for more groups (one that joined since, one that offers what it
    # needs): the requesting group's share alone counts (node.request_shares), and only a device that
    # reads the details can seal them again.
    request["may_share"] = (still and own == request["group"] and bool(request.get("private"))
                            and request.get("read_here", True))


def overview(log: EventLog, region: str | None, now: int, own: bytes | None = None,
             peers: list[dict[str, Any]] | None = None, opener: Opener | None = None,
             section_pages: dict[str, int] | None = None) -> dict[str, Any]:
    """Each section from at most CANDIDATES rows per table (the newest; the soonest actions), so
    the page costs the same at 100 events or 100k; sections filter them (open, not ended). `own`
    is this node's group: what it may do (take, close, adjust, clear) is marked on the items. With
    `opener` (the admin's page), the events for chosen groups this node reads are in it too.
    `section_pages`: which page of each PAGED section to show (1 unless said; `paged`): a section
    with more than it shows reads COUNTED rows to say how many follow its first page, DEEP rows to
    list its later ones. All of it read in one read transaction (Store.reading): the page is of one
    moment, and its hundreds of listings share it."""
    rebuilt = log.store.rows_rebuilt
    with log.store.reading():
        page = _overview(log, region, now, own, peers, opener, section_pages)
    if log.store.rows_rebuilt - rebuilt >= RELEASE_AFTER:
        log.store.release_pages()
    return page


def _overview(log: EventLog, region: str | None, now: int, own: bytes | None, peers: list[dict[str, Any]] | None,
              opener: Opener | None, section_pages: dict[str, int] | None) -> dict[str, Any]:
    """`overview`, read."""
    opened = opened_rows(log, opener) if opener is not None else None
    bounded = {"region": region, "now": now, "limit": CANDIDATES, "reader": reader_of(log, opened, opener=opener)}
    all_funds = view(log, "fundraisers", **bounded)
    funds = _running(all_funds)
    needs = view(log, "needs", **bounded)
    capped_needs = sum(1 for n in needs if n["side"] == "need") >= CANDIDATES
    capped_offers = sum(1 for n in needs if n["side"] == "offer") >= CANDIDATES
    for n in needs:
        n["mine"] = n["group"] == own
    all_support = view(log, "support", **bounded)
    mark_private_readers(log, opener, all_support, own)
    support = _open_requests(all_support)
    alerts, crowded = alerts_of_every_group(bounded["reader"], region, now, CANDIDATES, ALERTS_PER_GROUP)
    named(alerts, group_names(log))
    for a in alerts:
        a["mine"] = a["group"] == own
    # (a member's made-up groups share its turn: their flood is folded below the others' alerts)
    alerts, folded = alert_banner.banner(alerts, log.trust.lineages, fair_share.admitter(log.trust))
    # the alerts that ended with an all clear (the page's script reads one that leaves the banner and
    # is listed here as cleared: an expired one is not)
    history, history_cut = _view_cut(log, "alert-history", bounded)
    history = [a for a in history if a["status"] == "all_clear"]
    upcoming = view(log, "actions", **bounded)
    week_end = now + readmodels.TIMELINE_DAYS * readmodels.DAY_MS
    timeline = [a for a in upcoming if a["starts_at"] < week_end]
    later = [a for a in upcoming if a["starts_at"] >= week_end]
    happened, happened_cut = _view_cut(log, "past-actions", bounded)
    for a in happened:
        a["mine"] = a["group"] == own
    bound = partial(_bounded, trust=log.trust)  # (a member's made-up groups are one lineage)
    page = {
        "alerts": alerts,
        "alerts_folded": folded,  # live too, behind one line (a lineage with more than its share of the banner)
        "alerts_crowded": sorted(crowded),  # groups with more live alerts than the banner shows of one group
        "desk": view(log, "regions", region=region, now=now, limit=CANDIDATES, peers=peers, reader=bounded["reader"]),
        "timeline": bound(timeline, len(timeline) >= CANDIDATES),
        "later": bound(later, len(upcoming) >= CANDIDATES),
        "happened": bound(happened, happened_cut),
        "fundraisers": bound(funds, len(all_funds) >= CANDIDATES),
        "needs": bound(_open_needs(needs), capped_needs),
        "offers": bound([n for n in needs if n["side"] == "offer" and n["remaining"] > 0], capped_offers),
        "fulfilled": bound([n for n in needs if n["side"] == "need" and n["remaining"] == 0], capped_needs),
        "support": bound(support, len(all_support) >= CANDIDATES),
        "capacity": bound(*_view_cut(log, "capacity", bounded)),
        "history": bound(history, history_cut),
        "resources": bound(*_view_cut(log, "resources", bounded)),
        "names": group_names(log),
        "group_languages": references.profile_languages(log.store),  # the language of a group's texts, if one
        "regions": (listed := regions(log, opened))[0],
        "regions_more": listed[1],
        "last_n": log.store.last_n(),
        "own": own,
        "now": now,  # (#history-list's data-now: an alert gone from the banner past its end expired)
    }
    # the desk's cells counted from the newest rows only (each says so in a few words; the page, once, what it means)
    page["desk_capped"] = any(set(r["capped"]) & CAPPED_CELLS for r in page["desk"])
    built = {"support": all_support, "needs": needs, "fundraisers": all_funds}  # (each section's view, as read above)
    for section in PAGED:
        page[section] = _paged_section(log, page[section], section, (section_pages or {}).get(section, 1),
                                       # (its own cuts; the rows read and the items built shared: Held.built)
                                       {**bounded, "reader": replace(bounded["reader"], capped=set())},
                                       {i["id"]: i for i in built[section]})
    if page["support"]["page"] > 1:
        mark_private_readers(log, opener, page["support"]["items"], own)
    for s in page["support"]["items"]:
        case_actions(s, own)
    tell_apart(log, [o for s in page["support"]["items"] for o in s.get("can_go", [])], CAN_GO_NAME)
    deeper_needs = page["needs"]["items"] if page["needs"]["page"] > 1 else []
    tell_apart(log, [o for n in (*needs, *deeper_needs) for o in n.get("matches", [])], MATCH_NAME)
    tell_apart_listed(log, page)
    return page


def alert_watch(log: EventLog, now: int) -> dict[str, Any]:
    """What a page with no live part of its own needs to say a new alert, an update and an all
    clear as the overview does (static/app.js): the live alerts and the all clears the overview
    lists, and no other section. Each carries `n`, where
    the node stored it, and `changed_n`, where the last of its updates is: a page opened at `since`
    tells what came after it from what it found there."""
    # Alerts, their updates and all clears are never for chosen groups (events/sealed.py SEALABLE):
    # nothing sealed is opened for them (the overview's opening of every sealed event, at each change
    # the stream tells every open page, would cost a Pi seconds during a sync).
    bounded = {"region": None, "now": now, "limit": CANDIDATES, "reader": reader_of(log)}
    alerts, _ = alerts_of_every_group(bounded["reader"], None, now, CANDIDATES, ALERTS_PER_GROUP)
    # folded as the overview's banner folds them: a flood is said in one line there, not alert by alert
    alerts, folded = alert_banner.banner(alerts, log.trust.lineages, fair_share.admitter(log.trust))
    history = [a for a in view(log, "alert-history", **bounded) if a["status"] == "all_clear"][:MAX_ITEMS]
    for a in (*alerts, *folded, *history):
        ns = [log.store.event_n(i) or 0 for i in (a["id"], *(u["id"] for u in a["updates"]))]
        a["n"], a["changed_n"] = ns[0], max(ns)
    return {"alerts": alerts, "alerts_folded": folded, "history": {"items": history}, "names": group_names(log),
            "now": now}


def alert_ends(log: EventLog, now: int) -> list[int]:
    """When each alert the overview lists as live at `now` ends (its expiry, its updates counted),
    soonest first: an open page must drop it then, though no event comes (the live stream tells it)."""
    alerts, _ = alerts_of_every_group(reader_of(log), None, now, CANDIDATES, ALERTS_PER_GROUP)
    return sorted(a["expires"] for a in alerts)


def _paged_section(log: EventLog, first: dict[str, Any], section: str, page: int,
                   deep: dict[str, Any], known: dict[bytes, dict[str, Any]]) -> dict[str, Any]:
    """`paged` for one PAGED section: more rows read only when it has more than its first page.
    `known`: the items of the section's view worked out for its first page, by id (counted again
    on it, they were a third of the items counted)."""
    if not first["more"]:
        return paged(first, [], False, 1)
    name, keep, table = SECTION_ITEMS[section]
    if page == 1:  # of the items after the first page, only how many: nothing else worked out for them
        everything = counted(deep["reader"], name, deep["region"], deep["now"], COUNTED, known)
    else:
        everything = view(log, name, **{**deep, "limit": DEEP})
    return paged(first, keep(everything), table in deep["reader"].capped, page)


# What each list's link to an event reads as (templates/overview_body.html): two listed events
# whose links read alike, in one list or two (a need and an offer of 20 tents), are told apart.
LINK_NAMES: dict[str, Any] = {
    "alerts": lambda e: ("text", e.get("text")),
    **{section: lambda e: ("text", e.get("title")) for section in ("timeline", "later", "happened", "fundraisers",
                                                                   "resources")},
    "support": lambda e: ("support", e.get("type")),
    "capacity": lambda e: ("places", e.get("capacity"), e.get("type")),
    "needs": lambda e: ("goods", e.get("quantity"), e.get("unit"), e.get("category")),
    "fulfilled": lambda e: ("goods", e.get("quantity"), e.get("unit"), e.get("category")),
    "offers": lambda e: ("goods", e.get("remaining"), e.get("unit"), e.get("category")),
}


def tell_apart_listed(log: EventLog, page: dict[str, Any]) -> None:
    """Marks the overview's listed events whose links read alike (two needs of 'Tents: 20 items' in
    one region) as `tell_apart` marks the "could go to" links, so a screen reader's list of links
    names each apart: when it was posted, and its short id where that is alike too."""
    listed = []
    for section, name in LINK_NAMES.items():
        items = page[section] if isinstance(page[section], list) else page[section]["items"]
        for item in items:
            item["link_name"] = name(item)
            listed.append(item)
    tell_apart(log, listed, ("link_name",))


def own_group(log: EventLog, device: bytes) -> bytes | None:
    """The group of this node's device: what it may do on the overview follows from it. None once
    this device or its group is revoked or forked (a group that left the network): everything it
    would publish is refused, so no action is offered."""
    group = log.trust.group_of(device)
    if group is None or any((m := log.trust.member(key)) is None or m.revoked_from is not None
                            for key in (device, group)):
        return None
    return group


def health(log: EventLog, peers: list[dict[str, Any]], cut_off_since: int | None = None) -> dict[str, Any]:
    """Network health from `peers` (node.net.peer_views: the running node's own view, fresher than
    what it saves every 2 s, inbound links too), named here by group, and this node's log.
    `cut_off_since`: since when the node has had no link at all (None: it has one)."""
    peers = name_peers(log, [dict(p) for p in peers if p.get("source") != "blocked"])
    last_syncs = [p["last_sync"] for p in peers if p.get("last_sync")]
    lags = [p["behind"] for p in peers if p.get("connected") and p.get("behind") is not None]
    # Events of authors this node does not know (a new group's whole log) count nowhere in `behind`:
    # said beside it, as `solnet peers` says them (node/status_text.py `peer_line`)
    unknown = [p.get("unknown_authors") or 0 for p in peers if p.get("connected")]
    return {
        "peers": [{"label": p.get("label") or "?", "name": p.get("name") or p.get("label") or "?",
                   "device_name": p.get("device_name"),
                   "connected": bool(p.get("connected")), "direction": p.get("direction"),
                   "last_sync": p.get("last_sync"), "behind": p.get("behind"), "ahead": p.get("ahead"),
                   "unknown_authors": (p.get("unknown_authors") or 0) if p.get("connected") else 0,
                   "cut_off_since": p.get("cut_off_since"), "banned": bool(p.get("banned")),
                   "source": p.get("source"), "last_error": p.get("last_error"),
                   "linked_twice": p.get("linked_twice"), "device": p.get("device")} for p in peers],
        "connected": sum(1 for p in peers if p.get("connected")),
        "known": len(peers),
        "last_sync": max(last_syncs) if last_syncs else None,
        "lag": max(lags) if lags else None,
        "unknown_authors": max(unknown, default=0),
        "cut_off_since": cut_off_since,
        "events": log.store.count(),
    }


def own_key_problems(log: EventLog, device: bytes, group: bytes | None) -> list[dict[str, Any]]:
    """This node's own keys that no longer count, its group's first: revoked, or forked (a copy of
    the key in other hands). No node links with such a device, nor with a device of such a group:
    the admin must hear it (node.status_text.own_key_warnings says it in `solnet status`). Until
    the revocation reaches this node, a peer that refused this device as revoked says it
    (node/revoked_here.py: `refused_by`, `at`)."""
    out = []
    for role, key in (("group", group or log.trust.group_of(device)), ("device", device)):
        member = log.trust.member(key) if key else None
        if member is None or member.revoked_from is None:
            continue
        r = log.trust.revocation(key)
        forked = r is not None and r.fork
        out.append({"role": role, "forked": forked, "from_seq": member.revoked_from,
                    "reason": r.reason if r is not None and not forked else None,
                    # the group revoked itself: it left the network (`solnet revoke OWN_GROUP_ID`)
                    "left": role == "group" and not forked and r is not None and r.by == key,
                    # a device of a revoked or forked group: a new device of it would not link either
                    "group_gone": role == "device" and bool(out),
                    # revoked by another group's device, with its own key (a seized phone): the way back
                    "by_device": _by_device(log, r, key) if role == "group" and not forked else None})
    kept = revoked_here.load(log.store) if not out else None
    if kept is not None:  # a peer refused this device as revoked; the revocation has not come yet
        groups = revoked_here.groups_saying(kept)
        out.append({"role": "device", "forked": False, "from_seq": None, "reason": None,
                    "refused_by": ", ".join(groups), "at": kept["at"],
                    # only then is a group fork's advice likely (and while no other group's peer links with it)
                    "several_groups": revoked_here.several_groups(kept),
                    "group_fork": kept.get("forked_key") == "group",
                    "forked_at": kept.get("forked_at"),  # refused as frozen by its own fork: not revoked
                    "elsewhere": kept.get("elsewhere", False)})  # ... at a seq this home never reached
    return out


def _by_device(log: EventLog, r: Any, key: bytes) -> dict[str, str] | None:
    """Of the revocation `r` of the key `key`: the device of another group that signed it with its own
    key (solnet signs a revocation of another key with the group key only: a seized or altered
    phone), its group's name and what that group runs to undo it (node.status_text.undo_command:
    `solnet status` and the node's log give the same); None if a group key signed it."""
    by = log.trust.member(r.by) if r is not None else None
    if by is None or by.role != "device" or by.group == key:
        return None
    name = references.group_names(log.store).get(by.group) or short_id(by.group)
    return {"device": short_id(r.by), "group": name,
            "undo": undo_command({"by": r.by.hex(), "by_seq": r.seq})}


def revoked_by_own_devices(log: EventLog, group: bytes | None) -> list[dict[str, Any]]:
    """The keys a device of this node's group revoked with its own key, not its own (solnet signs
    those with the group key only: a seized or altered phone, or a thief's), each with what this
    group runs to undo it: `solnet status` and the node's log said so (node.status_text.
    revoked_by_our_devices), the dashboard did not."""
    if group is None:
        return []
    out, names = [], None
    for m in log.trust.members.values():
        r = log.trust.revocation(m.key) if m.revoked_from is not None else None
        by = log.trust.member(r.by) if r is not None and not r.fork and r.by != m.key else None
        if by is None or by.role != "device" or by.group != group:
            continue
        names = references.group_names(log.store) if names is None else names
        out.append({"device": short_id(r.by), "role": m.role, "from_seq": m.revoked_from,
                    "name": names.get(m.key) or short_id(m.key) if m.role == "group" else short_id(m.key),
                    "undo": undo_command({"by": r.by.hex(), "by_seq": r.seq}),
                    "by_id": r.by.hex(), "by_seq": r.seq})  # (the dashboard's revocation page of that device)
    return out


def hidden_own(log: EventLog, watched: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The devices of this group that sealed events this node cannot read, as the running node's
    last look found them (node/hidden_own.py Watch: it looks at what is new, where a page would
    open every sealed event of the group again), but not one revoked since from the first seq of what
    it sealed (revoking is the advice: from a later seq, what it sealed still counts); each with its id in
    full (for `solnet revoke`) and short, as the overview says them."""
    return [{**found, "device_id": found["device"], "short": short_id(device)}
            for found in watched if still_said(log, device := bytes.fromhex(found["device"]), found.get("seq"))]


def not_sent(log: EventLog, device: bytes) -> dict[str, Any]:
    """What this device signed that will not, or may not, reach the network now that no node links
    with it, as `solnet status` says it (node/own_unsent.py `stranded`): `unsent_own` (no peer is
    known to hold them) and `taken_out_own` (its revocation took them out). A replaced phone's
    admin saw neither on the dashboard, only in `solnet status`."""
    from node import own_unsent

    return own_unsent.stranded(log.store, device, own_unsent.revoked_from(log.trust, device), log.store.path,
                               log.network_id.hex(), own_unsent.forked(log.trust, device))


def own_group_problems(log: EventLog, device: bytes, group: bytes | None) -> dict[str, list[Any]]:
    """What the admin's overview must say of this node's own keys and group, in one turn of the
    database thread, as `solnet status` says it: `own_keys` (`own_key_problems`), `own_name_like`
    (the groups whose names look like its group's: node/references.py groups_named_like), and
    `admitters_unnamed` (the groups that vouched for it, if it names none it joined through:
    node.status.admitters_unnamed), `feeds_set_by` (the device other than this node's that put the
    group on the public feeds: node/feeds_opt_in.py), `revoked_by_ours` (`revoked_by_own_devices`), and, once its own
    keys no longer count, `not_sent` (`not_sent`)."""
    group = group or log.trust.group_of(device)
    own_keys = own_key_problems(log, device, group)
    return {"own_keys": own_keys, "not_sent": not_sent(log, device) if own_keys else {},
            "revoked_by_ours": revoked_by_own_devices(log, group),
            "own_name_like": references.groups_named_like(log.store, log.trust, group) if group else [],
            "admitters_unnamed": admitters_unnamed(log.trust, group) if group else [],
            # a device other than this node's put the group on the public feeds (node/feeds_opt_in.py)
            "feeds_set_by": feeds_opt_in.warning(feeds_opt_in.opted_in_by(log.store, log.trust, group), device.hex(),
                                                 group.hex()) if group else None}


def groups(log: EventLog, peers: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Every group (revoked ones too) with its devices and their revocation state, and when this node
    last heard from it (`peers`: the running node's, for its last syncs); the quietest first, as the
    desk lists a region's groups (never heard from, then the longest ago), those that left or were
    revoked last. Sorted by name, a group gone quiet (raided, its phone seized) was found only by
    reading every card's time."""
    found = view(log, "groups", peers=peers)
    return sorted(found, key=lambda g: (g["revoked_from"] is not None and not g["forked"], g["last_heard"] or 0))


def _display_fields(kind: str, fields: dict[str, Any]) -> list[dict[str, Any]]:
    """The public fields of an event in the kind's order, each with how to show it."""
    spec = KINDS.get(kind)
    if spec is None:
        return []
    out = []
    for f in spec.fields:
        if f.name not in fields or f.type in ("bytes", "signature"):
            continue  # ciphertext and signatures are checked by the node, not read by people
        value = fields[f.name]
        show = {"time": "time", "enum": "choice", "id": "id", "ids": "ids", "url": "url", "text": "text",
                "languages": "list", "texts": "list", "urls": "urls", "key": "key"}.get(f.type, "plain")  # text: free text
        if f.name in render.MONEY_FIELDS:
            show = "money"
        out.append({"name": f.name, "show": show, "value": value})
    return out


def event(log: EventLog, event_id: bytes, now: int, own: bytes | None = None,
          opener: Opener | None = None) -> dict[str, Any] | None:
    """One event for its page. An event for chosen groups shows as what is inside it when `opener`
    (the admin's page) reads it, with whom it is shared; otherwise only that it exists. `own` is
    this node's group (what it may do with the event)."""
    row = log.store.event_row(event_id)
    if row is None:
        return None
    event_id, author, seq, ts, kind, expires, _header, _sig, _body, body_state = row
    fields = render.event_fields(row) or {}
    member = log.trust.member(author)
    group = member.group if member is not None else None
    shared: list[bytes] = []
    opened = None
    if (inside := opened_event(log, opener, row)) is not None:
        inner, author_group = inside
        kind, fields, shared = inner.kind, inner.fields, shared_with(inner, author_group)
        opened = opened_rows(log, opener) if opener is not None else None
    names = group_names(log)
    out: dict[str, Any] = {
        "id": event_id, "kind": kind, "author": author, "seq": seq, "ts": ts, "expires": expires,
        "body": render.BODY_STATES[body_state], "group": group, "group_name": names.get(group),
        "fields": _display_fields(kind, fields), "raw": fields, "sealed": fields.get("sealed"),
        "title": fields.get("title") or fields.get("name"), "status": None, "mine": group is not None and group == own,
        "no_effect": None,
        "shared_with": [names.get(g) or render.short_id(g) for g in shared],  # by name, for the page
        "for_chosen_groups": kind == SEALED_KIND,  # and not readable here
    }
    out["refs"], out["about"] = referenced(log, kind, fields)
    out["named"] = Named(kind, fields, ts)
    if kind == "fundraiser.update":  # its amounts are in its fundraiser's currency
        out["currency"] = references.update_currency(log.store, log.trust, kind, fields)
    region = fields.get("region")
    bounded = {"region": region, "now": now, "limit": CANDIDATES, "opened": opened}
    found = lambda name: next((x for x in view(log, name, **bounded) if x["id"] == event_id), None)  # noqa: E731
    held = Held(log.store, log.trust)  # an older one than the newest CANDIDATES: by its own row
    if kind == "fundraiser":
        out["status"] = found("fundraisers") or named(fundraiser_item(held, event_id, now), names)
    elif kind in ("need", "offer"):
        out["status"] = found("needs") or references.listing_state(log.store, log.trust, event_id, now)
    elif kind == "support.request":
        # who its private part went to (this device's key tells): a claim by another group takes nothing
        listed = view(log, "support", region=region, now=now, limit=CANDIDATES, reader=reader_of(log, opened, opener=opener))
        out["status"] = (next((x for x in listed if x["id"] == event_id), None)
                         or named(support_request_item(reader_of(log, opener=opener), event_id, now, CANDIDATES), names))
        # its own shares alone, by the index of what they name (every share held was read and checked)
        shares = request_shares.shares_of(log, event_id) if opener is not None else None
        mark_private_readers(log, opener, [out["status"]] if out["status"] is not None else [], own, shares)
        # with whom its group shared its private details (when made, and by each share since), where this device can tell
        read_by = (request_read_by(log, opener, event_id, shares) if out["status"] and out["status"].get("private")
                   else None)
        out["read_by"] = sorted((names.get(g) or render.short_id(g) for g in read_by), key=str.casefold) \
            if read_by else []
        if out["status"] is not None:
            case_actions(out["status"], own)
    elif kind == "support.offer":
        out["status"] = found("capacity") or named(support_offer_item(held, event_id, now), names)  # (withdrawn, older)
    elif kind == "alert":
        out["status"] = next((a for a in view(log, "alert-history", **bounded) if a["id"] == event_id), None)
    elif kind == "action":  # as its group last moved or cancelled it (action.update)
        upcoming = found("actions")
        out["status"] = upcoming or found("past-actions")
        out["past"] = fields.get("starts_at", now) < now
        out["upcoming"] = upcoming is not None  # its group may still move or cancel it
    if out["status"] is not None:
        tell_apart(log, out["status"].get("can_go") or [], CAN_GO_NAME)
        tell_apart(log, out["status"].get("matches") or [], MATCH_NAME)
    if body_state == 0 and kind in KINDS:
        out["no_effect"] = log.row_no_effect(row)
    # the reason the withdraw page promised "stays, which every group can read"
    out["withdrawal"] = related.withdrawal(log, event_id, author) if out["body"] == "redacted" else None
    return out



# What the link to a place a request could go, or to an offer a need could draw on, says of it
# (templates: the "could go to" and "could come from" lists)
CAN_GO_NAME = ("group", "region", "capacity")
MATCH_NAME = ("group", "region", "remaining", "unit")


def tell_apart(log: EventLog, entries: list[dict[str, Any]], said: tuple[str, ...]) -> None:
    """Marks the entries whose links would read alike though they go to different events (a group's
    two offers of 3 places in one region: 'Calais (calais, 3 places)' twice), so that no two links
    of a page share a name and not a place: `posted` (when it was published, said after), and
    `twin` where that is alike too (published in the same minute: its short id is said as well)."""
    def alike(key: Any) -> set[Any]:
        ids: dict[Any, set[bytes]] = {}
        for e in entries:
            ids.setdefault(key(e), set()).add(e["id"])
        return {k for k, same in ids.items() if len(same) > 1}

    name = lambda e: tuple(e.get(f) for f in said)  # noqa: E731
    twins = alike(name)
    posted: dict[bytes, int | None] = {}
    for e in entries:
        if name(e) in twins:
            if e["id"] not in posted:
                posted[e["id"]] = _posted(log, e)
            e["posted"] = posted[e["id"]]
    minute = lambda e: (name(e), (e.get("posted") or 0) // 60_000)  # noqa: E731
    still = alike(minute)
    for e in entries:
        e["twin"] = minute(e) in still


def _posted(log: EventLog, entry: dict[str, Any]) -> int | None:
    """When the event `entry` links to was published, as references.target has it (None where that
    gives none: not held with its body, or of an author who is no member). An item of a read model
    carries its event's `author` and header time `ts` (events.projections, its row's own: the
    outer event's for one opened here), and its row is held only with its event's body: read from
    the item. Reading each event again was 149 of an overview's 640 statements at 100k events (the
    needs alike in name). An entry without them (a "could go to" link) is read."""
    if entry.get("ts") is not None and "author" in entry:
        return entry["ts"] if log.trust.group_of(entry["author"]) is not None else None
    found = references.target(log.store, log.trust, entry["id"])
    return found.ts if found is not None else None


def referenced(log: EventLog, kind: str, fields: dict[str, Any]) -> tuple[dict[bytes, Named | None], Named | None]:
    """The events `fields` name (an update's alert, a pledge's fundraiser, a redaction's events),
    each as its name is made of (node/dashboard/event_names.py), None if this node does not hold it
    with its body; and the one the event is about (its first reference), if held. An event shared
    with chosen groups is named by its kind alone: what is inside is not this page's to say."""
    spec = KINDS.get(kind)
    refs: dict[bytes, Named | None] = {}
    about = None
    for f in spec.fields if spec is not None else ():
        value = fields.get(f.name)
        for event_id in (value if f.type == "ids" and isinstance(value, list) else [value] if f.type == "id" else []):
            if not isinstance(event_id, bytes) or event_id in refs or len(refs) >= MAX_REFERENCES:
                continue
            found = references.target(log.store, log.trust, event_id)
            refs[event_id] = None if found is None else Named(
                found.kind, {} if found.kind == SEALED_KIND else found.fields, found.ts)
            if f.refers_to and about is None:
                about = refs[event_id]
    return refs, about


def alert_again(log: EventLog, text: str, group: bytes | None) -> tuple[dict[str, str], int] | None:
    """The words of an alert of `group` held here with its content, for a new alert to be typed from
    (its region, type, place, text and public mark, to check and change), and when that alert ends;
    None if `text` names no such alert. An alert's end never moves (an update's expiry is the update's
    own), so a raid that goes on past it is said again in a new alert: it was typed again from nothing."""
    try:
        alert_id = publishing.resolve_event_id(log, text)
    except InputError:
        return None
    alert = references.named_alert(log.store, log.trust, alert_id)
    if alert is None or alert.group != group or not alert.fields or alert.expires is None:
        return None
    typed = {i: alert.fields[i] for i in publishing.typed_fields(KINDS["alert"]) if isinstance(alert.fields.get(i), str)}
    return typed, alert.expires


def form_references(log: EventLog, kind: str, values: dict[str, str]) -> dict[str, Named]:
    """For each event-id field of a publish form of `kind` holding an id (or a unique beginning of
    one) of an event this node holds: that event, to be named beside the field. A form opened from
    "All clear: raid, calais, ..." showed only the alert's 64 hex characters: nobody, a screen reader's
    user least, could tell which alert they were about to clear."""
    spec = KINDS.get(kind)
    named: dict[str, Named] = {}
    for f in spec.fields if spec is not None else ():
        text = values.get(f.name)
        if f.type != "id" or not text:
            continue
        try:
            event_id = publishing.resolve_event_id(log, text)
        except InputError:  # not an id, none such, several such: the form's check says it
            continue
        found = referenced(log, kind, {f.name: event_id})[0].get(event_id)
        if found is not None:
            named[f.name] = found
    return named


def request_read_by(log: EventLog, opener: Opener | None, request: bytes,
                    shares: request_shares.Shares | None = None) -> frozenset[bytes] | None:
    """The groups besides its own that read a support request's private details (those its own part
    and its group's shares were sealed to: events.readmodels.request_readers), if this device reads
    every part; else None (it cannot tell). `shares`: its shares, if read already."""
    row = log.store.event_row(request)
    group = log.trust.group_of(row[1]) if row is not None else None
    if opener is None or group is None:
        return None
    readers = readers_here(log, opener, request, group, shares)
    return None if readers is None else readers - {group}


def part_readers_said(log: EventLog, opener: Opener | None, event: dict[str, Any], named: list[bytes]) -> list[bytes]:
    """Who reads the private part of `event` (an item of `event`), which names the groups `named`
    besides its author's: those groups, and for a share (support.share) every group that reads the
    request already, since the share carries the request's own details. A share's page said
    "Readable by these groups only" of the share's own readers, leaving out the groups the request
    itself was sealed to."""
    readers = [event["group"], *named]
    request = event["raw"].get("request") if event["kind"] == SHARE_KIND else None
    # only a share that counts (by the requesting group: request_shares.request_parts) carries the
    # request's details; another group's names the request with its own text, read by its own readers
    if isinstance(request, bytes) and len(request) == 32:
        shares = request_shares.shares_of(log, request)  # (read once, for both)
        if any(p.event_id == event["id"] for p in request_shares.request_parts(log, request, shares)):
            readers[1:1] = sorted(request_read_by(log, opener, request, shares) or ())
    return list(dict.fromkeys(readers))


def share_groups(log: EventLog, device: bytes, opener: Opener | None, request_text: str | None,
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The share form's groups (support.share of `request_text`, as the form's query names it): those
    to tick, every group that can receive private details but its own and those that read the request
    already; and those (named on the form, not offered: ticked, they were sealed to again for nothing)."""
    groups = [g for g in recipient_groups(log, device) if not g["yours"]]
    try:
        request = bytes.fromhex(request_text or "")
    except ValueError:
        request = b""
    read_by = request_read_by(log, opener, request) if len(request) == 32 else None
    if not read_by:
        return groups, []
    return [g for g in groups if g["id"] not in read_by], [g for g in groups if g["id"] in read_by]


def recipient_groups(log: EventLog, device: bytes) -> list[dict[str, Any]]:
    """Groups that can receive a private part or an event for chosen groups, for the forms' pickers:
    not revoked, with a device that can read it (a group invited that has not joined yet has none:
    ticked, it was refused; and, with no profile either, it read like every other such group).
    `yours`: the group of this node's `device`, which always reads what it publishes: its box is
    said to be so (ticked alone, it keeps the event within the group; beside others, it changes nothing)."""
    own = log.trust.group_of(device)
    return [{"id": g["id"], "name": g["name"], "region": g["region"], "yours": g["id"] == own}
            for g in view(log, "groups") if g["revoked_from"] is None and reading_devices(log.trust, g["id"])]
