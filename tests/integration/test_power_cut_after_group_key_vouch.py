"""A device this home's group key certified, the command answered, then a power cut: the home must
not say that another home holding its group key signed that vouch (a thief's copy, `solnet revoke` it).

Since s58 the database's commit of what this home signs is synced (Store.write(durable=True)), but the
marks of the seqs it signed (node/own_marks.py, `solnet.db-signed`) were not: a power cut kept the
vouch in the database and cut its mark, and node/group_key_marks.py then judged the group's own
vouch of its own laptop "not signed here" and told the coordinator to revoke it. strace shows which
writes were synced (tests/integration/power_cut.py)."""
from __future__ import annotations

import subprocess
from pathlib import Path

from local_cluster import Cluster, cli, cli_env, cli_json, holds, query
from node.demo import localnet
import power_cut
from test_power_cut_after_publish import _running

WARNING = "with this group's key"  # (tests/integration/test_group_key_elsewhere.py)


def test_a_vouch_answered_before_a_power_cut_is_not_said_as_signed_elsewhere(cluster: Cluster, tmp_path: Path) -> None:
    _, bristol = _running(cluster)
    localnet.stop(bristol)
    group = bristol.home.config().group_id
    laptop = cli_json(tmp_path / "laptop", "init", "--group", "Bristol", "--region", "bristol", "--device-of", group)
    trace = tmp_path / "vouch.strace"
    done = subprocess.run([*power_cut.command(trace), *localnet.solnet_command(), "--home", str(bristol.home.path),
                           "vouch", laptop["device_request"], "--out", str(tmp_path / "laptop.txt")],
                          capture_output=True, text=True, timeout=120, env={**cli_env(), "PYTHONUNBUFFERED": "1"},
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    [(vouch,)] = query(bristol, "SELECT id FROM events WHERE kind='member.vouch' ORDER BY n DESC LIMIT 1")
    # A cut at the command's answer: the database's commit was synced (test_power_cut_after_publish.py);
    # what the marks file had not synced by then is what the disk would not hold.
    db, wal, marks = power_cut.home_files(bristol.home.path)
    lost = power_cut.lost_tails(trace.read_text(errors="replace"), [db, wal, marks], until_answer=True)
    assert db not in lost and wal not in lost, f"a power cut at the answer would cut {lost}"
    if marks in lost:
        marks.write_bytes(marks.read_bytes()[:lost[marks]])
    assert holds(bristol, vouch)
    said = cli(bristol, "status").stdout
    assert WARNING not in said and laptop["device_id"] not in said, f"cut: {lost}\n{said}"
