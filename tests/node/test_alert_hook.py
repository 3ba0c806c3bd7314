"""`--on-alert`'s command runner (node/alert_hook.py) with real processes: the alert on standard
input and nowhere else, retries with a log line per failure (never the alert's text), a timeout
that stops the command and what it started, and no passphrase in its environment."""
from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path

import pytest

from node.alert_hook import AlertHook, parse_command
from solnet_errors import UsageError

ALERT = {"id": "ab" * 32, "n": 7, "region": "calais", "type": "raid", "text": "Police $(touch INJECTED) `id`",
         "location": None, "group": None, "group_name": None, "published": "2031-06-01T05:00:00Z",
         "expires": "2031-06-01T11:00:00Z", "public": False}


def script(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "hook.py"
    path.write_text("import json, os, sys, time\n" + body, encoding="utf-8")
    return [sys.executable, str(path)]


async def test_the_alert_goes_to_standard_input_only_and_no_secret_goes_along(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOLNET_PASSPHRASE", "never for hooks")
    out = tmp_path / "out.json"
    argv = script(tmp_path, f"json.dump({{'in': json.load(sys.stdin), 'env': dict(os.environ), 'argv': sys.argv}}, "
                            f"open({str(out)!r}, 'w'))")
    hook = AlertHook(argv, timeout_s=20)
    assert await hook.deliver(ALERT) is True
    got = json.loads(out.read_text())
    assert got["in"] == ALERT and got["argv"][1:] == []
    assert not any(k.startswith("SOLNET_") for k in got["env"])
    assert not (tmp_path / "INJECTED").exists()


async def test_failures_are_retried_and_each_is_one_line_without_the_text(tmp_path: Path, caplog) -> None:
    count = tmp_path / "count"
    argv = script(tmp_path, f"p = {str(count)!r}\nn = int(open(p).read()) if os.path.exists(p) else 0\n"
                            "open(p, 'w').write(str(n + 1))\nsys.stdin.read()\nsys.exit(0 if n >= 2 else 3)")
    hook = AlertHook(argv, timeout_s=20, pauses_s=(0.01,))
    with caplog.at_level(logging.WARNING, logger="solnet.alerts"):
        assert await hook.deliver(ALERT) is True
    assert count.read_text() == "3"
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and all("exit status 3" in line and ALERT["id"][:12] in line for line in lines), lines
    assert "try 1 of 3" in lines[0] and "try 2 of 3" in lines[1]
    assert not any("Police" in line for line in lines)


async def test_a_command_that_hangs_is_stopped_and_given_up_after_its_tries(tmp_path: Path, caplog) -> None:
    child_pid = tmp_path / "child"
    argv = script(tmp_path, "import subprocess\n"
                            f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                            f"open({str(child_pid)!r}, 'w').write(str(p.pid))\ntime.sleep(60)")
    hook = AlertHook(argv, timeout_s=0.5, tries=2, pauses_s=(0.01,))
    with caplog.at_level(logging.WARNING, logger="solnet.alerts"):
        assert await asyncio.wait_for(hook.deliver(ALERT), 30) is False
    assert hook.failed == 1 and len(caplog.records) == 2 and "giving up" in caplog.records[-1].getMessage()
    pid = int(child_pid.read_text())
    for _ in range(50):  # the whole session was killed: its child is gone too
        if not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[1][:3]:
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the hung command's child still runs")


def test_a_command_that_cannot_run_is_refused_at_start() -> None:
    for text in ("", "'unclosed", "/no/such/program --flag"):
        with pytest.raises(UsageError):
            parse_command(text)
    assert parse_command(f"{sys.executable} -c 'print(1)'") == [sys.executable, "-c", "print(1)"]
