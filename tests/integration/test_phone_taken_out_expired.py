"""A replaced phone's events its revocation took out are kept aside for 90 days
(node/pending_queue.py), then dropped. `status` named them only from what was kept aside, so
once dropped they were named nowhere: the phone's person never heard again that a need signed
there went nowhere. What this home signed (its marks, node/own_marks.py) at or past the seq its
device is revoked from is named still, with words for what is no longer shown here."""
from __future__ import annotations

import json
import time

from local_cluster import Cluster, cli
from node.home import Home
from node.pending_queue import PENDING_LIMITS
from test_replaced_phone_unsent import _joined_phone


def test_a_replaced_phones_taken_out_events_are_named_after_they_are_dropped(cluster: Cluster) -> None:
    (calais,) = cluster.network([("Calais", "calais")])
    phone, device = _joined_phone(cluster, calais)
    cluster.start(calais)
    cli(phone, "sync", calais.address)
    for quantity in ("5", "6"):  # signed offline, never sent
        cli(phone, "publish", "need", "--category", "tents", "--quantity", quantity, "--region", "calais")
    cli(calais, "revoke", device, "--reason", "phone replaced")  # from seq 1
    cli(calais, "export", str(cluster.root / "calais.bundle"))
    cli(phone, "import", str(cluster.root / "calais.bundle"))
    out = json.loads(cli(phone, "status", "--json").stdout)
    assert (out["taken_out_own"]["from_seq"], out["taken_out_own"]["to_seq"]) == (1, 2), out
    assert out["taken_out_own"].get("kept_here", True), out

    # 90 days on: what the revocation took out is dropped, as at the end of any write then
    store = Home(phone).store()
    try:
        later = int(time.time() * 1000) + PENDING_LIMITS.stored_max_age_ms + 60_000
        with store.write():
            store.expire_pending(later - PENDING_LIMITS.max_age_ms, later - PENDING_LIMITS.stored_max_age_ms)
        assert store.kept_aside_spans() == {}
    finally:
        store.close()
    out = json.loads(cli(phone, "status", "--json").stdout)
    assert out["taken_out_own"] == {"from_seq": 1, "to_seq": 2, "kept_here": False, "forked": False}, out
    said = cli(phone, "status").stdout
    assert "2 events this device signed (seq 1 to 2) will not reach the network: this device is revoked from " \
           "seq 1" in said, said
    assert "no longer kept here" in said and "from a device of your group that still counts" in said, said
