"""A one-shot `solnet sync` that stays running: it dials a listener on 127.0.0.1 that accepts and
never answers, so it holds its mark (node/sync_mark.py) and the unlocked keys while a test goes on."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

from node import sync_mark
from node.demo import localnet
from node.home import PASSPHRASE_ENV


@contextlib.contextmanager
def one_shot_sync(home: Path, passphrase: str) -> Iterator[subprocess.Popen]:
    """A `solnet sync` on `home`, running and holding its mark when the block starts; killed at the end."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)  # accepts (the kernel's backlog) and never answers
    sync = subprocess.Popen([*localnet.solnet_command(), "--home", str(home), "sync",
                             f"127.0.0.1:{silent.getsockname()[1]}"], env={**os.environ, PASSPHRASE_ENV: passphrase},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        assert localnet.wait_until(lambda: sync_mark.holder(home) is not None or sync.poll() is not None, 30, 0.05)
        assert sync.poll() is None, f"the sync ended before the test went on: {sync.stderr.read().decode()}"
        yield sync
    finally:
        if sync.poll() is None:
            sync.kill()
        sync.wait(10)
        sync.stderr.close()
        silent.close()
