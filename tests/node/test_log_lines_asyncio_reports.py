"""asyncio's own reports in the node's log (node/log_lines.py) say what happened, never the values
below it: "Task exception was never retrieved" wrote the task's repr with `exception=KeyError('...')`,
the value met (a case's private details), and an unclosed connection aiohttp reports wrote
`ConnectionKey(host='...')`, a peer's address, into the service's journal, which no wipe reaches."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = r'''
import asyncio, gc, sys
from node import log_lines
log_lines.configure(sys.stderr)

async def fails():
    raise KeyError("Amira Hassan, 12 rue de Lille")

async def main():
    loop = asyncio.get_running_loop()
    task = loop.create_task(fails())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    del task
    gc.collect()
    # as aiohttp's Connection.__del__ reports a connection left open
    loop.call_exception_handler({"message": "Unclosed connection",
                                 "client_connection": "Connection<ConnectionKey(host='127.0.0.9', port=7700)>"})

asyncio.run(main())
'''


def test_asyncio_reports_keep_their_first_line_only() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, cwd=REPO,
                          env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"})
    log = done.stderr
    assert done.returncode == 0, log
    assert "Task exception was never retrieved (its details are not logged)" in log, log
    assert "KeyError (its message is not logged) at" in log, log
    assert "Unclosed connection (its details are not logged)" in log, log
    assert "Amira" not in log and "rue de Lille" not in log and "127.0.0.9" not in log, log
