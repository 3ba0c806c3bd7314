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
    """The signer of `group`'s current profile where that profile opts into the public feeds: its
    key (`device`, hex), its label as its group named it (`label`, or None) and when it was signed
    (`at`, ms); None where the profile does not opt in (or there is none). Which signer is this
    node's own, the caller knows (`warning`)."""
    from events.projections import PROFILE, PUBLIC_YES
    from node import references

    row = store.newest_row(PROFILE, group)
    if row is None or row.data.get("public_feeds") != PUBLIC_YES:
        return None
    author = row.data["author"]
    return {"device": author.hex(), "label": references.device_labels(store, trust).get(author),
            "at": row.data.get("ts")}


def warning(opted: dict[str, Any] | None, own_device: str, group: str) -> dict[str, Any] | None:
    """`opted` (`opted_in_by`) when a key other than this node's device (`own_device`) and its group
    key (`group`, both hex) signed the opt-in, else None: what the status warns of."""
    if opted is None or opted["device"] in (own_device, group):
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
