"""Requests the node's HTTP server could not answer, logged without the sender and without tracebacks.

Anyone who can reach the port can send a request that fails: bytes that are not HTTP, a head with
both Content-Length and Transfer-Encoding, input that trips a bug of ours. aiohttp's own server
logger said "Error handling request from <address>" and a traceback for each, as often as they
came: a peer's address in the node's log (the threat model forbids it), and a log anyone could
fill. Here, for one app:

- `FailureLog` counts failures by kind and says each kind once, then at most once a minute with
  the count since (node.listener.LogBudget; the connection guard's sweep tells counts that are due);
- `FailureLog.last_resort`, the app's middleware right inside the connection guard's, turns an
  exception that escaped every handler into a JSON error in plain words (400 for a malformed
  request, else 500), logging its class, the route it was for and where it was raised, never the
  sender, the path as sent, the query or a body;
- `ServerLog` stands in for aiohttp's server logger (`node.webapp.serve` hands it over), so what
  aiohttp itself reports (a request it could not parse, a failure after an answer had started) is
  said the same way;
- `JsonParseErrors` answers a request aiohttp's parser refused before any handler (a URL over 8190
  bytes, raw UTF-8 in the address, a broken head) in the API's JSON error shape, as
  node/openapi.json promises for every request "whatever it held", in words saying what to change,
  instead of aiohttp's text/plain that quotes the bytes sent.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMethod, HttpProcessingError, InvalidURLError, LineTooLong
from aiohttp.web_protocol import RequestHandler

from node.listener import ConnectionGuard, LogBudget
from node.ports import StorageFailed, WipeBegun
from node.store.errors import DatabaseDamaged, StoreError
from solnet_errors import SolnetError

log = logging.getLogger(f"solnet.{__name__}")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_KINDS = 64  # distinct failure kinds counted apart; any more share one count (the set is ours, but bound it)
MALFORMED = "malformed HTTP requests were refused (answered 400; senders are not logged)"
FAILED_MESSAGE = ("the node failed to answer this request; its log says why. Nothing was stored by it unless an "
                  "event was returned.")
MALFORMED_MESSAGE = ("the request is not well-formed HTTP (for example both Content-Length and Transfer-Encoding, or a "
                     "body that does not decompress as its Content-Encoding says)")
# What a request aiohttp's parser refused is told, by the parser's exception (the most specific first).
UNPARSED_MESSAGES: tuple[tuple[type[HttpProcessingError], str], ...] = (
    (LineTooLong, "the request's address or one of its header lines is longer than 8190 bytes; send a shorter one "
                  "(fewer or shorter parameters)"),
    (InvalidURLError, "the request's address holds characters that must be percent-encoded (spaces, letters beyond "
                      "ASCII: é is %C3%A9); encode them and send it again"),
    (BadHttpMethod, "the request does not start with an HTTP method such as GET or POST; this port speaks plain "
                    "HTTP/1.1 (not HTTPS)"),
)
OTHER = ("other",)
_REPORTED = "_solnet_failure_reported"  # set on an exception already counted here, so aiohttp's report of it is not


# What a client hears when the database failed under its request, by the store error's reason.
STORAGE_MESSAGES = {
    "database_damaged": "this node's database is damaged: nothing can be read or stored until its operator rebuilds "
                        "it (`solnet status` on the node says how; the events come back from the network)",
    "disk_failing": "this node's disk fails (read or write errors, or it turned read-only): nothing can be stored "
                    "until its operator moves the node to another disk (`solnet status` on the node says how)",
    "storage_full": "nothing was stored: this node's disk is full; free some space on the node and try again",
    "storage": "this node's database could not be used for this request (the node's log says why); nothing was "
               "stored by it: try again in a minute",
    "wipe_begun": WipeBegun.MESSAGE,
}


def storage_trouble(exc: Exception) -> tuple[int, str]:
    """The HTTP status and reason of a request that failed on the database (`exc`: a StoreError, or
    the StorageFailed a write raised from one): a damaged file and a full disk are told apart, as
    the store tells them (node/store/errors.py), so nobody frees space to mend a damaged file."""
    cause = exc.__cause__ if isinstance(exc, StorageFailed) else exc
    if isinstance(cause, (StoreError, WipeBegun)) and cause.reason in STORAGE_MESSAGES:
        return cause.http_status, cause.reason
    return 503, "storage"


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None, refusal: SolnetError | None = None) -> web.Response:
    """An error in the API's shape, `{"error": {"code", "message", "field"?, "key"?, "values"?}}`
    (node.api answers with it too): `key` and `values` those of a publish `refusal` that has them
    (SolnetError.key: what a program says in its own words, as the dashboard does). In ASCII: an
    error may quote what was sent, and whatever that holds, the answer must encode."""
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    if refusal is not None and refusal.key is not None:
        error["key"], error["values"] = refusal.key, dict(refusal.values)
    return web.Response(status=status, text=json.dumps({"error": error}, ensure_ascii=True),
                        content_type="application/json", headers={"Cache-Control": "no-store", **(headers or {})})


def _where(exc: BaseException) -> str:
    """file:line where `exc` was raised (the innermost frame): enough to find the bug, without a traceback."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}" if tb is not None else "?"


def _route(request: web.BaseRequest) -> str:
    """The route a request was for, as the app declares it (/api/v1/events/{id}), never the path as sent."""
    match_info = getattr(request, "match_info", None)
    resource = match_info.route.resource if match_info is not None else None
    return resource.canonical if resource is not None else "(no route)"


class FailureLog:
    """The counted failure lines of one app (see the module docstring)."""

    def __init__(self, guard: ConnectionGuard) -> None:
        self._guard = guard
        self._kinds: dict[tuple[str, ...], LogBudget] = {}
        self.malformed = self._budget(("malformed",), logging.INFO, MALFORMED)

    def _budget(self, key: tuple[str, ...], level: int, message: str) -> LogBudget:
        budget = self._kinds.get(key)
        if budget is None:
            if len(self._kinds) >= MAX_KINDS and key != OTHER:
                return self._budget(OTHER, logging.ERROR, "requests failed in other ways (answered 500)")
            budget = self._kinds[key] = LogBudget(level, message, logger=log)
            self._guard.add_log_budget(budget)
        return budget

    def note_malformed(self) -> None:
        self.malformed.note(self._guard.clock())

    def note_failure(self, exc: BaseException, route: str) -> None:
        """Count a failure of ours (a bug, or something the node could not do) by its class and place.
        A damaged database is said in its own words instead: nothing works until the operator
        acts, and the error says what to do (it names the file, nothing a request sent)."""
        if isinstance(exc, DatabaseDamaged):
            self._budget(("database_damaged",), logging.ERROR,
                         f"{exc} Until then requests are answered 500").note(self._guard.clock())
        else:
            name, where = type(exc).__name__, _where(exc)
            self._budget((name, where, route), logging.ERROR,
                         f"requests for {route} failed ({name} at {where}; answered 500)").note(self._guard.clock())
        with contextlib.suppress(AttributeError, TypeError):  # an exception class with __slots__ is not marked
            setattr(exc, _REPORTED, True)

    def note_complaint(self, text: str) -> None:
        """Count a complaint aiohttp makes about a handler of ours, without an exception."""
        self._budget(("aiohttp", text), logging.ERROR, f"aiohttp could not answer requests: {text}").note(
            self._guard.clock())

    @web.middleware
    async def last_resort(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Whatever escapes the handlers (and the middlewares inside this one) is answered here in JSON."""
        try:
            return await handler(request)
        except (web.HTTPException, ConnectionError):  # answers, and a sender that went away: aiohttp's own
            raise
        # A body that breaks HTTP's rules, or that does not decode as its Content-Encoding says (gzip
        # that is not), found while a handler read it: the sender's fault, whoever sends it.
        except (HttpProcessingError, web.RequestPayloadError):
            self.note_malformed()
            return error_response(400, "bad_request", MALFORMED_MESSAGE)
        except Exception as exc:
            self.note_failure(exc, _route(request))
            if request.writer is not None and request.writer.output_size > 0:
                raise  # an answer had started: only closing the connection is left (aiohttp does)
            return error_response(500, "internal", FAILED_MESSAGE)


class ServerLog(logging.LoggerAdapter):
    """aiohttp's server logger, for `web.AppRunner(logger=...)`: every report goes through a FailureLog.

    aiohttp calls `exception("Error handling request from %s", <address>, exc_info=...)` for a
    request it could not parse or answer, and `debug(...)` for client disconnections and the like.
    """

    def __init__(self, failures: FailureLog) -> None:
        super().__init__(log, {})  # what it says without an address (debug notes) is said as ours
        self.failures = failures

    def log(self, level: int, msg: object, *args: object, exc_info: Any = None, **kwargs: Any) -> None:
        exc = exc_info if isinstance(exc_info, BaseException) else sys.exc_info()[1] if exc_info else None
        if isinstance(exc, (HttpProcessingError, web.RequestPayloadError)):
            self.failures.note_malformed()
        elif exc is not None and not isinstance(exc, ConnectionError) and not getattr(exc, _REPORTED, False):
            self.failures.note_failure(exc, "a request aiohttp was answering")
        elif exc is None and level <= logging.DEBUG:
            if not args:  # its notes without arguments ("Ignored premature client disconnection"): no address
                self.logger.debug(msg)
        elif exc is None:  # a complaint of aiohttp's own, about our handler ("Missing return statement ...")
            self.failures.note_complaint(str(msg)[:80])


class JsonParseErrors(RequestHandler):
    """aiohttp's request handler, but a request its parser refused is answered in the API's JSON error
    shape (400 `bad_request`, in words saying what to change). Its path is unknown then (the parser
    gave up), so every such answer is JSON; browsers never send these. Counting and logging stay
    aiohttp's own call, through ServerLog."""

    __slots__ = ()

    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        answer = super().handle_error(request, status, exc, message)  # logs it, and refuses once an answer started
        if status != 400 or not isinstance(exc, HttpProcessingError):
            return answer
        words = next((said for kind, said in UNPARSED_MESSAGES if isinstance(exc, kind)), MALFORMED_MESSAGE)
        response = error_response(400, "bad_request", words)
        response.force_close()
        return response


def json_parse_errors(server: web.Server) -> Callable[[], RequestHandler]:
    """The protocol factory of `server` (a runner's), making JsonParseErrors handlers. The server builds
    each handler as always (its options, its fallback); only the class is ours, which adds no field."""

    def make() -> RequestHandler:
        handler = server()
        handler.__class__ = JsonParseErrors
        return handler

    return make
