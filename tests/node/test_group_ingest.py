"""Several batches in one write transaction (EventLog.commit_group, ingest_stream's groups) give
each batch the outcomes it gets when committed alone, in turn: duplicates across the batches, a
vouch in one batch for the author of the next, a forged signature, a gap filled by a later batch."""
from __future__ import annotations

from pathlib import Path

import msgpack
import pytest

from node_fixtures import Net, action, device_vouch, wires
from crypto.keys import SigningKey
from events.format import Event
from node_fixtures import Author
from node.log import GROUP
from node.store import StoreError


def _forged(ev: Event) -> bytes:
    header, sig, body = msgpack.unpackb(ev.encode())
    return msgpack.packb([header, bytes([sig[0] ^ 1]) + sig[1:], body])


def _batches(net: Net) -> list[list[bytes]]:
    """Batches whose outcomes depend on what the batches before them stored (the newcomer's
    first events wait as strangers, its later ones for the gap they leave)."""
    newcomer = SigningKey.generate()
    vouch = net.group.sign("member.vouch", device_vouch(net.group.key, newcomer, bytes(32 * [7])))
    theirs = Author(newcomer, net.genesis.network_id)
    mine = [net.device.sign("action", action(i)) for i in range(60)]
    new = [theirs.sign("need", {"category": "water", "region": "calais", "quantity": str(i)}) for i in range(5)]
    return [
        wires(new[:2]),  # an unknown author: held until its vouch comes
        wires(mine[:20]) + [_forged(mine[25])],
        wires(mine[10:30]),  # half of them stored by the batch before; a forgery's place filled
        wires([vouch]) + wires(new[2:]),  # the vouch, then more of the newcomer's chain
        wires(mine[40:50]),  # a gap: held until the next batch
        wires(mine[30:40]) + wires(mine[45:60]),
    ]


def _state(log) -> tuple:
    store = log.store
    return sorted(store.heads()), store.count(), store.projection_dump(), store.pending_count()


def test_a_group_gives_each_batch_the_outcomes_of_committing_it_alone(net: Net, tmp_path: Path) -> None:
    batches = _batches(net)
    alone, grouped = net.new_log(tmp_path / "alone.db"), net.new_log(tmp_path / "grouped.db")
    for log in (alone, grouped):
        log.ingest(wires(net.group.made[:2]))
    one_by_one = [alone.commit(alone.prepare(b)) for b in batches]
    together = grouped.commit_group([grouped.prepare(b) for b in batches])
    assert together == one_by_one
    assert {o.status for out in together for o in out} == {"accepted", "duplicate", "pending", "rejected"}
    assert _state(grouped) == _state(alone)
    assert grouped.store.count() == 2 + 1 + 60  # the forgery's place filled; the newcomer's chain held


def test_ingest_stream_commits_groups_and_yields_every_batch(net: Net, tmp_path: Path) -> None:
    batches = _batches(net) * 2  # the second round: duplicates only
    alone, streamed = net.new_log(tmp_path / "alone.db"), net.new_log(tmp_path / "streamed.db")
    for log in (alone, streamed):
        log.ingest(wires(net.group.made[:2]))
    expected = [alone.ingest(b) for b in batches]
    commits = []
    write = streamed.store.write

    def counted():
        commits.append(1)
        return write()

    streamed.store.write = counted  # how many write transactions the stream took
    assert list(streamed.ingest_stream(batches)) == expected
    assert len(commits) == -(-len(batches) // GROUP) < len(batches)
    assert _state(streamed) == _state(alone)



def test_large_events_are_stored_before_more_than_the_bytes_allowed_wait(net: Net, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches are counted in events: 8 of them examined ahead and not stored, of sealed events of
    60 KiB (a bundle's import), held 240 MB. Past AHEAD_BYTES the oldest are stored first (one
    batch always stays ahead), and every batch is still yielded, in order, as ingested alone."""
    from node import log as log_module

    sealed = [net.device.sign("support.request", {"region": "calais", "type": "housing", "people": "2",
                                                  "urgency": "high", "sealed": bytes([i % 251]) * 60 * 1024})
              for i in range(12 * 20)]
    batches = [wires(sealed[i:i + 20]) for i in range(0, len(sealed), 20)]  # 1.2 MB each
    monkeypatch.setattr(log_module, "AHEAD_BYTES", 3 << 20)
    alone, streamed = net.new_log(tmp_path / "alone.db"), net.new_log(tmp_path / "streamed.db")
    for log in (alone, streamed):
        log.ingest(wires(net.group.made))
    expected = [alone.ingest(b) for b in batches]
    sizes: dict[int, int] = {}
    held, most = [0], [0]
    prepare, commit_group = streamed._prepare, streamed._commit_group

    def prepared(wires_, now):
        batch = prepare(wires_, now)
        sizes[id(batch)] = sum(map(len, wires_))
        held[0] += sizes[id(batch)]
        most[0] = max(most[0], held[0])
        return batch

    def committed(group):
        held[0] -= sum(sizes[id(batch)] for batch in group)
        return commit_group(group)

    monkeypatch.setattr(streamed, "_prepare", prepared)
    monkeypatch.setattr(streamed, "_commit_group", committed)
    assert list(streamed.ingest_stream(batches)) == expected
    assert most[0] <= (3 << 20) + max(map(len, map(b"".join, batches))), most[0]
    assert streamed.store.count() == alone.store.count()

def test_a_group_that_fails_stores_none_of_its_batches(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made[:2]))
    batches = _batches(net)
    before = _state(log)
    group = [log.prepare(b) for b in batches]
    log.store._db.execute("PRAGMA query_only=ON")  # every write of the transaction now fails
    with pytest.raises(StoreError):
        log.commit_group(group)
    log.store._db.execute("PRAGMA query_only=OFF")
    assert _state(log) == before
    # Nothing was half-stored: the same batches go in whole afterwards.
    log.commit_group([log.prepare(b) for b in batches])
    assert log.store.count() == 2 + 1 + 60
