"""The public feeds never carry the network id, nor any part of it. It crosses the wire in clear in
the first message of every link (sync/handshake.py), so an Atom id made of its first 8 bytes (until
2026-12-06) told whoever watched a member's connection which public site, which named network, it
was a node of. The feeds' ids stay stable from one export to the next."""
from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from crypto.hashing import blake2b_256
from node import publishing
from node.demo import localnet
from page_text import PASSPHRASE

ATOM = "{http://www.w3.org/2005/Atom}"
FEED_TAG_PURPOSE = b"solnet-feed-tag"  # (node/public_site.py)


def _export(home: Path, site: Path) -> dict[str, bytes]:
    subprocess.run([*localnet.solnet_command(), "--home", str(home), "export-site", str(site)], check=True,
                   capture_output=True, timeout=60)
    return {p.name: p.read_bytes() for p in site.iterdir()}


def _ids(feed: bytes) -> list[str]:
    root = ET.fromstring(feed)
    return [root.find(f"{ATOM}id").text] + [e.find(f"{ATOM}id").text for e in root.findall(f"{ATOM}entry")]


def test_no_public_file_names_the_network_id(tmp_path: Path) -> None:
    [calais] = localnet.create_network(tmp_path / "net", [("Calais", "calais")], PASSPHRASE)
    log, keys = calais.home.log(), calais.home.keys(PASSPHRASE)
    try:
        network_id, genesis = log.network_id, log.genesis.raw
        publishing.publish(log, keys, "alert", {"region": "calais", "type": "raid", "text": "police at the camp",
                                                "public": "yes"}, expires_in="6h")
    finally:
        log.store.close()
    first = _export(calais.home.path, tmp_path / "site")
    again = _export(calais.home.path, tmp_path / "site-again")
    alert_ids = _ids(first["alerts.atom"])
    assert len(alert_ids) == 2 and all(i.startswith("urn:solnet:") for i in alert_ids)
    assert _ids(again["alerts.atom"]) == alert_ids  # stable: a feed reader shows no entry twice
    # Made from the genesis, which never crosses the wire in clear: not from the id, which does (a
    # hash of the id alone, anyone who reads the code could work out from a capture)
    tag = alert_ids[0].split(":")[2]
    assert tag == blake2b_256(genesis, person=FEED_TAG_PURPOSE)[:8].hex()
    assert tag != blake2b_256(network_id, person=FEED_TAG_PURPOSE)[:8].hex()
    hexed = network_id.hex().encode()
    for name, content in first.items():
        for part in (hexed[:12], hexed[-12:], network_id[:6]):  # (any 6 bytes of it would do to match)
            assert part not in content, f"{name} holds part of the network id"
