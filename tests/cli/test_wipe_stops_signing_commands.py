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
import signal
import subprocess
import sys
import time
from pathlib import Path

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


# A signing command that cannot act on SIGTERM at once: a `vouch` or `publish` in its seconds of
# Argon2id (C code: Python runs the handler only once it returns), an export in an fsync. Once
# signalled, it ends by itself when it sees the node's SIGTERM pending (the node is held stopped,
# SIGSTOP, by the test: the signal waits there, seen in /proc), never otherwise: the wipe kills it.
SLOW_TO_STOP = """
import signal, sys, time
from pathlib import Path
from node import sync_mark
sync_mark.hold(Path(sys.argv[1]), sync_mark.SIGN, "vouch")
termed = []
signal.signal(signal.SIGTERM, lambda *_: termed.append(print("term", flush=True)))
print("held", flush=True)

def node_signalled():
    status = Path(f"/proc/{sys.argv[2]}/status").read_text()
    pending = next(line for line in status.splitlines() if line.startswith("ShdPnd:"))
    return bool(int(pending.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    if termed and node_signalled():
        print("node signalled", flush=True)
        sys.exit(0)
    time.sleep(0.001)
"""


def test_the_node_is_stopped_while_the_wipe_waits_for_a_signing_command(cli, network) -> None:
    """The wipe stopped the signing commands before the node (so a vouch waiting for the node could
    not sign as it stopped), and waited for them, up to 5 s each look (then SIGKILL), before it so
    much as signalled the node: all that time the node, holding the keys, went on signing what its
    API, dashboard and local channel asked, syncing and serving, after the wipe had begun. Now the
    node and the commands are signalled together, the commands first. Judged by the signals, not by
    when the node says it stops: the slow command sees the node's SIGTERM while the wipe still
    waits for it, and ends by itself (killed, it did not see it)."""
    b = network.b
    node, node_out, _ = start(cli, b, "--peer", "127.0.0.1:9")
    slow = wipe = None
    try:
        assert any("peers connect to" in line for line in node_out)
        slow = subprocess.Popen([sys.executable, "-c", SLOW_TO_STOP, str(b), str(node.pid)], env=cli.base_env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        said = lines_of(slow.stdout)
        assert next(said) == "held\n"
        os.kill(node.pid, signal.SIGSTOP)  # (its SIGTERM stays pending, seen, until it goes on)
        deadline = time.monotonic() + WAIT_S
        while Path(f"/proc/{node.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "T":
            assert time.monotonic() < deadline, "the node did not stop on SIGSTOP"
            time.sleep(0.01)
        wipe = subprocess.Popen([str(cli.SOLNET), "--home", str(b), "wipe", "--yes", "--json"], env=cli.base_env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert next(said) == "term\n"  # the wipe has signalled the command; it goes on for up to 5 s
        assert slow.wait(WAIT_S) == 0 and next(said) == "node signalled\n", \
            "the node was signalled only once the wipe had done with the slow command (it was killed)"
        os.kill(node.pid, signal.SIGCONT)
        out, _ = wipe.communicate(timeout=WAIT_S)
        report = json.loads(out)
        assert report["stopped_pid"] == node.pid and report["stopped_sign_pid"] == slow.pid, report
    finally:
        if node.poll() is None:
            os.kill(node.pid, signal.SIGCONT)
        for process in (slow, wipe, node):
            if process is not None and process.poll() is None:
                process.kill()
            if process is not None:
                process.wait(WAIT_S)
