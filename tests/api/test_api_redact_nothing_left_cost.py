"""An API redaction warns of the ids it names that had no content left (tests/api/
test_api_redact_nothing_left.py). It found them by reading, for each id, its author's newest 500
redactions and unpacking each: a 64-id redaction unpacked up to 32,000 rows while the database
thread waited (1.2-1.8 s, where a publish takes 12-19 ms). The publish's checks now find them from
each id's row before signing, and read the author's redactions once, only when one was withdrawn
already (to name that withdrawal)."""
from __future__ import annotations

from node import render

READ = 40  # the author's newest redactions read (related.WITHDRAWALS_READ, 500): fewer, for a fast test


async def test_a_64_id_redaction_does_not_read_the_authors_redactions_once_an_id(api, monkeypatch) -> None:
    monkeypatch.setattr("node.related.WITHDRAWALS_READ", READ)

    def earlier_redactions() -> None:  # of this device, each of one of its needs
        log, device = api.node.log, api.node.keys.device
        for _ in range(READ):
            need = log.append(device, "need", {"category": "water", "quantity": 2, "region": "calais"})
            log.append(device, "redact", {"ids": [need.id]})

    await api.node.db(earlier_redactions)
    needs = [(await api.publish("need", category="tents", quantity="3", region="calais"))["id"] for _ in range(64)]
    read = []
    unpacked = render.event_fields
    monkeypatch.setattr(render, "event_fields", lambda row, *a, **k: read.append(row) or unpacked(row, *a, **k))
    status, first = await api.request("POST", "/api/v1/events",
                                      json={"kind": "redact", "fields": {"ids": ",".join(needs)}})
    assert status == 201 and first["warnings"] == [], first
    assert len(read) < 64, len(read)  # the answer's own fields, not 64 x READ redactions

    read.clear()  # one withdrawn already: the author's redactions read once, to name its withdrawal
    need = (await api.publish("need", category="tents", quantity="3", region="calais"))["id"]
    status, again = await api.request("POST", "/api/v1/events",
                                      json={"kind": "redact", "fields": {"ids": ",".join([need, *needs[:63]])}})
    assert status == 201, again
    said = [w for w in again["warnings"] if w.startswith("no content left to redact")]
    assert said and all(f"{n} (redacted already by {first['event']['id']})" in said[0] for n in needs[:63]), again
    assert need not in said[0]
    assert len(read) <= READ + 64, len(read)
