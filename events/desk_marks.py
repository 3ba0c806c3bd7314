"""Whether the coordinator's desk must look at a need or support request whatever its age: a mark
kept per item from its steps, each step changing it in O(1), the same whatever order they came in.

The desk lists a region's newest rows; an urgent need or a request waiting for a group older than
them must still be on it. The store keeps, per item, the state below (node/store/desk_marks.py
holds it in rows) and marks the item (proj.urg) when `marked` says so; the desk walks the marked
items with LIMIT and keeps those the read model (events.readmodels) finds urgent or waiting.

The mark is never narrower than the read model, as far as the events go: each rule below keeps an
item marked wherever the read model could find it urgent or waiting from the same events (so the
desk loses none), and is as narrow as can be worked out a step at a time (a covered need, a taken
request leave). A claim takes a request's mark away only if the read model counts it on every node:
not one by a group gone (left or revoked: the store knows the groups gone from the trust graph, and
works out again the requests a group claimed when it goes or comes back), nor, of a request with a
private part, one by another group than its own (who the part was sealed to is inside it: on the
nodes that read it, a claim by a group not among them leaves it waiting, `claimed_unsent`). Every value is a maximum, a sum or
a set over the steps, so a step's place is decided by (seq, stamp, id), never by when it came.

Pure: plain dicts in, plain dicts out. Item states:
- need: owner (group key number), high and qty (as posted), withdrawn, covered (the quantities of
  the fulfilments counted, of groups not declined), unresolved (declines by its group naming an
  event not held as a reply: the need stays marked whatever is covered), u_authors/high_authors
  (its group's devices that set an urgency; of them, those whose last did say high), q_max (the
  largest quantity a device of its group set last; None: as posted), urg (the mark written).
- support: owner, high (as posted: a request's urgency does not change), private (it has a
  private part), closed (its group closed it), holders (groups whose last step, in the read
  model's order, is a claim, and whose claim may hold it: `holds_from`), urg.
Parts, per item: an author's (its last urgency and quantity; its last step on a request and
whether it was a claim), a group's (what it covered of a need and whether it is declined; which
author made its newest step on a request, and whether it holds it).
"""
from __future__ import annotations

from typing import Any

HIGH = "high"
Key = tuple[int, int, int]  # (seq, stamp, id number): a device's own steps by what it signed last


def need_item(owner: int, fields: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "need", "owner": owner, "high": fields.get("urgency") == HIGH, "qty": fields["quantity"],
            "withdrawn": False, "covered": 0, "unresolved": 0, "u_authors": 0, "high_authors": 0, "q_max": None,
            "urg": None}


def support_item(owner: int, fields: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "support", "owner": owner, "high": fields.get("urgency") == HIGH,
            "private": bool(fields.get("has_private")), "closed": False, "holders": 0, "urg": None}


def marked_alone(table: str, fields: dict[str, Any]) -> bool:
    """Whether a need or support request (`table`: "need" or "support", events.projections) with these fields,
    and no step of it yet, is marked: `marked` of its first state (the store keeps no state for
    such an item, node/store/desk_marks.py: its mark is written with its row)."""
    start = need_item if table == "need" else support_item
    return marked(start(0, {**fields, "has_private": "sealed" in fields or fields.get("has_private")}))


def marked(item: dict[str, Any]) -> bool:
    """Whether the desk must look at the item (a superset of what the read model lists as urgent)."""
    if item["kind"] == "need":
        # In readmodels.in_order a device's steps take its slots in the order it signed them: the
        # last urgency set is the last one some device of the group signed; which device's is last
        # depends on stamps of other steps, so any device's last "high" keeps it marked.
        urgent = item["high_authors"] > 0 if item["u_authors"] else item["high"]
        asked = item["q_max"] if item["q_max"] is not None else item["qty"]
        return urgent and not item["withdrawn"] and (item["unresolved"] > 0 or asked > item["covered"])
    return not item["closed"] and (item["high"] or item["holders"] == 0)


def need_update(item: dict[str, Any], author: dict[str, Any], group: int, key: Key,
                data: dict[str, Any]) -> bool:
    """A need.update by a device of `group` with `key`, into the item and its author's part (in
    place); whether the author's last quantity changed (the caller then finds q_max again over the
    item's authors). Another group's update counts for nothing (events.effects: not_owner)."""
    if group != item["owner"]:
        return False
    if data.get("status") == "withdrawn":  # (final: readmodels._until_withdrawn)
        item["withdrawn"] = True
    if "urgency" in data and (author.get("u") is None or key > tuple(author["u"][:3])):
        was = author.get("u")
        high = data["urgency"] == HIGH
        item["u_authors"] += 1 if was is None else 0
        item["high_authors"] += int(high) - int(bool(was and was[3]))
        author["u"] = [*key, high]
    if "quantity" in data and (author.get("q") is None or key > tuple(author["q"][:3])):
        author["q"] = [*key, data["quantity"]]
        return True
    return False


def need_fulfil(item: dict[str, Any], part: dict[str, Any], data: dict[str, Any], owner_key: bytes) -> None:
    """A fulfilment by the group of `part` (counted once: the caller sees to it)."""
    # Imported here: events.projections needs this module's `marked_alone` in an ingest worker
    # (node/verify_worker.py), which never counts a fulfilment; events.effects would load
    # events.sealed, the envelope's crypto and `dataclasses` into it (1.3 MiB) for nothing.
    from events.effects import reaches_owner
    if not reaches_owner("need.fulfil", data, owner_key):
        return
    part["sum"] = part.get("sum", 0) + data["quantity"]
    if not part.get("declined"):
        item["covered"] += data["quantity"]


def need_unfulfil(item: dict[str, Any], part: dict[str, Any], data: dict[str, Any], owner_key: bytes) -> None:
    """A fulfilment counted by `need_fulfil` taken out (redacted, or its author revoked)."""
    from events.effects import reaches_owner  # (see `need_fulfil`)
    if not reaches_owner("need.fulfil", data, owner_key):
        return
    part["sum"] = part.get("sum", 0) - data["quantity"]
    if not part.get("declined"):
        item["covered"] -= data["quantity"]


def forget_urgency(item: dict[str, Any], author: dict[str, Any]) -> None:
    """An author's part of a need about to be found again (`need_update` then gives it its steps
    left): what its last urgency counted goes from the item."""
    was = author.pop("u", None)
    author.pop("q", None)
    if was is not None:
        item["u_authors"] -= 1
        item["high_authors"] -= int(bool(was[3]))


def decline_group(item: dict[str, Any], part: dict[str, Any], group: int) -> None:
    """The need's group declined a reply of `group` (the group of `part`): none of that group's
    fulfilments of the need counts (readmodels.needs_and_offers), never the need's own group's."""
    if group == item["owner"] or part.get("declined"):
        return
    part["declined"] = True
    item["covered"] -= part.get("sum", 0)


def support_step(item: dict[str, Any], group_part: dict[str, Any], author_part: dict[str, Any], group: int,
                 author: int, key: Key, claim: bool) -> int:
    """A claim or close by `author` of `group` with `key` (seq, stamp, id number), into the request's
    state and the parts of its group and author (in place); the author of the group's newest step
    by (stamp, id), whose part the caller passes to `holds_from`. The group holds the request when
    its last step in readmodels.in_order is a claim: that step is the one this author signed last
    (in_order gives each device's slots to its steps by seq). A close whose claim came later by that
    order may still hand it back in the read model; a claim last never leaves it taken there (so
    "not held" here is never narrower)."""
    if not claim and group == item["owner"]:
        item["closed"] = True  # (events.effects.closes_for_all: always counts)
    if author_part.get("s") is None or key > tuple(author_part["s"]):
        author_part["s"], author_part["claim"] = list(key), claim
    if group_part.get("v") is None or key[1:] > tuple(group_part["v"]):
        group_part["v"], group_part["author"] = list(key[1:]), author
    return group_part["author"]


def claim_counts(item: dict[str, Any], group: int, gone: bool) -> bool:
    """Whether a claim of `group` (`gone`: it left or was revoked) may take the request on every
    node (readmodels.support_requests): not a gone group's; of a request with a private part, only
    its own group's (the others' are counted where the part's readers cannot be told, and not where
    they can: the mark stays, and the read model decides with the readers)."""
    return not gone and (not item.get("private") or group == item["owner"])


def holds_from(item: dict[str, Any], group_part: dict[str, Any], newest_author_part: dict[str, Any] | None,
               counts: bool) -> None:
    """Whether the group of `group_part` holds the request now, from the part of the author of its
    newest step (`support_step`) and whether its claim counts (`claim_counts`), and the count of
    groups holding it."""
    holds = counts and bool(newest_author_part and newest_author_part.get("claim"))
    item["holders"] += int(holds) - int(bool(group_part.get("holds")))
    group_part["holds"] = holds
