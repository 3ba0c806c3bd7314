"""A group's devices by the names its vouches gave them, wherever a node lists its peers: which of
Calais's devices holds a link (the node at home, or a phone that may have been seized) was told by a
short id only."""
from __future__ import annotations

from pathlib import Path

from local_cluster import Cluster, cli, cli_json
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.home import Home


def test_a_device_linked_is_listed_by_the_name_its_group_gave_it(cluster: Cluster, tmp_path: Path) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    made = cli_json(tmp_path / "phone", "init", "--group", "Calais", "--region", "calais",
                    "--device-of", calais.home.config().group_id)
    cli(calais, "vouch", made["device_request"], "--name", "phone 2", "--out", str(tmp_path / "phone.txt"))
    cli(tmp_path / "phone", "join", str(tmp_path / "phone.txt"))
    cli(tmp_path / "phone", "peers", "add", calais.address)
    phone = LocalNode("phone", "calais", Home(tmp_path / "phone"), localnet.free_ports(1)[0])
    cluster.adopt([phone])
    cluster.start(calais)
    cluster.start(phone)

    def listed() -> list[dict]:
        return [p for p in cli_json(calais, "peers") if p.get("device") == made["device_id"] and p.get("connected")]

    cluster.wait(listed, 30, "the phone linked with Calais's node")
    [linked] = listed()
    assert (linked["name"], linked["device_name"]) == ("Calais", "phone 2"), linked
    said = cli(calais, "peers").stdout
    assert "Calais · phone 2" in said, said
