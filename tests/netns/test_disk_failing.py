"""A node whose disk fails under it (docs/design.md section 1's Pi: an SD card wearing out answers
I/O errors): every way in says that the disk fails and to move the home to another disk, not that
the database is damaged (whose advice was to set the file aside and rebuild it on the same card);
the node stays up, and a panic wipe still stops it (the keys are in its memory) and says
what it could not destroy.

The failing disk is a loop-mounted ext4 file system inside the unshare sandbox, shut down by its
own ioctl (tests/netns/disk_failing_scenario.py): nothing is mounted on the machine itself.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from made_here import as_made_here
from node.demo import localnet
from sandbox import basic_sandbox_unavailable, require, run_scenario

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "disk_failing_scenario.py"
PASSPHRASE = "a card that wears out"
SCENARIO_TIMEOUT_S = 120
MOVE_THE_HOME = "copy the folder to another disk"


def test_a_failing_disk_is_said_as_such_everywhere_and_the_node_stays_up(tmp_path: Path) -> None:
    require(basic_sandbox_unavailable(), "failing-disk test")
    if os.geteuid() != 0 or not shutil.which("mkfs.ext4", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin"):
        pytest.skip("a loop-mounted ext4 needs root and mkfs.ext4")
    [calais] = localnet.create_network(tmp_path / "homes", [("Calais", "calais")], PASSPHRASE)
    as_made_here(calais.home.path)  # (copied onto the card below as a home made there, not one moved there)
    logs, mount = tmp_path / "logs", tmp_path / "card"
    logs.mkdir()
    mount.mkdir()
    config = {"passphrase": PASSPHRASE, "solnet": localnet.solnet_command(), "home": str(calais.home.path),
              "image": str(tmp_path / "card.img"), "mount_dir": str(mount), "log_dir": str(logs),
              "deadline_s": SCENARIO_TIMEOUT_S - 20}
    result, report, _ = run_scenario(
        SCENARIO, config, tmp_path / "scenario.json", SCENARIO_TIMEOUT_S,
        lambda: "\n".join(f"--- {p.name} ---\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(logs.iterdir())))
    assert result["ok"], f"scenario failed: {result['failures']}\n{report}"
    assert result["before"] == {"publish_exit": 0, "token": True}, report
    assert result["disk_failed"], f"the file system did not fail: {report}"

    after = result["after"]
    for said in (after["publish"]["stderr"], after["status"]["out"], after["ls"]["out"]):
        assert "the disk holding" in said and MOVE_THE_HOME in said, f"{after}\n{report}"
        assert "is damaged" not in said and "Traceback" not in said, f"{after}\n{report}"
    assert after["publish"]["exit"] == after["status"]["exit"] == after["ls"]["exit"] == 4, after  # storage
    assert after["api_read"] == [503, "disk_failing"], f"{after}\n{report}"
    assert after["api_publish"] == [503, "disk_failing"], f"{after}\n{report}"
    assert after["alive"] and after["tracebacks"] == 0 and after["log_damaged"] == 0, f"{after}\n{report}"
    assert after["log_disk_errors"] == 1, f"said once, as an error: {after}\n{report}"
    wiped = result["wipe"]
    assert wiped["node_stopped"], f"the wipe left the node holding the keys running: {wiped}\n{report}"
    assert wiped["exit"] == 4 and "destroy the card or drive itself" in wiped["stderr"], wiped
    assert "Traceback" not in wiped["stderr"], wiped
    assert result["exit_codes"] == {"node": 0}, f"{result['exit_codes']}\n{report}"
