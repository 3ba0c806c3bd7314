"""The SQLite store: events, forks, pending events, and read-model rows, in one WAL-mode file.
This package is the only code that speaks SQL (a test checks it).

Several processes may open the same home (`solnet run` and `solnet publish` in another
terminal): writers serialise on SQLite's lock (BEGIN IMMEDIATE) and read chain heads and the
trust version inside their transaction, never from a cache that another process could have
made stale: what a connection keeps from one write to the next (a head, the newest row number,
meta values) it trusts only while SQLite's data_version says that no other connection has
committed since (base.py). synchronous=NORMAL in WAL mode keeps every committed transaction
across a killed process (kill -9) and keeps the file consistent across a power cut, which may
lose only the last moments; it saves an fsync per batch on SD cards. A transaction that stores
what this home signed commits at synchronous=FULL (`write(durable=True)`): on the disk before it is
answered or sent, as a power cut must not take back an event peers hold (a fork). secure_delete
and incremental auto-vacuum make deleted bodies really go.

Modules: schema (tables, and how headers are kept), migrations (upgrades in place), base (the
connection, write transactions, the batch buffer), events, trust (forks, redactions, pending),
forged (a device's forgeries, kept in case its pin stops counting), projections (read-model rows),
local (meta, peers, wipe, housekeeping), rows (typed rows), errors (StoreError, StorageFull),
status_read (what `solnet status` reads without a running node).
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from node.store.errors import DatabaseDamaged, StorageFull, StoreError
    from node.store.events import wire_of
    from node.store.migrations import MIGRATIONS
    from node.store.rows import EventRow, Head, PagedEvent, PeerRow, PendingRow, StoredWire, TakenOut, TrustRow
    from node.store.schema import BODY_EXPIRED, BODY_MISSING, BODY_PRESENT, BODY_REDACTED, SCHEMA_VERSION
    from node.store.store import Store
    from node.store.trust import redactable

# Each name is imported from its module on first use, so that a module of this package that needs
# only sqlite3 (status_read: `solnet status` without a running node) loads none of the others.
_HOME = {"DatabaseDamaged": "errors", "StorageFull": "errors", "StoreError": "errors", "wire_of": "events",
         "MIGRATIONS": "migrations", "Store": "store", "redactable": "trust",
         **dict.fromkeys(("EventRow", "Head", "PagedEvent", "PeerRow", "PendingRow", "StoredWire", "TakenOut",
                          "TrustRow"), "rows"),
         **dict.fromkeys(("BODY_EXPIRED", "BODY_MISSING", "BODY_PRESENT", "BODY_REDACTED", "SCHEMA_VERSION"), "schema")}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value
