"""Counts and times as people read them in a terminal: '2 events', '2026-12-01 18:00 CET'. The
few helpers that `solnet status` needs, apart from node/render.py so that it loads nothing else."""
from __future__ import annotations

import re

from crypto.short_ids import short_id
from events.control_chars import escaped
from node import moments, stamped_ahead
from node.clock import now_ms

_BREAKS = re.compile(r"[ \t]*(?:\r\n|\r|\n)[ \t]*")


def one_line(text: str) -> str:
    """`text` on one line: a line break shows as ⏎. Texts may hold line breaks (a description), and
    printed as they are in a one-line listing, a member's alert or group name made lines of its own
    that read as another group's all clear (`solnet view alerts`), and a revocation's reason lines
    of every node's `solnet status`."""
    return _BREAKS.sub(" ⏎ ", text).replace("\t", " ")


def isolated(name: str) -> str:
    """A name with letters written right to left set apart (U+2068 ... U+2069), which a reader's rule
    for a line's or a title's direction skips (UAX #9): first in a line, "ب" made the whole line right
    to left, and "ب: Calais: march" showed as "Calais: march :ب", the poster's words first, read as
    Calais's; and digits after such a name (its short id) were drawn across it. Other names as they
    are. The public feeds (plain text) and the terminal (`solnet view`) set names apart so; the
    dashboard has <bdi>."""
    import unicodedata  # (only where a name is shown: not on a running node's start path)

    if "\n" in name:  # each line on its own: an isolate cannot span a line break (a terminal lays out
        # each line apart), and one left open was printed as the escapes \u2068 ... \u2069 (node/terminal_text.py)
        return "\n".join(isolated(line) for line in name.split("\n"))
    marks = "\u2066\u2067\u2068\u2069"
    if name.startswith("\u2068") and name.endswith("\u2069") and not any(c in marks for c in name[1:-1]):
        return name  # set apart already
    if any(c in marks for c in name):  # a member's own (a private part's lines are not checked as fields
        # are): "\u2068a\u2069ب\u2068b\u2069" begins and ends as one isolate but is two, a bare letter
        # between that turned the line; given as their escapes, as the terminal gives them
        name = "".join(escaped(c) if c in marks else c for c in name)
    return f"\u2068{name}\u2069" if any(unicodedata.bidirectional(c) in ("R", "AL") for c in name) else name


def padded(text: str, width: int) -> str:
    """`text` and spaces to fill `width` columns as a reader sees them: the two marks that set a name
    apart (`isolated`) take no column, and counted as letters they left a right-to-left name's
    column of `solnet ls` and `peers` two short, every column after it drawn two to the left. So for
    the rest, which a name may hold: a wide letter (CJK, most emoji) takes two, a combining accent or
    a zero-width character none, and a mark the terminal is given as its escape (a direction mark:
    node/terminal_text.py) the six of `\\u200f`."""
    import unicodedata  # (only where a column is drawn: not on a running node's start path)

    from events.control_chars import SHOWN_ESCAPED_RE

    def columns(c: str) -> int:
        if SHOWN_ESCAPED_RE.match(c):
            return 6
        if unicodedata.category(c) in ("Mn", "Me", "Cf") and c != "\u00ad":  # (a soft hyphen is drawn)
            return 0
        return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
    seen = sum(columns(c) for c in text.replace("\u2068", "").replace("\u2069", ""))
    return text + " " * (width - seen)


def plural(count: int | str, word: str, words: str | None = None) -> str:
    """'1 event', '0 events', '2 events' (in English only one is singular). A count may be an
    enum's text (a support request's people: '1', '3-5')."""
    return f"{count} {word if str(count) == '1' else (words or word + 's')}"


def span(ms: int) -> str:
    """A length of time in hours and minutes, '25 min' or '26 h 05 min': the same words in English
    and French (the dashboard says it too)."""
    hours, minutes = divmod(max(0, ms) // 60_000, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def clock_behind(ms: int) -> str:
    """The warning of a clock that looks `ms` behind its peers' (node/clock.py ClockDoubt). Cautious:
    the groups' clocks may be the wrong ones, or lie (an admin who set a right clock ahead as told
    had every event of theirs refused everywhere)."""
    return (f"this machine's clock looks {span(ms)} behind: events of two groups or more, of separate "
            "branches of the network, came stamped at least that much after it. A group's clock can be wrong, or lie: "
            "before setting this one, compare it with a time you trust (a phone's, or `timedatectl` with NTP on, "
            "which sets it from a time server), and leave it if it is right. A Raspberry Pi has no real-time "
            "clock and runs late after a power cut until it reaches a time server. While it is behind, this node "
            "refuses its peers' fresh events, alerts included, and what it publishes is stamped too early (shown "
            "elsewhere as older than it is; its expiry is put off by as much, so an alert still lasts as long as "
            "asked)")


def alerts_may_be_missing(running: bool, last_sync: int | None, cut_off_since: int | None,
                          clock_behind_ms: int | None) -> list[str]:
    """Why the alerts this home lists may not be all there are, each a sentence (`solnet view alerts`):
    no node runs on it (a laptop shut for two days listed a calm it had not heard the end of), the
    running node has no link to any peer, or its clock looks behind (fresh alerts refused). The
    dashboard says the same in its banners."""
    said = []
    if not running:
        since = f"since it last synced ({local_time(last_sync)})" if last_sync else "(it has never synced)"
        said.append(f"no node runs on this home: alerts posted {since} are not here. Start it (`solnet run`), "
                    "sync once (`solnet sync PEER`) or import a newer bundle, then look again")
    elif cut_off_since:
        said.append(f"this node has heard from no other node since {local_time(cut_off_since)}: alerts posted since "
                    "may be missing (`solnet status` says why)")
    if running and isinstance(clock_behind_ms, int) and clock_behind_ms > 0:
        said.append(clock_behind(clock_behind_ms))
    return said


def own_events_refused(peers: int, from_seq: int) -> str:
    """The warning of peers that do not take this device's events (node/clock.py OwnEventsRefused)."""
    return (f"Peers of {peers} groups did not take this device's events from seq {from_seq} that a complete round gave them. "
            "A peer refuses events stamped more than 10 minutes after its own clock, so this machine's clock may "
            "be ahead: compare it with a time you trust (a phone's, or `timedatectl` with NTP on) before changing "
            "it. Until it is right what this node publishes, alerts included, reaches "
            "no one (on a peer's node, its log says why it refused them)")


def own_stamped_ahead(events: int, until_ms: int, now: int | None = None, held_behind_ms: int | None = None) -> str:
    """The warning of this device's events stamped while its clock ran ahead (node/stamped_ahead.py):
    peers hold them, and every later one behind them, until `until_ms` or a rightly stamped event
    (if they are stamped at most MAX_PROVED_LEAD_MS ahead). With `held_behind_ms`: a peer holds them,
    so this clock is likely behind by about that much (node/net/node.py `own_stamped_ahead`)."""
    if held_behind_ms is not None:
        # (not "newest": once this clock stamped one, they are not; node/own_unsent.py held_beyond_proof)
        taken = "an event of this device" if events == 1 else f"{events} events of this device"
        return (f"this machine's clock is likely behind, by about {span(held_behind_ms)}: {taken}, which a peer has taken, "
                f"{'is' if events == 1 else 'are'} stamped that much after it, and a peer takes nothing stamped more than "
                "10 minutes after its own clock. A Raspberry Pi has no real-time clock and runs in the past after a power "
                "cut until it reaches a time server. Compare it with a time you trust (a phone's, or `timedatectl` with "
                "NTP on) and set it right before publishing: what this node publishes meanwhile is stamped that much too "
                "early; an alert's end is put off by as much, but never past 48 hours after its stamp, so with a clock "
                "further behind an alert has ended before it reaches the other nodes")
    wait, they = ("waits", "it was") if events == 1 else ("wait", "they were")
    said = (f"{plural(events, 'event')} of this device {wait} at peers until {local_time(until_ms)}: {they} stamped "
            "while this machine's clock ran ahead, and a peer takes nothing stamped more than 10 minutes after its "
            "own clock. This clock is right now. ")
    if stamped_ahead.publishing_proves(until_ms, now_ms() if now is None else now):
        return said + ("Publish anything (an alert, a need): peers take a device's events stamped ahead once a "
                       "later one of it is rightly stamped, and its chain flows again")
    return said + (f"Peers let in events stamped ahead once a later one is rightly stamped only up to "
                   f"{span(stamped_ahead.MAX_PROVED_LEAD_MS)} ahead, so until then what this device publishes waits "
                   "behind them; to be heard sooner, publish from another device of the group")


def key_elsewhere(when: str, seq: int, at_ms: int, device: str | None = None, group: str | None = None) -> str:
    """The warning of another node signing with this device's key (node/key_elsewhere.py): `when`
    "now" (signed while this node runs) or "while_stopped"; `device` and `group`, the ids (hex) to
    put in the commands it gives (else placeholders)."""
    made = f"this device's event seq {seq}, made {local_time(at_ms)}"
    stolen = ("If no copy runs, the key is in other hands: revoke this device with your group key (`solnet revoke "
              f"{device or 'DEVICE_ID'}` on the node that holds it) and make a new one (`solnet init --device-of "
              f"{group or 'GROUP_ID'}`)")
    if when == "while_stopped":
        return (f"a peer brought {made}, above what this node held when it started: it was signed elsewhere while "
                "this node was stopped. If this home was restored from an older backup, it is its own and nothing "
                "is wrong. Otherwise a copy of this home runs elsewhere: stop it before both sign at once (every "
                f"node then refuses this device for good). {stolen}")
    return (f"another node signs with this device's key: a peer brought {made}, that this node did not make. "
            "If a copy of this home runs elsewhere (a cloned SD card, a restored backup), stop it now: two nodes "
            "signing at once, or one while it cannot reach the other, make two events with one seq, and every "
            f"node then refuses this device for good. {stolen}")


def group_key_elsewhere(when: str, seq: int, at_ms: int, group: str | None = None,
                        devices: list[str] | None = None, groups: list[str] | None = None,
                        devices_count: int = 0, groups_count: int = 0, other: dict[str, int] | None = None) -> str:
    """The warning of another home signing with this group's key (node/key_elsewhere.py, on the home
    holding it): `when` as for `key_elsewhere`; `devices` and `groups`, the ids (hex) of those it
    certified and admitted there (the first of them: `devices_count` and `groups_count` say how many
    in all), `other` its other events there by kind."""
    made = f"the group key's event seq {seq}, made {local_time(at_ms)}"
    devices, groups = devices or [], groups or []
    counts = (max(devices_count, len(devices)), max(groups_count, len(groups)))
    done = " and ".join(f"{verb} {plural(count, noun)}" for count, verb, noun in
                        ((counts[0], "certified", "device"), (counts[1], "admitted", "group")) if count)
    done = f" It {done} there." if done else ""
    if other:
        done += " It signed there too: " + ", ".join(f"{n} {kind}" for kind, n in sorted(other.items())) + "."
    revoke = ", ".join(f"`solnet revoke {k}`" for k in [*devices, *groups])  # (each id once: the first named)
    if revoke and sum(counts) > len(devices) + len(groups):
        revoke += f"; the {sum(counts) - len(devices) - len(groups)} others are cut off with this group"
    stolen = ("the group key is in other hands: whoever holds it can certify another device at any time (it reads "
              "what is sealed to this group) and admit groups. "
              + (f"Revoke what it certified or admitted now, here ({revoke}), then ask" if revoke else "Ask")
              + f" the group that admitted yours to revoke this group (`solnet revoke {group or 'GROUP_ID'}` on its node)"
              " and to admit a new one")
    if when == "while_stopped":
        return (f"another home signed with this group's key while this node was stopped: this home holds {made}, above "
                f"the newest it signed with that key.{done} If this home was restored from an older backup, these are "
                f"its own events and nothing is wrong. If it was not, {stolen}")
    return (f"another home signs with this group's key: a peer brought {made}, that this node did not make.{done} "
            f"If no copy of this home runs elsewhere, {stolen}")


LINKED_TWICE = ("linked twice at once from two places: a copy of its home may be running; its group should check and "
                "revoke it if so")
# Said to that device over the link closed to tell it (node/linked_twice.py; at most 512 characters)
LINKED_TWICE_TOLD = ("this node holds two links of your device at once, from two places: a copy of your home may be running "
                     "(a cloned SD card, a restored backup, a thief's copy). If your group runs none, revoke this device "
                     "with your group key (`solnet revoke DEVICE_ID` on the node that holds it) and make a new one")


def linked_twice(name: str) -> str:
    """The warning of a peer device linked twice at once (node/linked_twice.py), `name` for it."""
    return f"{name} is {LINKED_TWICE}"


def linked_twice_here(peer: str, at_ms: int | None = None) -> str:
    """The warning of a peer (`peer`, its label and device) that said it holds two links of this
    device at once (node/linked_twice.py), `at_ms` when (None: now, in the log). Its word alone: this
    node cannot see the peer's links, and a hostile member may say it of anyone (node/net/links.py)."""
    when = f" on {local_time(at_ms)}" if at_ms is not None else ""
    return (f"{peer} said{when} that it holds two links of this device at once, from two places (its word: this "
            "node cannot see that peer's links). If another node of yours runs with this device's key (a cloned "
            "SD card, a restored backup), stop it. If none does, ask that peer's group whether it says true; if so, "
            "a copy of this home runs elsewhere (a thief's?): revoke this device with your group key (`solnet id` "
            "prints its id; `solnet revoke` it on the node that holds that key) and make a new one")


def hidden_own_warning(found: dict) -> str:
    """What `solnet status` and the log say of a device of this group that sealed events this node
    cannot read (node/hidden_own.py): its id (bytes, or hex as saved), how many `events`, and from
    which `seq` (the revocation that voids them: `solnet revoke DEVICE` alone revokes from its next
    event, and what it sealed before kept counting where it was read)."""
    device = found["device"] if isinstance(found["device"], bytes) else bytes.fromhex(found["device"])
    count = "an event" if found["events"] == 1 else f"{found['events']} events"
    seq = found.get("seq")
    since = f" --from-seq {seq}" if isinstance(seq, int) else ""
    return (f"a device of your group ({short_id(device)}) sealed {count} your node cannot read: your group's own events are "
            "always sealed to you; this device may be in other hands. If no member of your group knows why, revoke "
            f"it with your group key (`solnet revoke {device.hex()}{since}`)"
            + (f": from its seq {seq}, the first it sealed so, what it signed is void on every node" if since else ""))


def node_fact_warnings(facts: dict) -> list[str]:
    """What a running node's live facts say of this machine's clock (node/clock.py: it looks behind;
    peers do not take its events), of its key (node/key_elsewhere.py: another node signs with it) and
    of its group's devices (node/hidden_own.py: one sealed what this node cannot read),
    each a sentence; `solnet status` and the answer to a publish or a sync say them."""
    said = []
    behind, elsewhere, refused = facts.get("clock_behind_ms"), facts.get("key_elsewhere"), facts.get("own_events_refused")
    if isinstance(behind, int) and behind > 0:
        said.append(f"{clock_behind(behind)}.")
    if isinstance(elsewhere, dict) and isinstance(elsewhere.get("seq"), int) and isinstance(elsewhere.get("at"), int):
        ids = [i if isinstance(i, str) else None for i in (elsewhere.get("device"), elsewhere.get("group"))]
        said.append(f"{key_elsewhere(str(elsewhere.get('when', 'now')), elsewhere['seq'], elsewhere['at'], *ids)}.")
    group = facts.get("group_key_elsewhere")
    if isinstance(group, dict) and isinstance(group.get("seq"), int) and isinstance(group.get("at"), int):
        devices, groups = ([k for k in group.get(field) or () if isinstance(k, str) and re.fullmatch("[0-9a-f]{64}", k)]
                           for field in ("devices", "groups"))
        gid = group.get("group") if isinstance(group.get("group"), str) else None
        counts = [n if isinstance(n := group.get(field), int) else 0 for field in ("devices_count", "groups_count")]
        other = {k: n for k, n in (group.get("other") or {}).items() if isinstance(k, str) and isinstance(n, int)} \
            if isinstance(group.get("other"), dict) else None
        said.append(f"{group_key_elsewhere(str(group.get('when', 'now')), group['seq'], group['at'], gid, devices, groups, *counts, other)}.")
    ahead = facts.get("own_stamped_ahead")
    if isinstance(ahead, dict) and isinstance(ahead.get("events"), int) and isinstance(ahead.get("until"), int):
        behind = ahead.get("behind_ms") if ahead.get("held") is True else None
        said.append(f"{own_stamped_ahead(ahead['events'], ahead['until'], held_behind_ms=behind if isinstance(behind, int) else None)}.")
    elif isinstance(refused, dict) and isinstance(refused.get("peers"), int) and isinstance(refused.get("from_seq"), int):
        said.append(f"{own_events_refused(refused['peers'], refused['from_seq'])}.")
    if isinstance(facts.get("linked_twice_told"), int):
        peer = facts.get("linked_twice_told_by")
        said.append(f"{linked_twice_here(peer if isinstance(peer, str) else 'a peer', facts['linked_twice_told'])}.")
    said += [f"{hidden_own_warning(h)}." for h in facts.get("hidden_own") or ()
             if isinstance(h, dict) and isinstance(h.get("device"), str) and re.fullmatch("[0-9a-f]{64}", h["device"])
             and isinstance(h.get("events"), int)]
    return said


def named_like_us(groups: list[dict]) -> str:
    """The warning of other groups whose names look like this node's group's (node/references.py)."""
    named = ", ".join(isolated(g["name"]) + (f" (let in by {isolated(g['admitted_by'])})" if g.get("admitted_by") else "")
                      for g in groups)  # (set apart: a right-to-left name drew the words after it across it)
    return (f"another group's name looks like this group's: {named}. Every node shows each of them with the start "
            "of its id. If you do not know that group, someone may be passing as yours: tell the group that let it "
            "in, which can revoke it")


def local_time(ms: int | None, time_zone: str | None = None) -> str:
    """A time in the zone `time_zone` names (IANA: the one a request's `time_zone` gives, the
    browser's or the command's, so a coordinator in Calais reads Calais time whatever the server's
    zone), else this machine's, with the zone: '2026-12-01 18:00 CET'."""
    if ms is None:
        return "-"
    zone = None
    if time_zone is not None and time_zone.strip():
        try:
            zone = moments.zone_named(time_zone)
        except ValueError:  # (refused where it was given: this only shows a time)
            zone = None
    return moments.local(ms, zone).strftime("%Y-%m-%d %H:%M %Z")


def local_zone_name() -> str | None:
    """The IANA name of this process's time zone (its TZ, else /etc/localtime's), or None if it has
    none that a zone database knows: a command hands it to the node, whose own zone may differ
    (a service started with another TZ), so that times typed without an offset mean what they
    would mean without a node."""
    import os
    from zoneinfo import ZoneInfo

    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        try:
            name = os.readlink("/etc/localtime")
        except OSError:
            return None
    if "zoneinfo/" in name:  # a path into the zone database
        name = name.split("zoneinfo/", 1)[1]
    try:
        ZoneInfo(name)
    except (ValueError, OSError, KeyError):  # (ZoneInfoNotFoundError is a KeyError) a POSIX rule, a typo
        return None
    return name


# An action that starts more than this before now was dated in the past (a year typed wrong around
# New Year): it is published, and said, by `solnet publish` and the dashboard alike.
PAST_ACTION_SLACK_MS = 3_600_000


# How long before now (its 3 h of grace aside) an action still going may have started for the
# lists of actions to come to show it (node/views.py `actions`: read by start, this far back)
UNDER_WAY_SHOWN_MS = 30 * 86_400_000


def starts_in_the_past(starts_at_ms: int, now: int, ends_at_ms: int | None = None) -> bool:
    """Whether an action starting at `starts_at_ms` (and ending at `ends_at_ms`, if it says) is one
    no list of actions to come shows. One that started and runs on is shown as under way (a rota
    started last week warned as "not shown"), as long as it started within UNDER_WAY_SHOWN_MS."""
    if ends_at_ms is not None and ends_at_ms >= now:
        return starts_at_ms < now - UNDER_WAY_SHOWN_MS
    return starts_at_ms < now - PAST_ACTION_SLACK_MS


def past_action(when: str, event_id: str) -> str:
    """The warning of an action published with a start in the past (the dashboard's English
    catalog says the same, "publish.past_action")."""
    return (f"this action starts in the past ({when}): the lists of actions to come do not show it. If the "
            f"date is wrong, redact this one (`solnet redact {event_id}`) and publish it again with the right date")


def moved_past(when: str, event_id: str) -> str:
    """The warning of an action.update that moves an action's start into the past (the dashboard's
    English catalog says the same, "publish.moved_past")."""
    return (f"this update moves the action into the past ({when}): the lists of actions to come no longer show "
            f"it. If the date is wrong, redact this update (`solnet redact {event_id}`): the action is back as "
            "it was; then move it again with the right date")


def over_share_words(author: bytes, group: bytes | None, name: str | None) -> str:
    """Who signed more than its share, for people: 'device 1a2b3c4d of group Calais (5e6f7a8b)'.
    The name is another group's words: kept on one line."""
    if group is None or group == author:
        return f"group key {short_id(author)}" + (f" ({one_line(name)})" if name else "")
    of = f"{one_line(name)} ({short_id(group)})" if name else short_id(group)
    return f"device {short_id(author)} of group {of}"
