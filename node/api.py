"""The node's HTTP JSON API, version 1 (/api/v1/...), described in node/openapi.json.

Every route except the OpenAPI document needs the local admin's bearer token (`solnet
admin-token` prints it): the API shares its port with peer sync, and the threat model says an
outsider who can reach a node must not read the network's data. The token is made from the
device key (node/home.py), so a copy of the home does not carry it. Reads go through the same
read models as `solnet view` and the dashboard, bounded in SQL; publishing goes through
node.publishing, like `solnet publish`. All database work runs on the node's DB thread.

Errors are JSON, `{"error": {"code", "message", "field"?, "key"?, "values"?}}` (a publish refusal's
key and values: node.http_failures.error_response), with the HTTP status saying the class:
400 bad filter or body, 401 no token, 403 wrong token, 404, 405, 413 too large, 415 not JSON, 422
refused input (code `invalid_field` and the `field` at fault; node.api_body checks a body first), 500
a failure of the node's (node.http_failures answers it, in the same shape).
Private parts of support requests never appear, except decrypted on request (?private=true on one
event) for this node's admin when this device is a recipient; decrypted in memory, never stored.
Events for chosen groups (kind `sealed`) show their inside (`inner`, and `shared_with` in the read
models) only when this device is one of their readers, decrypted in memory as well.
"""
from __future__ import annotations

import asyncio
import dataclasses
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from aiohttp import web

from crypto.short_ids import MIN_ID_PREFIX_HEX
from events.errors import BAD_FIELD, REASONS, UNJUDGED, InvalidEvent
from events.format import Event
from events.fields import REGION_RE, REGION_WORDS
from events.kinds import KINDS
from events.projections import TABLES
from node import api_body, audience, publishing, references, render
from node.known_regions import NewRegion, empty_region_words, unknown_region, unread_region_words
from node.alert_feed import TAKEN_BACK, AlertFeed, feed_of, new_alerts, stop_feed, withdrawals_page
from node.chain_gate import NOT_CAUGHT_UP
from node.field_input import InputError
from node.http_failures import STORAGE_MESSAGES, error_response, storage_trouble
from node.log import EventLog, now_ms
from node.private import DAMAGED, DAMAGED_TEXT, read_private
from node.live_status import live_peers, live_status
from node.ports import StorageFailed, WebNode
from node.store import EventRow, StoreError
from node.views import VIEWS, fair_items, reader_of, view
from node.delivery_twice import twice_recorded
from node.past_action import as_moved_by, past_action_warning
from solnet_errors import KeyedError, Said, SolnetError

log = logging.getLogger(f"solnet.{__name__}")

PREFIX = "/api/v1"
OPENAPI_PATH = Path(__file__).with_name("openapi.json")
DEFAULT_LIMIT, MAX_LIMIT = 50, 500
DEFAULT_VIEW_LIMIT = 100
MAX_CURSOR = 10**15 - 1  # a `next_cursor` has at most 15 digits (node/openapi.json)
HEX_RE = re.compile(r"^[0-9a-f]+$")
API_PATH_RE = re.compile(r"/+api(/|$)")  # /api/..., however many slashes a client repeats
RFC3339_RE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt]([0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?)"
                        r"([Zz]|[+-][0-9]{2}:[0-9]{2})")
NODE = web.AppKey("solnet_api_node", WebNode)
@dataclasses.dataclass
class ApiToken:
    """The admin token of a running app, replaced in place (`solnet end-sessions --api-token`): an
    aiohttp app's own state may not change once it is started. None when it could not be written."""
    value: str | None = None


TOKEN: web.AppKey[ApiToken] = web.AppKey("solnet_api_token")
CLOSING = web.AppKey("solnet_api_closing", asyncio.Event)
STREAMS = web.AppKey("solnet_api_streams", list)  # [open alert streams]
MAX_ALERT_STREAMS = 16
MISSED_SLACK_MS = 60_000  # how long the feed may take to hand a withdrawal on (a busy database)
ALERT_STREAM_LIFETIME_S = 3600.0  # then the client reconnects (SSE does by itself) with Last-Event-ID
ALERT_KEEPALIVE_S = 15.0
RETRY_AFTER_S = 60  # the Retry-After of a 503 that passes (busy, storage), as their messages say: in a minute

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Every `code` an error of this API carries, and when. node/openapi.json lists them (generated from
# here by tests/api/test_openapi.py, which also finds every code the API's modules can answer with).
ERROR_CODES = {
    "invalid_field": "an input field is wrong; `field` names it (422)",
    "bad_parameter": "a query parameter is wrong; `field` names it (400)",
    "ambiguous": "an id prefix several ids start with (409)",
    "bad_json": "the body is not the JSON object asked for (400)",
    "bad_request": "a request that breaks HTTP's own rules (400)",
    "unsupported_media_type": "a body not sent as application/json in UTF-8 (415)",
    "unsupported_encoding": "a body in a Content-Encoding other than gzip or deflate (415)",
    "not_found": "no such event or route (404); the message names a route asked with a '/' at its end without it",
    "token_required": "no admin token was sent (401)",
    "token_invalid": "the token is not this node's admin token (403)",
    "too_large": "the body is too large (413)",
    "method_not_allowed": "the route does not take this method; the message and the Allow header name those it takes (405)",
    "storage_full": "nothing was stored: the node's disk is full (507)",
    "database_damaged": "the node's database is damaged (503)",
    "disk_failing": "the node's disk fails (503)",
    "storage": "the node's database could not be used for this request; try again after the seconds Retry-After "
               "gives (503)",
    "unavailable": "the node could not write its admin token when it started (503)",
    "wipe_begun": "a panic wipe of this node has begun: it signs nothing more and stops in a moment (503)",
    "busy": f"GET /api/v1/alerts/stream only: the node already serves {MAX_ALERT_STREAMS} alert streams, its most; "
            "retry after the seconds Retry-After gives (503)",
    "internal": "the node failed; its log says why (500)",
    "http_error": "another refusal of HTTP's own; its status says which",
}
# Why the node refused to publish an event (POST /api/v1/events, 422): a field problem is
# invalid_field; any other refusal of the log or of the chain gate is its own reason code.
EVENT_REFUSALS = tuple(r for r in (*REASONS, NOT_CAUGHT_UP) if r not in (BAD_FIELD, UNJUDGED))  # (a peer's credentials only)


class ApiError(Exception):
    """A request we refuse: the HTTP status, a stable code for programs, a sentence for people; a
    publish refusal's `refusal` too, the key and values of its words (SolnetError.key)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None, refusal: SolnetError | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers, self.refusal = headers, refusal


# Made once: json.dumps(v, ensure_ascii=False) builds an encoder at every call (every API answer).
_TO_JSON = json.JSONEncoder(ensure_ascii=False).encode


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(data, status=status, headers={"Cache-Control": "no-store", **(headers or {})},
                             dumps=_TO_JSON)


# Aiohttp's own refusals (no route, wrong method, body too large), said in our shape.
_HTTP_ERRORS = {
    404: ("not_found", "no such API route; GET /api/v1/openapi.json lists them"),
    405: ("method_not_allowed", "this route does not take that method; GET /api/v1/openapi.json lists them"),
    413: ("too_large", "the request body is too large; a request is at most 256 KiB"),
}


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Under /api/ every failure is a JSON error (never an HTML page); other paths pass through.
    (//api/v1/status is under /api/ too: aiohttp routes it nowhere, and its 404 is the API's.)"""
    if not API_PATH_RE.match(request.path):
        return await handler(request)
    started = time.perf_counter()
    response = await _json_errors(request, handler)
    # Server time for clients and bench/http_pages.py (the handler, database work included).
    if not response.prepared:  # a stream has sent its headers long ago
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
    return response


async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else exc.headers
        return error_response(exc.status, exc.code, exc.message, exc.field, headers, exc.refusal)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code, message = _HTTP_ERRORS.get(exc.status, ("http_error", exc.reason))
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        if headers is not None:  # a person reads the message, not the Allow header
            message = (f"this route takes {', '.join(headers['Allow'].split(','))} only; "
                       "GET /api/v1/openapi.json describes them")
        elif exc.status == 404 and (meant := await _without_end_slash(request)) is not None:
            message = f"no such API route: it is written without the '/' at its end: {meant}"
        return error_response(exc.status, code, message, headers=headers)
    except (StorageFailed, StoreError) as exc:  # a full disk, a damaged database, or one that cannot be used
        if not isinstance(exc, StorageFailed):  # a publish told the node already
            request.app[NODE].storage_failed(exc)
        if request.writer is not None and request.writer.output_size > 0:
            raise  # a stream had started: only closing the connection is left
        status, code = storage_trouble(exc)
        # A passing trouble says when to try again, for programs too; a damaged or failing disk needs its operator.
        return error_response(status, code, STORAGE_MESSAGES[code],
                              headers={"Retry-After": str(RETRY_AFTER_S)} if code == "storage" else None)
    # Anything else is a bug: node.http_failures.FailureLog.last_resort answers it (a JSON 500) and logs it.


async def _without_end_slash(request: web.Request) -> str | None:
    """The route `request` asked for with a '/' (or more) at its end, when it is one without them; else None."""
    meant = request.path.rstrip("/")
    if meant == request.path or not meant:
        return None
    match = await request.app.router.resolve(request.clone(rel_url=request.rel_url.with_path(meant)))
    return meant if match.http_exception is None else None


def setup(app: web.Application, node: WebNode) -> None:
    """Register the API routes and its error middleware on the node's app."""
    app[NODE] = node
    try:
        if node.home.forget_old_admin_token():
            log.warning("the HTTP API's admin token is now made from this device's key (the old one was a file in "
                        "the home, and any copy of the home held it): the old token no longer works; "
                        "`solnet admin-token` prints the new one")
    except OSError:
        pass
    app[TOKEN] = ApiToken()
    read_token(app, node)
    # `solnet end-sessions --api-token` made a new salt: the token is read again (the old one ends at once)
    node.sign_outs.append(lambda: read_token(app, node))
    app.middlewares.append(json_errors)
    add = app.router.add_get  # HEAD too, answered as GET without the body (node/openapi.json says so)
    add(f"{PREFIX}/openapi.json", openapi)
    add(f"{PREFIX}/events", list_events)
    app.router.add_post(f"{PREFIX}/events", post_event)
    add(f"{PREFIX}/events/{{id}}", get_event)
    add(f"{PREFIX}/status", status)
    add(f"{PREFIX}/peers", peers)
    for name in VIEWS:
        add(f"{PREFIX}/{name}", read_model(name))
    add(f"{PREFIX}/alerts/stream", alert_stream)
    app[CLOSING] = asyncio.Event()
    app[STREAMS] = [0]

    async def closing(app: web.Application) -> None:
        app[CLOSING].set()
        await stop_feed(node)

    app.on_shutdown.append(closing)


def read_token(app: web.Application, node: WebNode) -> int:
    """The admin token, made again from the home's salt (a new salt: a new token). No logins ended
    here that a count could say (0)."""
    try:
        app[TOKEN].value = node.home.admin_token(node.keys)
    except OSError as exc:  # a full disk must not keep the node from serving its peers
        log.warning("the HTTP API is off: its admin token could not be written (%s); free some space and "
                    "restart the node", exc.strerror or exc)
        app[TOKEN].value = None
    return 0


# --- auth and parameters --------------------------------------------------------------------------
def require_token(request: web.Request) -> WebNode:
    token = request.app[TOKEN].value
    if token is None:
        raise ApiError(503, "unavailable", "this node could not write its admin token when it started (was the "
                       "disk full?); free some space and restart the node")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if not header:
        raise ApiError(401, "token_required", "this API needs the local admin token: send "
                       "'Authorization: Bearer TOKEN'; `solnet admin-token` on the node prints it")
    # The header as it was sent (aiohttp keeps bytes that are not UTF-8 as surrogate escapes): any bytes
    # compare, in constant time, and are a wrong token unless they are the token.
    sent = given.strip().encode("utf-8", "surrogateescape")
    if scheme.lower() != "bearer":
        raise ApiError(401, "token_required", f"this API takes the admin token as 'Authorization: Bearer TOKEN', not "
                       f"{scheme[:20]!r}; `solnet admin-token` on the node prints it")
    if not hmac.compare_digest(sent, token.encode()):
        raise ApiError(403, "token_invalid", "that is not this node's admin token; `solnet admin-token` on the "
                       "node prints the right one")
    return request.app[NODE]


def check_params(request: web.Request, allowed: tuple[str, ...], repeatable: tuple[str, ...] = ()) -> None:
    """Unknown parameters, and one given twice that is not `repeatable` (which one would count is
    every reader's guess: `?limit=5&limit=900`), are refused."""
    seen: set[str] = set()
    for name, _ in request.query.items():  # (iterating a multidict names each key once)
        if name not in allowed:
            raise ApiError(400, "bad_parameter", f"unknown parameter {name!r}; this route takes: "
                           f"{', '.join(allowed) or 'none'}", name)
        if name in seen and name not in repeatable:
            raise ApiError(400, "bad_parameter", f"{name!r} is given more than once; give it once", name)
        seen.add(name)


def int_param(request: web.Request, name: str, default: int | None, low: int, high: int | None) -> int | None:
    text = request.query.get(name)
    if text is None:
        return default
    span = f"from {low} to {high}" if high is not None else f"at least {low}"
    if not re.fullmatch(r"-?(0|[1-9][0-9]{0,17})", text):  # as a JSON integer is written; nothing around it
        # (a whole number of more digits is one, beyond every range here: "a whole number" sent people hunting a typo)
        said = span if re.fullmatch(r"-?[1-9][0-9]*", text) else "a whole number"
        raise ApiError(400, "bad_parameter", f"{name!r} must be {said}, got {text[:40]!r}", name)
    value = int(text)
    if value < low or (high is not None and value > high):
        raise ApiError(400, "bad_parameter", f"{name!r} must be {span}, got {value}", name)
    return value


def region_param(request: web.Request) -> str | None:
    text = request.query.get("region")
    if text is None:
        return None
    region = text.lower()  # the one rule for region names: events.fields (any case here)
    if not REGION_RE.fullmatch(region):
        raise ApiError(400, "bad_parameter", f"'region' is {REGION_WORDS}", "region")
    return region


async def refuse_unknown_regions(node: WebNode, regions: list[str], reading_alerts: bool = True) -> None:
    """A region to read alerts from that no group is based in and no event is placed in (a typo:
    'calis') is refused, naming the known ones it is close to: the stream waited forever, the list
    was empty, both without a word. As publishing asks (node/known_regions.py); the home's own
    region is known before its group's profile is in the log. Any other view of such a region is
    refused alike (`reading_alerts` False: its words), as `solnet view` refuses it."""
    words = unread_region_words if reading_alerts else empty_region_words

    def first_unknown() -> str | None:
        for region in regions:
            if (close := unknown_region(node.log, region, lambda: node.home.config().region)) is not None:
                return words(region, close, listed_by="GET /api/v1/regions")  # (a bot has no shell there)
        return None

    if regions and (said := await node.db(first_unknown)) is not None:
        raise ApiError(400, "bad_parameter", f"'region': {said}", "region")


def since_param(request: web.Request) -> int | None:
    """Milliseconds since 1970 (at most 15 digits), or an RFC 3339 date-time as the API writes them
    (2026-12-01T18:00:00Z): what node/openapi.json says, no more."""
    text = request.query.get("since")
    if text is None:
        return None
    if re.fullmatch(r"[0-9]{1,15}", text):
        return int(text)
    if re.fullmatch(r"[0-9]+", text):  # milliseconds, as asked, but more of them than any time this API holds
        raise ApiError(400, "bad_parameter", f"'since' in milliseconds since 1970 has at most 15 digits; got "
                       f"{len(text)} ({text[:40]!r})", "since")
    match = RFC3339_RE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        day, clock, offset = match.groups()
        clock = clock[:6] + "59" + clock[8:] if clock[6:8] == "60" else clock  # a leap second: its second before
        moment = datetime.fromisoformat(f"{day}T{clock}{'+00:00' if offset in 'Zz' else offset}")
        return int(moment.timestamp() * 1000)
    except (ValueError, OverflowError):
        if match is None and text.count(" ") == 1 and RFC3339_RE.fullmatch(text.replace(" ", "+")):
            # `since=2026-12-01T18:00:00+01:00` typed into a URL: its query reads '+' as a space (HTML forms
            # write spaces so), and the time came without its offset. Said, or a client is stuck on a value
            # that looks right in its own code.
            raise ApiError(400, "bad_parameter", "'since': a '+' in a URL's query is read as a space, so its time "
                           f"zone came as {text[-6:]!r}: write the '+' as %2B (2026-12-01T18:00:00%2B01:00), or give "
                           "the time in UTC with Z (2026-12-01T17:00:00Z)", "since") from None
        raise ApiError(400, "bad_parameter", "'since' is a date and time such as 2026-12-01T18:00:00Z (with its "
                       f"seconds and time zone), or milliseconds since 1970; got {text[:40]!r}", "since") from None


def hex_param(text: str, name: str, low: int) -> str:
    lowered = text.lower()  # (not stripped: ' abcd' is no id, as the spec's pattern says)
    if not (low <= len(lowered) <= 64 and HEX_RE.match(lowered)):
        raise ApiError(400, "bad_parameter", f"{name!r} is an id in hex: all 64 characters or at least the first "
                       f"{low}, got {text[:70]!r}", name)  # what was sent, as it was sent
    return lowered


# --- reads ----------------------------------------------------------------------------------------
async def openapi(request: web.Request) -> web.StreamResponse:
    """The document, whole, every time: as a static file it got a file's conditional and partial
    answers (206, 304, 412, 416 with an empty body), which it does not declare for itself."""
    body = await asyncio.to_thread(OPENAPI_PATH.read_bytes)  # (about 100 KB, asked for rarely)
    return web.Response(body=body, content_type="application/json", headers={"Cache-Control": "no-cache"})


def _event_out(row: tuple, group_of: dict[bytes, bytes], names: dict[bytes, str], log: EventLog | None = None,
               opener: audience.Opener | None = None) -> dict[str, Any]:
    fields = render.event_fields(row[1:])
    out = _named({"n": row[0], **render.event_json(row[1:], group_of, fields)}, names)
    if log is not None:
        out.update(references.amounts_currency(log.store, log.trust, row[5], fields))
        if (opened := audience.opened_event(log, opener, row[1:])) is not None:
            out["inner"] = audience.inner_json(log, opened)  # this device reads it: decrypted in memory
    return out


def _named(out: dict[str, Any], names: dict[bytes, str]) -> dict[str, Any]:
    """An event's JSON with its group's name beside the group's id."""
    if "group" in out:
        out["group_name"] = names.get(bytes.fromhex(out["group"]))
    return out


def _group_of(log: EventLog) -> dict[bytes, bytes]:
    return {k: m.group for k, m in log.trust.members.items()}


def _author_of(log: EventLog, prefix: str) -> bytes | None:
    """The one member key whose hex starts with `prefix` (None: no such author)."""
    found = [k for k in list(log.trust.members) if k.hex().startswith(prefix)]
    if len(found) > 1:
        raise ApiError(409, "ambiguous", f"more than one key starts with {prefix}; give more characters", "author")
    return found[0] if found else None


def _events_page(log: EventLog, opener: audience.Opener, kind: str | None, author: str | None, region: str | None,
                 since: int | None, cursor: int | None, limit: int) -> dict[str, Any]:
    author_key = _author_of(log, author) if author else None
    if author and author_key is None:
        return {"events": [], "next_cursor": None}
    rows = log.store.events_page(kind=kind, author=author_key, regions=(region, list(TABLES)) if region else None,
                                 since_ts=since, before_n=cursor, limit=limit + 1)
    group_of, names = _group_of(log), references.group_names(log.store)
    events = [_event_out(r, group_of, names, log, opener) for r in rows[:limit]]
    return {"events": events, "next_cursor": str(rows[limit - 1][0]) if len(rows) > limit else None}


async def list_events(request: web.Request) -> web.StreamResponse:
    node = require_token(request)
    check_params(request, ("kind", "author", "region", "since", "cursor", "limit"))
    kind = request.query.get("kind")
    if kind is not None and kind not in KINDS:
        raise ApiError(400, "bad_parameter", f"unknown kind {kind[:40]!r}; one of: {', '.join(KINDS)}", "kind")
    author = hex_param(request.query["author"], "author", MIN_ID_PREFIX_HEX) if "author" in request.query else None
    cursor = int_param(request, "cursor", None, 1, MAX_CURSOR)
    limit = int_param(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    if (region := region_param(request)) is not None:  # a typo: refused as every read model refuses it
        await refuse_unknown_regions(node, [region], reading_alerts=False)
    page = await node.db(_events_page, node.log, audience.opener_of(node), kind, author,
                         region, since_param(request), cursor, limit)
    return json_response({**page, "limit": limit, **heard(node)})


def _one_event(node: WebNode, text: str, private: bool) -> dict[str, Any]:
    log = node.log
    try:
        event_id = publishing.resolve_event_id(log, text)
    except publishing.UnknownEvent as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except publishing.AmbiguousEvent as exc:  # well formed; this node holds several such ids
        raise ApiError(409, "ambiguous", str(exc), "id") from None
    except InputError as exc:
        raise ApiError(400, "bad_parameter", str(exc), "id") from None
    return _event_answer(node, event_id, text, private)


def _event_answer(node: WebNode, event_id: bytes, text: str, private: bool) -> dict[str, Any]:
    """GET /events/{id}'s answer for the event `event_id` (`text`: the id as asked, for a 404)."""
    log = node.log
    numbered = log.store.numbered_row(event_id)
    if numbered is None:
        raise ApiError(404, "not_found", f"no event {text} on this node (yet); GET /api/v1/events lists them")
    row = EventRow(*numbered[1:])
    group = log.trust.group_of(row.author)  # one author, one group: no map of every member or name
    fields = render.event_fields(row)  # the body unpacked once, for the answer and for no_effect
    out = {"n": numbered.n, **render.event_json(row, {row.author: group} if group is not None else None, fields),
           **references.amounts_currency(log.store, log.trust, row.kind, fields)}
    if group is not None:
        out["group_name"] = references.name_of_group(log.store, group)
    out.update(render.no_effect_json(log.row_no_effect(row, fields)))
    if (opened := audience.opened_event(log, audience.opener_of(node), row)) is not None:
        out["inner"] = audience.inner_json(log, opened)  # decrypted in memory: never stored, never logged
    if out["private"]:
        if private:  # decrypted in memory for this node's admin; never stored, never logged
            text_, status = read_private((render.event_fields(row) or {})["sealed"], node.keys.device_encryption)
            out["private_details"] = text_
            out["private_status"] = status
            if status == DAMAGED:
                out["private_error"] = DAMAGED_TEXT
    return out


async def get_event(request: web.Request) -> web.StreamResponse:
    node = require_token(request)
    check_params(request, ("private",))
    wanted = request.query.get("private", "false")
    if wanted not in ("true", "false", "1", "0"):
        raise ApiError(400, "bad_parameter", "'private' is true or false", "private")
    text = hex_param(request.match_info["id"], "id", MIN_ID_PREFIX_HEX)
    return json_response(await node.db(_one_event, node, text, wanted in ("true", "1")))


def read_model(name: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        node = require_token(request)
        check_params(request, ("region", "limit"))
        region = region_param(request)
        limit = int_param(request, "limit", DEFAULT_VIEW_LIMIT, 1, MAX_LIMIT)
        if region is not None:  # a typo's empty list read as all quiet there
            await refuse_unknown_regions(node, [region], reading_alerts=name == "alerts")
        peers = node.peer_views(now_ms()) if name in ("regions", "groups") else None  # fresher than what it saved
        own = bytes.fromhex(node.home.config().group_id)  # this node's group: can it read the private parts?
        data, capped = await node.db(_read_model, node.log, audience.opener_of(node), name, region, limit, peers, own)
        return json_response({"view": name, "region": region, "limit": limit, "capped": capped, "items": data,
                              **heard(node)})

    handler.__name__ = f"get_{name}"
    return handler


def heard(node: WebNode) -> dict[str, int | None]:
    """What a listing's answer says of how fresh it is: since when (ms) the node has heard from no other
    node, if it counts as cut off (node/cut_off.py, the rule of /status and the dashboard's banner);
    null while it hears from one. A bot polling /alerts read the same calm list from a node that had
    heard nothing for a day as from one that had just synced."""
    return {"cut_off_since": node.cut_off_since()}  # (not every live fact: storage, clock, ... per listing)


def _read_model(log: EventLog, opener: audience.Opener, name: str, region: str | None, limit: int,
                peers: list[dict[str, Any]] | None, own: bytes | None = None) -> tuple[list[Any], bool]:
    """The read model's items, and whether they are cut (`capped`: more exist than `limit` lets
    through, or than the node read), so that a client tells a full listing from a cut one. Read in one
    read transaction (Store.reading), as a dashboard page is: the listing is of one moment, and its
    reads share it (GET /api/v1/regions: 983 SQL statements at 100k events, each listing in a
    transaction of its own asking its region's number again)."""
    with log.store.reading():
        return _read_model_now(log, opener, name, region, limit, peers, own)


def _read_model_now(log: EventLog, opener: audience.Opener, name: str, region: str | None, limit: int,
                    peers: list[dict[str, Any]] | None, own: bytes | None) -> tuple[list[Any], bool]:
    """`_read_model`, inside its read transaction."""
    reader = reader_of(log, audience.opened_rows(log, opener) if name != "groups" else None, opener=opener)
    items = view(log, name, region=region, limit=limit, peers=peers, reader=reader)
    if name == "support":  # which places could read each request's private part (`reads_private`)
        audience.mark_private_readers(log, opener, items, own)
    # (needs and offers are two listings of `limit` each: cut fairly to `limit`, as each was)
    return render.view_json(fair_items(items, limit, log.trust)), bool(reader.capped) or len(items) > limit


async def status(request: web.Request) -> web.StreamResponse:
    node = require_token(request)
    check_params(request, ())
    return json_response(await live_status(node))  # live facts: the saved ones are up to a few seconds old


async def peers(request: web.Request) -> web.StreamResponse:
    node = require_token(request)
    check_params(request, ())
    return json_response({"peers": await live_peers(node)})


# --- publishing -----------------------------------------------------------------------------------
def _field_of(message: str) -> str:
    """The field a refusal of the log names ('region' in "action: field 'region' must be ..."),
    else "fields": every field problem carries a `field`."""
    named = re.findall(r"'(\w+)'", message)
    # The sealed part is what the request's `private` became: name the key the client sent.
    return ("private" if named[0] == "sealed" else named[0]) if named else "fields"


def field_refusal(exc: InvalidEvent) -> ApiError:
    """The log's refusal of a field (bad_field) as the API says it: invalid_field, the field it names,
    and the key of its words (a rule's own; else generic words, "Check this field."), so a client
    says it in its own language as it does a publish refusal's (it had only the English text)."""
    message = exc.args[0]
    words = message if isinstance(message, Said) else Said(message, "generic")
    return ApiError(422, "invalid_field", message, _field_of(message), refusal=KeyedError.said(words))


async def post_event(request: web.Request) -> web.StreamResponse:
    node = require_token(request)
    check_params(request, ())
    raw = await request.read()  # larger than the app's client_max_size: 413
    try:
        raw = api_body.decoded(raw, request.headers.get("Content-Encoding", ""), request.client_max_size)
        body = api_body.parse(raw, request.content_type, request.charset, request.headers.get("Content-Type"))
    except api_body.BodyError as exc:
        raise ApiError(exc.status, exc.code, str(exc), exc.field, refusal=exc) from None
    told: dict[str, Any] = {}  # what the publish found while checking (a redaction's events that stay)
    try:  # the answer is read on the database thread right after the commit, in the same turn
        event, out = await node.publish_and_read(
            partial(_read_back, node, told, body.time_zone), body.kind, body.texts, expires_in=body.expires_in,
            signer=body.signer, private=body.private, to=body.to, public_note=body.public_note,
            time_zone=body.time_zone, offline=body.offline, check_region=not body.new_region, told=told)
    except NewRegion as exc:  # the client's words for it: the body's key, not the command's option
        said = f'{exc} with "new_region": true in the body'
        # (the key of the API's words, not the dashboard's: those ask to tick a box below the form)
        words = (KeyedError(said, "body.new_region_close", region=exc.region, close=" / ".join(exc.close)) if exc.close
                 else KeyedError(said, "body.new_region", region=exc.region))
        raise ApiError(422, "invalid_field", said, "region", refusal=words) from None
    except publishing.PublishError as exc:
        raise ApiError(422, "invalid_field", str(exc), exc.field or "fields", refusal=exc) from None
    except InvalidEvent as exc:
        if exc.reason == BAD_FIELD:  # a field problem, whoever found it: one code
            raise field_refusal(exc) from None
        said = _offline_field(exc.args[0]) if exc.reason == NOT_CAUGHT_UP else exc.args[0]
        raise ApiError(422, exc.reason, said) from None
    if isinstance(out, Exception):  # stored and sent on: the client must not publish it again
        log.error("a published event was stored but could not be read back for the answer", exc_info=out)
        raise ApiError(500, "internal", f"the event {event.id.hex()} was stored and goes to peers, but the node failed "
                       f"to read it back (its log says why); GET {PREFIX}/events/{event.id.hex()} shows it; do not "
                       "publish it again")
    answer, twice, behind, moved, redacting, ends = out
    warnings = [w for w in (past_action_warning(body.kind, body.texts, event.id.hex(), now_ms(), body.time_zone, moved),
                            twice, behind, ends and publishing.alert_ends_warning(ends, "expires_in", body.time_zone), *redacting) if w is not None]
    return json_response({"event": answer, "warnings": warnings}, 201, {"Location": f"{PREFIX}/events/{event.id.hex()}"})


def _offline_field(message: str) -> str:
    """The restore gate's refusal (node/chain_gate.py) in the API's words: its override is the body's
    `offline` field, where the command's is --offline."""
    said = message.replace("--offline", '"offline": true in the body')
    if said != message:
        return said
    return (f'{message}. To publish anyway (an alert while no peer can be reached), send "offline": true in the '
            "body, only if you are sure that no other copy of this home (a backup, a cloned card) has published "
            "since; if one has, every node freezes this device")


def _read_back(node: WebNode, told: dict[str, Any], time_zone: str | None, event: Event,
               ) -> tuple[dict[str, Any], str | None, str | None, Any, list[str | None], int | None] | Exception:
    """The answer to a publish, or what reading it raised (the event is stored either way): the event
    as stored, and what the client is told besides, as `solnet publish` tells it (published all the
    same): a delivery the other group recorded too, a step behind another device's stamped after it,
    an action's end as listed (moved with its start), a redaction's events another device signed that
    keep what it withdrew readable (as `solnet redact` says them: found by the publish's own checks, in
    `told`, not read again), those it names that had no content left to withdraw (as `solnet redact`
    refuses them: found by those checks too), and an alert update's alert's end. All read here, in the
    database thread's turn that stored
    it: one hand-over between the loop and that thread per publish, where each of these reads cost one more.
    Their times are said in `time_zone` (the request's), as its refusals' are."""
    try:
        log = node.log
        twice = twice_recorded(log, event, time_zone) if event.kind == "need.fulfil" else None
        behind = publishing.behind_a_step_stamped_ahead(log, event, time_zone)
        moved = as_moved_by(log, event) if event.kind == "action.update" else None
        redacting = ([_still_readable(told.get("stay") or []), _nothing_left(told.get("gone") or [])]
                     if event.kind == "redact" else [])
        # (its id in hand: not written out in hex to be parsed back, as a GET's is)
        ends = publishing.alert_end(log, event)  # (None but for an alert.update)
        return _event_answer(node, event.id, event.id.hex(), False), twice, behind, moved, redacting, ends
    except Exception as exc:  # a bug in showing it: the client still learns the event was stored
        return exc


def _still_readable(stay: list[dict[str, str]]) -> str | None:
    """The warning of a redaction whose withdrawn events other devices' events still name with their
    content (an update's text, a share's details): they stay readable unless their author withdraws them."""
    if not stay:
        return None
    return ("still readable, signed by another device, unless their author redacts them: " + ", ".join(
        f"{s['kind']} {s['id']} (device {s['author']})" for s in stay))


def _nothing_left(gone: list[str]) -> str | None:
    """The warning of a redaction naming events of its author that had no content left to withdraw
    (found by the publish's checks before it was signed: publishing._nothing_left): an earlier
    redaction of theirs had withdrawn them, or they had expired by the redaction's stamp. `solnet
    redact` refuses such a redaction ("no content left to redact"); the API stored it with 201 and no
    word, so a script that withdrew twice believed it had done something."""
    if not gone:
        return None
    return "no content left to redact, redacted or expired already: " + ", ".join(gone)


# --- the alert stream -----------------------------------------------------------------------------
def _regions_param(request: web.Request) -> list[str]:
    regions = []
    for text in request.query.getall("region", []):  # each one (the request line bounds them)
        region = text.lower()
        if not REGION_RE.fullmatch(region):
            raise ApiError(400, "bad_parameter", "'region' is a region name such as calais (letters, digits and -, at "
                           "most 40); repeat it for several", "region")
        regions.append(region)
    return regions


class _Mark(NamedTuple):
    """Where a reconnecting client left off: the `n` of the last alert it got, the feed's mark and
    number of the last withdrawal it was sure to have been offered (None: an id without them), and
    when (s) the stream sent it that (None: not said)."""

    n: int
    epoch: str | None
    withdrawal: int
    at_s: int | None


def _since_param(request: web.Request) -> _Mark | None:
    """Where a reconnecting client left off: the `id` of the last event it got (SSE's Last-Event-ID)."""
    text = request.headers.get("Last-Event-ID") or request.query.get("since_n")
    if text is None:
        return None
    found = re.fullmatch(r"([0-9]{1,15})(?:-([0-9a-f]{8})-([0-9]{1,15})(?:-([0-9]{1,12}))?)?", text)
    if found is None:
        raise ApiError(400, "bad_parameter", "'since_n' (or Last-Event-ID) is the id of the last alert received, "
                       "as the stream gave it (a whole number, perhaps followed by -MARK-NUMBER-SECONDS)", "since_n")
    return _Mark(int(found[1]), found[2], int(found[3] or 0), int(found[4]) if found[4] else None)


def _sse(alert: dict[str, Any], mark: str, n: int | None = None) -> bytes:
    """One `event: alert`; its id is where the client resumes: an alert's `n` (or `n`), then the
    feed's `mark` (-EPOCH-NUMBER-SECONDS: the last withdrawal the stream was offered, and when; the
    withdrawals it missed are sent then)."""
    return (f"id: {alert['n'] if n is None else n}{mark}\nevent: alert\n"
            f"data: {json.dumps(alert, ensure_ascii=False)}\n\n").encode()


def _mark(epoch: str, withdrawal: int, at_s: int | None = None) -> str:
    """-EPOCH-NUMBER-SECONDS: the feed's mark, the last withdrawal offered, when (now: None)."""
    return f"-{epoch}-{withdrawal}-{now_ms() // 1000 if at_s is None else at_s}"


async def alert_stream(request: web.Request) -> web.StreamResponse:
    """New alerts as server-sent events (`event: alert`, the alert's public fields as JSON; `id` to
    resume from), for bots. Keep-alive comments every 15 s; the stream ends after an hour and the
    client reconnects with Last-Event-ID, missing nothing that is still live."""
    node = require_token(request)
    opened_with = request.app[TOKEN].value  # a new token (`solnet end-sessions --api-token`) ends this stream
    check_params(request, ("region", "since_n"), repeatable=("region",))
    regions = _regions_param(request)
    since = _since_param(request)
    await refuse_unknown_regions(node, regions)
    # the charset said: Python's requests read a stream without one as Latin-1 (French alerts garbled)
    headers = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store",
               "X-Accel-Buffering": "no"}
    streams = request.app[STREAMS]
    if streams[0] >= MAX_ALERT_STREAMS:  # (a HEAD too: it answers what a GET would)
        raise ApiError(503, "busy", f"this node serves at most {MAX_ALERT_STREAMS} alert streams at once; retry in a "
                       f"minute (Retry-After), or close a stream this program no longer reads",
                       headers={"Retry-After": str(RETRY_AFTER_S)})
    if request.method == "HEAD":  # what a GET would answer, without opening a stream
        return web.Response(headers=headers)
    streams[0] += 1  # counted before the first await: streams opening while the feed starts count too
    sub = None
    feed = feed_of(node)
    if since is not None and since.n > await node.db(node.log.store.highest_n_given):
        # An id this database never gave: the home was rebuilt or restored, or the address reaches
        # another node. Trusted, every alert up to that row number was skipped; from the first row
        # instead, the live alerts come again (perhaps some twice: never one missed).
        log.warning("an alert stream resumed from a row this node never had: it is sent every live alert")
        since = _Mark(0, None, 0, since.at_s)
    sent = _Sent(since.n if since is not None else 0)
    response = web.StreamResponse(headers=headers)
    try:
        await feed.start()
        subscribed_ms = now_ms()
        sub = feed.subscribe(regions)
        marked = feed.withdrawals  # those numbered after come through `sub`
        await response.prepare(request)
        await response.write(b"retry: 3000\n\n")
        replayed: set[str] = set()
        if since is not None:  # what was withdrawn, then stored, while the client was away
            replayed = await _missed_withdrawals(node, feed, sub, response, since, marked, subscribed_ms)
            await _missed_alerts(node, sub, response, sent, _mark(feed.epoch, marked))
        withdrawal = marked
        since_drop: set[str] = set()  # withdrawals sent since the queue first dropped one (not sent again)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ALERT_STREAM_LIFETIME_S
        closing = request.app[CLOSING]
        while not closing.is_set() and loop.time() < deadline and request.app[TOKEN].value == opened_with:
            if sub.missed_after is not None and sub.queue.empty():
                # The full queue dropped withdrawals (a revoked flooder's, all at once): sent now that
                # every alert offered before them has gone, so none comes after its own withdrawal.
                missed = _Mark(sent.n, feed.epoch, sub.missed_after, sub.missed_at_s)
                sub.missed_after = sub.missed_at_s = None
                upto = feed.withdrawals
                replayed |= await _missed_withdrawals(node, feed, sub, response, missed, upto, subscribed_ms,
                                                      since_drop)
                since_drop.clear()
                withdrawal = max(withdrawal, upto)
                continue
            alert = await _next_alert(sub, closing)
            if request.app[TOKEN].value != opened_with:  # the token it was opened with opens nothing now
                break
            if alert is None:
                await response.write(b": keepalive\n\n")
            elif alert.get("status") in TAKEN_BACK:
                # (withdrawals and update_withdrawn, several at one `n`, the newest row read when a
                # revocation took their events out, come from the feed alone: never twice)
                withdrawal = max(withdrawal, feed.withdrawal_number(alert["id"]) or 0)
                if alert["id"] not in replayed:
                    await response.write(_sse(alert, _resume_mark(feed, sub, withdrawal)))
                    if sub.missed_after is not None:
                        since_drop.add(alert["id"])
            elif sent.first_time(alert):
                await response.write(_sse(alert, _resume_mark(feed, sub, withdrawal)))
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        streams[0] -= 1
        if sub is not None:
            feed.unsubscribe(sub)
    return response


def _resume_mark(feed: AlertFeed, sub: Any, withdrawal: int) -> str:
    """The mark sent with an alert: the last withdrawal offered, or while the stream owes withdrawals
    its full queue dropped, the one before the first of them (a client that reconnects meanwhile
    is sent them then)."""
    return _mark(feed.epoch, withdrawal if sub.missed_after is None else min(withdrawal, sub.missed_after))


async def _missed_withdrawals(node: WebNode, feed: AlertFeed, sub: Any, response: web.StreamResponse, since: _Mark,
                              marked: int, subscribed_ms: int,
                              sent_already: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """Send `sub` the withdrawals and `update_withdrawn` handed on while the client was away
    (numbered after its mark, up to `marked`: later ones come through `sub`); where the feed cannot
    tell which (the node restarted since, the client left long ago, or its id has no mark), those
    of the live alerts and updates out of the log now, taken out since shortly before the client
    was last sent something, page by page (every one, however many: a revoked group's thousands).
    The ids (an alert's, an update's) of those that went this way from the store and may come
    through `sub` too, once (taken out since shortly before it subscribed): not sent twice. Those
    of `sent_already` are not sent: a stream that catches up on the withdrawals its full queue
    dropped has sent some of those numbered after the first one dropped."""
    # Each goes with the `n` the client came with: the alerts it missed come after them.
    missed = feed.withdrawals_after(since.epoch, since.withdrawal, marked)
    if missed is not None:
        for number, withdrawal in missed:
            if sub.wants(withdrawal) and withdrawal["id"] not in sent_already:
                await response.write(_sse(withdrawal, _mark(feed.epoch, number), since.n))
        return set()
    # Those taken out since a little before the client was last sent something: the feed had handed
    # on the earlier ones by then (not every live alert out of the log: after a revoked member's
    # flood, thousands, which a bot would pass on each time it reconnected after a restart).
    after = None if since.at_s is None else since.at_s * 1000 - MISSED_SLACK_MS
    # With the mark it came with, so that a client cut off before the last is sent them all again.
    came_with = _mark(since.epoch, since.withdrawal, since.at_s) if since.epoch is not None else ""
    sent = set()
    page_end: tuple[int, bytes] | None = None
    now = now_ms()
    while True:
        page, page_end = await node.db(withdrawals_page, node.log, now, after, page_end)
        for taken, withdrawal in page:  # (the earliest taken out first)
            if sub.wants(withdrawal) and withdrawal["id"] not in sent_already:
                await response.write(_sse(withdrawal, came_with, since.n))
                if taken >= subscribed_ms - MISSED_SLACK_MS:  # the feed may still hand it on
                    sent.add(withdrawal["id"])
        if page_end is None:
            return sent


class _Sent:
    """What a stream has sent: the greatest `n`, and the items sent at it (an alert and the updates
    stored before it share its `n`). The feed and the store's pages may both offer one item."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._at_n: set[tuple[str, str | None]] = set()

    def first_time(self, alert: dict[str, Any]) -> bool:
        """Whether `alert` (not a withdrawal) is new to the stream; it then counts as sent."""
        key = (alert["id"], alert.get("status"))
        if alert["n"] < self.n or (alert["n"] == self.n and key in self._at_n):
            return False
        if alert["n"] > self.n:
            self.n, self._at_n = alert["n"], set()
        self._at_n.add(key)
        return True


async def _missed_alerts(node: WebNode, sub: Any, response: web.StreamResponse, sent: _Sent, mark: str) -> None:
    """Send `sub` the live alerts stored after row `sent.n`, page by page up to the newest row stored
    when it reconnected (what arrives later comes through the subscription). Every page, not only
    the first: a member's flood of more alerts than one page holds, before a raid, would otherwise
    hide the raid from a bot that was away (its region's alerts are not in the flood's first page)."""
    after = sent.n
    newest = await node.db(lambda: node.log.store.last_n())
    while after < newest:
        read_to, missed = await node.db(new_alerts, node.log, after, now_ms())
        for alert in missed:
            if sub.wants(alert) and sent.first_time(alert):  # (an update stored before its alert: at its n)
                await response.write(_sse(alert, mark))
        if read_to <= after:
            break  # nothing more was read: every row up to the newest has been looked at
        after = read_to


async def _next_alert(sub: Any, closing: asyncio.Event) -> dict[str, Any] | None:
    """The next alert for `sub`, or None after the keep-alive interval (or when the node stops)."""
    get = asyncio.ensure_future(sub.queue.get())
    stop = asyncio.ensure_future(closing.wait())
    try:
        done, _ = await asyncio.wait({get, stop}, timeout=ALERT_KEEPALIVE_S, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        if not get.done():
            get.cancel()
    return get.result() if get.done() and not get.cancelled() else None
