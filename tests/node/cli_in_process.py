"""`solnet` commands run in the test's own process (cli.main), beside a node served there
(served_nodes.py): a test can patch what the command runs."""
from __future__ import annotations

import signal

import pytest

import cli as solnet_cli


@pytest.fixture(autouse=True)
def sigpipe_kept():
    """The commands run here set SIGPIPE's handler as a process of their own would: put it back."""
    before = signal.getsignal(signal.SIGPIPE)
    yield
    signal.signal(signal.SIGPIPE, before)


def run(*argv: str) -> int | str | None:
    """The command's exit code (None or 0: it succeeded)."""
    try:
        return solnet_cli.main(list(argv))
    except SystemExit as ended:
        return ended.code
