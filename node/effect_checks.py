"""Before signing: refuse an event that would be stored and then count for nothing, saying what is
wrong and who may do it (docs/design.md section 4.6). The rules are those of events.effects (the
read models apply the same ones to events from peers, and `solnet show` explains them); this
module adds what only the current state can tell: how much of a need or an offer is left, and
whether a need, an offer or an alert is still open. Blocking reads of the store.
"""
from __future__ import annotations

from typing import Any

from events import effects
from events.kinds import KINDS
from events.projections import ALERT_UPDATE, SUPPORT_OFFER_UPDATE
from node import references
from node.log import EventLog
from node.render import GONE_WORDS, local_time, quantity, short_id
from node.views import Held, action_item, fundraiser_item
from solnet_errors import SolnetError

CASE_STEPS = ("support.claim", "support.close")  # node.publishing.check_case_step speaks for these


class EffectRefused(SolnetError, ValueError):
    """An event that would have no effect; `field` names the input at fault, `key` and `values` the
    words a page says it in (SolnetError.key)."""

    reason, http_status = "no_effect", 422

    def __init__(self, message: str, field: str, key: str, /, **values: Any) -> None:
        super().__init__(message)
        self.field, self.key, self.values = field, key, values

    @classmethod
    def of_problem(cls, found: effects.Problem, log: EventLog, time_zone: str | None) -> EffectRefused:
        """The refusal of what events.effects found (`found`), naming groups as this home does and
        saying a time in `time_zone` (an IANA name; None: this machine's)."""
        name = lambda group: _name(log, group)  # noqa: E731
        key, values = effects.words_of(found, name, lambda ms: local_time(ms, time_zone))
        return cls(effects.explain(found, name), found.field, key, **values)


def check_effect(log: EventLog, kind: str, fields: dict[str, Any], group: bytes | None, now: int,
                 device: bytes | None = None, time_zone: str | None = None) -> None:
    """Raise EffectRefused if an event of `kind` with `fields` by a device of `group` would have no
    effect (or cover more than is left). Fills in what an alert update copies from its alert.
    `device`: the one about to sign it (its next event comes after all it signed: events.effects).
    A time the refusal names is said in `time_zone` (the request's, an IANA name), else this machine's."""
    store, trust = log.store, log.trust
    target = lambda event_id: references.target(store, trust, event_id)  # noqa: E731
    for spec in KINDS[kind].references:
        named = fields.get(spec.name)
        if isinstance(named, bytes) and kind not in CASE_STEPS and target(named) is None:
            raise EffectRefused(f"this node does not hold that {spec.refers_to} ({short_id(named)}) with its content "
                                f"(expired, redacted or not synced yet): `solnet view` lists what it holds", spec.name,
                                "reference_not_held")
    if kind == "alert.update":
        alert = target(fields["alert"])
        assert alert is not None  # held: checked above
        fields.setdefault("region", alert.fields["region"])
        fields.setdefault("type", alert.fields["type"])
    if group is None:
        return
    found = effects.problem(kind, fields, group, now, target, lambda request: references.claims(store, request),
                            (device, None) if device is not None else None)
    if found is not None:
        raise EffectRefused.of_problem(found, log, time_zone)
    if kind == "need.fulfil":
        _check_fulfil(log, fields, group, now, time_zone)
    elif kind in ("need.update", "offer.update"):
        listing = references.listing_state(store, trust, fields[kind.split(".")[0]], now)
        if listing is not None and listing["status"] == "withdrawn":
            side = listing["side"]
            raise EffectRefused(f"that {side} was already withdrawn, and a withdrawal is final: publish a new "
                                f"{side} if it is wanted again", side, f"{side}_withdrawn_final")
        if (listing is not None and kind == "offer.update" and isinstance(fields.get("quantity"), int)
                and fields["quantity"] < listing["drawn"]):
            # The quantity is the whole offer, what was given out included: "15" meant as "15 left" after
            # 20 of 30 were given read as all given out, 15 of them gone with no word
            given, asked = listing["drawn"], fields["quantity"]
            raise EffectRefused(f"{given} of that offer were already given out, and the quantity is the whole offer, "
                                f"what was given included: for {asked} left give {given + asked}; to offer no more, "
                                "withdraw it (--status withdrawn)", "quantity", "offer_below_given",
                                given=given, asked=asked, total=given + asked)
    elif kind == "fundraiser.update" and "pledge" in fields:
        _check_pledge(log, fields["fundraiser"], group, now, time_zone)
    elif kind == "support.offer.update":
        if any(u.data.get("status") == "withdrawn" and u.data["group"] == group
               for u in store.rows(SUPPORT_OFFER_UPDATE, refs=[fields["offer"]])):
            raise EffectRefused("that support offer was already withdrawn, and a withdrawal is final: publish a new "
                                "support offer if it is wanted again", "offer", "support_offer_withdrawn_final")
    elif kind == "action.update":
        _check_action_update(log, fields, time_zone)
    elif kind == "alert.update":
        cleared = [u for u in store.rows(ALERT_UPDATE, refs=[fields["alert"]])
                   if u.data.get("status") == "all_clear" and u.data["group"] == group]
        if cleared:
            at = local_time(cleared[0].data['ts'], time_zone)
            raise EffectRefused(f"that alert was cleared on {at}; an all clear is final (post a new alert if it starts "
                                "again)", "alert", "alert_cleared", time=at)


def _check_action_update(log: EventLog, fields: dict[str, Any], time_zone: str | None) -> None:
    """An end moved before the action's start is refused; so is a move of a cancelled action that
    does not say its status: it stays cancelled (only 'on' puts it back), and the network read
    "CANCELLED by its group: new date" when a group that had called a march off gave it a new date."""
    item = action_item(Held(log.store, log.trust), fields["action"])  # (None: for chosen groups)
    if item is None:
        return
    if "ends_at" in fields and "starts_at" not in fields and fields["ends_at"] < item["starts_at"]:
        start = local_time(item['starts_at'], time_zone)
        raise EffectRefused(f"that end is before the action's start ({start}): give its new start too ('starts_at') to "
                            "move it", "ends_at", "action_ends_before_start", start=start)
    moved = [name for name in ("starts_at", "ends_at", "place") if name in fields]
    if item["status"] == "cancelled" and moved and "status" not in fields:
        raise EffectRefused(f"that action is CANCELLED, and a move alone leaves it cancelled: give its status too "
                            f"('status'): on, to put it back on {'at the new time' if moved != ['place'] else 'there'}, "
                            "or cancelled, to keep it off", "status", "action_move_cancelled")


def _check_fulfil(log: EventLog, fields: dict[str, Any], group: bytes, now: int, time_zone: str | None) -> None:
    """A fulfilment covers at most what its need has left, and draws at most what its offer has; none
    from a group whose fulfilment of that need its group declined (every one of it is declined with it)."""
    need = references.listing_state(log.store, log.trust, fields["need"], now)
    if need is None:
        return
    _still_open(need, "need", time_zone)
    if any(d["group"] == group for d in need.get("declined", ())):
        raise EffectRefused(f"{_name(log, need['group'])}, whose need that is, declined a fulfilment of your group of "
                            "it, and that declines every fulfilment of your group of it: a new one would not count; "
                            "talk to them if they want your goods after all", "need", "fulfilment_declined",
                            group=_name(log, need['group']))
    if fields["quantity"] > need["remaining"]:
        if need["remaining"] == 0:
            raise EffectRefused(f"that need is already fully covered ({quantity(need['quantity'], need['unit'])}); "
                                "nothing is left to fulfil", "quantity", "need_covered")
        # "1 item", "2 boxes": the quantity as people say it (it said "1 items left")
        raise EffectRefused(f"that need has {quantity(need['remaining'], need['unit'])} left to cover ({need['fulfilled']} of "
                            f"{need['quantity']} covered): fulfil at most {need['remaining']}, or ask "
                            f"{_name(log, need['group'])} to raise the need first (need.update)", "quantity",
                            "need_over_cover", covered=need['fulfilled'], total=need['quantity'], most=need['remaining'],
                            group=_name(log, need['group']))
    if "offer" in fields:
        offer = references.listing_state(log.store, log.trust, fields["offer"], now)
        if offer is None:
            return
        _still_open(offer, "offer", time_zone)
        # only the offer's own group draws on it (events.effects.draws_on_offer): the need's group
        # saying where its goods came from is not capped by what the offer has left
        if offer["group"] == group and fields["quantity"] > offer["remaining"]:
            raise EffectRefused(f"that offer has {quantity(offer['remaining'], offer['unit'])} left ({offer['drawn']} of "
                                f"{offer['quantity']} already given): draw at most {offer['remaining']}", "quantity",
                                "offer_over_draw", drawn=offer['drawn'], total=offer['quantity'], most=offer['remaining'])


def _check_pledge(log: EventLog, fundraiser: bytes, group: bytes, now: int, time_zone: str | None) -> None:
    """A pledge goes to another group's running fundraiser: not its own group's, nor one that ended (its
    group reports what came in, and
    `view fundraisers` says ENDED), nor one of a group that is gone (none left to collect it), nor
    one whose group declined a pledge of this group (every pledge of it would be declined with it).
    Its own group may still report the amount raised after the end."""
    fund = fundraiser_item(Held(log.store, log.trust), fundraiser, now)
    if fund is None:
        return
    if fund["group"] == group:  # said first: "ended; ask <your own group>" would be no help
        # The protocol takes such a pledge from a peer (a rule every node shares), and the
        # fundraiser's pages say it apart from others' pledges (`pledged_own`): refused where a person
        # typed it, saying what was meant.
        raise EffectRefused("that fundraiser is your own group's: a pledge is another group's promise of money. "
                            "Say what your group has received with 'raised' (the whole sum so far, which replaces "
                            "the last report)", "pledge", "own_pledge")
    if any(d["group"] == group for d in fund["declined"]):
        raise EffectRefused(f"{_name(log, fund['group'])}, which runs that fundraiser, declined a pledge of your group "
                            "to it, and that declines every pledge of your group to it: a new one would not count; "
                            "talk to them if they want your support after all", "fundraiser", "pledge_declined",
                            group=_name(log, fund['group']))
    if fund["group_gone"]:
        raise EffectRefused(f"that fundraiser is no longer running: {GONE_WORDS[fund['group_gone']]}, and no one is "
                            "left to collect a pledge", "fundraiser", f"fundraiser_group_{fund['group_gone']}")
    if fund["ended"]:
        ended = local_time(fund['ends_at'], time_zone)
        raise EffectRefused(f"that fundraiser ended on {ended}: a pledge to it would reach no one collecting; ask "
                            f"{_name(log, fund['group'])} whether it still takes money", "fundraiser", "fundraiser_ended",
                            time=ended, group=_name(log, fund['group']))


def _still_open(listing: dict[str, Any], field: str, time_zone: str | None) -> None:
    if listing["status"] in ("group_left", "group_revoked"):
        raise EffectRefused(f"that {listing['side']} is no longer open: {GONE_WORDS[listing['status'][6:]]}, and nobody "
                            "can close or withdraw it any more", field, f"{listing['side']}_{listing['status']}")
    if listing["status"] == "withdrawn":
        raise EffectRefused(f"that {listing['side']} was withdrawn by the group that posted it", field,
                            f"{listing['side']}_withdrawn")
    if listing["status"] == "lapsed":
        until = local_time(listing['until'], time_zone)
        raise EffectRefused(f"that {listing['side']} lapsed on {until}", field, f"{listing['side']}_lapsed", time=until)


def _name(log: EventLog, group: bytes) -> str:
    return references.group_name(log.store, group)
