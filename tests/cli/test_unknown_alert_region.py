"""Reading alerts of a region no group is based in and no event is placed in (a typo: 'calis' for
calais) is refused in words, as publishing there is (node/known_regions.py): `view alerts --region`
said "Nothing to show", as if all were calm, and `run --alert-region` started a hook that never ran.
A node that has never synced may not know the network's regions: it warns at start, and its log says
it again after its first sync if the region is still unknown."""
from __future__ import annotations

import queue
import subprocess
import threading
from collections.abc import Iterator

WAIT_S = 30.0


def test_view_alerts_of_a_mistyped_region_is_refused(cli, populated) -> None:
    refused = cli.run(populated.a, "view", "alerts", "--region", "Calis", ok=False)
    assert refused.returncode != 0 and refused.stdout == "", refused
    assert "'calis'" in refused.stderr and "did you mean calais?" in refused.stderr, refused.stderr
    cli.run(populated.a, "view", "alerts", "--region", "calais")


def test_every_view_of_a_mistyped_region_is_refused_as_alerts_are(cli, network) -> None:
    """Any other view of a typo ('calis') said only "Nothing to show in support for calis." (later with
    why), and exited 0 where `view alerts` exited 1: a coordinator (or a script) read it as no open
    request there. Every view of an unknown region is refused alike, with why and the close ones."""
    for name in ("support", "regions", "needs", "groups", "resources"):
        refused = cli.run(network.a, "view", name, "--region", "Calis", ok=False)
        assert refused.returncode == 1 and refused.stdout == "", (name, refused)
        assert refused.stderr.startswith("solnet: --region calis: no group is based in the region 'calis' and no "
                                         "event is placed in it yet; did you mean calais?"), (name, refused.stderr)
    assert "check its spelling" in cli.run(network.a, "view", "needs", "--region", "zzz", ok=False).stderr
    known = cli.run(network.a, "view", "needs", "--region", "calais").stdout  # known (Calais is based there), empty
    assert known == "Nothing to show in needs for calais.\n", known


def lines_of(stream) -> Iterator[str]:
    """The lines `stream` gives, each waited for at most WAIT_S seconds."""
    got: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [got.put(line) for line in stream], daemon=True).start()
    while True:
        yield got.get(timeout=WAIT_S)


def start(cli, home, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, Iterator[str], Iterator[str]]:
    """`solnet run` on `home` (port chosen by the system, `env` added), and its output and error lines."""
    node = subprocess.Popen([str(cli.SOLNET), "--home", str(home), "run", "--listen", "127.0.0.1:0", *args],
                            env={**cli.base_env(), **(env or {})}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    return node, lines_of(node.stdout), lines_of(node.stderr)


def test_run_warns_of_an_unknown_alert_region_and_runs_all_the_same(cli, network) -> None:
    """B has joined (it holds its own and Calais's profiles) but never synced: Dover, a real region of
    the network, is not known to it yet, so it warns rather than refuses; after its first sync, only the
    typo is said again, and from then on it is said at start, and the node runs all the same."""
    cli.run(network.a, "publish", "need", "--category", "water", "--quantity", "4", "--region", "dover",
            "--new-region")
    a, a_out, _ = start(cli, network.a)
    b = None
    try:
        port = next(line for line in a_out if "peers connect to" in line).split(":")[-1].split(".")[0]
        b, _, b_err = start(cli, network.b, "--peer", f"127.0.0.1:{port}", "--on-alert", "true",
                            "--alert-region", "dover", "--alert-region", "dovr")
        warning = next(line for line in b_err if "warning:" in line)
        assert "--alert-region dover, dovr" in warning and "never synced" in warning, warning
        logged = next(line for line in b_err if "--alert-region:" in line)  # dovr only: Dover came with the sync
        assert "'dovr'" in logged and "did you mean dover?" in logged, logged
    finally:
        for node in (b, a):
            if node is not None:
                node.terminate()
                node.wait(timeout=WAIT_S)
    # synced once: said as a WARNING at start, and the node runs all the same (refusing to start, it
    # would sync and serve nothing: a Pi's service restarting forever for its hook's region)
    again, again_out, again_err = start(cli, network.b, "--on-alert", "true", "--alert-region", "dovr")
    try:
        warned = next(line for line in again_err if "WARNING: --alert-region dovr" in line)
        assert "did you mean dover?" in warned, warned
        assert next(line for line in again_out if "peers connect to" in line)  # it runs
    finally:
        again.terminate()
        again.wait(timeout=WAIT_S)
