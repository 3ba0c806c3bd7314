"""`solnet status` says when the disk holding the home is nearly full, or full, with or without a
running node: a Pi's card fills slowly (system logs, a first sync), and its member learnt of it only
once nothing more could be stored, from a running node alone. The disk is a real tmpfs in a mount
namespace of the test's own (root only)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from node.demo import localnet

pytestmark = pytest.mark.integration  # `solnet status` as a process

PASS = "disk test passphrase"
ON_A_SMALL_DISK = """
set -e
mount -t tmpfs -o size=40m tmpfs "$DISK"
cp -a "$HOME_DIR" "$DISK/home"
"$@" --home "$DISK/home" status > "$OUT.low"
"$@" --home "$DISK/home" status --json > "$OUT.json"
fallocate -l $(( $(df -k --output=avail "$DISK" | tail -1) * 1024 )) "$DISK/filler"
"$@" --home "$DISK/home" status > "$OUT.full"
"""


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root and unshare (a tmpfs)")
@pytest.mark.skipif(shutil.which("fallocate") is None, reason="needs fallocate (util-linux)")
def test_status_says_a_disk_nearly_full_and_full(tmp_path: Path) -> None:
    (calais,) = localnet.create_network(tmp_path / "net", [("Calais", "calais")], PASS)
    roomy = subprocess.run([*localnet.solnet_command(), "--home", str(calais.home.path), "status"], text=True,
                           capture_output=True, env={**os.environ, "SOLNET_PASSPHRASE": PASS}, timeout=60, check=True)
    if shutil.disk_usage(tmp_path).free > 256 << 20:  # (this machine's own disk: room to spare)
        assert "nearly full" not in roomy.stdout, roomy.stdout
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    env = {**os.environ, "SOLNET_PASSPHRASE": PASS, "DISK": str(disk), "HOME_DIR": str(calais.home.path), "OUT": str(out)}
    subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", ON_A_SMALL_DISK, "sh",
                    *localnet.solnet_command()], env=env, check=True, timeout=120, stdin=subprocess.DEVNULL)
    low = Path(f"{out}.low").read_text()
    assert f"WARNING: the disk holding {disk}/home is nearly full (" in low, low
    assert f"`df -h {disk}/home`" in low and "stores nothing more" in low, low
    facts = json.loads(Path(f"{out}.json").read_text())["disk_low"]
    assert facts["folder"] == f"{disk}/home" and 0 < facts["free_bytes"] < 40 << 20, facts
    full = Path(f"{out}.full").read_text()
    assert f"WARNING: the disk holding {disk}/home is full (0 KiB free)" in full, full
