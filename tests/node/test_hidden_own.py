"""A device of this node's own group that seals an event this node cannot read (node/hidden_own.py),
on real stores: a mole of Calais hand-seals its group's public need "withdrawn" to Bristol only;
Calais's node says so, in any order of arrival, and not for what an honest device may do."""
from __future__ import annotations

import random
from pathlib import Path

from crypto.envelope import seal
from crypto.keys import EncryptionKey, SigningKey
from crypto.keystore import NodeKeys
from events.canonical import pack
from events.genesis import make_genesis
from events.sealed import inner_plaintext
from node import hidden_own, words
from node.audience import Opener, opened_rows
from node.log import EventLog, now_ms
from node.private import MARK
from node.store import Store
from node.views import view
from node_fixtures import Author, device_vouch, statuses, wires

DAY = 24 * 3600 * 1000


class World:
    """Calais (its node's device and a mole device, certified two days ago) and Bristol (one device)."""

    def __init__(self) -> None:
        now = now_ms()
        self.keys = NodeKeys.generate(with_group=True)
        self.genesis = make_genesis("t", [bytes(self.keys.group.public)], now - 3 * DAY)
        n = self.genesis.network_id
        self.calais = Author(self.keys.group, n)
        ts = iter(range(now - 2 * DAY, now))
        self.calais.sign("member.vouch", device_vouch(self.keys.group, self.keys.device,
                                                      bytes(self.keys.device_encryption.public)), ts=next(ts))
        self.calais.sign("group.profile", {"name": "Calais", "region": "calais"}, ts=next(ts))
        self.mole_key, self.mole_enc = SigningKey.generate(), EncryptionKey.generate()
        self.calais.sign("member.vouch", device_vouch(self.keys.group, self.mole_key, bytes(self.mole_enc.public)),
                         ts=next(ts))
        self.bristol_g = SigningKey.generate()
        self.calais.sign("member.vouch", {"subject": bytes(self.bristol_g.public), "role": "group"}, ts=next(ts))
        self.bristol = Author(self.bristol_g, n)
        self.b_dev, self.b_enc = SigningKey.generate(), EncryptionKey.generate()
        self.bristol.sign("member.vouch", device_vouch(self.bristol_g, self.b_dev, bytes(self.b_enc.public)), ts=next(ts))
        self.honest = Author(self.keys.device, n)
        self.need = self.honest.sign("need", {"category": "tents", "quantity": 40, "region": "calais"})
        self.mole = Author(self.mole_key, n)

    def mole_seals(self, kind: str, fields: dict, to_keys: list, ts: int | None = None) -> None:
        inner = inner_plaintext(kind, fields, [bytes(self.bristol_g.public)])
        self.mole.sign("sealed", {"envelope": seal(inner, to_keys)}, ts=ts)

    def events(self) -> list[bytes]:
        return wires(self.calais.made + self.bristol.made + self.honest.made + self.mole.made)

    def log(self, path: Path, order: random.Random | None = None) -> EventLog:
        log = EventLog.create(Store(path), self.genesis)
        events = self.events()
        if order is not None:
            order.shuffle(events)
        for _ in events:  # one at a time, in the order given (what cannot count yet waits)
            log.ingest([_])
        return log


def test_a_device_of_the_own_group_sealing_an_update_away_from_it_is_said_on_the_owners_node(tmp_path: Path):
    w = World()
    w.mole_seals("need.update", {"need": w.need.id, "status": "withdrawn"}, [w.b_enc.public])
    calais = w.log(tmp_path / "calais.db")
    bristol = w.log(tmp_path / "bristol.db")
    # what the reviewer saw: Bristol counts the withdrawal, Calais sees its need open
    assert view(bristol, "needs", opened=opened_rows(bristol, Opener(w.b_enc))) == []
    assert [n["id"] for n in view(calais, "needs", opened=opened_rows(calais, Opener(w.keys.device_encryption)))] \
        == [w.need.id]

    [said] = hidden_own.unreadable_own(calais, Opener(w.keys.device_encryption), bytes(w.keys.device.public))
    assert said["device"] == bytes(w.mole_key.public) and said["events"] == 1
    assert said["first"] == w.mole.made[-1].id
    said_in_words = words.hidden_own_warning(said)
    assert "may be in other hands" in said_in_words and f"solnet revoke {bytes(w.mole_key.public).hex()}" in said_in_words
    # Bristol's node holds nothing of its own group it cannot read
    assert hidden_own.unreadable_own(bristol, Opener(w.b_enc), bytes(w.b_dev.public)) == []


def test_what_is_said_does_not_depend_on_the_order_of_arrival(tmp_path: Path):
    w = World()
    w.mole_seals("offer.update", {"offer": w.need.id, "status": "withdrawn"}, [w.b_enc.public])
    w.mole_seals("need.update", {"need": w.need.id, "status": "withdrawn"}, [w.b_enc.public])
    device = bytes(w.keys.device.public)
    seen = set()
    for i in range(6):
        log = w.log(tmp_path / f"calais{i}.db", random.Random(i))
        seen.add(tuple((s["device"], s["events"], s["first"], s["at"])
                       for s in hidden_own.unreadable_own(log, Opener(w.keys.device_encryption), device)))
    assert seen == {((bytes(w.mole_key.public), 2, w.mole.made[0].id, w.mole.made[-1].header.timestamp),)}


def test_nothing_is_said_of_what_an_honest_device_may_have_sealed(tmp_path: Path):
    w = World()
    since = w.calais.made[0].header.timestamp  # this node's device was certified then
    # sealed without this device within a day of its certification: its author may not have heard of it
    w.mole_seals("need.update", {"need": w.need.id, "status": "withdrawn"}, [w.b_enc.public],
                 ts=since + hidden_own.SYNC_GRACE_MS - 1)
    # then (its stamps rise along its chain, as an honest device's do) sealed to Calais's devices too
    # (as publish does): read here
    w.mole_seals("need.update", {"need": w.need.id, "status": "open"},
                 [w.b_enc.public, w.keys.device_encryption.public, w.mole_enc.public], ts=now_ms() - DAY // 2)
    calais = w.log(tmp_path / "calais.db")
    assert hidden_own.unreadable_own(calais, Opener(w.keys.device_encryption), bytes(w.keys.device.public)) == []
    # Bristol's sealed event to itself only is none of Calais's business
    b = Author(w.b_dev, w.genesis.network_id)
    b.sign("sealed", {"envelope": seal(inner_plaintext("need", {"category": "tents", "quantity": 1, "region": "x"},
                                                       []), [w.b_enc.public])})
    calais.ingest(wires(b.made))
    assert hidden_own.unreadable_own(calais, Opener(w.keys.device_encryption), bytes(w.keys.device.public)) == []


def test_a_revoked_device_is_no_longer_said(tmp_path: Path):
    w = World()
    w.mole_seals("need.update", {"need": w.need.id, "status": "withdrawn"}, [w.b_enc.public])
    calais = w.log(tmp_path / "calais.db")
    opener, device = Opener(w.keys.device_encryption), bytes(w.keys.device.public)
    assert len(hidden_own.unreadable_own(calais, opener, device)) == 1
    revoke = w.calais.sign("member.revoke", {"subject": bytes(w.mole_key.public), "from_seq": 1})
    calais.ingest(wires([revoke]))
    assert hidden_own.unreadable_own(calais, opener, device) == []


def test_a_device_revoked_from_after_what_it_sealed_is_still_said_with_the_seq_that_voids_it(tmp_path: Path):
    """`solnet revoke MOLE`, as the warning said, revokes from the device's next event: its need
    "withdrawn", sealed to Bristol only, still counted on Bristol's node, and Calais's node, which
    had said it, said nothing more. It is said until a revocation from the first seq it sealed so,
    and the words give that seq."""
    w = World()
    w.honest.sign("need", {"category": "water", "quantity": 3, "region": "calais"})
    w.mole.sign("need", {"category": "food", "quantity": 2, "region": "calais"})  # seq 1: an honest-looking start
    w.mole_seals("need.update", {"need": w.need.id, "status": "withdrawn"}, [w.b_enc.public])  # seq 2
    w.mole_seals("need.update", {"need": w.need.id, "status": "withdrawn"}, [w.b_enc.public])  # seq 3
    mole = bytes(w.mole_key.public)
    for order in (None, random.Random(3)):
        calais = w.log(tmp_path / f"calais-{order is None}.db", order)
        bristol = w.log(tmp_path / f"bristol-{order is None}.db", order)
        opener, device = Opener(w.keys.device_encryption), bytes(w.keys.device.public)
        [said] = hidden_own.unreadable_own(calais, opener, device)
        assert (said["events"], said["seq"]) == (2, 2)
        assert f"`solnet revoke {mole.hex()} --from-seq 2`" in words.hidden_own_warning(said)
        for from_seq, still in ((4, True), (3, True), (2, False)):  # the default (its next event), then lower
            revoke = w.calais.sign("member.revoke", {"subject": mole, "from_seq": from_seq})
            calais.ingest(wires([revoke]))
            bristol.ingest(wires([revoke]))
            withdrawn = w.need.id not in [n["id"] for n in view(bristol, "needs",
                                                                 opened=opened_rows(bristol, Opener(w.b_enc)))]
            assert withdrawn == still  # on Bristol's node, the sealed withdrawal counts until then
            assert bool(hidden_own.unreadable_own(calais, opener, device)) == still, from_seq
            watch = hidden_own.Watch(opener, device)
            assert bool(watch.look(calais)) == still and all(f["seq"] == 2 for f in watch.last)
        calais.store.close()
        bristol.store.close()
        w.calais.made = [e for e in w.calais.made if e.kind != "member.revoke"]  # (the next order starts afresh)
        w.calais.seq, w.calais.prev = w.calais.made[-1].seq, w.calais.made[-1].id


class CountingOpener(Opener):
    def __init__(self, key: EncryptionKey) -> None:
        super().__init__(key)
        self.opened: list[bytes] = []

    def open(self, event_id: bytes, body: bytes | None):
        self.opened.append(event_id)
        return super().open(event_id, body)


def test_a_running_nodes_look_opens_a_few_of_its_own_groups_events_at_a_time(tmp_path: Path, monkeypatch):
    """The status saver's look runs on the database thread: at a start with thousands of its group's
    sealed events held it opened them all at once (seconds here, a minute on a Pi, every publish and
    sync waiting), and read and checked every other group's sealed events too."""
    monkeypatch.setattr(hidden_own, "LOOK_AT", 2)
    w = World()
    for i in range(5):
        w.mole_seals("need.update", {"need": w.need.id, "urgency": ["low", "high"][i % 2]}, [w.b_enc.public])
    b = Author(w.b_dev, w.genesis.network_id)
    for i in range(3):  # Bristol's, for Bristol: none of this node's business, and not opened
        b.sign("sealed", {"envelope": seal(inner_plaintext("need", {"category": "tents", "quantity": i + 1,
                                                                    "region": "x"}, []), [w.b_enc.public])})
    calais = w.log(tmp_path / "calais.db")
    calais.ingest(wires(b.made))
    opener = CountingOpener(w.keys.device_encryption)
    watch = hidden_own.Watch(opener, bytes(w.keys.device.public))
    looks = []
    for _ in range(4):
        looks.append(watch.look(calais))
        assert len(opener.opened) <= 2 * len(looks)
    assert set(opener.opened) == {e.id for e in w.mole.made}
    [first], [last] = looks[0], looks[-1]
    assert first["events"] == 2 and last["events"] == 5 and last["device"] == bytes(w.mole_key.public).hex()


def test_a_seal_stamped_back_into_the_grace_is_said_when_its_device_was_certified_later(tmp_path: Path):
    """An informer's device, certified days after this node's device, seals the group's need
    "withdrawn" to Bristol only and stamps it back into the day after this device's certification
    (a stamp is its author's word): its group key stamped its certification later, so it is said."""
    w = World()
    since = w.calais.made[0].header.timestamp
    late_key, late_enc = SigningKey.generate(), EncryptionKey.generate()
    w.calais.sign("member.vouch", device_vouch(w.keys.group, late_key, bytes(late_enc.public)),
                  ts=since + hidden_own.SYNC_GRACE_MS + 3600_000)
    late = Author(late_key, w.genesis.network_id)
    inner = inner_plaintext("need.update", {"need": w.need.id, "status": "withdrawn"}, [bytes(w.bristol_g.public)])
    late.sign("sealed", {"envelope": seal(inner, [w.b_enc.public])}, ts=since + 3600_000)
    calais = w.log(tmp_path / "calais.db")
    calais.ingest(wires(late.made))
    [said] = hidden_own.unreadable_own(calais, Opener(w.keys.device_encryption), bytes(w.keys.device.public))
    assert said["device"] == bytes(late_key.public) and said["first"] == late.made[-1].id


def test_a_seal_stamped_back_before_an_earlier_event_of_its_device_is_said(tmp_path: Path):
    """A device certified within the day (the mole of World) that signed something after the day
    was over cannot have sealed later without this device in good faith, whatever its stamp says."""
    w = World()
    since = w.calais.made[0].header.timestamp
    w.mole.sign("offer", {"category": "tents", "quantity": 1, "region": "calais"}, ts=since + 2 * DAY)
    w.mole_seals("need.update", {"need": w.need.id, "status": "withdrawn"}, [w.b_enc.public], ts=since + 3600_000)
    for i in range(3):  # in any order
        calais = w.log(tmp_path / f"calais{i}.db", random.Random(i))
        [said] = hidden_own.unreadable_own(calais, Opener(w.keys.device_encryption), bytes(w.keys.device.public))
        assert said["device"] == bytes(w.mole_key.public) and said["first"] == w.mole.made[-1].id


def _request_and_share(w: World, share_to: list) -> None:
    """The node's device makes a support request whose details only Calais reads; the mole shares
    it, with details of its own, sealed to `share_to`."""
    part = seal(MARK + pack({"text": "two minors at the station", "to": []}), [w.keys.device_encryption.public])
    w.request = w.honest.sign("support.request", {"region": "calais", "type": "housing", "people": "2",
                                                  "urgency": "high", "sealed": part})
    fake = seal(MARK + pack({"text": "meet them behind the police station", "to": [bytes(w.bristol_g.public)]}),
                share_to)
    w.mole.sign("support.share", {"request": w.request.id, "sealed": fake})


def test_a_share_of_the_groups_request_sealed_away_from_it_is_said(tmp_path: Path):
    """A mole of Calais shares Calais's request with Bristol, details of its own sealed to Bristol
    alone: Bristol reads them as the request's; Calais's node, which cannot open them, says so."""
    w = World()
    _request_and_share(w, [w.b_enc.public])
    calais = w.log(tmp_path / "calais.db")
    [said] = hidden_own.unreadable_own(calais, Opener(w.keys.device_encryption), bytes(w.keys.device.public))
    assert said["device"] == bytes(w.mole_key.public) and said["first"] == w.mole.made[-1].id


def test_a_share_sealed_to_the_group_too_is_not_said(tmp_path: Path):
    w = World()
    _request_and_share(w, [w.b_enc.public, w.keys.device_encryption.public, w.mole_enc.public])
    calais = w.log(tmp_path / "calais.db")
    assert hidden_own.unreadable_own(calais, Opener(w.keys.device_encryption), bytes(w.keys.device.public)) == []


def test_a_look_walks_what_is_new_not_the_devices_chains(tmp_path: Path, monkeypatch):
    """The look asks for its group's devices' events of a few kinds: SQLite took the (author, seq)
    index for it and walked the whole chain of every device of the group at every look, every 2 s
    (8 ms at 100k events here, half a second of a Pi's database thread while it caught up); and
    each look walked each chain again for the grace. Now it walks the kinds' index from its last
    look, and each chain once, past where it was read: a seal stamped back after a later event is
    still said."""
    w = World()
    since = w.calais.made[0].header.timestamp
    w.mole_seals("need.update", {"need": w.need.id, "urgency": "low"}, [w.b_enc.public], ts=since + 3600_000)
    calais = w.log(tmp_path / "calais.db")
    watch = hidden_own.Watch(Opener(w.keys.device_encryption), bytes(w.keys.device.public))
    said: list[str] = []
    calais.store._db.set_trace_callback(said.append)
    walked: list[int] = []
    first_seq = calais.store.first_seq_stamped_from
    monkeypatch.setattr(calais.store, "first_seq_stamped_from",
                        lambda author, at, after_seq=0: walked.append(after_seq) or first_seq(author, at, after_seq))
    assert watch.look(calais) == []  # within the day's grace, and nothing of the mole's is later
    queries = [s for s in said if "FROM events WHERE kind IN" in s]
    assert queries, said
    for query in queries:
        plan = " ".join(str(row) for row in calais.store._db.execute("EXPLAIN QUERY PLAN " + query))
        assert "events_by_kind" in plan, plan
    assert walked == [0]
    w.mole.sign("offer", {"category": "tents", "quantity": 1, "region": "calais"}, ts=since + 2 * DAY)
    w.mole_seals("need.update", {"need": w.need.id, "status": "withdrawn"}, [w.b_enc.public], ts=since + 7200_000)
    calais.ingest(wires(w.mole.made[-2:]))
    [again] = watch.look(calais)
    assert again["device"] == bytes(w.mole_key.public).hex() and again["events"] == 1
    mole_seq = w.mole.made[0].header.seq
    assert walked == [0, mole_seq], walked  # the second walk starts past what the first read


def test_a_seal_sent_header_first_is_looked_at_once_its_body_comes(tmp_path: Path):
    """A mole's modified client sends its sealed event as a stub (header and signature), waits past a
    look, then serves the body: the running node's look had moved past its row, and never read it."""
    w = World()
    w.mole_seals("need.update", {"need": w.need.id, "status": "withdrawn"}, [w.b_enc.public])
    seal_ev = w.mole.made.pop()
    calais = w.log(tmp_path / "calais.db")
    watch = hidden_own.Watch(Opener(w.keys.device_encryption), bytes(w.keys.device.public))
    assert watch.look(calais) == []
    assert statuses(calais.ingest([seal_ev.encode(with_body=False)])) == ["accepted"]
    assert watch.look(calais) == []
    assert statuses(calais.ingest([seal_ev.encode()])) == ["accepted"]
    [said] = watch.look(calais)
    assert said["device"] == bytes(w.mole_key.public).hex() and said["events"] == 1
    assert watch.look(calais) == [said]  # counted once


def test_bodies_that_come_late_are_looked_at_a_few_at_a_time_and_stubs_cost_nothing(tmp_path: Path, monkeypatch):
    """Thousands of the group's events sent header first: each look paid for every one still waiting
    (a mole's 141,000 stubs a day: 120 ms more of the database thread every 2 s), and their bodies,
    when they came, were all opened in one look (20,000: 4.8 s)."""
    monkeypatch.setattr(hidden_own, "LOOK_AT", 2)
    monkeypatch.setattr(hidden_own, "LATE_CHUNK", 2)
    w = World()
    for i in range(5):
        w.mole_seals("need.update", {"need": w.need.id, "urgency": ["low", "high"][i % 2]}, [w.b_enc.public])
    seals = w.mole.made[-5:]
    del w.mole.made[-5:]
    calais = w.log(tmp_path / "calais.db")
    opener = CountingOpener(w.keys.device_encryption)
    watch = hidden_own.Watch(opener, bytes(w.keys.device.public))
    calais.ingest([ev.encode(with_body=False) for ev in seals])
    said: list[str] = []
    calais.store._db.set_trace_callback(said.append)
    assert watch.look(calais) == [] and watch.look(calais) == []
    assert all("AND n IN (" not in s for s in said), said  # nothing asked of the stubs while they wait
    calais.ingest([ev.encode() for ev in seals])
    looks = [watch.look(calais) for _ in range(3)]
    assert [look[0]["events"] if look else 0 for look in looks] == [2, 4, 5]
    assert sorted(opener.opened) == sorted(ev.id for ev in seals)
