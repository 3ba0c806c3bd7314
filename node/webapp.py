"""The node's one HTTP application: peer sync (websocket), the JSON API and the web dashboard.

One port serves all three, so a node behind one forwarded port is reachable by peers and, after
login, by its coordinators. Each part registers its own routes here."""
from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from node import api
from node import dashboard

if TYPE_CHECKING:
    from node.runtime import NodeRuntime

MAX_REQUEST_BYTES = 256 * 1024  # publish forms and API writes; sync frames go over the websocket


def build_app(runtime: NodeRuntime) -> web.Application:
    # The guard's middleware first: it tells the listener which connections are being answered.
    app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[runtime.guard.track_requests])
    app.router.add_get("/sync/v1", runtime._on_incoming)
    app.router.add_get("/healthz", runtime._healthz)
    api.setup(app, runtime)
    dashboard.setup(app, runtime)
    return app
