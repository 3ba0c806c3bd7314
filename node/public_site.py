"""Public outputs (docs/design.md section 9.4): what a node may show people who have no node.

- Alerts that their group marked public (`public: yes` on the alert; private by default): a plain
  HTML page that needs no JavaScript (an old phone in a camp opens it) and an Atom feed.
- Public actions and fundraisers of the groups whose profile opts in (`public_feeds: yes`): Atom
  feeds and iCalendar feeds, one per region and one for all, for press, NGOs and calendars.
- `solnet export-site DIR` writes the same pages and feeds as static files for any web host.

Nothing here ever reads an event for chosen groups (node/audience.py): these read models are
built without a key, so sealed events are not in them at all. Everything shown is already public to
every member of the network; a public page also shows it to anyone, the police included (README).
Formats come from maintained libraries (icalendar, feedgen), never written by hand.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crypto.hashing import blake2b_256
from events.projections import PROFILE, PUBLIC_YES
from events.readmodels import departure
from node import moments, references
from node.alert_feed import taken_out
from node.log import EventLog, now_ms
from node.words import isolated
from node.views import reader_of, view

MAX_ITEMS = 200  # per feed or page section
MINUTE_MS, HOUR_MS = 60_000, 3_600_000  # (the steps of `as_of`)
DEFAULT_ACTION_HOURS = 2  # an action without an end shows as this long in a calendar
# How long an all clear stays on the public page and feed: a person who saw the alert in a camp
# must learn that it ended (an alert that vanished reads as a page that failed), for about a day.
CLEARED_SHOWN_MS = 24 * 3_600_000
# Why a public alert was withdrawn, in the Atom feed (the page says it in the reader's language)
# An alert of a group gone since it was posted stays, as members' lists keep it, marked as they mark it
# (events.readmodels departure): nobody can send its all clear, and a revoked group's may be false
GONE_SAID = {"left": "Its group has left the network since: nobody can send its all clear.",
             "revoked": "Its group was revoked by the network since: nobody can send its all clear; check it "
                        "before acting on it."}
WITHDRAWN_WHY = {"revoked": "its sender was revoked by the network",
                 "fork": "its sender's device key was used on two devices (a copied key, perhaps a thief's)"}


@dataclass
class PublicData:
    network: str
    feed_tag: str  # what names the network in the feeds' ids (`feed_tag`)
    alerts: list[dict[str, Any]]
    actions: list[dict[str, Any]]       # soonest first, every region
    fundraisers: list[dict[str, Any]]
    names: dict[bytes, str]
    regions: list[str]                  # regions with public actions or fundraisers
    now: int
    cleared: list[dict[str, Any]] = field(default_factory=list)  # public alerts ended by an all clear lately
    withdrawn: list[dict[str, Any]] = field(default_factory=list)  # public alerts of a sender since revoked
    # The languages each shown item's group writes in, as its profile says (references.profile_languages):
    # the page marks the groups' texts with them (an Arabic location reordered the line bare, and a
    # screen reader read it in the page's language)
    languages: dict[bytes, list[str]] = field(default_factory=dict)

    def newest(self, alerts_only: bool = False) -> int | None:
        """When the newest item the page shows was posted, updated, cleared or withdrawn (None: it
        shows none). The pages said when the data was read ("As of"), which happens within 2 s of
        any event stored, sealed ones too: anyone polling them learnt when events not public came
        in (until 2026-12-05). This moves only with what the page shows."""
        items = self.alerts + self.cleared + ([] if alerts_only else self.actions + self.fundraisers)
        times = [t for item in items for t in (item.get("ts"), item.get("updated_at"), item.get("cleared_at")) if t]
        times += [w["withdrawn_at"] for w in self.withdrawn]
        return max(times, default=None)


def as_of(cut_off_since: int | None, now: int) -> int:
    """Until when the public pages' facts were heard from the network: now (to the minute) while the
    node hears from another node, else when it last did (node/cut_off.py), to the hour before. "No
    public alert right now." from a node that had heard nothing for a day read as calm to people
    with no node of their own. The time alone, never why, and a cut-off's to the hour: the exact
    minute a node lost its last link would tell whoever reads the page when a peer went down."""
    if cut_off_since is None:
        return now - now % MINUTE_MS
    return cut_off_since - cut_off_since % HOUR_MS


def opted_in_groups(log: EventLog) -> set[bytes]:
    """Groups whose current profile says their public actions and fundraisers may go into feeds, and
    that are still members: a group that left (or was revoked from a later seq) kept its fundraiser's
    'how to give' and its actions on the public page, feeds and calendars, where nobody could close
    or cancel them, while every member's list had left its fundraisers out."""
    return {row.key for row in log.store.rows(PROFILE) if row.data.get("public_feeds") == PUBLIC_YES
            and departure(row.key, log.trust.member, log.trust.revocation) is None}


def public_data(log: EventLog, now: int | None = None, region: str | None = None) -> PublicData:
    """What the public pages and feeds show (blocking reads: in a running node, through its `db`)."""
    now = now_ms() if now is None else now
    names = references.group_names(log.store)  # a name like another group's with its short id
    # The public alerts, and the opted-in groups' rows, are chosen in SQL before the limit: filtered
    # after it, 200 newer alerts not marked public, or the soonest 200 actions of a group that did
    # not opt in (a flood), would leave the page or the calendar short or empty. (Filtered here
    # again all the same: nothing not marked public may reach a public page.)
    public_only = reader_of(log, public=True)
    alerts = [a for a in view(log, "alerts", region=region, now=now, limit=MAX_ITEMS, reader=public_only)
              if a.get("public") is True]
    opted = reader_of(log, only=frozenset(opted_in_groups(log)))
    actions = view(log, "actions", region=region, now=now, limit=MAX_ITEMS, reader=opted)  # soonest first
    # A fundraiser changes publicly only with its group's report of money raised: its `updated_at`
    # moves with each pledge and decline too, and the feed's entry and the page's newest time told
    # anyone when members pledged (readmodels.fundraisers)
    funds = [{**f, "updated_at": f["reported_at"]}
             for f in view(log, "fundraisers", region=region, now=now, limit=MAX_ITEMS, reader=opted)
             if f.get("ends_at") is None or f["ends_at"] >= now]
    regions = sorted({a["region"] for a in actions} | {f["region"] for f in funds})
    # An all clear says nothing whether the alert was public: only those of alerts still held, and
    # marked public, are shown (an alert expired since is gone, and with it whether it was public).
    cleared = [s for s in view(log, "alert-history", region=region, now=now, limit=MAX_ITEMS, reader=public_only)
               if s["status"] == "all_clear" and s.get("public") is True
               and s["cleared_at"] >= now - CLEARED_SHOWN_MS]
    withdrawn = withdrawn_public_alerts(log, now, region)
    # a group revoked from its start left the log with its profile: named as the members' lists name it
    # (once per group: a group's flood of withdrawn alerts is one name to read)
    names = {**names, **{g: kept for g in {w["group"] for w in withdrawn} - names.keys()
                         if (kept := references.kept_aside_name(log.store, g)) is not None}}
    shown = {item["group"] for item in alerts + actions + funds + cleared + withdrawn}
    languages = {g: langs for g, langs in references.profile_languages(log.store).items() if g in shown}
    return PublicData(log.genesis.name, feed_tag(log.genesis.raw), alerts, actions, funds, names, regions, now, cleared,
                      withdrawn, languages)


def withdrawn_public_alerts(log: EventLog, now: int, region: str | None = None) -> list[dict[str, Any]]:
    """The public alerts, not expired, that a revocation or a fork took out of the log (an
    infiltrator's false raid alert, its group revoked; a thief's, signed with a copied device key):
    people who read one on the page or in the feed must learn it no longer stands, where it used
    to vanish without a word. Their fields as they were signed, and why (`why`: "revoked", "fork")."""
    out = []
    for gone in taken_out(log, now, MAX_ITEMS):
        ev, fields = gone.event, gone.fields
        if fields.get("public") != PUBLIC_YES or region is not None and fields["region"] != region:
            continue
        member = log.trust.member(ev.author)
        out.append({"id": ev.id, "region": fields["region"], "type": fields["type"], "text": fields["text"],
                    "location": fields.get("location"), "ts": ev.header.timestamp, "expires": ev.header.expires,
                    "group": member.group if member is not None else ev.author, "withdrawn_at": gone.taken,
                    "why": gone.why})
    return out


FEED_TAG_PURPOSE = b"solnet-feed-tag"


def feed_tag(genesis: bytes) -> str:
    """What names the network in the feeds' ids: a hash of its genesis (`genesis`, the founding
    record every member holds), never its id nor anything made from the id alone. The network id
    crosses the wire in clear in every link's first message (sync/handshake.py), so the feeds' ids,
    which held its first 8 bytes until 2026-12-06, let whoever watched a home's connection find
    the network's public site (its name, its groups' public alerts): 'a solnet user' became 'a node
    of the Calais network'. The network id is itself a hash of the genesis, which never crosses the
    wire in clear: from the id, this tag cannot be worked out (a hash of the id could, by anyone
    who reads this code)."""
    return blake2b_256(genesis, person=FEED_TAG_PURPOSE)[:8].hex()


def _urn(data: PublicData, *parts: str) -> str:
    return ":".join(("urn:solnet", data.feed_tag, *parts))


# --- Atom -------------------------------------------------------------------------------------------
def _feed(data: PublicData, name: str, title: str, base_url: str | None, path: str) -> Any:
    from feedgen.feed import FeedGenerator  # lxml loads only when a feed is made

    feed = FeedGenerator()
    feed.id(_urn(data, name))
    feed.title(title)
    feed.author({"name": f"solnet network {data.network}"})
    feed.generator("solnet")
    if base_url is not None:  # "" (served): relative to the site's root, which Atom allows
        feed.link(href=base_url.rstrip("/") + path, rel="self")
    return feed


def _atom(feed: Any) -> bytes:
    """The feed as Atom, `updated` when its newest entry was (RFC 4287 asks one): not when the data
    was read, which happens as soon as any event is stored, and told anyone when events not public,
    sealed ones too, came in (until 2026-12-05). An empty feed: 1970, which says nothing."""
    feed.updated(max((entry.updated() for entry in feed.entry()), default=moments.utc(0)))
    return feed.atom_str(pretty=True)


def _entry(feed: Any, data: PublicData, event_id: bytes, title: str, text: str, ts: int, group: bytes,
           link: str | None = None, updated: int | None = None) -> None:
    entry = feed.add_entry(order="append")
    entry.id(_urn(data, "event", event_id.hex()))
    entry.title(title)
    entry.content(text, type="text")
    entry.published(moments.utc(ts))
    entry.updated(moments.utc(updated or ts))  # a reader shows an entry again when this moves
    entry.author({"name": poster(data, group)})
    if link:
        entry.link(href=link)


def poster(data: PublicData, group: bytes) -> str:
    """The group that posted an item, as the public feeds name it (plain text: no <bdi> there). A
    name with letters written right to left is set apart (U+2068 ... U+2069), which a reader's rule
    for a title's direction skips (UAX #9): first in a title, "ب" made the whole title right to left,
    and "ب: Calais: march" showed as "Calais: march :ب", the poster's words first, read as Calais's."""
    return isolated(data.names.get(group) or "a group of the network")


def alerts_atom(data: PublicData, base_url: str | None = None) -> bytes:
    """The public alerts, all clears and withdrawals as Atom. Each title and text names the group
    that posted it first, before its poster's own words (the place, the text): a feed reader shows a
    title alone, cut, and a member's alert placed "Calais: raid at the bridge, everyone ..." read as
    Calais's, its group's name (given after) cut off. As the dashboard's alert_said does."""
    feed = _feed(data, "alerts", f"Public alerts — {data.network}", base_url, "/public/alerts.atom")
    for a in data.alerts:
        where = a["region"] + (f", {a['location']}" if a.get("location") else "")
        until = public_time(a["expires"])
        update = f"\n\nUpdate {public_time(a['updated_at'])}: {a['latest']}" if a.get("updated_at") else ""
        gone = f"\n\n{GONE_SAID[a['group_gone']]}" if a.get("group_gone") else ""
        by = poster(data, a["group"])
        _entry(feed, data, a["id"], f"{by}: {a['type'].replace('_', ' ').upper()} — {where}",
               f"Posted by {by}: {a['text']}{update}\n\n{where}. Until {until}.{gone}", a["ts"], a["group"], updated=a.get("updated_at"))
    for c in data.cleared:  # an entry of its own (the all clear's id): a reader shows it as news
        where = c["region"] + (f", {c['location']}" if c.get("location") else "")
        by = poster(data, c["group"])
        _entry(feed, data, c["updates"][-1]["id"], f"ALL CLEAR — {by}: {c['type'].replace('_', ' ').upper()} — {where}",
               f"All clear {public_time(c['cleared_at'])}, by {by}" + (f": {said}" if (said := c["updates"][-1].get("text")) else ".")
               + f"\n\n{where}. The alert of {public_time(c['ts'])} has ended: {c['text']}", c["cleared_at"], c["group"])
    for w in data.withdrawn:  # the alert's own entry, replaced: a reader keeps no false alert as it was
        where = w["region"] + (f", {w['location']}" if w.get("location") else "")
        by = poster(data, w["group"])
        _entry(feed, data, w["id"], f"WITHDRAWN — {by}: {w['type'].replace('_', ' ').upper()} — {where}",
               f"Withdrawn {public_time(w['withdrawn_at'])}: {WITHDRAWN_WHY[w['why']]}; do not act on it.\n\n"
               f"The alert {by} posted at {public_time(w['ts'])} said: {w['text']}", w["ts"], w["group"], updated=w["withdrawn_at"])
    return _atom(feed)


def public_time(ms: int) -> str:
    """A time on the public pages and feeds, read by anyone: in this node's time zone (its group's,
    where it runs) with that zone's offset from UTC, '2026-12-07 20:00 CET (UTC+01:00)'. In UTC
    alone, people in Calais read '19:00 UTC' for an action at 20:00 and came an hour late or early;
    with the offset, a reader elsewhere still tells the moment. Nothing in the network says a
    region's zone (an event keeps its time, not the offset it was typed in), so the node's own is the
    one its readers, its region's people, expect."""
    when = moments.local(ms)
    offset = when.strftime("%z")
    zone = when.tzname() or ""
    if offset in ("+0000", "-0000") and zone in ("UTC", "GMT", ""):
        return f"{when:%Y-%m-%d %H:%M} {zone or 'UTC'}"
    named = "" if zone.startswith(("+", "-")) else f" {zone}"  # (a zone with no abbreviation: '+04')
    return f"{when:%Y-%m-%d %H:%M}{named} (UTC{offset[:3]}:{offset[3:]})"


def actions_atom(data: PublicData, base_url: str | None = None, region: str | None = None) -> bytes:
    path = f"/public/actions-{region}.atom" if region else "/public/actions.atom"
    feed = _feed(data, f"actions:{region or 'all'}", f"Solidarity actions{' in ' + region if region else ''} — "
                 f"{data.network}", base_url, path)
    for a in data.actions:
        when = public_time(a["starts_at"])
        place = f", {a['place']}" if a.get("place") else ""
        text = f"{when} — {a['region']}{place}. {a.get('description') or ''}".strip()
        title, changed = _changed(a, poster(data, a["group"]))
        _entry(feed, data, a["id"], title, f"{changed}\n{text}".strip(), a["ts"], a["group"], a.get("link"),
               a.get("updated_at"))
    return _atom(feed)


def fundraisers_atom(data: PublicData, base_url: str | None = None) -> bytes:
    feed = _feed(data, "fundraisers", f"Fundraisers — {data.network}", base_url, "/public/fundraisers.atom")
    for f in data.fundraisers:
        raised = f"{f['raised'] / 100:,.2f} of {f['goal'] / 100:,.2f} {f['currency']} raised ({f['progress']} %)"
        give = f"\nHow to give: {f['how_to_give']}" if f.get("how_to_give") else ""
        raised += f" ({f['note']})" if f.get("note") else ""  # its group's word with it: "goal reached, thank you"
        _entry(feed, data, f["id"], f"{poster(data, f['group'])}: {f['title']}", f"{raised}. {f.get('description') or ''}{give}".strip(), f["ts"],
               f["group"], updated=f.get("updated_at"))  # a reader shows it again once more is raised
    return _atom(feed)


def _changed(action: dict[str, Any], by: str) -> tuple[str, str]:
    """An action's title, its posting group (`by`, `poster`) first, and what its group changed in
    words ("" if nothing), as the Atom feed and the calendars both say it: CANCELLED, with its group's
    note, or MOVED, with where and when it was before. The group comes before the poster's own words,
    as in the alerts' titles: a reader shows a title alone, and a member's "Calais: march" passed for
    Calais's. A reader who saw the first entry, or added the event to a calendar, must learn that it
    is off or moved: the calendars said neither a move nor why an action was cancelled, and an
    event of a subscribed calendar moved to another day without a word."""
    note = action.get("note") or ""
    was = action.get("moved_from")
    before = public_time(was["starts_at"]) + (f", {was['place']}" if was.get("place") else "") if was else ""
    if action.get("status") == "cancelled":  # (its group cancelled it: action.update; moved too: from when)
        return (f"CANCELLED — {by}: {action['title']}",
                f"CANCELLED by its group{f' (it was first {before})' if was else ''}. {note}".strip())
    if was:
        return f"MOVED — {by}: {action['title']}", f"MOVED by its group (it was {before}). {note}".strip()
    return f"{by}: {action['title']}", ""


# --- iCalendar --------------------------------------------------------------------------------------
def actions_ics(data: PublicData, region: str | None = None) -> bytes:
    """The public actions (of `region`, or all) as an iCalendar feed a calendar app subscribes to."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//solnet//public actions//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Solidarity actions{' — ' + region if region else ''} ({data.network})")
    for a in data.actions:
        if region is not None and a["region"] != region:
            continue
        item = Event()
        item.add("uid", f"{a['id'].hex()}@solnet")
        group = poster(data, a["group"])
        title, changed = _changed(a, group)
        item.add("summary", title)
        item.add("dtstamp", moments.utc(a.get("updated_at") or a["ts"]))
        # No SEQUENCE (RFC 5545 3.8.7.4): it must never go down for a UID, and none worked out from
        # the events a node holds is so: a revocation or a fork takes a seized phone's move out, and
        # an app keeping the higher SEQUENCE keeps the trap's time and place. It needs a record per
        # action kept by the node; subscribed calendars are read again whole meanwhile.
        if a.get("status") == "cancelled":  # a calendar app strikes it out where it was added
            item.add("status", "CANCELLED")
        item.add("dtstart", moments.utc(a["starts_at"]))
        end = a.get("ends_at") or a["starts_at"]
        if end <= a["starts_at"]:
            end = a["starts_at"] + DEFAULT_ACTION_HOURS * 3_600_000
        item.add("dtend", moments.utc(end))
        where = ", ".join(x for x in (a.get("place"), a["region"]) if x)
        item.add("location", where)
        said = (changed, a.get("description"), f"{a['type'].replace('_', ' ')}, by {group}")
        item.add("description", "\n\n".join(x for x in said if x))
        item.add("categories", [a["type"].replace("_", " ")])
        if a.get("link"):
            item.add("url", a["link"])
        calendar.add_component(item)
    return calendar.to_ical()


# --- static export ----------------------------------------------------------------------------------
def site_files(data: PublicData, pages: dict[str, str], base_url: str | None = None) -> dict[str, bytes]:
    """Every file of the public site: `pages` (name -> HTML, rendered by the caller) and the feeds."""
    files = {name: html.encode("utf-8") for name, html in pages.items()}
    files["alerts.atom"] = alerts_atom(data, base_url)
    files["actions.atom"] = actions_atom(data, base_url)
    files["fundraisers.atom"] = fundraisers_atom(data, base_url)
    files["calendar.ics"] = actions_ics(data)
    for region in data.regions:
        files[f"calendar-{region}.ics"] = actions_ics(data, region)
    return files


def write_site(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write the files into `folder` (made if new), each whole or not at all (written aside, renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in sorted(files.items()):
        path = folder / name
        temp = folder / f".{name}.tmp"
        temp.write_bytes(content)
        temp.replace(path)
        written.append(path)
    return written
