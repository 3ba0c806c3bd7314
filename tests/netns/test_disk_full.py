"""A running node and `solnet sync` on a disk that fills up mid-sync (docs/design.md section 1's Pi with
a small SD card): a plain error (exit 4 for the command), an intact database, no lost event, no
crash, no hammering of the peer, and a by-itself catch-up once space is freed.

The small file system is a tmpfs mounted inside the unshare sandbox (tests/netns/sandbox.py), so
nothing is mounted on the machine itself; the scenario is disk_full_scenario.py.
"""
from __future__ import annotations

from pathlib import Path

from node.demo import localnet
from node.log import now_ms
from sandbox import basic_sandbox_unavailable, require, run_scenario

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "disk_full_scenario.py"
PASSPHRASE = "a small card and a big backlog"
BACKLOG = 2_500  # about 3 MiB in the receiver's database: twice the small file system
SCENARIO_TIMEOUT_S = 120


def test_a_full_disk_mid_sync_loses_nothing_and_recovers(tmp_path: Path) -> None:
    require(basic_sandbox_unavailable(), "disk-full test")
    full, small = localnet.create_network(tmp_path / "homes", [("Calais", "calais"), ("Bristol", "bristol")],
                                          PASSPHRASE)
    log, keys = full.home.log(), full.home.keys(PASSPHRASE)
    starts = now_ms() + 30 * 86_400_000
    try:
        for i in range(BACKLOG):
            log.append(keys.device, "action", {"title": f"Backlog action {i}", "region": "calais",
                                               "type": "distribution", "starts_at": starts + i,
                                               "description": f"{i} " + "Tents, sleeping bags, phone credit. " * 20})
    finally:
        log.store.close()
    logs, mount = tmp_path / "logs", tmp_path / "small-disk"
    logs.mkdir()
    mount.mkdir()
    config = {"passphrase": PASSPHRASE, "solnet": localnet.solnet_command(), "full_home": str(full.home.path),
              "small_home": str(small.home.path), "mount_dir": str(mount), "log_dir": str(logs),
              "deadline_s": SCENARIO_TIMEOUT_S - 20}
    result, report, returncode = run_scenario(
        SCENARIO, config, tmp_path / "scenario.json", SCENARIO_TIMEOUT_S,
        lambda: "\n".join(f"--- {p.name} ---\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(logs.iterdir())))
    assert result["ok"], f"scenario failed: {result['failures']}\n{report}"

    once = result["sync"]
    assert once["exit"] == 4, report  # the storage exit code
    assert "the disk is full" in once["stderr"] and "run `solnet sync` again" in once["stderr"], once
    assert "Traceback" not in once["stderr"], once
    assert once["integrity"] == "ok" and 0 < once["missing"] < BACKLOG, once

    running = result["running_full"]
    assert running["said_disk_full"] and running["alive"] and running["tracebacks"] == 0, f"{running}\n{report}"
    assert running["full_before_listening"], f"its first write, at start, did not meet the full disk: {report}"
    alert = result["publish_full"]
    assert alert["exit"] == 4 and "the disk is full" in alert["stderr"] and "Traceback" not in alert["stderr"], alert
    revoke = result["revoke_full"]  # signed by the command itself, beside the node: not after a 30 s wait
    assert revoke["exit"] == 4 and "the disk is full" in revoke["stderr"] and "waiting" not in revoke["stderr"], revoke
    assert revoke["seconds"] < 15, revoke
    assert running["failed_rounds"] <= 2, f"rounds hammering a full disk: {running}"  # held back, not every second

    after = result["after_freeing"]
    assert after["caught_up"] and after["missing"] == 0, f"{after}\n{report}"
    assert after["integrity"] == "ok" and after["alive"], after
    assert after["publish"]["exit"] == 0 and after["publish"]["reached_the_peer"], f"{after}\n{report}"
    assert result["exit_codes"] == {"full": 0, "small": 0}, f"{result['exit_codes']}\n{report}"
