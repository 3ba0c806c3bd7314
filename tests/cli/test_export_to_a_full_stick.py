"""`solnet export` to a USB stick that fills up: the bundle was written in place (the old one
truncated first) and never synced, so a stick without room lost the good bundle already on it for a
half-written one, and a stick pulled out after "Exported" could hold less than it said. The bundle is
written whole beside it, synced, then renamed into place: a failure leaves the old one as it was. The
stick is a real tmpfs, in a mount namespace of the test's own (root only)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # `solnet export` as a process

EXPORT_TO_STICK = """
set -e
mount -t tmpfs -o size=1m tmpfs "$STICK"
cp "$OLD" "$STICK/calais.bundle"
fallocate -l $(( ($(df -k --output=avail "$STICK" | tail -1) - 4) * 1024 )) "$STICK/photos"
set +e
"$SOLNET" --home "$HOME_DIR" export "$STICK/calais.bundle" > "$OUT" 2>&1
echo $? > "$OUT.rc"
cp "$STICK/calais.bundle" "$OUT.bundle"
ls -A "$STICK" > "$OUT.left"
exit 0
"""


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root and unshare (a tmpfs)")
@pytest.mark.skipif(shutil.which("fallocate") is None, reason="needs fallocate (util-linux)")
def test_an_export_that_does_not_fit_leaves_the_bundle_already_there(network, cli, tmp_path: Path) -> None:
    old = tmp_path / "old.bundle"
    cli.run(network.a, "export", old)  # the good bundle already on the stick (the founding's events)
    for i in range(40):  # then more than the 4 KB left on the stick
        cli.publish(network.a, "need", "--category", "tents", "--quantity", str(i + 1), "--region", "calais")
    stick, out = tmp_path / "stick", tmp_path / "out.txt"
    stick.mkdir()
    env = {**cli.base_env(), "STICK": str(stick), "OLD": str(old), "OUT": str(out), "HOME_DIR": str(network.a),
           "SOLNET": str(cli.SOLNET)}
    subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", EXPORT_TO_STICK],
                   env=env, check=True, timeout=120, stdin=subprocess.DEVNULL, start_new_session=True)
    said = out.read_text()
    assert Path(f"{out}.rc").read_text().strip() == "1", said
    assert "No space left on device; nothing was exported (the file that was there is unchanged)" in said, said
    assert Path(f"{out}.bundle").read_bytes() == old.read_bytes()  # the old bundle, whole
    assert Path(f"{out}.left").read_text().split() == ["calais.bundle", "photos"]  # no half-written file left beside it
    assert cli.run_json(network.b, "import", old)["rejected"] == 0  # (and it still imports)
