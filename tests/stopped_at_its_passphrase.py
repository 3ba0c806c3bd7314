"""A `solnet` command stopped by the panic wipe while it waits at its passphrase prompt (a pipe
nobody writes, named in $SOLNET_PASSPHRASE_FILE: it waits there, before its keys are unlocked): it
must hold its mark already (node/sync_mark.py), be named in `wipe --json`, and end through its
SIGTERM handler, saying so, not by the default kill. Real processes."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Callable

from node.demo import localnet
from solnet_errors import EXIT_INTERRUPTED
from test_unknown_alert_region import WAIT_S


def assert_the_wipe_stops_it(cli: Any, home: Path, args: list[str], tmp_path: Path, marked: Callable[[int], bool],
                             stopped_key: str, said: str) -> None:
    """Run `solnet --home HOME ARGS` at its passphrase prompt; once `marked(pid)`, wipe the home and
    assert the wipe's JSON names it under `stopped_key`, and that it ended interrupted saying `said`."""
    fifo = tmp_path / "passphrase"
    os.mkfifo(fifo, 0o600)
    env = {**cli.base_env(), "SOLNET_PASSPHRASE_FILE": str(fifo)}
    env.pop("SOLNET_PASSPHRASE")
    command = args[0]
    proc = subprocess.Popen([str(cli.SOLNET), "--home", str(home), *args],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        waited = localnet.wait_until(lambda: marked(proc.pid) or proc.poll() is not None, WAIT_S, 0.05)
        assert waited and proc.poll() is None, f"a {command} reading its passphrase held no mark: a wipe would not find it"
        wiped = json.loads(cli.run(home, "wipe", "--yes", "--json").stdout)
        assert wiped.get(stopped_key) == proc.pid, wiped
        assert proc.wait(WAIT_S) == EXIT_INTERRUPTED
        told = proc.stderr.read().decode()
        assert said in told, told
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(WAIT_S)
        proc.stderr.close()
