"""The unshare sandbox for tests that need namespaces: new network, mount and PID namespaces (and
a user namespace when not root), so nothing a scenario does (routes, addresses, mounts, processes)
exists outside it or outlives it. Used by the partition and the disk-full tests; each scenario
script runs inside and prints one JSON line as its result."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")
# The inner command of the wrapper: a private /run (for `ip netns`) and a working loopback.
INNER = 'mount -t tmpfs -o size=16m run /run && ip link set lo up && exec "$@"'


def sandbox_env() -> dict[str, str]:
    path = os.environ.get("PATH", "")
    extra = [d for d in SBIN if d not in path.split(os.pathsep)]
    return {**os.environ, "PATH": os.pathsep.join([path, *extra])}


def sandbox_command(*argv: str) -> list[str]:
    """`argv` inside the sandbox wrapper (--map-root-user when not root)."""
    userns = [] if os.geteuid() == 0 else ["--map-root-user"]
    return ["unshare", *userns, "--net", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child",
            "--mount-proc", "--", "bash", "-c", INNER, "sandbox", *argv]


def run_scenario(script: Path, config: dict[str, Any], config_path: Path, timeout_s: float,
                 logs: Callable[[], str] = lambda: "") -> tuple[dict[str, Any], str, int]:
    """Run `python script CONFIG.json` in the sandbox; returns its JSON result (its last stdout
    line), a report to show on failure (output and `logs()`), and its exit code. Fails the test if
    it runs over `timeout_s` (unshare is killed; --kill-child takes the whole sandbox down) or
    prints no JSON."""
    config_path.write_text(json.dumps(config))
    cmd = sandbox_command(sys.executable, str(script), str(config_path))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=sandbox_env(),
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the scenario ran over {timeout_s} s\n--- stdout ---\n{exc.stdout}\n"
                    f"--- stderr ---\n{exc.stderr}\n{logs()}")
    report = f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr[-4000:]}\n{logs()}"
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        pytest.fail(f"the scenario printed no JSON result (exit {proc.returncode})\n{report}")
    print(json.dumps(result, indent=1))  # timings and figures: shown with -s, and on failure
    return result, report, proc.returncode


def require(reason: str | None, what: str) -> None:
    """Skip the test (`what`) saying why the sandbox is unavailable; fail instead when
    SOLNET_REQUIRE_NETNS=1 (CI, where the tools are installed)."""
    if reason is None:
        return
    if os.environ.get("SOLNET_REQUIRE_NETNS") == "1":
        pytest.fail(f"namespace sandbox required (SOLNET_REQUIRE_NETNS=1) but unavailable: {reason}")
    pytest.skip(f"{what} skipped: {reason}")


def basic_sandbox_unavailable() -> str | None:
    """Why a sandbox with its own loopback and mounts cannot run here, or None."""
    try:
        proc = subprocess.run(sandbox_command("true"), capture_output=True, text=True, timeout=20, env=sandbox_env(),
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot start the unshare sandbox ({exc})"
    if proc.returncode != 0:
        return f"the unshare sandbox failed (exit {proc.returncode}): {proc.stderr.strip()[:300]}"
    return None
