"""A `solnet sync`, `import` or `export` started while a panic wipe runs does not outlive it. The wipe
looked for them once, then destroyed the keys and only then marked itself begun (wipe.unfinished):
one started after its look ran on past the wipe, keys or database in hand. Now the wipe marks itself
begun before it looks, a command whose mark finds that mark does not run, and the wipe looks again
once the keys are gone. Real processes holding real marks."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from node import sync_mark, wipe
from node.home import WIPE_UNFINISHED, Home

ROOT = Path(__file__).resolve().parents[2]
HOLD = ("import sys, time; sys.path.insert(0, sys.argv[1]); from pathlib import Path; from node import sync_mark; "
        "sync_mark.hold(Path(sys.argv[2]), 'export', 'bundle'); print('held', flush=True); time.sleep(60)")


def test_a_command_starting_once_a_wipe_has_begun_does_not_run(tmp_path: Path):
    (tmp_path / WIPE_UNFINISHED).touch()
    with pytest.raises(sync_mark.WipeUnderway):
        sync_mark.hold(tmp_path, sync_mark.IMPORT)
    assert sorted(p.name for p in tmp_path.iterdir()) == [WIPE_UNFINISHED]  # (no mark left behind)


def test_the_wipe_marks_itself_begun_before_it_looks_for_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    seen = []
    looked = wipe.stop_one_shot_commands
    monkeypatch.setattr(wipe, "stop_one_shot_commands",
                        lambda home, report, *node: (seen.append((home.path / WIPE_UNFINISHED).exists()),
                                                     looked(home, report, *node)))
    wipe.wipe(Home(tmp_path))
    assert seen and all(seen)


def test_a_command_marked_after_the_first_look_is_stopped_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    started = []
    destroy = wipe.destroy_keys

    def a_command_starts_meanwhile(home: Home, report: wipe.WipeReport) -> None:
        (home.path / WIPE_UNFINISHED).unlink(missing_ok=True)  # (one that made its mark just before the wipe's)
        started.append(subprocess.Popen([sys.executable, "-c", HOLD, str(ROOT), str(tmp_path)], stdout=subprocess.PIPE))
        assert started[0].stdout.readline() == b"held\n"
        destroy(home, report)

    monkeypatch.setattr(wipe, "destroy_keys", a_command_starts_meanwhile)
    try:
        report = wipe.wipe(Home(tmp_path))
        assert started[0].wait(timeout=10) is not None
        assert report.stopped_pid_of(sync_mark.EXPORT) == started[0].pid
    finally:
        for command in started:
            command.kill()
            command.wait(timeout=10)
