"""A replaced phone's events that no peer holds: once its group revoked it (a new phone took its
place), no node links with it, so what it signed offline never reaches the network. Its home said
only that the device was refused, and `solnet view needs` listed the need as any other: its user
never learned that the need went nowhere. `status` and the views now say which events and what
to do (node/own_delivered.py)."""
from __future__ import annotations

import json
from pathlib import Path

from local_cluster import Cluster, LocalNode, cli


def _joined_phone(cluster: Cluster, calais: LocalNode, name: str = "phone") -> tuple[Path, str]:
    """A phone device of Calais's group, joined (its home, its device id)."""
    group = calais.home.config().group_id
    phone = cluster.root / name
    device = json.loads(cli(phone, "init", "--device-of", group, "--json").stdout)["device_id"]
    token = cluster.root / f"{name}-token"
    cli(calais, "vouch", cli(phone, "id", "--request").stdout.strip(), "--out", str(token), "--name", name)
    cli(phone, "join", str(token))
    return phone, device


def test_a_replaced_phones_unsent_need_is_named_by_status_and_marked_in_its_view(cluster: Cluster) -> None:
    (calais,) = cluster.network([("Calais", "calais")])
    phone, device = _joined_phone(cluster, calais)
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


def test_every_status_reads_what_a_peer_holds_not_only_the_first(cluster: Cluster) -> None:
    """`status` reads from a snapshot of the database once the trust summary is kept; the snapshot
    left out the record of what a peer holds, so every status after the first said this device's
    events from seq 1 were held by no peer (and, on a revoked phone, to publish them again)."""
    (calais,) = cluster.network([("Calais", "calais")])
    phone, _ = _joined_phone(cluster, calais)
    cluster.start(calais)
    cli(phone, "sync", calais.address)
    for n in range(3):
        cli(phone, "publish", "need", "--category", "tents", "--quantity", str(n + 1), "--region", "calais")
    cli(phone, "sync", calais.address)  # Calais stores the three needs: the record rises to seq 3
    said = [json.loads(cli(phone, "status", "--json").stdout)["unsent_own"] for _ in range(3)]
    assert said == [None, None, None], said
    cli(phone, "publish", "need", "--category", "food", "--quantity", "9", "--region", "calais")  # offline
    said = [json.loads(cli(phone, "status", "--json").stdout)["unsent_own"] for _ in range(2)]
    assert said == [{"from_seq": 4, "to_seq": 4}] * 2, said
