"""The dashboard's routes on the node's app, its modules loaded at the first request for one of them.

A node at home mostly syncs, and no browser may ever ask it for a page; the dashboard (Jinja2, its
templates' machinery, the pages, forms, catalogs, the public site and feeds: ~45 modules, 3.6 MiB of a
node's resident memory, issue 15) is imported by the first request that needs it: a page, a static
file, or a refusal said as a page (an address outside the API with no page). That first request
pays the import (a few tenths of a second on a Pi), the node's start-up pays nothing. Importing it
reads files, so what a page about a failing disk needs of the home (its group's name) is read at
start, when the routes are added.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from node.api import API_PATH_RE
from node.dashboard.options import DashboardOptions
from node.dashboard.routes import ROUTES
from node.ports import WebNode

if TYPE_CHECKING:
    from node.dashboard.app import Dashboard

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# aiohttp's refusals of an address outside the API that the dashboard says as pages (Dashboard.refusal_page)
REFUSALS = (web.HTTPNotFound, web.HTTPMethodNotAllowed, web.HTTPRequestEntityTooLarge)


class LazyDashboard:
    """A node's dashboard, made at the first request that needs it (`dashboard()`)."""

    def __init__(self, node: WebNode, options: DashboardOptions) -> None:
        self.node = node
        self.options = options
        self.node_name = node.home.config().group_name
        self._dashboard: Dashboard | None = None
        self._handlers: dict[str, Handler] = {}

    def dashboard(self) -> Dashboard:
        if self._dashboard is None:
            from node.dashboard import app as dashboard_app  # (the import this module puts off)

            dash = dashboard_app.Dashboard(self.node, self.options, self.node_name)
            self._handlers = dashboard_app.handlers(dash)
            self.node.sign_outs.append(dash.sessions.log_out_all)  # `solnet end-sessions`, `solnet passphrase`
            self._dashboard = dash
        return self._dashboard

    def route(self, name: str) -> Handler:
        """The handler of route `name`, loading the dashboard at its first call."""
        async def handle(request: web.Request) -> web.StreamResponse:
            self.dashboard()
            return await self._handlers[name](request)
        return handle

    @web.middleware
    async def refusal_pages(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """aiohttp's refusals (REFUSALS) said as the dashboard's pages; the API's paths answer in JSON
        (node.api)."""
        try:
            return await handler(request)
        except REFUSALS as exc:
            if API_PATH_RE.match(request.path):
                raise
            return self.dashboard().refusal_page(request, exc)

    async def on_shutdown(self, app: web.Application) -> None:
        if self._dashboard is not None:
            await self._dashboard.on_shutdown(app)


DASHBOARD = web.AppKey("solnet_dashboard", LazyDashboard)


def setup(app: web.Application, node: WebNode, options: DashboardOptions | None = None) -> LazyDashboard:
    """Add the dashboard's routes (and its refusal pages) to the node's app; nothing of it is loaded yet."""
    lazy = LazyDashboard(node, options or DashboardOptions())
    app.middlewares.append(lazy.refusal_pages)
    for method, path, name in ROUTES:  # (a GET route answers HEAD too, as aiohttp's add_get makes it)
        (app.router.add_get if method == "GET" else app.router.add_post)(path, lazy.route(name))
    app.on_shutdown.append(lazy.on_shutdown)
    app[DASHBOARD] = lazy
    return lazy
