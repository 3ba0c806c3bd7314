"""Withdrawing an event's content from the dashboard: what `solnet redact` does, for a coordinator who
has no shell. The event's page offers it (on events this very device published); a page of its own
says what it does and asks for a tick before anything is signed; the same checks as the command
(node.publishing.redaction: held here, published by this device; the log: not a vouch nor a
revocation) refuse in the dashboard's words. This device's events that name it (its updates and all
clears, its moves, a request's shares, which repeat its place, its text or its private details) are
listed and withdrawn with it, in the same redaction (node.related); those another device signed are
named, with a link, as staying. Several warnings of the dashboard (an action dated in
the past, a delivery recorded twice) said to run `solnet redact ID` in a shell: they link here now."""
from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web
from markupsafe import Markup

from crypto.keys import short_id
from events.errors import InvalidEvent
from events.kinds import KINDS
from node import publishing, references, related
from node.audience import Opener, opener_of
from node.dashboard import event_names, forms, pages
from node.dashboard.i18n import Translator, fallback_time
from node.log import EventLog, now_ms
from node.ports import WebNode
from node.store.trust import redactable

REASON = next(f for f in KINDS["redact"].fields if f.name == "reason")
REASON_MAX = REASON.max_len
CONFIRMED = "yes"


class Dashboard(Protocol):
    """What these pages use of node.dashboard.app's Dashboard (which imports this module)."""
    node: WebNode

    def context(self, request: web.Request) -> dict[str, Any]: ...
    def guard(self, request: web.Request, *, admin: bool = False) -> web.StreamResponse | None: ...
    async def check_post(self, request: web.Request, *,
                         admin: bool = False) -> tuple[Any, web.StreamResponse | None]: ...
    def respond(self, request: web.Request, template: str, ctx: dict[str, Any], status: int = 200) -> web.Response: ...
    def refuse(self, request: web.Request, ctx: dict[str, Any], status: int, message_key: str) -> web.Response: ...
    def redirect(self, request: web.Request, location: str) -> web.StreamResponse: ...


def path(event_id: bytes) -> str:
    """The withdrawal page of the event `event_id`."""
    return f"/event/{event_id.hex()}/withdraw"


def link(t: Translator, event_id: bytes) -> Markup:
    """A link to the withdrawal page, named as its page's button is: said in a warning in place of
    the command it named."""
    return Markup('<a href="{}">{}</a>').format(path(event_id), t("withdraw.action"))


def refusal(event: dict[str, Any], device: bytes) -> str | None:
    """Why this node may not withdraw `event` (as the event page's `pages.event` reads it), a catalog
    key; None if it may. The command's checks, and the log's: only the device that published an
    event signs its redaction, a vouch or a revocation is never redacted; and one already gone (or a
    redaction itself: what it dropped does not come back) has nothing left to withdraw."""
    if event["author"] != device:
        return "withdraw.not_this_device"
    if not redactable(event["kind"]):
        return "withdraw.trust_kind"
    if event["kind"] == "redact" or event["body"] != "present":
        return "withdraw.nothing_left"
    return None


def _related(t: Translator, event: related.Related, groups: dict[bytes, str] | None = None) -> dict[str, str]:
    """An event naming the one withdrawn, as the page lists it: its kind, when, its short id and
    author, with the author's group in `groups` (whom to ask to withdraw it: a device id alone
    told a coordinator nothing); nothing of its content (an update may repeat the place the
    withdrawal is taking back)."""
    return {"href": f"/event/{event.id.hex()}", "kind": t(f"kind.{event.kind}"), "when": fallback_time(event.ts),
            "id": short_id(event.id), "author": short_id(event.author), "group": (groups or {}).get(event.author, "")}


def _naming(log: EventLog, event_id: bytes, opener: Opener, device: bytes) -> list[related.Related]:
    """The events that name `event_id`, with those this `device` sealed for chosen groups."""
    return related.naming(log, event_id, sealed=related.sealed_naming(log, opener, device))


def _groups_of(log: EventLog, devices: set[bytes]) -> dict[bytes, str]:
    """Each of `devices` to its group's name as people are shown it (none for a device of no known group)."""
    names = references.group_names(log.store)
    groups = {device: log.trust.group_of(device) for device in devices}
    return {device: names[group] for device, group in groups.items() if group is not None and group in names}


async def _page(dash: Dashboard, ctx: dict[str, Any],
                request: web.Request) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The page's context and the event its address names (None: not held here)."""
    device = bytes(dash.node.keys.device.public)
    own = await dash.node.db(pages.own_group, dash.node.log, device)
    event = await dash.node.db(pages.event, dash.node.log, bytes.fromhex(request.match_info["id"]), now_ms(), own, None)
    if event is None:
        return ctx, None
    named = event_names.page_title(ctx["t"], event["named"], event["id"], about=event["about"],
                                   chosen=event["for_chosen_groups"] or bool(event["shared_with"]),
                                   private=event["sealed"] is not None)
    said = refusal(event, device)
    taken, stay = related.split(await dash.node.db(_naming, dash.node.log, event["id"], opener_of(dash.node), device),
                                device) if not said else ([], [])
    groups = await dash.node.db(_groups_of, dash.node.log, {r.author for r in stay}) if stay else {}
    return {**ctx, "event": event, "named": named,
            "taken": [_related(ctx["t"], r) for r in taken], "stay": [_related(ctx["t"], r, groups) for r in stay],
            "refusal": said and ctx["t"](said, device=short_id(event["author"])),
            "title": ctx["t"]("withdraw.title", name=named), "reason_max": REASON_MAX,
            "values": {}, "offer_offline": False}, event


async def form(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /event/{id}/withdraw: what withdrawing does, a public reason to give, and the tick."""
    ctx = dash.context(request)
    if (refused := dash.guard(request, admin=True)) is not None:
        return refused
    page, event = await _page(dash, ctx, request)
    if event is None:
        return dash.refuse(request, ctx, 404, "error.no_event")
    return dash.respond(request, "withdraw.html", page, 403 if page["refusal"] else 200)


async def submit(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /event/{id}/withdraw: signs the redaction as `solnet redact` does, once ticked."""
    ctx = dash.context(request)
    sent, refused = await dash.check_post(request, admin=True)
    if refused is not None:
        return refused
    page, event = await _page(dash, ctx, request)
    if event is None:
        return dash.refuse(request, ctx, 404, "error.no_event")
    if page["refusal"]:
        return dash.respond(request, "withdraw.html", page, 403)
    t = ctx["t"]
    reason = str(sent.get("reason", "")).strip()
    page["values"] = {"reason": reason}
    if errors := forms.confirmed_errors(sent, REASON, reason, t, "withdraw"):
        return dash.respond(request, "withdraw.html", {**page, "errors": errors}, 400)
    offline = sent.get("offline") == CONFIRMED  # offered only where it was refused for not having caught up
    own = bytes(dash.node.keys.device.public)
    try:  # the command's checks, in the same turn of the database thread as the signing
        await dash.node.sign(lambda log, keys: log.append(
            keys.device, "redact", publishing.redaction(log, event["id"].hex(), reason or None, lambda: own,
                                                   opener=opener_of(dash.node)),
            offline=offline))
    except publishing.PublishError as exc:  # only a race gets here: the checks above passed
        _, now = await _page(dash, ctx, request)
        if now is not None and now["body"] != "present":  # a form sent twice: the first signed it, this one nothing
            return dash.redirect(request, f"/event/{event['id'].hex()}?withdrawn=1")
        return dash.respond(request, "withdraw.html", {**page, "general_error": forms.refusal_words(exc, t)}, 400)
    except InvalidEvent as exc:
        said, held = forms.not_caught_up_error(exc, t, "withdraw")  # as a publish form: the override offered, unticked
        return dash.respond(request, "withdraw.html", {**page, "general_error": said, "offer_offline": held}, 400)
    # (a full or failing disk: nothing was signed, and the dashboard's storage page says so: app.storage_safe)
    return dash.redirect(request, f"/event/{event['id'].hex()}?withdrawn=1")
