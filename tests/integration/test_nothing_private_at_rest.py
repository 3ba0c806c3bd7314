"""Seizure (docs/design.md section 6): nothing private in plaintext on disk or in logs, on any node.

Three real `solnet run` nodes replicate a private support request; the recipient reads it
(decrypted in memory). Then every file each node wrote (database, -wal, -shm, logs, config,
keystore, its temporary folder) is searched, while the nodes run and after they stop, for the
private text, every node's secret keys and the passphrase: none may be there. Controls prove the
search can see: a public marker published the same way IS found in every node's files, and the
same scan finds the secrets in a file where the test writes them on purpose.
"""
from __future__ import annotations

import re
import secrets
from pathlib import Path

from disk_scan import Needle, files_under, key_needle, scan, text_needle
from local_cluster import PASSPHRASE, Cluster, cli_json, holds, log_text, publish
from node.demo import localnet
from node.demo.localnet import LocalNode


def test_private_text_keys_and_passphrase_never_reach_disk_or_logs(cluster: Cluster, tmp_path: Path) -> None:
    nodes = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff")])
    calais, bristol, cardiff = nodes
    localnet.line(nodes)  # Calais - Bristol - Cardiff: Cardiff gets the request only through Bristol
    temp = {node.name: tmp_path / "tmp" / node.name for node in nodes}
    for node in reversed(nodes):
        temp[node.name].mkdir(parents=True)
        cluster.start(node, extra_env={"TMPDIR": str(temp[node.name])})

    token = secrets.token_hex(12)
    private_text = f"Amadou, 15 ans, arrivé hier — contact via Zoë {token}"
    public_token = secrets.token_hex(12)
    calais_group = cli_json(calais, "status")["group_id"]
    request = publish(cardiff, "support.request", region="calais", type="safeguarding_minor", people="1",
                      urgency="high", private=private_text, to=calais_group)
    control = publish(cardiff, "action", title=f"Public info night {public_token}", region="cardiff",
                      type="info_night", starts_at="2031-06-01T18:00")
    cluster.wait(lambda: all(holds(n, request) and holds(n, control) for n in nodes), 60,
                 "the request and the control reached every node")

    shown = cli_json(calais, "show", request.hex())
    assert shown["private_status"] == "readable" and shown["private_details"] == private_text, shown
    not_for_bristol = cli_json(bristol, "show", request.hex())
    assert not_for_bristol["private_status"] != "readable" and not_for_bristol.get("private_details") is None, \
        not_for_bristol
    assert not_for_bristol["private"] is True  # it has a private part, as every node may know

    needles = [text_needle("private text", private_text), text_needle("private token", token),
               text_needle("passphrase", PASSPHRASE), *_key_needles(nodes)]
    control_needle = text_needle("public control", public_token)

    def node_files(node: LocalNode) -> list[Path]:
        return files_under([node.home.path, temp[node.name]])

    # While running: the WAL and the shared-memory index hold the newest pages.
    running_files = {node.name: node_files(node) for node in nodes}
    for node in nodes:
        names = {p.name for p in running_files[node.name]}
        assert {"solnet.db", "solnet.db-wal", "config.json", "keystore", "node.log"} <= names, names
        found = scan(running_files[node.name], [control_needle])
        assert found, f"the scan cannot see replicated data on {node.name}: {running_files[node.name]}"
    hits = scan([p for files in running_files.values() for p in files], needles)
    assert hits == [], "private data on disk while the nodes run:\n" + "\n".join(map(str, hits))

    for node in nodes:
        assert localnet.stop(node) == 0, log_text(node)
    stopped_files = [p for node in nodes for p in node_files(node)]
    assert scan(stopped_files, [control_needle])
    hits = scan(stopped_files, needles)
    assert hits == [], "private data on disk after the nodes stopped:\n" + "\n".join(map(str, hits))

    for node in nodes:  # the store every node opens overwrites deleted content
        store = node.home.store()
        try:
            assert store.secure_delete()
        finally:
            store.close()
        _assert_no_peer_addresses(node, nodes)

    # The scan would have caught each secret: written on purpose, in the forms the scan knows.
    canary = tmp_path / "canary"
    canary.mkdir()
    for i, needle in enumerate(needles):
        form, pattern = next(iter(needle.forms.items()))
        (canary / f"{i}.bin").write_bytes(secrets.token_bytes(100) + pattern + secrets.token_bytes(100))
    caught = {hit.needle for hit in scan(files_under([canary]), needles)}
    assert caught == {needle.name for needle in needles}


def _key_needles(nodes: list[LocalNode]) -> list[Needle]:
    """Every node's secrets, read from its keystore into memory through the Home API."""
    needles = []
    for node in nodes:
        keys = node.home.keys(PASSPHRASE)
        needles.append(key_needle(f"{node.name} device signing seed", keys.device.seed_bytes()))
        needles.append(key_needle(f"{node.name} device encryption secret", keys.device_encryption.secret_bytes()))
        if keys.group is not None:
            needles.append(key_needle(f"{node.name} group key seed", keys.group.seed_bytes()))
        # The API's admin token, made from the device key: a copy of the home must not open the API.
        needles.append(text_needle(f"{node.name} admin token", node.home.admin_token(keys)))
    assert len(needles) == 4 * len(nodes)  # each of these nodes holds its group key
    return needles


_IPV4 = re.compile(r"(?<![\d.])((?:\d{1,3}\.){3}\d{1,3})(?::(\d+))?(?!\d)")


def _assert_no_peer_addresses(node: LocalNode, nodes: list[LocalNode]) -> None:
    """The log names peers by label: the only address in it is the node's own (where it listens,
    where its dashboard is), and no other node's port appears at all (all nodes share 127.0.0.1,
    so the port is what would give a peer away)."""
    text = log_text(node)
    assert "connected (outbound)" in text or "connected (inbound)" in text, text  # it did talk to peers
    addresses = [(m.group(1), m.group(2)) for m in _IPV4.finditer(text)]
    assert addresses, "the node's own listen line is missing: is this the node's log?"
    for ip, port in addresses:
        assert (ip, port) == ("127.0.0.1", str(node.port)), f"{node.name}'s log holds {ip}:{port}"
    for other in nodes:
        if other is not node:
            assert not re.search(rf"(?<!\d){other.port}(?!\d)", text), f"{node.name}'s log names {other.name}'s port"
