"""After the dashboard's panic wipe the node's process ends, even when its clean stop never does.

The clean stop waits for the database thread (node.net.database.DbThread.shutdown joins it); a
database that hangs (the case the wipe's bounded wait is for) kept the process, and the keys in
its memory, alive for as long as the database hung. A real process here: its SIGTERM handler never
finishes, as such a clean stop."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_wiped_node_whose_clean_stop_hangs_still_exits() -> None:
    script = textwrap.dedent("""
        import signal, sys, time
        from node.dashboard import app
        app.WIPED_EXIT_S = 0.5
        signal.signal(signal.SIGTERM, lambda *_: None)  # a clean stop that never ends
        app._stop_this_process()
        print("asked", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "asked"
        proc.wait(timeout=20)  # raises TimeoutExpired if the process outlives its wipe
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
