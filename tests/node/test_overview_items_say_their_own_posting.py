"""The overview tells apart listed events whose links read alike ("tents: 20 items" three times in
one region) by when each was posted, and says of each support request whether this device reads its
private details. Both are read from the listed item itself (its row's author and header time, the
opener's remembered readers), not from its event read again: the same answers as reading the event,
for a need sealed to chosen groups and opened here (its time is its sealed event's, the only one
signed), for a request read here or not, and once an author is no member (its items leave the page
with it). On real SQLite files, sealed and opened with real keys."""
from __future__ import annotations

from pathlib import Path

from node import publishing, references
from node.audience import Opener
from node.dashboard.pages import overview
from node.log import now_ms
from node_fixtures import Net, wires
from test_audiences import _three

NEED = {"region": "calais", "category": "tents", "quantity": "20"}
REQUEST = {"region": "calais", "type": "housing", "people": "2", "urgency": "high"}


def test_alike_needs_say_when_each_was_posted_and_requests_whether_read_here(net: Net, tmp_path: Path) -> None:
    (calais, bristol, cardiff), (calais_keys, bristol_keys, cardiff_keys), (_, cardiff_group) = _three(net, tmp_path)
    public = [publishing.publish(calais, calais_keys, "need", NEED) for _ in range(2)]
    sealed = publishing.publish(calais, calais_keys, "need", NEED, to=["Bristol"])
    request = publishing.publish(calais, calais_keys, "support.request", REQUEST, private="Family, Rue X",
                                 to=["Bristol"])
    gone = publishing.publish(cardiff, cardiff_keys, "need", NEED)  # alike too, until its author is no member
    for log in (bristol, calais):
        log.ingest(list(cardiff.store.iter_wire()))
    for log in (bristol, cardiff):
        log.ingest(list(calais.store.iter_wire()))
    keys = {calais: calais_keys, bristol: bristol_keys, cardiff: cardiff_keys}
    stamps = {e.id: e.header.timestamp for e in (*public, sealed, gone)}

    def page(log):
        return overview(log, "calais", now_ms(), bytes(keys[log].group.public), peers=[],
                        opener=Opener(keys[log].device_encryption))

    def posted(log) -> dict[bytes, int | None]:
        found = {n["id"]: n["posted"] for n in page(log)["needs"]["items"]}
        for event_id in found:  # as the event read again says it
            target = references.target(log.store, log.trust, event_id)
            assert target is not None and found[event_id] == target.ts
        return found

    ids = [e.id for e in public]
    # Calais and Bristol read the sealed need: four alike, each with its own event's time
    for log in (calais, bristol):
        assert posted(log) == {i: stamps[i] for i in (*ids, sealed.id, gone.id)}
    assert posted(cardiff) == {i: stamps[i] for i in (*ids, gone.id)}  # (the sealed one is not read there)
    # Who reads the request's details: its own group and the one it went to, not the other
    for log, reads in ((calais, True), (bristol, True), (cardiff, False)):
        [item] = page(log)["support"]["items"]
        assert item["id"] == request.id and item["read_here"] is reads, log.store.path.name

    # Cardiff's group is revoked from below its device's vouch: its device is no member, and its
    # need leaves the page with it (the time of an event of no member is not told, as not held)
    revoked = net.group.sign("member.revoke", {"subject": bytes(cardiff_group.key.public), "from_seq": 1,
                                               "reason": "infiltrated"})
    for log in (calais, bristol):
        log.ingest(wires([revoked]))
        assert log.trust.group_of(bytes(cardiff_keys.device.public)) is None
        assert posted(log) == {i: stamps[i] for i in (*ids, sealed.id)}
    for log in (calais, bristol, cardiff):
        log.store.close()
