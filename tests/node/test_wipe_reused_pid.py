"""The panic wipe never signals a process that took the pid of a command it stopped. It SIGTERMed
each `solnet sync`/`import`/`export` by pid, waited until all had ended or STOP_PATIENCE_S passed,
then looked at each pid again and SIGKILLed any alive: a command that ended at once, whose pid
another process had taken meanwhile, got that process killed (and was said "killed"). Now each is
pinned by a pidfd while its mark is still held. Real processes in a pid namespace of the test's
own (`unshare`), where /proc/sys/kernel/ns_last_pid chooses the next pid."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r'''
import json, subprocess, sys, threading
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from node import wipe
from node.home import Home

home = Path(sys.argv[2])
wipe.STOP_PATIENCE_S = 3.0
HOLD = ("import signal, sys, time; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
        "from node import sync_mark; {} sync_mark.hold(Path(sys.argv[2])); print('held', flush=True); time.sleep(60)")
quick = subprocess.Popen([sys.executable, "-c", HOLD.format(""), sys.argv[1], str(home)], stdout=subprocess.PIPE)
stuck = subprocess.Popen([sys.executable, "-c", HOLD.format("signal.signal(signal.SIGTERM, signal.SIG_IGN);"),
                          sys.argv[1], str(home)], stdout=subprocess.PIPE)
assert quick.stdout.readline() == b"held\n" and stuck.stdout.readline() == b"held\n"
reused = []

def take_its_pid():  # once the quick one has ended and been reaped, another process gets its pid
    quick.wait(timeout=10)
    Path("/proc/sys/kernel/ns_last_pid").write_text(str(quick.pid - 1))
    reused.append(subprocess.Popen(["sleep", "30"]))

taker = threading.Thread(target=take_its_pid)
taker.start()
report = wipe.WipeReport()
wipe.stop_one_shot_commands(Home(home), report)
taker.join(timeout=10)
other = reused[0]
alive = other.poll() is None
other.kill()
stuck.wait(timeout=10)
print(json.dumps({"quick": quick.pid, "other": other.pid, "other_alive": alive,
                  "stopped": {c.pid: c.killed for c in report.stopped_commands}, "stuck": stuck.pid}))
'''


def _in_pid_namespace(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["unshare", "-r", "-pf", "--mount-proc", *args], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


@pytest.fixture
def pid_namespace() -> None:
    if shutil.which("unshare") is None or _in_pid_namespace("true").returncode != 0:
        pytest.skip("no user and pid namespaces here (unshare -r -pf)")


def test_a_pid_reused_after_its_command_ended_is_not_killed_by_the_wipe(pid_namespace: None, tmp_path: Path):
    done = _in_pid_namespace(sys.executable, "-c", SCRIPT, str(ROOT), str(tmp_path))
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["other"] == seen["quick"]  # (the pid was taken again, as meant)
    assert seen["other_alive"], "the wipe killed a process that only took a stopped command's pid"
    # The quick one stopped at SIGTERM; the one ignoring it was killed
    assert seen["stopped"] == {str(seen["quick"]): False, str(seen["stuck"]): True}
