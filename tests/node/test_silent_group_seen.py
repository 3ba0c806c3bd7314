"""A group gone silent beside an active one in its region is seen (node.views.heard_from).

The desk's "Last heard from" was the latest across a region's groups, so a raided group that went
quiet beside an active one was hidden; neither /groups nor `solnet view groups` said when each group
was last heard from. Each group now carries when and how (its newest event here, by its author's
clock, or this node's last sync with one of its devices), and a region's summary lists its groups
apart, the quietest first.
"""
from __future__ import annotations

import json
from pathlib import Path

from node import publishing, render
from node.demo import localnet
from node.store.events import wire_of
from node.views import view

PASSPHRASE = "correct horse battery staple 42"


def test_each_group_of_a_region_is_heard_from_apart(tmp_path: Path) -> None:
    calais, care = localnet.create_network(tmp_path, [("Calais", "calais"), ("Care", "calais")], PASSPHRASE)
    log = calais.home.log()
    try:
        care_log = care.home.log()
        try:  # what Care holds (its admission, its profile) comes to Calais as by a sync
            log.ingest([wire_of(e.header, e.sig, e.body) for e in reversed(care_log.store.events_page(limit=1000))])
        finally:
            care_log.store.close()
        keys = calais.home.keys(PASSPHRASE)
        need = publishing.publish(log, keys, "need", {"category": "tents", "quantity": "20", "region": "calais"})
        calais_id, care_id = (bytes.fromhex(n.home.config().group_id) for n in (calais, care))

        [summary] = view(log, "regions", region="calais", peers=[])
        heard = summary["groups_heard"]
        assert [h["group"] for h in heard] == [care_id, calais_id], heard  # the quietest first
        assert heard[1]["last_heard"] == need.header.timestamp and heard[1]["heard_by"] == "event", heard
        assert heard[0]["last_heard"] < need.header.timestamp and heard[0]["heard_by"] == "event", heard
        assert summary["last_heard"] == need.header.timestamp  # the region's latest, as before
        text = render.region_text(summary)
        assert "groups last heard from: Care " in text and "; Calais " in text, text

        # A sync with one of Care's devices, later than its newest event: heard from by that sync.
        care_device = care.home.config().device_id
        groups = {g["id"]: g for g in view(log, "groups", peers=[{"device": care_device, "last_sync": need.header.timestamp + 5}])}
        assert (groups[care_id]["last_heard"], groups[care_id]["heard_by"]) == (need.header.timestamp + 5, "sync")
        assert (groups[calais_id]["last_heard"], groups[calais_id]["heard_by"]) == (need.header.timestamp, "event")
        lines = render.view_line("groups", groups[care_id], {})
        assert "last heard from" in lines and "(last sync with one of its devices)" in lines, lines
        as_json = render.view_json(list(groups.values()))
        assert all(g["heard_by"] in ("event", "sync") and g["last_heard"].endswith("Z") for g in as_json), \
            json.dumps(as_json)[:500]
        publishing.publish(log, keys, "need", {"category": "tents", "quantity": "3", "region": "dunkirk"})
        [nobody] = view(log, "regions", region="dunkirk", peers=[])  # no group based there: none to hear from
        assert render.region_text(nobody).splitlines()[0] == "DUNKIRK — no group based there", render.region_text(nobody)
    finally:
        log.store.close()
