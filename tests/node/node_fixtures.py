"""Helpers for node tests: a founded network and authors that sign events by hand, as a peer would send them."""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from crypto.keys import SigningKey
from crypto.keystore import NodeKeys
from events.format import Event
from events.genesis import Genesis, make_genesis
from events.trust import device_consent
from node.log import EventLog, now_ms
from node.store import Store
from signing_author import Author

T = TypeVar("T")


@dataclass
class Net:
    genesis: Genesis
    founder: NodeKeys
    group: Author
    device: Author

    def new_log(self, path: Path) -> EventLog:
        return EventLog.create(Store(path), self.genesis)

    def device_of(self, group: Author) -> Author:
        """A new device key, vouched by `group` (the vouch event is returned in .made of the group)."""
        key = SigningKey.generate()
        group.sign("member.vouch", device_vouch(group.key, key, bytes(32 * [9])))
        return Author(key, self.genesis.network_id)

    def log_with_groups(self, path: Path, names: list[str], region: str = "calais") -> tuple[EventLog, list[Author]]:
        """A new home holding the founder's events and one admitted group per name, each with its profile."""
        groups = []
        for name in names:
            group = Author(SigningKey.generate(), self.genesis.network_id)
            self.group.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"})
            group.sign("group.profile", {"name": name, "region": region})
            groups.append(group)
        log = self.new_log(path)
        log.ingest(wires(self.group.made + [e for g in groups for e in g.made]))
        return log, groups


def device_vouch(group: SigningKey, device: SigningKey, encryption_key: bytes) -> dict:
    """The fields of a group's vouch for one of its devices, with the device's consent."""
    return {"subject": bytes(device.public), "role": "device", "encryption_key": encryption_key,
            "consent": device_consent(device, bytes(group.public), encryption_key)}


def action(i: int = 0, region: str = "calais") -> dict:
    return {"title": f"Action {i}", "region": region, "type": "protest", "starts_at": now_ms() + 86_400_000 + i}


@pytest.fixture
def net() -> Net:
    return founded()


def founded() -> Net:
    """A network founded by Calais: its group key and one device (the `net` fixture's)."""
    keys = NodeKeys.generate(with_group=True)
    genesis = make_genesis("test", [bytes(keys.group.public)], now_ms() - 1000)
    group = Author(keys.group, genesis.network_id)
    device = Author(keys.device, genesis.network_id)
    group.sign("member.vouch", device_vouch(keys.group, keys.device, bytes(keys.device_encryption.public)))
    group.sign("group.profile", {"name": "Calais", "region": "calais"})
    return Net(genesis, keys, group, device)


def wires(events: list[Event]) -> list[bytes]:
    return [e.encode() for e in events]


def statuses(outcomes) -> list[str]:
    return [o.status for o in outcomes]


def as_schema(path: Path, version: int, *statements: str) -> None:
    """Make the database at `path` look as schema `version` left it: run `statements` (drop what
    later schemas added), then set its version where the store reads it."""
    with closing(sqlite3.connect(path)) as db:
        for statement in statements:
            db.execute(statement)
        db.execute(f"PRAGMA user_version={version}")
        db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(version),))
        db.commit()


def vm_steps(db: sqlite3.Connection, run: Callable[[], T], step: int = 100) -> tuple[int, T]:
    """What `run()` returns, and the work SQLite did on `db` meanwhile: how many times its virtual
    machine ran `step` instructions (a progress handler; the same on every machine, unlike a time)."""
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    db.set_progress_handler(tick, step)
    try:
        result = run()
    finally:
        db.set_progress_handler(None, step)
    return count[0], result
