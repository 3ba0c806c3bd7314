"""A node's start rewrites a long marks file (node/own_marks.py, `solnet.db-signed`) while a command in
another terminal (`solnet publish --offline`, `solnet vouch`) writes its mark: the mark must survive.

The rewrite replaced the file (os.replace) without the database's write lock, which every writer of
marks holds from the moment it opens the file to its commit: a mark written into the file being
replaced was lost with it, its event committed, and the next publish signed that seq again (a fork).
Two real processes on one real home; each step waits for the other's word, bounded, never a sleep."""
from __future__ import annotations

import os
import selectors
import subprocess
import sys
import time
from pathlib import Path

from node import own_marks
from node.store import Store

NETWORK, DEVICE, GROUP = b"\x09" * 32, b"\x01" * 32, b"\x02" * 32
LONG = own_marks.COMPACT_AT // own_marks.RECORD.size + 3  # marks enough for a start to rewrite the file

# A command signing GROUP's next seq: its mark's file opened inside its transaction, the write itself
# held back on the marks' thread (behind a job that waits for the test's word) until the node's start
# has had its chance to rewrite the file.
WRITER = """
import sys
from pathlib import Path
from node import own_marks
from node.store import Store

class Held:
    def run(self):
        sys.stdin.readline()

store = Store(Path(sys.argv[1]))
own_marks._SYNCER.start(Held())
with store.write():
    own_marks.signed(store, bytes.fromhex(sys.argv[2]), 1)
    print("opened", flush=True)
print("committed", flush=True)
store.close()
"""

# A node's start on that home: the rewrite (make_durable(compact=True)); it says when it asks for the lock.
STARTER = """
import sys
from pathlib import Path
from node import own_marks
from node.store import Store

store = Store(Path(sys.argv[1]))
real = store._x
def x(sql, *args):
    if sql == "BEGIN IMMEDIATE":
        print("locking", flush=True)
    return real(sql, *args)
store._x = x
print("ready", flush=True)
sys.stdin.readline()
own_marks.make_durable(store, compact=True)
print("done", flush=True)
store.close()
"""


def _line(process: subprocess.Popen[str], deadline: float) -> str:
    """The next line `process` says ("" once it ended), waiting until `deadline` at most."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(max(0.0, deadline - time.monotonic())), "a process said nothing in time"
    return process.stdout.readline().strip()


def _spawn(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})


def test_a_mark_written_while_a_node_starts_is_kept(tmp_path: Path) -> None:
    db = tmp_path / "solnet.db"
    store = Store(db)
    with store.write():
        store.set_meta("network_id", NETWORK)
    store.close()
    path = own_marks.path_for(db)
    for seq in range(1, LONG):
        own_marks._append(path, {NETWORK + DEVICE: seq})
    deadline = time.monotonic() + 120
    starter = _spawn(STARTER, str(db))
    writer = None
    try:
        assert _line(starter, deadline) == "ready"
        writer = _spawn(WRITER, str(db), GROUP.hex())
        assert _line(writer, deadline) == "opened"  # its transaction holds the lock, its mark not yet written
        assert starter.stdin is not None and writer.stdin is not None
        starter.stdin.write("\n")
        starter.stdin.flush()
        said = _line(starter, deadline)  # "locking": it waits for the writer; "done": it did not
        writer.stdin.write("\n")  # the mark is written, the command commits
        writer.stdin.flush()
        assert _line(writer, deadline) == "committed"
        while said != "done":
            said = _line(starter, deadline)
            assert said, "the node's start ended without rewriting the file"
        assert starter.wait(max(1.0, deadline - time.monotonic())) == 0
        assert writer.wait(max(1.0, deadline - time.monotonic())) == 0
    finally:
        for process in (starter, writer):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(30)
    own_marks._KNOWN.clear()  # (read as the next start reads it)
    assert path.stat().st_size < own_marks.COMPACT_AT  # the file was rewritten
    assert own_marks.read(path) == {NETWORK + DEVICE: LONG - 1, NETWORK + GROUP: 1}
