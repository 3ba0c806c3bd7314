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

    # the refusal is all the phone heard, not the seq it is revoked from: it cannot know the need is
    # lost (a bundle may have carried it), only that no peer is known to hold it
    said = cli(phone, "status").stdout
    assert "No peer is known to hold 1 event this device signed (seq 1)" in said, said
    assert "Check on a device of your group that still counts" in said, said
    out = json.loads(cli(phone, "status", "--json").stdout)
    assert (out["unsent_own"], out["taken_out_own"]) == ({"from_seq": 1, "to_seq": 1}, None), out

    listed = cli(phone, "view", "needs")
    line = next(line for line in listed.stdout.splitlines() if need[:12] in line)
    assert line.endswith("NOT KNOWN SENT"), listed.stdout
    assert "No peer is known to hold" in listed.stderr, listed.stderr
    items = json.loads(cli(phone, "view", "needs", "--json").stdout)
    assert [i.get("not_known_sent") for i in items if i["id"] == need] == [True], items

    # the revocation itself comes (a bundle from Calais): revoked from seq 1, the need is taken out
    cli(calais, "export", str(cluster.root / "calais.bundle"))
    cli(phone, "import", str(cluster.root / "calais.bundle"))
    said = cli(phone, "status").stdout
    assert "1 event this device signed (seq 1) will not reach the network: this device is revoked from seq 1" \
        in said, said
    assert "Publish again what still matters of it from a device of your group that still counts" in said, said
    assert "No peer is known" not in said, said
    out = json.loads(cli(phone, "status", "--json").stdout)
    assert (out["unsent_own"], out["taken_out_own"]) == (None, {"from_seq": 1, "to_seq": 1, "kept_here": True, "forked": False}), out
    # Calais's own view marks nothing: its device is no one's cut off
    assert "SENT" not in cli(calais, "view", "needs").stdout


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


def test_what_a_bundle_carried_is_not_said_lost_only_what_the_revocation_refuses(cluster: Cluster) -> None:
    """A need the phone carried to Calais in a bundle, below the seq Calais then revoked it from, counts
    there; the phone's record of what a peer holds never rose for it. Its status said the need was
    held by no peer and would not reach the network, to publish it again (a duplicate), and its view
    marked it NOT SENT. Now only what the revocation took out (at or past its seq) is said lost."""
    (calais,) = cluster.network([("Calais", "calais")])
    phone, device = _joined_phone(cluster, calais)
    cluster.start(calais)
    cli(phone, "sync", calais.address)
    carried = json.loads(cli(phone, "publish", "need", "--category", "tents", "--quantity", "5", "--region",
                             "calais", "--json").stdout)["id"]
    cli(phone, "export", str(cluster.root / "phone.bundle"))
    lost = json.loads(cli(phone, "publish", "need", "--category", "food", "--quantity", "2", "--region",
                          "calais", "--json").stdout)["id"]
    cli(calais, "import", str(cluster.root / "phone.bundle"))
    cli(calais, "revoke", device, "--from-seq", "2", "--reason", "phone replaced")
    assert [i["id"] for i in json.loads(cli(calais, "view", "needs", "--json").stdout)] == [carried]
    cli(calais, "export", str(cluster.root / "calais.bundle"))
    cli(phone, "import", str(cluster.root / "calais.bundle"))  # the revocation reaches the phone

    out = json.loads(cli(phone, "status", "--json").stdout)
    assert (out["unsent_own"], out["taken_out_own"]) == ({"from_seq": 1, "to_seq": 1},
                                                         {"from_seq": 2, "to_seq": 2, "kept_here": True, "forked": False})
    said = cli(phone, "status").stdout
    assert "No peer is known to hold 1 event this device signed (seq 1)" in said, said
    assert "Check on a device of your group that still counts (`solnet show ID` or `solnet view` there)" in said, said
    assert "a bundle (`solnet export`) imported there carries it: it was signed below seq 2" in said, said
    assert "1 event this device signed (seq 2) will not reach the network: this device is revoked from seq 2" \
        in said, said
    assert "held by no peer" not in said, said
    listed = cli(phone, "view", "needs")
    assert [line for line in listed.stdout.splitlines() if lost[:12] in line] == [], listed.stdout  # taken out
    line = next(line for line in listed.stdout.splitlines() if carried[:12] in line)
    assert line.endswith("  NOT KNOWN SENT") and "No peer is known to hold" in listed.stderr, listed
    items = {i["id"]: i for i in json.loads(cli(phone, "view", "needs", "--json").stdout)}
    assert (items[carried].get("not_sent"), items[carried].get("not_known_sent")) == (None, True), items
