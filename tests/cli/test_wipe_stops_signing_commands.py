"""The panic wipe stops a command that holds the unlocked keys to sign with (node/sync_mark.py SIGN).
A `vouch` (or `revoke`, `accept`) unlocks the keys, then waits (up to 30 s) for the node running on
the home to finish its first sync; a `publish` with no node running holds them through seconds of
Argon2id. The wipe stopped the node, `sync`, `import` and `export`, but did not know of these: one
that had its keys when the wipe began went on with them after it (a seized laptop's vouch signed into
the wiped database, its token naming peers written beside it). Real processes: Bristol's node
waits for a peer that never answers, its vouch waits for that node, then the wipe."""
from __future__ import annotations

import json
import os
import subprocess

from solnet_errors import EXIT_INTERRUPTED
from test_unknown_alert_region import WAIT_S, lines_of, start


def test_the_wipe_stops_a_vouch_holding_the_keys_before_the_node(cli, network, tmp_path) -> None:
    b = network.b
    node, out, _ = start(cli, b, "--peer", "127.0.0.1:9")  # (the discard port: no round ever completes)
    vouch = None
    try:
        assert any("peers connect to" in line for line in out)
        vouch = subprocess.Popen([str(cli.SOLNET), "--home", str(b), "vouch", os.urandom(32).hex(),
                                  "--out", str(tmp_path / "invite.txt")], env=cli.base_env(),
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        said = lines_of(vouch.stderr)
        assert any("waiting for the node running on this home" in line for line in said)  # its keys unlocked
        wiped = json.loads(cli.run(b, "wipe", "--yes", "--json").stdout)
        assert wiped.get("stopped_sign_pid") == vouch.pid, wiped
        assert vouch.wait(WAIT_S) == EXIT_INTERRUPTED
        stopped = next(line for line in said if "was stopped" in line)
        assert "the vouch was stopped (SIGTERM: a panic wipe of this home stops it); it signs nothing more" in stopped
        assert not (tmp_path / "invite.txt").exists()
    finally:
        for process in (vouch, node):
            if process is not None and process.poll() is None:
                process.kill()
            if process is not None:
                process.wait(WAIT_S)
