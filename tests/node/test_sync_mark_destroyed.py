"""A one-shot command's mark (node/sync_mark.py) does not outlive it: an export's names the bundle it
wrote (a USB stick's path), which the home kept after the export until the next one or a wipe, and
a wipe that had to kill an export looked for leftover marks before the process was gone, leaving
its mark. Real processes holding real marks."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from node import sync_mark, wipe
from node.home import Home

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = "/media/usb0/for-bristol.bundle"
HOLD = ("import signal, sys, time; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
        "from node import sync_mark; {} sync_mark.hold(Path(sys.argv[2]), 'export', sys.argv[3]); "
        "print('held', flush=True); {}")


def _export(home: Path, before: str, after: str) -> subprocess.Popen:
    command = subprocess.Popen([sys.executable, "-c", HOLD.format(before, after), str(ROOT), str(home), BUNDLE],
                               stdout=subprocess.PIPE)
    assert command.stdout.readline() == b"held\n"
    return command


def _marks(home: Path) -> list[str]:
    return sorted(p.name for p in home.iterdir())


def test_an_export_that_ends_leaves_no_mark(tmp_path: Path):
    done = _export(tmp_path, "", "")
    assert done.wait(timeout=10) == 0
    assert _marks(tmp_path) == []


def test_an_export_the_wipe_had_to_kill_leaves_no_mark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(wipe, "STOP_PATIENCE_S", 0.5)
    stuck = _export(tmp_path, "signal.signal(signal.SIGTERM, signal.SIG_IGN);", "time.sleep(60)")
    try:
        report = wipe.WipeReport()
        wipe.stop_one_shot_commands(Home(tmp_path), report)
        assert [(c.pid, c.killed, c.file) for c in report.stopped_commands] == [(stuck.pid, True, BUNDLE)]
        assert _marks(tmp_path) == []
    finally:
        stuck.kill()
        stuck.wait(timeout=10)
    assert sync_mark.holders(tmp_path, sync_mark.EXPORT) == []
