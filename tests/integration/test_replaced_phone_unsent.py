"""A replaced phone's events that no peer holds: once its group revoked it (a new phone took its
place), no node links with it, so what it signed offline never reaches the network. Its home said
only that the device was refused, and `solnet view needs` listed the need as any other: its user
never learned that the need went nowhere. `status` and the views now say which events and what
to do (node/own_delivered.py)."""
from __future__ import annotations

import json

from local_cluster import Cluster, cli


def test_a_replaced_phones_unsent_need_is_named_by_status_and_marked_in_its_view(cluster: Cluster) -> None:
    (calais,) = cluster.network([("Calais", "calais")])
    group = calais.home.config().group_id
    phone = cluster.root / "phone"
    device = json.loads(cli(phone, "init", "--device-of", group, "--json").stdout)["device_id"]
    token = cluster.root / "phone-token"
    cli(calais, "vouch", cli(phone, "id", "--request").stdout.strip(), "--out", str(token), "--name", "phone 1")
    cli(phone, "join", str(token))
    cluster.start(calais)
    cli(phone, "sync", calais.address)
    need = json.loads(cli(phone, "publish", "need", "--category", "tents", "--quantity", "5", "--region",
                          "calais", "--json").stdout)["id"]  # signed, never sent: the phone goes offline
    cli(calais, "revoke", device, "--reason", "phone replaced")
    assert cli(phone, "sync", calais.address, ok=False).returncode == 1  # refused as revoked

    said = cli(phone, "status").stdout
    assert "1 event this device signed (seq 1) is held by no peer and will not reach the network" in said, said
    assert "Publish it again from a device of your group that still counts" in said, said
    assert json.loads(cli(phone, "status", "--json").stdout)["unsent_own"] == {"from_seq": 1, "to_seq": 1}

    listed = cli(phone, "view", "needs")
    line = next(line for line in listed.stdout.splitlines() if need[:12] in line)
    assert line.endswith("NOT SENT"), listed.stdout
    assert "will not reach the network" in listed.stderr, listed.stderr
    items = json.loads(cli(phone, "view", "needs", "--json").stdout)
    assert [i.get("not_sent") for i in items if i["id"] == need] == [True], items
    # Calais's own view marks nothing: its device is no one's cut off
    assert "NOT SENT" not in cli(calais, "view", "needs").stdout
