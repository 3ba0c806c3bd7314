"""The HTTP API's admin token is not in the home: a thief holding a copy of it (a backup, a seized
SD card) cannot use the running node's API, which publishes as the node and reads what it can
decrypt. The token is made from the device key (node/home.py); the running node tells it to its
own user over the local channel, and with no node running only the passphrase gets it."""
from __future__ import annotations

import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from local_cluster import Cluster, cli, log_text
from node.demo import localnet
from node.home import PASSPHRASE_ENV


def api_status(port: int, token: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/status",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


def without_passphrase(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_") and k != PASSPHRASE_ENV}
    return subprocess.run([*localnet.solnet_command(), "--home", str(home), *args], capture_output=True, text=True,
                          timeout=60, env=env, stdin=subprocess.DEVNULL, start_new_session=True)


def test_a_copy_of_the_home_does_not_open_the_running_nodes_api(cluster: Cluster, tmp_path: Path) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    old = "the-token-an-earlier-version-kept-in-the-home-0123456789"
    calais.home.old_admin_token_path.write_text(old + "\n")
    cluster.start(calais)
    assert not calais.home.old_admin_token_path.exists()  # deleted at start, and said
    assert "the old token no longer works" in log_text(calais)
    assert api_status(calais.port, old) == 403

    asked = without_passphrase(calais.home.path, "admin-token")  # the running node tells its own user
    assert asked.returncode == 0, asked.stderr
    token = asked.stdout.strip()
    assert api_status(calais.port, token) == 200

    copy = tmp_path / "seized-card"
    shutil.copytree(calais.home.path, copy, ignore=shutil.ignore_patterns("node.sock"))
    for path in copy.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), f"{path.name} of the copy holds the token"
    refused = without_passphrase(copy, "admin-token")  # no node runs on the copy: the passphrase is needed
    assert refused.returncode != 0 and token not in refused.stdout + refused.stderr
    assert "passphrase" in refused.stderr

    assert localnet.stop(calais) == 0
    again = cli(calais, "admin-token").stdout.strip()  # with the passphrase, no node running: the same token
    assert again == token


def test_a_damaged_salt_makes_a_new_token_and_nothing_else_is_lost(tmp_path: Path) -> None:
    [calais] = localnet.create_network(tmp_path, [("Calais", "calais")], "admin token tests only: not a secret")
    first = calais.admin_token()
    assert calais.admin_token() == first  # the same salt, the same token
    calais.home.admin_salt_path.write_text("not hex at all\n")
    second = calais.admin_token()
    assert second != first and len(second) >= 43
    assert bytes.fromhex(calais.home.admin_salt_path.read_text().strip())  # a whole new salt in its place
    assert calais.home.config().group_name == "Calais" and calais.home.keystore_path.exists()
