"""How a node's dashboard is set up (`solnet run`'s options): plain values, light to import, since a
node loads the dashboard itself only when a page is first asked for (node.dashboard.lazy)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AccessOptions:
    public: bool = False  # visitors who have not logged in may read the public pages


@dataclass
class DashboardOptions:
    access: AccessOptions = field(default_factory=AccessOptions)
    # Called after a panic wipe has been answered; by default the node stops itself (SIGTERM to
    # this process, which `solnet run` turns into a clean stop). Tests running a node in-process
    # pass their own.
    on_wiped: Callable[[], None] | None = None
