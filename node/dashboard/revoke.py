"""Revoking a device of this node's group from the dashboard: what `solnet revoke ID` does, for a
coordinator who has no shell. The groups page offers it on each device of this group that still
counts, on the group's main node (the node that holds the group key: only that key revokes a group's
devices); a page of its own says what it does, from which seq (by default its next event: what it
signed so far stays, pinned as this node holds it, as the command's default), takes an optional public
reason and asks for a tick before anything is signed. The command's checks refuse in the dashboard's
words: another group's device, this node's own device (the command says first what that would strand),
a device revoked already, a forked one (which chain to keep is the command's `--pin`).
The check that it is not revoked yet is made again in the signing turn, so a form sent twice signs
once. Several warnings (a copied group key's devices, a device sealing what the group cannot read, a
device revoking with its own key, a peer's device linked twice) named `solnet revoke`: they link here."""
from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from crypto.keys import short_id
from events.errors import InvalidEvent
from events.kinds import KINDS
from node import membership, references
from node.dashboard import forms
from node.dashboard.withdraw import Dashboard  # (what these pages use of the app's Dashboard)
from node.log import EventLog

REASON = next(f for f in KINDS["member.revoke"].fields if f.name == "reason")
REASON_MAX = REASON.max_len
CONFIRMED = "yes"
NEXT, FROM_SEQ = "next", "seq"  # the choice of where the revocation starts
ALREADY = ("revoke.already", "revoke.already_earlier")  # a revocation from the seq asked, or lower, counts


class AlreadyRevoked(Exception):
    """Found in the signing turn: a revocation of this device came first (this form sent twice)."""


def main_node_refusal(log: EventLog, group_key: bytes | None, own_device: bytes) -> bool:
    """Whether this node may revoke none of its group's devices: it holds no group key, or one that
    signs nothing more (one store query: made once per page, not once per device)."""
    return (group_key is None or group_key != log.trust.group_of(own_device)
            or not membership.group_signs_next(log, group_key))


def refusal(log: EventLog, group_key: bytes | None, own_device: bytes, subject: bytes,
            from_seq: int | None = None, *, not_main: bool | None = None) -> tuple[str, dict] | None:
    """Why this node may not revoke the device `subject` here from `from_seq` (None: its next event),
    as a catalog key and its values; None if it may. `group_key`: the group key this node holds
    (None: a further device); `not_main`: main_node_refusal's answer if known. The checks of
    node.membership.revoke, said before anything is signed."""
    member = log.trust.member(subject)
    if not_main is None:
        not_main = main_node_refusal(log, group_key, own_device)
    if not_main:
        return "revoke.not_main_node", {"device_id": subject.hex()}
    if member is None or member.role != "device" or member.group != group_key:
        return "revoke.not_our_device", {"device": short_id(subject)}
    if subject == own_device:
        return "revoke.own_device", {"device_id": subject.hex()}
    # A fork first: trust records it as a revocation of its own (fork=True), which is not one to
    # "already" have; which chain to keep is the command's --pin.
    if (fork_at := log.trust.fork_point(subject)) is not None:
        return "revoke.forked", {"device_id": subject.hex(), "seq": fork_at}
    asked = log.store.head(subject)[0] + 1 if from_seq is None else from_seq
    # Revoked already only by a revocation that counts, from the seq asked or lower (the command's
    # own test): the device's key revoking itself from seq 10^9 (a thief's copy) does not end it,
    # and one revoked from its next event may still be revoked from an earlier one.
    if membership.already_revoked(member, asked, log.store.id_at(subject, asked - 1) if asked > 1 else None):
        return ("revoke.already" if member.revokes_until <= 1 else "revoke.already_earlier",
                {"device": short_id(subject), "seq": member.revokes_until})
    return None


def cut_off(log: EventLog, subject: bytes) -> bool:
    """Whether a revocation of `subject` that counts (not a fork) cuts it off from its next event or
    earlier: what the page redirects to the groups page's "Revoked" for. A key's own revocation from
    seq 10^9 (a thief's copy) leaves it signing: no."""
    member, said = log.trust.member(subject), log.trust.revocation(subject)
    return (member is not None and member.role == "device" and said is not None and not said.fork
            and membership.already_revoked(member, log.store.head(subject)[0] + 1, None))


def revocable(log: EventLog, group_key: bytes | None, own_device: bytes, devices: list[bytes]) -> set[bytes]:
    """Those of `devices` this node may revoke here: where the groups page and the warnings link."""
    if main_node_refusal(log, group_key, own_device):
        return set()
    ours = [d for d in devices if (m := log.trust.member(d)) is not None and m.group == group_key]
    return {d for d in ours if refusal(log, group_key, own_device, d, not_main=False) is None}


def facts(log: EventLog, group_key: bytes | None, own_device: bytes, subject: bytes) -> dict[str, Any] | None:
    """What the page says of the device `subject`; None if no device of this network has that id."""
    member = log.trust.member(subject)
    if member is None or member.role != "device":
        return None
    names = references.group_names(log.store)
    return {"id": subject, "short": short_id(subject), "name": references.device_labels(log.store, log.trust).get(subject),
            "group": names.get(member.group) or short_id(member.group), "held_to": log.store.head(subject)[0],
            "refusal": refusal(log, group_key, own_device, subject)}


def _keys(dash: Dashboard) -> tuple[bytes | None, bytes]:
    keys = dash.node.keys
    return (bytes(keys.group.public) if keys.group is not None else None), bytes(keys.device.public)


async def _page(dash: Dashboard, ctx: dict[str, Any], request: web.Request) -> dict[str, Any] | None:
    """The page's context (None: no device with the address's id)."""
    subject = bytes.fromhex(request.match_info["id"])
    found = await dash.node.db(facts, dash.node.log, *_keys(dash), subject)
    if found is None:
        return None
    t = ctx["t"]
    said = found["refusal"] and t(found["refusal"][0], **found["refusal"][1])
    values = {"start": NEXT}
    if found["refusal"] and found["refusal"][0] == "revoke.already_earlier":
        # Revoked from its next event already: the form stays, for an earlier seq (seized earlier
        # than thought), and says why its default does nothing
        values, said, found["note"] = {"start": FROM_SEQ}, None, said
    return {**ctx, "device": found, "refusal": said, "reason_max": REASON_MAX, "values": values,
            "title": t("revoke.title", device=found["short"]), "offer_offline": False}


async def form(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /device/{id}/revoke: what revoking does, from which seq, a public reason, and the tick."""
    ctx = dash.context(request)
    if (refused := dash.guard(request, admin=True)) is not None:
        return refused
    page = await _page(dash, ctx, request)
    if page is None:
        return dash.refuse(request, ctx, 404, "revoke.unknown")
    asked = request.query.get("from_seq", "")
    if _whole(asked) and 1 <= int(asked) <= page["device"]["held_to"] + 1:  # a warning's link names the seq
        page["values"] = {"start": FROM_SEQ, "from_seq": asked}
    return dash.respond(request, "revoke.html", page, 403 if page["refusal"] else 200)


def _whole(text: str) -> bool:
    """A seq as typed: ASCII digits only (str.isdigit takes "²", which int() refuses) and short
    enough for int() (Python refuses over 4300 digits)."""
    return re.fullmatch(r"[0-9]{1,12}", text) is not None


def _from_seq(sent: Any, held_to: int, t: Any) -> tuple[int | None, str | None]:
    """The seq chosen (None: its next event, the command's default) or the field's error."""
    if sent.get("start", NEXT) != FROM_SEQ:
        return None, None
    text = str(sent.get("from_seq", "")).strip()
    if not _whole(text) or not 1 <= int(text) <= held_to + 1:
        return None, t("revoke.from_seq_bad", last=held_to + 1)
    return int(text), None


async def submit(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /device/{id}/revoke: signs the revocation as `solnet revoke` does, once ticked."""
    ctx = dash.context(request)
    sent, refused = await dash.check_post(request, admin=True)
    if refused is not None:
        return refused
    page = await _page(dash, ctx, request)
    if page is None:
        return dash.refuse(request, ctx, 404, "revoke.unknown")
    device = page["device"]
    done = f"/groups?revoked={device['id'].hex()}#device-{device['id'].hex()}"
    if page["refusal"]:  # (revoked from its next event only: the form stays, for an earlier seq)
        if device["refusal"][0] == "revoke.already" and sent.get("confirm") == CONFIRMED:
            return dash.redirect(request, done)  # a form sent twice, the first one done: where it shows
        return dash.respond(request, "revoke.html", page, 403)
    t = ctx["t"]
    reason = str(sent.get("reason", "")).strip()
    start = FROM_SEQ if sent.get("start") == FROM_SEQ else NEXT
    page["values"] = {"reason": reason, "start": start, "from_seq": str(sent.get("from_seq", "")).strip()}
    from_seq, problem = _from_seq(sent, device["held_to"], t)
    group_key, own = _keys(dash)
    errors = {**({"from_seq": problem} if problem else {}), **forms.confirmed_errors(sent, REASON, reason, t, "revoke")}
    if errors:
        return dash.respond(request, "revoke.html", {**page, "errors": errors}, 400)
    offline = sent.get("offline") == CONFIRMED  # offered only where it was refused for not having caught up

    def sign(log: EventLog, keys: Any) -> Any:
        # Checked again in the signing turn: two forms sent at once both passed the page's check
        if (said := refusal(log, group_key, own, device["id"], from_seq)) is not None:
            raise AlreadyRevoked() if said[0] in ALREADY else membership.MembershipError(said[0])
        return membership.revoke(log, keys, device["id"], from_seq=from_seq, reason=reason or None,
                                 offline=offline).event

    try:
        await dash.node.sign(sign)
    except AlreadyRevoked:  # a form sent twice: the first signed it, this one nothing
        return dash.redirect(request, done)
    except membership.MembershipError as exc:  # only a race gets here: the page's checks passed
        now = await _page(dash, ctx, request)
        if now is not None and now["refusal"]:  # said as the page says it now
            return dash.respond(request, "revoke.html", now, 403)
        return dash.respond(request, "revoke.html", {**page, "general_error": str(exc)}, 400)
    except InvalidEvent as exc:
        said, held = forms.not_caught_up_error(exc, t, "revoke")  # as a publish form: the override offered, unticked
        return dash.respond(request, "revoke.html", {**page, "general_error": said, "offer_offline": held}, 400)
    # (a full or failing disk: nothing was signed, and the dashboard's storage page says so: app.storage_safe)
    return dash.redirect(request, done)
