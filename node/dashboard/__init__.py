"""The coordinator web dashboard: server-rendered pages (Jinja2), a small script for live updates
and local times, English and French. `setup(app, node, options)` adds its routes to the node's app."""
from node.dashboard.access import AccessOptions
from node.dashboard.app import DashboardOptions, setup

__all__ = ["AccessOptions", "DashboardOptions", "setup"]
