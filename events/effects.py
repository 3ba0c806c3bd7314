"""Who may change what: the rules that decide whether an event referring to an earlier one counts.

One set of rules for three readers: the read models (events.readmodels) leave out what does not
count; publishing (node.publishing) refuses it before signing, saying who may do it; and
`solnet show` says "no effect" and why for such an event that came from a peer (node.log).

Each rule looks only at the event (its kind, fields, author's group and time) and at the event it
names (`Target`: kind, group, fields, time; of kind `sealed` when it is for chosen groups and not
read here: only its group is known, which is enough to say who may change it); a close of a
support request also needs the claims of it (group, time, author and seq). So a rule's answer is a
function of the set of events, whatever order they came in.

Support requests: only the requesting group closes one (for everyone). A group that took it (a
`support.claim`) hands it back with its own `support.close` (its outcome is that group's report);
the request stays open for the requesting group to close. Who may read a request's private part
is sealed inside it, so no rule can ask it of a node that is not a reader: a claim counts from any
member (publishing refuses it where this device cannot read the request), and a second group's
claim is a second offer of help beside the first, never a takeover, since it cannot close.
Quantities (covering more than a need asked for) are totals over many events: the read models
show them, publishing refuses what would overshoot, `show` explains it (node.log).
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from events.kinds import DEFAULT_UNIT, UPDATES
from events.sealed import REPLIES, SEALED_KIND

# What each kind that changes an earlier event does to it, in words.
_VERBS = {"need.update": "adjust or withdraw", "offer.update": "adjust or withdraw",
          "support.offer.update": "adjust or withdraw", "alert.update": "update or clear",
          "action.report": "report on", "support.share": "share", "action.update": "move or cancel"}


@dataclass(frozen=True)
class Target:
    """An event that another one names: its kind, its author's group, its fields and time (ms), and
    when it ends (ms) where that was read with it (an alert named by its updates: node.references)."""

    kind: str
    group: bytes
    fields: dict[str, Any]
    ts: int
    expires: int | None = None


@dataclass(frozen=True)
class Problem:
    """Why an event has no effect: a stable code, the field at fault, and what the words need."""

    code: str
    field: str
    detail: dict[str, Any] = field(default_factory=dict)


# A claim of a support request as a close is judged against it: (group, time, author, seq)
Claim = tuple[bytes, int, bytes, int]


def problem(kind: str, fields: dict[str, Any], group: bytes, ts: int, target: Callable[[bytes], Target | None],
            claims: Callable[[bytes], Collection[Claim]] = lambda request: (),
            signer: tuple[bytes, int | None] | None = None) -> Problem | None:
    """Why an event of `kind` with `fields`, by a device of `group` at `ts`, has no effect, or None.
    `target(id)` is the named event as held (None: not held, nothing to judge yet); `claims(id)`
    the claims of a support request, as (group, time, author, seq). `signer`: the event's (author,
    seq); seq None for one not signed yet (publishing), which comes after all its author signed."""
    if kind in REPLIES and isinstance(fields.get(REPLIES[kind]), bytes):
        owner = target(fields[REPLIES[kind]])
        if owner is not None and not reaches_owner(kind, fields, owner.group):
            return Problem("reply_not_to_owner", REPLIES[kind], {"owner": owner.group})
    if kind in UPDATES:
        named = fields.get(UPDATES[kind])
        held = target(named) if isinstance(named, bytes) else None
        if held is None:
            return None
        if held.group != group:
            return Problem("not_owner", UPDATES[kind], {"owner": held.group, "verb": _VERBS[kind],
                                                        "kind": held.kind if held.kind != SEALED_KIND else "event"})
        if kind == "alert.update":
            for name in ("region", "type"):
                if name in fields and fields[name] != held.fields.get(name):
                    return Problem("alert_mismatch", name, {"given": fields[name], "alert": held.fields.get(name)})
        if kind == "action.report" and ts < held.fields.get("starts_at", 0):
            return Problem("report_too_early", "action", {"starts_at": held.fields.get("starts_at")})
        return None
    if kind == "fundraiser.update" and "raised" in fields:
        held = target(fields["fundraiser"])
        if held is not None and held.group != group:
            return Problem("raised_not_owner", "raised", {"owner": held.group})
        return None
    if kind in DECLINES:
        return _decline_problem(kind, fields, group, target)
    if kind == "support.close":
        held = target(fields["request"])
        if held is not None and not closes_for_all(held.group, group) and not any(
                by == group and (at <= ts or signed_before(author, seq, signer))
                for by, at, author, seq in claims(fields["request"])):
            return Problem("close_not_allowed", "request", {"owner": held.group})
        return None
    if kind == "need.fulfil" and "offer" in fields:
        return _draw_problem(target(fields["offer"]), target(fields["need"]), group)
    return None


def signed_before(author: bytes, seq: int, signer: tuple[bytes, int | None] | None) -> bool:
    """Whether a step by `author` at `seq` (a claim, a fulfilment) was signed before the one `signer`
    signs (a close, an update; its seq None: being signed now), by the same device: a hand-back comes after its own claim whatever their stamps say (a laptop an hour ahead
    took a request; set right, its hand-back was stamped before its claim, and counted for nothing)."""
    return signer is not None and signer[0] == author and (signer[1] is None or seq < signer[1])


# The declines: the field naming what is declined from, and the field a declined reply has
DECLINES = {"fundraiser.decline": ("fundraiser", "pledge"), "need.decline": ("need", "quantity")}


def _decline_problem(kind: str, fields: dict[str, Any], group: bytes, target: Callable[[bytes], Target | None],
                     ) -> Problem | None:
    """Only the fundraiser's (the need's) own group declines a pledge (a fulfilment), and only one
    to that fundraiser (need) by another group: a decline by another group would let anyone strike
    out the real donors' pledges, or the goods really given; one naming the owner's own reply (or
    another decline) would strike out the owner's own."""
    named, amount = DECLINES[kind]
    owner = target(fields[named])
    if owner is not None and owner.group != group:
        return Problem("decline_not_owner", named, {"owner": owner.group})
    reply = target(fields["decline"])
    if reply is not None and reply.kind != SEALED_KIND and (
            amount not in reply.fields or reply.fields.get(named) != fields[named]):
        return Problem("decline_not_pledge" if named == "fundraiser" else "decline_not_fulfilment", "decline")
    if reply is not None and reply.group == group:  # (sealed too: its header says whose it is)
        return Problem("decline_own", "decline", {"what": "pledge" if named == "fundraiser" else "fulfilment"})
    return None


def reaches_owner(kind: str, fields: dict[str, Any], owner: bytes) -> bool:
    """Whether a reply to another group's item (a pledge, a fulfilment, a decline: sealed.REPLIES)
    reaches that item's group `owner`: always when public; sealed, only if `owner` is among the
    groups it was shared with (`shared_with`, node.audience). One that does not has no effect:
    a pledge of 99,999,999 or a need "covered" that its owner never sees and cannot decline."""
    return kind not in REPLIES or "shared_with" not in fields or owner in fields["shared_with"]


def closes_for_all(requester: bytes, group: bytes) -> bool:
    """Whether a close of a support request by `group` closes it for everyone (it is the requesting
    group's); else it counts only as a group that took the request handing it back."""
    return group == requester


def _draw_problem(offer: Target | None, need: Target | None, group: bytes) -> Problem | None:
    """A fulfilment draws on an offer only if it is made by the group of the offer or of the need,
    and the offer is of the same goods, counted in the same unit: judged of the `offer` and the
    `need` a fulfilment by `group` names, as held (each looked up once: a desk judges some 440
    draws a page)."""
    if offer is None or need is None or SEALED_KIND in (offer.kind, need.kind):
        return None  # not held, or sealed to groups this reader is not one of: nothing to judge it by
    if group not in (offer.group, need.group):
        return Problem("draw_not_allowed", "offer", {"offer_owner": offer.group, "need_owner": need.group})
    if offer.fields.get("category") != need.fields.get("category"):
        return Problem("draw_other_goods", "offer", {"offer": offer.fields.get("category"),
                                                     "need": need.fields.get("category")})
    units = (offer.fields.get("unit", DEFAULT_UNIT), need.fields.get("unit", DEFAULT_UNIT))
    if units[0] != units[1]:
        return Problem("draw_other_unit", "offer", {"offer": units[0], "need": units[1], "offer_owner": offer.group,
                                                    "own_offer": offer.group == group})
    return None


def draws_on_offer(fields: dict[str, Any], group: bytes, target: Callable[[bytes], Target | None]) -> bool:
    """Whether a fulfilment counts against the offer it names (it always counts for its need): only
    one by the offer's own group, which gave the goods. The need's group may say where its goods
    came from, but its word does not empty another group's offer: a mole posted a need of its own
    group and "received" every tent of Calais's offer from it, and Calais could not decline it.
    Not while the offer or the need is unknown here (nothing to judge it by)."""
    if "offer" not in fields:
        return False
    offer, need = target(fields["offer"]), target(fields["need"])
    return (offer is not None and need is not None and SEALED_KIND not in (offer.kind, need.kind)
            and offer.group == group and _draw_problem(offer, need, group) is None)


# The details of a Problem that are times (ms since the epoch)
TIMES = ("starts_at",)


def words_of(p: Problem, name_of: Callable[[bytes], str],
             time_of: Callable[[int], str | int]) -> tuple[str, dict[str, str | int]]:
    """The key of `p`'s words in a page's catalogs (no_effect.<code>; a decline's by what it
    declines from: a need's words are not a fundraiser's) and the values they name: a group by its
    name (`name_of`), a time by `time_of` (in the caller's zone, or kept in milliseconds, `int`, for a
    page that shows it in its reader's zone), any other value as
    stored (a category, a unit: a page says a choice by its label), the field at fault as `field`.
    `explain` says the same in English for the command line and the API."""
    key = f"{p.code}_{p.field}" if p.code == "decline_not_owner" else p.code
    values = {name: name_of(v) if isinstance(v, bytes) else time_of(v) if name in TIMES and isinstance(v, int)
              else str(v) for name, v in p.detail.items() if not isinstance(v, bool)}
    return f"no_effect.{key}", {**values, "field": p.field}


def explain(p: Problem, name_of: Callable[[bytes], str], *, of_stored: bool = False) -> str:
    """A problem in words for people: what is wrong and who may do it. `of_stored`: said of an event
    already signed, to whoever reads it (`solnet show`, the API's event), not to its author: no
    advice to the reader where the author's words give one ("your own group's", "record it ...")."""
    d = p.detail
    words = lambda value: str(value).replace("_", " ")  # noqa: E731
    if of_stored and p.code == "decline_own":
        return (f"it declines its own group's {d['what']}: a decline strikes out another group's {d['what']}s, "
                "and a group takes its own back by withdrawing it (redact)")
    if of_stored and p.code == "draw_other_unit":
        return (f"the offer it draws on counts in {words(d['offer'])}, the need in {words(d['need'])}: a "
                "fulfilment counts in the need's unit and cannot be taken from this offer")
    if of_stored and p.code == "report_too_early":
        return "it reports on an action before that action had started"
    if of_stored and p.code == "decline_not_owner":
        what = "fulfilments of that need" if p.field == "need" else "pledges to that fundraiser"
        return f"another group signed it: only {name_of(d['owner'])} may decline the {what}"
    if of_stored and p.code == "reply_not_to_owner":
        return (f"it is shared with chosen groups that leave out {name_of(d['owner'])}, whose {p.field} it answers: "
                f"{name_of(d['owner'])} could neither see nor decline it, so it counts for nothing")
    if of_stored and p.code in ("decline_not_fulfilment", "decline_not_pledge"):
        return ("the event it declines is not a "
                + ("fulfilment of that need" if p.code == "decline_not_fulfilment" else "pledge to that fundraiser"))
    if p.code == "not_owner":
        return (f"only {name_of(d['owner'])}, the group that posted that {d['kind']}, may {d['verb']} it "
                "(any of its devices)")
    if p.code == "alert_mismatch":
        return f"the alert's {p.field} is {words(d['alert'])}, not {words(d['given'])}"
    if p.code == "report_too_early":
        return "that action has not started yet: report on it once it has taken place"
    if p.code == "raised_not_owner":
        return (f"only {name_of(d['owner'])}, which runs that fundraiser, may say how much it has raised; "
                + ("other groups pledge" if of_stored else "other groups pledge (the 'pledge' field)"))
    if p.code == "decline_not_owner" and p.field == "need":
        return (f"only {name_of(d['owner'])}, which posted that need, may decline a fulfilment of it; "
                "a group that fulfilled it takes its own fulfilment back with `redact`")
    if p.code == "decline_not_owner":
        return (f"only {name_of(d['owner'])}, which runs that fundraiser, may decline a pledge to it; "
                "a group that pledged takes its own pledge back with `redact`")
    if p.code == "reply_not_to_owner":
        return (f"it is shared with chosen groups that leave out {name_of(d['owner'])}, whose {p.field} it answers: "
                f"{name_of(d['owner'])} could neither see nor decline it, so it counts for nothing; add "
                f"{name_of(d['owner'])} to 'to' (or leave 'to' out to publish it for everyone)")
    if p.code == "decline_not_fulfilment":
        return "that event is not a fulfilment of this need: name one of its fulfilments (`solnet view needs`)"
    if p.code == "decline_not_pledge":
        return "that event is not a pledge to this fundraiser: name one of its pledges (`solnet view fundraisers`)"
    if p.code == "decline_own":
        return (f"that {d['what']} is your own group's: a decline strikes out another group's {d['what']}s; "
                f"take your own back with `redact`")
    if p.code == "close_not_allowed":
        return (f"only {name_of(d['owner'])}, which made that support request, may close it; a group that took it "
                "(support.claim) may hand it back with a close, which leaves it open for them")
    if p.code == "draw_not_allowed":
        return (f"only {name_of(d['offer_owner'])} (which made the offer) or {name_of(d['need_owner'])} (which posted "
                "the need) may fulfil a need from that offer")
    if p.code == "draw_other_goods":
        return f"that offer is of {words(d['offer'])}, the need of {words(d['need'])}: it cannot cover it"
    if p.code == "draw_other_unit":
        # (a fulfilment has no unit of its own: it counts in the need's, and draws the offer by the same number)
        # (only the offer's group may change it: offer.update by another group is refused, not_owner)
        offer_part = ("give the offer a new quantity (offer.update), or withdraw it" if d["own_offer"] else
                      f"the offer is {name_of(d['offer_owner'])}'s: only that group may change or withdraw it")
        return (f"that offer counts in {words(d['offer'])}, the need in {words(d['need'])}, and a fulfilment counts "
                f"in the need's unit: record it without the offer ('offer'), in {words(d['need'])}; {offer_part}")
    return p.code
