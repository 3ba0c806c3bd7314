"""Helpers of the browser tests: Debian's chromium (never a downloaded browser) and its flags, so it
makes no outside connections; nodes with extra options; addresses. Also used by screenshots.py."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "integration"))

from local_cluster import PASSPHRASE, Cluster, cli  # noqa: E402
from node import localnet  # noqa: E402
from node.localnet import LocalNode  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 20_000


def url(node: LocalNode, path: str = "/") -> str:
    return f"http://127.0.0.1:{node.port}{path}"


def start_with(cluster: Cluster, node: LocalNode, *args: str) -> None:
    """Start `solnet run` with extra options; the cluster stops it at the end like the others."""
    proc = localnet.start(node, PASSPHRASE, sync_interval=1.0, extra_args=args)
    cluster.started.append((node, proc))
    cluster.wait(lambda: localnet.is_listening(node.port) or proc.poll() is not None, 20, f"{node.name} listening")
    assert proc.poll() is None, f"{node.name} exited at start"


def publish(node: LocalNode, kind: str, *args: str) -> None:
    cli(node, "publish", kind, *args)
