"""Panic wipe on a full disk (a Pi's card its node's sync filled): dropping the private parts needs
room in the write-ahead log, and `solnet wipe` left them all on the card (on the Pi stand-in, 20,000
of them), saying "the disk fails, destroy the card". Overwriting the files in place needs no room:
the whole database goes instead, and the words say why. The disk is a real tmpfs filled to its last
byte, in a mount namespace of the test's own (root only); the keys' files are linked twice there, so
that destroying them frees no room (as on a card whose free space their few blocks do not make)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from node.demo import localnet
from test_wipe import PASS, _network_with_a_private_request

pytestmark = pytest.mark.integration  # `solnet wipe` as a process

FILL_AND_WIPE = """
set -e
mount -t tmpfs -o size=8m tmpfs "$DISK"
cp -a "$HOME_DIR" "$DISK/home"
mkdir "$DISK/links"
for f in "$DISK"/home/*; do ln "$f" "$DISK/links/$(basename "$f")"; done
fallocate -l $(( $(df -k --output=avail "$DISK" | tail -1) * 1024 )) "$DISK/filler"
set +e
"$@" --home "$DISK/home" wipe --yes > "$OUT"
echo $? > "$OUT.rc"
ls -A "$DISK" > "$OUT.left"
exit 0
"""


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root and unshare (a tmpfs)")
@pytest.mark.skipif(shutil.which("fallocate") is None, reason="needs fallocate (util-linux)")
def test_a_wipe_on_a_full_disk_destroys_the_database_rather_than_leave_private_parts(tmp_path: Path) -> None:
    calais, _, _ = _network_with_a_private_request(tmp_path / "net")
    disk, out = tmp_path / "disk", tmp_path / "out.txt"
    disk.mkdir()
    env = {**os.environ, "SOLNET_PASSPHRASE": PASS, "DISK": str(disk), "HOME_DIR": str(calais.home.path),
           "OUT": str(out)}
    subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", FILL_AND_WIPE, "sh",
                    *localnet.solnet_command()], env=env, check=True, timeout=120, stdin=subprocess.DEVNULL)
    said = out.read_text()
    assert Path(f"{out}.rc").read_text().strip() == "0", said
    assert Path(f"{out}.left").read_text().split() == ["filler", "links"], said  # the home is gone, database and all
    assert "the disk is full: dropping the private parts needed space it lacks, so the whole database was " \
           "destroyed instead" in said and "the whole home folder, event log included, is gone" in said, said
    assert "could not destroy" not in said, said
