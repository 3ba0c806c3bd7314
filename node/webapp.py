"""The node's one HTTP application: peer sync (websocket), the JSON API and the web dashboard.

One port serves all three, so a node behind one forwarded port is reachable by peers and, after
login, by its coordinators. The app is a value, built around a node by `create_app(node,
options)`: `solnet run` serves it (`serve`), tests drive it in-process (pytest-aiohttp's client).
Whatever a request makes fail is answered in JSON and logged without the sender (node.http_failures).
Its lifecycle is the node's: starting the app starts the node, shutting it down closes the links
(so no handler waits on a peer), and its cleanup stops the node.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web

from node import api, dashboard
from node.cross_site import refusing_cross_site, same_origin_only
from node.dashboard import DashboardOptions
from node.hello_budget import RETRY_AFTER_S, HelloBudget
from node.heap_trim import HeapTrim
from node.http_failures import FailureLog, ServerLog, json_parse_errors
from node.listener import HEAD_FIELDS, HEAD_LIMIT_S, ConnectionGuard, GuardedSite
from node.ports import ServedNode
from sync.transport import SYNC_PATH

MAX_REQUEST_BYTES = 256 * 1024  # publish forms and API writes; sync frames go over the websocket

NODE = web.AppKey("solnet_node", ServedNode)
GUARD = web.AppKey("solnet_guard", ConnectionGuard)
FAILURES = web.AppKey("solnet_failures", FailureLog)
HEAP_TRIM = web.AppKey("solnet_heap_trim", HeapTrim)


@dataclass(frozen=True)
class AppOptions:
    dashboard: DashboardOptions = field(default_factory=DashboardOptions)
    # The open-files limit to size the listener's guard for (None: its defaults); `solnet run`
    # raises the limit first (node.listener.raise_open_files_limit).
    open_files: int | None = None


def create_app(node: ServedNode, options: AppOptions | None = None) -> web.Application:
    options = options or AppOptions()
    guard = ConnectionGuard.for_open_files(options.open_files) if options.open_files else ConnectionGuard()
    guard.use_hello_budget(HelloBudget())
    failures = FailureLog(guard)
    # The guard's middleware first: it tells the listener which connections are being answered. Then
    # the last resort, so that no exception reaches aiohttp (which would log the sender's address).
    # Then another site's page's requests (node/cross_site.py): refused before any handler's work.
    app = web.Application(client_max_size=MAX_REQUEST_BYTES,
                          middlewares=[guard.track_requests, failures.last_resort,
                                       refusing_cross_site(lambda path: path == SYNC_PATH), plain_bodies])
    app[NODE] = node
    app[GUARD] = guard
    app[FAILURES] = failures
    app.router.add_get(SYNC_PATH, sync_endpoint)
    app.router.add_get("/healthz", healthz)
    api.setup(app, node)
    dashboard.setup(app, node, options.dashboard)
    app.cleanup_ctx.append(_node_lifecycle)
    app.on_shutdown.append(_close_links)
    app.on_response_prepare.append(_no_server_name)
    app.on_response_prepare.append(same_origin_only)
    app[HEAP_TRIM] = HeapTrim()  # what a page freed goes back to the system after it (a Pi's 80 MiB)
    app.on_response_prepare.append(_trim_after)
    app.on_cleanup.append(_stop_trimming)
    return app


async def _no_server_name(request: web.Request, response: web.StreamResponse) -> None:
    """No `Server: Python/3.11 aiohttp/3.x` in the answers: it told every scanner knocking on the
    port which software, and which versions, run there. aiohttp fills it in after this hook only if
    none is set, so it is set empty. (Its own answers to requests it cannot parse, which never reach
    the app, still carry it.)"""
    response.headers["Server"] = ""


async def _trim_after(request: web.Request, response: web.StreamResponse) -> None:
    """A trim of the heaps soon after every answer but /healthz (polled by monitors; it frees nothing)."""
    if request.path != "/healthz":
        request.app[HEAP_TRIM].soon()


async def _stop_trimming(app: web.Application) -> None:
    app[HEAP_TRIM].close()


@web.middleware
async def plain_bodies(request: web.Request, handler: api.Handler) -> web.StreamResponse:
    """A body with a Content-Encoding outside the API (whose publish route decodes gzip and deflate
    itself, node.api_body.decoded) is refused: no browser compresses a form, and `serve` has
    aiohttp read bodies as sent (see there)."""
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("", "identity") or not request.body_exists or api.API_PATH_RE.match(request.path):
        return await handler(request)
    return web.Response(status=415, text="send the form without Content-Encoding (uncompressed)\n")


async def _node_lifecycle(app: web.Application) -> AsyncIterator[None]:
    node = app[NODE]
    await node.start()
    yield
    await node.stop()


async def _close_links(app: web.Application) -> None:
    """Before the server waits for its handlers to end: end the peer links they serve."""
    await app[NODE].halt_network()


async def sync_endpoint(request: web.Request) -> web.StreamResponse:
    guard, transport = request.app[GUARD], request.transport
    if guard.from_browser(request):  # a web page's script: no device id for it (node/listener.py)
        return web.Response(status=403, text="sync connections are for solnet nodes, not web pages\n",
                            headers={"Connection": "close"})
    if not web.WebSocketResponse().can_prepare(request).ok:
        # Before the budget is asked: a request that is no websocket upgrade costs no key work, and
        # took a token of it until 2026-12-06 (anyone drained it with plain GETs).
        return web.Response(status=400, text="this address is for solnet nodes' sync connections (a websocket "
                            "upgrade)\n", headers={"Connection": "close"})
    if not guard.may_upgrade(transport):
        # Over the CPU budget for hellos not yet known as members (node/hello_budget.py): no
        # upgrade, no X25519, no signature. A member's node retries on its own backoff.
        return web.Response(status=503, text="busy: too many new sync connections, try again later\n",
                            headers={"Retry-After": str(RETRY_AFTER_S), "Connection": "close"})
    guard.handshaking(transport)
    return await request.app[NODE].accept_link(
        request, progress=lambda: guard.bytes_received(transport), authenticated=guard.authenticator(transport),
        signed=guard.signer(transport),
        replied=guard.charger(transport), may_reply=lambda: guard.may_reply(transport),
        allowance=guard.allowance(transport))


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


@dataclass
class Served:
    """An app listening on a port (`port`: the one bound, when 0 was asked for)."""
    runner: web.AppRunner
    port: int

    async def close(self) -> None:
        """Stop listening, shut the app down (and with it its node)."""
        await self.runner.cleanup()


async def serve(app: web.Application, host: str, port: int) -> Served:
    """Start the app (and its node) and listen on host:port behind its connection guard."""
    # No access log, and aiohttp's server logger replaced: neither may write a sender's address.
    # Bodies as sent (no auto_decompress): aiohttp would refuse a Brotli or zstd body in plain text
    # before any handler (it has no library for them here) and read an encoding it does not know as
    # if plain; the API decodes what it reads and refuses the rest in JSON (node.api_body.decoded).
    # At most HEAD_FIELDS header lines (aiohttp's 128 of 8 KiB let a head reach 1 MiB: node/listener.py).
    runner = web.AppRunner(app, access_log=None, handle_signals=False, keepalive_timeout=HEAD_LIMIT_S,
                           logger=ServerLog(app[FAILURES]), auto_decompress=False, max_headers=HEAD_FIELDS)
    await runner.setup()
    try:
        site = GuardedSite(runner, host, port, app[GUARD], handlers=json_parse_errors)
        await site.start()
        await app[NODE].serving(site.port)
    except BaseException:
        await runner.cleanup()
        raise
    return Served(runner, site.port)
