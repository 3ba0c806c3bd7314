"""`solnet` commands run in the test's own process (cli.main), beside a node served there
(served_nodes.py): a test can patch what the command runs."""
from __future__ import annotations

import signal
import threading

import pytest

import cli as solnet_cli


@pytest.fixture(autouse=True)
def sigpipe_kept(monkeypatch: pytest.MonkeyPatch):
    """The commands run here set SIGPIPE's handler as a process of their own would: put it back. One run
    in a thread beside the test's loop (`solnet sync`) sets none (only the main thread may): its
    SIGTERM handler, for the panic wipe, is for a process of its own."""
    before, real = signal.getsignal(signal.SIGPIPE), signal.signal

    def set_handler(signum, handler):
        return real(signum, handler) if threading.current_thread() is threading.main_thread() else signal.getsignal(signum)
    monkeypatch.setattr(signal, "signal", set_handler)
    yield
    real(signal.SIGPIPE, before)


def run(*argv: str) -> int | str | None:
    """The command's exit code (None or 0: it succeeded)."""
    try:
        return solnet_cli.main(list(argv))
    except SystemExit as ended:
        return ended.code
