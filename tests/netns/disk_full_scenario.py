"""A node whose disk fills up in the middle of a sync: clear errors, nothing lost, resumes when space
is freed.

Run ONLY inside the unshare sandbox (test_disk_full.py starts it that way): the small file system is
a tmpfs mounted in the sandbox's own mount namespace, the nodes talk over the sandbox's own
loopback. Steps: the receiving home is moved onto a tmpfs too small for what the full node holds;
`solnet sync` fills it and must exit 4 with a plain message, leaving an intact database; a running
node on that home must stay up, say the disk is full, and not hammer its peer; once the tmpfs is
grown, the running node must fetch everything by itself, and both nodes stop cleanly.

Usage: python disk_full_scenario.py CONFIG.json   (CONFIG is written by the test)
Prints exactly one JSON line on stdout.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from netns_partition_scenario import Clock, ScenarioFailed, run, scenario_main, stop_process

FULL_PORT, SMALL_PORT = 7701, 7702
SMALL_FS = "2560k"
# What a node makes before its first write: its lock file and API token (a page each) and SQLite's
# shared-memory index (8 pages). Not one frame of the write-ahead log more.
ROOM_AT_START = 10 * 4096


def fill(path: Path, size: int) -> None:
    """A file of `size` bytes (written, so that the file system's pages are taken)."""
    block = b"\0" * (1 << 20)
    with open(path, "wb") as out:
        while size > 0:
            size -= out.write(block[:min(size, len(block))])


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def count_and_integrity(home: Path) -> tuple[int, str]:
    with closing(sqlite3.connect(f"file:{home / 'solnet.db'}?mode=ro", uri=True, timeout=5)) as db:
        return db.execute("SELECT count(*) FROM events").fetchone()[0], db.execute("PRAGMA integrity_check").fetchone()[0]


def missing(full: Path, small: Path) -> int:
    """How many of the full node's events the small one lacks."""
    def ids(home: Path) -> set[bytes]:
        with closing(sqlite3.connect(f"file:{home / 'solnet.db'}?mode=ro", uri=True, timeout=5)) as db:
            return {r[0] for r in db.execute("SELECT id FROM events")}
    return len(ids(full) - ids(small))


def start(solnet: list[str], home: Path, port: int, log_path: Path, env: dict[str, str], *extra: str) -> subprocess.Popen:
    with open(log_path, "ab") as log_file:
        return subprocess.Popen([*solnet, "--home", str(home), "run", "--listen", f"127.0.0.1:{port}", *extra],
                                env=env, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def scenario(config: dict, result: dict, clock: Clock, procs: dict[str, subprocess.Popen]) -> None:
    solnet, env = config["solnet"], {**os.environ, "SOLNET_PASSPHRASE": config["passphrase"]}
    full, mount = Path(config["full_home"]), Path(config["mount_dir"])
    logs = Path(config["log_dir"])
    run("mount", "-t", "tmpfs", "-o", f"size={SMALL_FS}", "solnet-small", str(mount))
    small = mount / "home"
    shutil.copytree(config["small_home"], small)
    total = count_and_integrity(full)[0]
    result["total"] = total

    procs["full"] = start(solnet, full, FULL_PORT, logs / "node-full.log", env)
    if not clock.wait_until(lambda: listening(FULL_PORT), 15):
        raise ScenarioFailed("the full node did not start listening")

    once = subprocess.run([*solnet, "--home", str(small), "sync", f"127.0.0.1:{FULL_PORT}"], env=env,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    integrity = count_and_integrity(small)[1]
    result["sync"] = {"exit": once.returncode, "stderr": once.stderr.strip()[-600:], "integrity": integrity,
                      "missing": missing(full, small)}

    # The running node starts on a disk with room for the files it makes and not for one write. Where
    # the sync above stopped decides how much of the write-ahead log's tail a next write may reuse,
    # so the scenario takes that chance away: it lends room to fold the log into the database, then
    # fills the file system up to that margin. The node's first write (its start, for
    # node/chain_gate.py) then fails: it must run on all the same.
    run("mount", "-o", "remount,size=64m", str(mount))
    # Its peer configured (`--peer` alone is not saved on a full disk): it has a network to catch up
    # from, so what it signs waits for its node's first sync (node/chain_gate.py).
    subprocess.run([*solnet, "--home", str(small), "peers", "add", f"127.0.0.1:{FULL_PORT}"], env=env, check=True,
                   capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    with closing(sqlite3.connect(small / "solnet.db", isolation_level=None)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    filler = mount / "filler"
    fill(filler, shutil.disk_usage(mount).free - ROOM_AT_START)
    result["room_at_start"] = shutil.disk_usage(mount).free
    small_log = logs / "node-small.log"
    procs["small"] = start(solnet, small, SMALL_PORT, small_log, env, "--peer", f"127.0.0.1:{FULL_PORT}",
                           "--sync-interval", "1")
    said = clock.wait_until(lambda: b"the disk is full" in small_log.read_bytes(), 20)
    time.sleep(3)  # rounds every second if nothing held them back
    # A raid alert typed meanwhile goes to the running node, which cannot store it: said plainly.
    alert = subprocess.run([*solnet, "--home", str(small), "publish", "alert", "--region", "bristol", "--type", "raid",
                            "--text", "Vans at the station"], env=env, capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
    result["publish_full"] = {"exit": alert.returncode, "stderr": alert.stderr.strip()[-600:]}
    # A command that signs by itself (not handed to the node) waited 30 s for the node's first sync,
    # which a full disk never lets finish, then said to try again once it had: the disk is said at once.
    device = json.loads((small / "config.json").read_text())["device_id"]
    began = time.monotonic()
    revoke = subprocess.run([*solnet, "--home", str(small), "revoke", device, "--reason", "lost"], env=env,
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    result["revoke_full"] = {"exit": revoke.returncode, "stderr": revoke.stderr.strip()[-600:],
                             "seconds": round(time.monotonic() - began, 2)}
    log_text = small_log.read_text(errors="replace")
    result["running_full"] = {"said_disk_full": said, "alive": procs["small"].poll() is None,
                              "failed_rounds": log_text.count("round stopped: the disk is full"),
                              "tracebacks": log_text.count("Traceback"),
                              "full_before_listening": 0 <= log_text.find("the disk is full") < log_text.find("listening"),
                              "missing": missing(full, small)}

    filler.unlink()  # space freed
    freed = time.monotonic()
    caught_up = clock.wait_until(lambda: missing(full, small) == 0, 40)
    # Its start, not recorded while the disk was full, is on record by now (its first round after
    # the space came back, or the publish itself): the same alert typed again is stored and spreads.
    again = subprocess.run([*solnet, "--home", str(small), "publish", "alert", "--region", "bristol", "--type", "raid",
                            "--text", "Vans at the station"], env=env, capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
    spread = again.returncode == 0 and clock.wait_until(lambda: missing(small, full) == 0, 30)
    result["after_freeing"] = {"caught_up": caught_up, "seconds": round(time.monotonic() - freed, 2),
                               "missing": missing(full, small), "integrity": count_and_integrity(small)[1],
                               "alive": procs["small"].poll() is None,
                               "publish": {"exit": again.returncode, "stderr": again.stderr.strip()[-600:],
                                           "reached_the_peer": spread}}


def main_with_processes(body: Callable[[dict, dict, Clock, dict[str, subprocess.Popen]], None]) -> int:
    """scenario_main for a `body` that starts processes into its last argument: each is stopped at
    the end, passed or failed, and its exit code reported (None: it had to be killed)."""
    procs: dict[str, subprocess.Popen] = {}

    def finish(result: dict) -> None:
        result["exit_codes"] = {name: stop_process(proc, 15) for name, proc in procs.items()}

    return scenario_main(lambda config, result, clock: body(config, result, clock, procs), finish)


def main() -> int:
    return main_with_processes(scenario)


if __name__ == "__main__":
    sys.exit(main())
