"""The programs a node starts (its verify workers, the --on-alert command) get its environment
without $SOLNET_PASSPHRASE: a child is dumpable again, so its core file (or systemd-coredump's
journal entry, which keeps the environment) and its /proc/PID/environ, readable by every process of
the user, held the passphrase for as long as the node ran (node/environment.py `child_environment`)."""
from __future__ import annotations

from pathlib import Path

from node import verify_pool

PASSPHRASE = "correct horse battery staple 47"


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(e.decode().split("=", 1) for e in raw if b"=" in e)


def test_verify_workers_do_not_inherit_the_passphrase(monkeypatch):
    monkeypatch.setenv("SOLNET_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("SOLNET_BUNDLE_PASSPHRASE", PASSPHRASE + " bundle")
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "1")
    verify_pool.shutdown()
    verify_pool.start()
    try:
        pids = verify_pool.worker_pids()
        assert pids
        for pid in pids:
            environ = _environ(pid)
            assert not any(PASSPHRASE in value for value in environ.values()), environ
            assert "PYTHONPATH" in environ  # (what it needs is still there)
    finally:
        verify_pool.shutdown()
