"""Who put this group on the public feeds: the warning of a group whose profile opts in
(`public_feeds: yes`) by a device other than this node's own.

A group's profile is last-writer-wins, and any device of the group may sign it (which signer counts
is a rule every node shares: not changed here). `public_feeds: yes` publishes the group's actions and
fundraisers on every node's public pages and calendars (node/public_site.py), so one seized phone, or
a member's device turned, can put the whole group in view of the police with one profile. The group's
own node cannot refuse it; it says so plainly, naming the device and what to do: `solnet status` (and
its JSON), GET /api/v1/status and the dashboard's overview. Reads the store only.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crypto.short_ids import short_id

if TYPE_CHECKING:  # `solnet status` reads a kept summary and calls `warning` and `said` alone
    from events.trust import TrustGraph
    from node.store import Store


def opted_in_by(store: Store, trust: TrustGraph, group: bytes) -> dict[str, Any] | None:
    """Who turned the public feeds on for `group`, where its current profile opts in: the signer of
    the first profile of the run of opting-in profiles that ends with the current one (a later
    profile that keeps them on, a rename by the main node, did not turn them on): its key (`device`,
    hex), its label as its group named it (`label`, or None), when it was signed (`at`, ms), and every
    key that signed a profile of that run (`signers`, hex: each said yes). None where the profile does
    not opt in (or there is none). Which signer is this node's own, the caller knows (`warning`)."""
    from events.projections import PROFILE, PUBLIC_YES
    from node import references

    row = store.newest_row(PROFILE, group)
    if row is None or row.data.get("public_feeds") != PUBLIC_YES:
        return None
    run = _opting_in_run(store, trust, group, row.version) or [(row.data["author"], row.data.get("ts"))]
    author, at = run[-1]
    return {"device": author.hex(), "label": references.device_labels(store, trust).get(author), "at": at,
            "signers": list(dict.fromkeys(key.hex() for key, _ in run))}


# The profiles read per key of the group, newest first: a device that signs profiles by the thousand
# has the run start, at the latest, in its own; the run is bounded, the read too.
PROFILES_READ = 64


def _opting_in_run(store: Store, trust: TrustGraph, group: bytes, current: Any) -> list[tuple[bytes, int]]:
    """(signer, ms) of `group`'s profiles that opt in, newest first, from the current one (version
    `current`, (ms, id)) back to the last one that did not: the ones the projection counts (signed
    by the group key or one of its devices while it could sign). A key with more profiles than are
    read (PROFILES_READ) may hide one that turned the feeds off below its oldest read: the run stops
    there and starts with that key. Until 2026-12-07 it went on past it to other keys' older
    profiles: a seized phone turned the feeds off, then on with 65 profiles, and the run reached the
    main node's old "yes", so the main node saw no warning."""
    from events.canonical import unpack
    from events.projections import PUBLIC_YES

    found = []
    horizon: tuple[int, bytes, bytes] | None = None  # (ms, id, key): the newest of the keys' oldest read, where cut
    for key in [group, *(m.key for m in trust.devices_of(group))]:
        member = trust.members.get(key)
        events = store.list_events(kind="group.profile", author=key, limit=PROFILES_READ)
        if len(events) == PROFILES_READ and (horizon is None or (events[-1].ts, events[-1].id) > horizon[:2]):
            horizon = (events[-1].ts, events[-1].id, key)
        for event in events:
            if member is not None and member.may_sign(event.seq) and event.body is not None \
                    and (event.ts, event.id) <= tuple(current):
                found.append((event.ts, event.id, key, event.body))
    run = []
    for ts, event_id, key, body in sorted(found, reverse=True):
        if horizon is not None and (ts, event_id) < horizon[:2]:  # below it, that key's profiles are unread
            if run and run[-1][0] != horizon[2]:
                run.append((horizon[2], horizon[0]))
            break
        if unpack(body).get("public_feeds") != PUBLIC_YES:
            break
        run.append((key, ts))
    return run


def warning(opted: dict[str, Any] | None, own_device: str, group: str) -> dict[str, Any] | None:
    """`opted` (`opted_in_by`) when neither this node's device (`own_device`) nor its group key
    (`group`, both hex) signed a profile that kept the feeds on since they were turned on, else None:
    what the status warns of (this node said yes itself otherwise)."""
    if opted is None or {own_device, group} & {opted["device"], *opted.get("signers", ())}:
        return None
    return opted


def said(opted: dict[str, Any]) -> str:
    """The warning in words, for `solnet status` (the dashboard says it in its catalogs)."""
    device = short_id(opted["device"]) + (f" ({opted['label']})" if opted.get("label") else "")
    return (f"this group's profile puts its actions and fundraisers on the public pages and feeds (public_feeds: "
            f"yes), and it was set by device {device}, not by this node. If your group did not mean it, turn it off: "
            "`solnet publish group.profile --name NAME --region REGION --public-feeds no` (its name and region as they "
            "are), and "
            f"if that device may be seized or turned, revoke it: `solnet revoke {opted['device'][:12]}`")
