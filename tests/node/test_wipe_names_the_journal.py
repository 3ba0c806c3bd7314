"""What a wipe cannot reach is said: a service's output stays in the system journal (journald) past
any wipe of the home, and the alerts a dashboard notified stay in the device's notification centre.
`solnet wipe` names both, with how to clear the journal; and `solnet run`'s output, the journal's
lines, does not name the group whose node the machine ran ("solnet node of Calais running", at every
start, was kept by the journal after the wipe destroyed the config that named it)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from node.demo import localnet

pytestmark = pytest.mark.integration  # `solnet run` and `solnet wipe` as processes

PASS = "journal test passphrase"


def test_the_nodes_output_names_no_group_and_the_wipe_says_how_to_clear_the_journal(tmp_path: Path) -> None:
    [calais] = localnet.create_network(tmp_path, [("Calais", "calais")], PASS)
    localnet.start(calais, PASS, sync_interval=3600)
    try:
        assert (why := localnet.wait_started(calais)) is None, why
        assert localnet.wait_until(lambda: "Ctrl-C stops it" in calais.log_path.read_text(), 15)  # (said next)
        proc = subprocess.run([*localnet.solnet_command(), "--home", str(calais.home.path), "wipe", "--yes"],
                              capture_output=True, text=True, env={**os.environ, "SOLNET_PASSPHRASE": PASS},
                              stdin=subprocess.DEVNULL, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert calais.proc.wait(10) is not None
    finally:
        localnet.stop(calais)
    journal = calais.log_path.read_text()  # what journald would keep of the service
    assert "solnet node running; peers connect to 127.0.0.1:" in journal, journal
    assert "Calais" not in journal, journal
    said = proc.stdout
    assert "not touched: the node's log in the system journal" in said, said
    assert "journalctl --rotate" in said and "journalctl --vacuum-time=1s" in said, said
    assert "not touched: the alerts a dashboard notified" in said and "notification centre" in said, said
