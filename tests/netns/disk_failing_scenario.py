"""A node whose disk fails under it: the SD card of a Raspberry Pi wearing out, its reads and writes
answering I/O errors. What each way in says, and that the node stays up.

Run ONLY inside the unshare sandbox (test_disk_failing.py starts it that way): the failing disk is
an ext4 file system in a file, mounted through a loop device in the sandbox's own mount namespace
(it goes with the sandbox), and "fails" by the file system's own shutdown call (EXT4_IOC_SHUTDOWN,
as `xfs_io -c shutdown` does): from then on every read and write of it answers EIO, as a dying card
does. Steps: a node runs from a home on it and publishes; the disk fails; then `solnet publish`,
`solnet status`, the API (with the token read before) and the log are looked at, and the node is
stopped by a panic wipe.

Usage: python disk_failing_scenario.py CONFIG.json   (CONFIG is written by the test)
Prints exactly one JSON line on stdout.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import struct
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from disk_full_scenario import listening, main_with_processes, start
from netns_partition_scenario import Clock, ScenarioFailed, run

PORT = 7721
# _IOR('X', 125, __u32), with EXT4_GOING_FLAGS_NOLOGFLUSH: the file system stops at once.
EXT4_IOC_SHUTDOWN = (2 << 30) | (4 << 16) | (ord("X") << 8) | 125
NOLOGFLUSH = 2


def fail_the_disk(mount: Path) -> None:
    fd = os.open(mount, os.O_RDONLY)
    try:
        fcntl.ioctl(fd, EXT4_IOC_SHUTDOWN, struct.pack("I", NOLOGFLUSH))
    finally:
        os.close(fd)


def api(token: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}/api/v1/{path}", method="POST" if body else "GET",
                                     data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def scenario(config: dict, result: dict, clock: Clock, procs: dict[str, subprocess.Popen]) -> None:
    solnet, env = config["solnet"], {**os.environ, "SOLNET_PASSPHRASE": config["passphrase"]}
    image, mount, logs = Path(config["image"]), Path(config["mount_dir"]), Path(config["log_dir"])
    with open(image, "wb") as f:
        f.truncate(48 << 20)
    run("mkfs.ext4", "-q", "-F", str(image), timeout=60)
    run("mount", "-o", "loop", str(image), str(mount), timeout=30)
    home = mount / "home"
    shutil.copytree(config["home"], home)

    def solnet_run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*solnet, "--home", str(home), *args], env=env, capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)

    log_path = logs / "node.log"
    procs["node"] = start(solnet, home, PORT, log_path, env)
    if not clock.wait_until(lambda: listening(PORT), 20):
        raise ScenarioFailed("the node did not start listening")
    before = solnet_run("publish", "alert", "--region", "calais", "--type", "raid", "--text", "Before the card failed")
    token = solnet_run("admin-token").stdout.strip()
    result["before"] = {"publish_exit": before.returncode, "token": bool(token)}

    fail_the_disk(mount)
    probe = subprocess.run(["cat", str(home / "config.json")], capture_output=True, text=True, timeout=10)
    result["disk_failed"] = probe.returncode != 0  # the file system answers errors now

    after = solnet_run("publish", "alert", "--region", "calais", "--type", "raid", "--text", "Vans at the station")
    status = solnet_run("status")
    listing = solnet_run("ls")
    read_status, read_answer = api(token, "events?limit=1")
    post_status, post_answer = api(token, "events", {"kind": "alert", "fields": {
        "region": "calais", "type": "raid", "text": "Vans at the station"}})
    log_text = log_path.read_text(errors="replace")
    result["after"] = {
        "publish": {"exit": after.returncode, "stderr": after.stderr.strip()[-700:]},
        "status": {"exit": status.returncode, "out": (status.stdout + status.stderr).strip()[-700:]},
        "ls": {"exit": listing.returncode, "out": (listing.stdout + listing.stderr).strip()[-700:]},
        "api_read": [read_status, read_answer.get("error", {}).get("code")],
        "api_publish": [post_status, post_answer.get("error", {}).get("code")],
        "alive": procs["node"].poll() is None,
        "log_disk_errors": log_text.count("ERROR the disk holding"),
        "log_damaged": log_text.count("is damaged"),
        "tracebacks": log_text.count("Traceback"),
    }
    # The panic wipe on a failing disk: what matters first, the node holding the keys in memory, is
    # stopped (its runtime record and lock cannot be read: found by its command line); what cannot be
    # overwritten is said.
    wiped = solnet_run("wipe", "--yes")
    result["wipe"] = {"exit": wiped.returncode, "stderr": wiped.stderr.strip()[-700:],
                      "node_stopped": clock.wait_until(lambda: procs["node"].poll() is not None, 10)}


if __name__ == "__main__":
    sys.exit(main_with_processes(scenario))
