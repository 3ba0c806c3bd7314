"""The needs an offer's draw-downs name, and the needs their declines name, are judged (events.effects:
whose need, of which goods and unit, sealed or not) from the rows they made (node.references.targets,
Store.rows_named), not from their bodies decoded again each page: half a busy home's needs page was
that decoding. Hypothesis writes histories of several groups (needs and offers, needs that expired
or lapsed, redacted, withdrawn, sealed to some groups (read here or not), fulfilled from offers by
their group or another, declined; fulfilments naming what is no need: an offer, an alert, another
fulfilment, an event of a kind this node does not know) into a real store, in any arrival order and
batches. Every needs listing (whole, of a region, cut to a few rows, the desk's sums) and the regions
page are the same as with each named event decoded from its body (the way before), and each need's
judgement is the same; a body with a changed byte is said as damage either way."""
from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from dataclasses import fields
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto.envelope import seal
from crypto.keys import EncryptionKey
from events.sealed import inner_plaintext
from node import references, views
from node.audience import Opener, opened_rows
from node.log import EventLog
from node.store import DatabaseDamaged, Store
from node_fixtures import device_vouch
from test_flipped_bodies import change_a_byte
from test_order_independence import (_DECLINE, _POST, DEVICES, GROUPS, NOW, ingest_in, new_world, play,
                                     play_declines)

ENC = {dev: EncryptionKey(hashlib.sha256(b"drawn needs enc " + dev.encode()).digest()) for dev in DEVICES}
READER = "g1"  # the device whose node reads the pages (it opens what is sealed to G1)


class BodiesDecoded(views.Held):
    """The reader as it was: each named need decoded from its stored body (Held.target, one by one)."""

    def targets(self, ids: Any) -> dict:
        return {i: t for i in ids if (t := self.target(i)) is not None}


def _world():
    world = new_world()
    play(world, [("admit", "F", g) for g in GROUPS[1:]])
    for dev, group in DEVICES.items():
        if dev != "f1":
            world.events.append(world.authors[group].sign("member.vouch", device_vouch(
                world.keys[group], world.keys[dev], bytes(ENC[dev].public))))
    return world


# A need or offer of Calais or Dover, tents or water, counted in pieces or boxes; expired (its
# header's expiry: its body and row go), lapsed (`until`), or open; public or sealed to some groups
_ITEM = st.tuples(st.just("item"), st.sampled_from(sorted(DEVICES)), st.sampled_from(["need", "offer"]),
                  st.sampled_from(["tents", "water"]), st.sampled_from([None, "boxes"]),
                  st.sampled_from(["open", "open", "lapsed", "expired"]), st.sampled_from([None, (), ("G1",), ("G2", "G3")]))
# A fulfilment (from an offer or not) of a need, or of any event at all (what is no need)
_FULFIL = st.tuples(st.just("fulfil"), st.sampled_from(sorted(DEVICES)), st.integers(0, 40), st.integers(0, 40),
                    st.booleans(), st.booleans())
_WITHDRAW = st.tuples(st.just("withdraw"), st.sampled_from(sorted(DEVICES)), st.integers(0, 40))
_UNKNOWN = st.tuples(st.just("unknown"), st.sampled_from(sorted(DEVICES)))
_REDACT = st.tuples(st.just("redact"), st.sampled_from(sorted(DEVICES)), st.integers(0, 5))
STEPS = st.one_of(_ITEM, _ITEM, _ITEM, _FULFIL, _FULFIL, _FULFIL, _FULFIL, _DECLINE, _WITHDRAW, _UNKNOWN, _REDACT, _POST)


def _play(world, steps: list[tuple]) -> None:
    a, ev = world.authors, world.events
    for step in steps:
        what, dev = step[0], step[1]
        ts = NOW - 50_000 + len(ev)
        if what == "item":
            _, dev, kind, category, unit, state, to = step
            body = {"category": category, "quantity": 3 + len(ev) % 9, "region": ("calais", "dover")[len(ev) % 2],
                    **({"unit": unit} if unit else {}), **({"until": NOW - 3_600_000} if state == "lapsed" else {})}
            expires = NOW - 1_000 if state == "expired" else None
            if to is None:
                ev.append(a[dev].sign(kind, body, ts=ts, expires=expires))
            else:  # sealed to the groups `to` and its own: readers are their devices
                groups = sorted({DEVICES[dev], *to})
                readers = [ENC[d].public for d, g in DEVICES.items() if g in groups]
                inner = inner_plaintext(kind, body, [world.pub(g) for g in groups])
                ev.append(a[dev].sign("sealed", {"envelope": seal(inner, readers)}, ts=ts, expires=expires))
        elif what == "fulfil":
            _, dev, pick, other, any_event, from_offer = step
            named = ev if any_event else [e for e in ev if e.kind in ("need", "sealed")]
            offers = [e for e in ev if e.kind in ("offer", "sealed")]
            if named:
                body = {"need": named[pick % len(named)].id, "quantity": 1 + pick % 4,
                        **({"offer": offers[other % len(offers)].id} if from_offer and offers else {})}
                ev.append(a[dev].sign("need.fulfil", body, ts=ts))
        elif what == "withdraw":
            needs = [e for e in ev if e.kind == "need"]
            if needs:
                ev.append(a[dev].sign("need.update", {"need": needs[step[2] % len(needs)].id, "status": "withdrawn"},
                                      ts=ts))
        elif what == "unknown":
            ev.append(a[dev].sign("survey.v2", {"category": "tents", "quantity": 4}, ts=ts))
        elif what == "redact":
            own = [e for e in a[dev].made if e.kind in ("need", "offer", "sealed", "need.fulfil")]
            if own:
                ev.append(a[dev].sign("redact", {"ids": [own[step[2] % len(own)].id]}))
        else:
            play_declines(world, [step])


def _pages(log: EventLog, decoded: bool) -> Any:
    """Every needs listing and the regions page, as READER's node reads them (one reader a page)."""
    opener = Opener(ENC[READER])

    def reader() -> views.Held:
        held = views.reader_of(log, opened_rows(log, opener), opener=opener)
        return BodiesDecoded(**{f.name: getattr(held, f.name) for f in fields(held)}) if decoded else held
    out: list[Any] = []
    for region in (None, "calais", "dover"):
        for limit in (None, 3):
            out.append(views.needs(reader(), region, NOW, limit))
            out.append(views.needs(reader(), region, NOW, limit, sums=True))
    with log.store.reading():
        out.append(views.view(log, "regions", now=NOW, peers=[], reader=reader()))
    return out


def _outcome(log: EventLog, decoded: bool) -> Any:
    try:
        return _pages(log, decoded)
    except DatabaseDamaged as damaged:
        return ("damaged", str(damaged))


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_needs_draw_downs_name_are_judged_from_their_rows_as_from_their_bodies(data, tmp_path_factory) -> None:
    world = _world()
    _play(world, data.draw(st.lists(STEPS, min_size=10, max_size=45), label="steps"))
    order = data.draw(st.permutations(world.events), label="order")
    folder = tmp_path_factory.mktemp("drawn")
    log = ingest_in(folder / "db.sqlite", world, order, data.draw(st.lists(st.integers(0, 80), max_size=5)))
    try:
        # each event a fulfilment or a decline may name: the same judgement either way (the fields
        # events.effects reads of a need: its goods and unit)
        held = views.reader_of(log, opened_rows(log, Opener(ENC[READER])))
        every = [e.id for e in world.events]
        new = held.targets(every)
        old = BodiesDecoded(**{f.name: getattr(held, f.name) for f in fields(held)}).targets(every)

        def judged(t: Any) -> Any:
            return t.kind, t.group, t.ts, t.fields.get("category"), t.fields.get("unit"), t.fields.get("quantity")
        assert {i: judged(t) for i, t in new.items()} == {i: judged(t) for i, t in old.items()}
        assert _pages(log, decoded=False) == _pages(log, decoded=True)
    finally:
        log.store.close()
    # A changed byte in a stored need's body: said as damage by both ways, or judged by neither
    stored = [e for e in world.events if e.kind == "need" and _holds_body(folder / "db.sqlite", e.id)]
    if stored:
        pick = stored[data.draw(st.integers(0, len(stored) - 1), label="damaged")]
        change_a_byte(folder / "db.sqlite", pick.id, b"quantity", b"quantitz")
        outcomes = []
        for decoded in (False, True):
            fresh = EventLog(Store(folder / "db.sqlite"))  # (nothing kept: each row rebuilt from its event)
            try:
                outcomes.append(_outcome(fresh, decoded))
            finally:
                fresh.store.close()
        assert outcomes[0] == outcomes[1]


def _holds_body(path: Path, event_id: bytes) -> bool:
    with closing(sqlite3.connect(path)) as db:
        found = db.execute("SELECT body FROM events WHERE id=?", (event_id,)).fetchone()
    return found is not None and found[0] is not None


def test_a_need_named_by_a_draw_down_is_read_from_its_row_not_its_body(tmp_path: Path) -> None:
    """The reads of a warm page: no body of a named need read again (the row is kept)."""
    world = _world()
    _play(world, [("item", "g2", "offer", "tents", None, "open", None)]
          + [("item", "g1", "need", "tents", None, "open", None) for _ in range(5)]
          + [("fulfil", "g2", i, 0, False, True) for i in range(5)])
    log = ingest_in(tmp_path / "db.sqlite", world, world.events, [])
    try:
        needs = [e.id for e in world.events if e.kind == "need"]
        references.targets(log.store, log.trust, needs)  # (the rows rebuilt and kept)
        ran: list[str] = []
        log.store._db.set_trace_callback(ran.append)
        try:
            found = references.targets(log.store, log.trust, needs)
        finally:
            log.store._db.set_trace_callback(None)
        assert sorted(found) == sorted(needs) and {t.kind for t in found.values()} == {"need"}
        assert not [s for s in ran if "body" in s], ran
    finally:
        log.store.close()

