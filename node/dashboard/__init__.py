"""The coordinator web dashboard: server-rendered pages (Jinja2), a small script for live updates
and local times, English and French. `setup(app, node, options)` adds its routes to the node's app;
its modules are loaded at the first request for a page (node.dashboard.lazy), so this package's
own import stays light."""
from node.dashboard.lazy import setup
from node.dashboard.options import AccessOptions, DashboardOptions

__all__ = ["AccessOptions", "DashboardOptions", "setup"]
