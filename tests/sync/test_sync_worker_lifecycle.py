"""The signature workers that batch ingest (sync's ingest path) verifies on must outlive the thread
that happened to start them. Found by the hostile-peer tests: an honest `solnet sync` of ~30k events
died with SIGPIPE (exit -13) in about 1 run of 4, after storing its events, without printing its
summary. faulthandler showed the call-queue feeder thread of the ProcessPoolExecutor writing to a
dead worker during `terminate_broken`, at `Node.stop()`.

Cause, in two parts (both fixed):
- node/verify_pool.py `_die_with_parent` sets PR_SET_PDEATHSIG, whose "parent" is the *thread* that
  spawned the worker; workers are spawned lazily by whichever thread submits first (the runtime's
  single DB thread, during ingest). `Node.stop()` shuts that thread down, the kernel sends
  SIGTERM to the workers, and the pool breaks.
- cli.py `main()` sets SIGPIPE to SIG_DFL for every command (meant for `solnet ls | head`), so the
  EPIPE the broken pool's feeder thread gets kills `solnet sync` / `solnet run` instead of raising
  BrokenPipeError in that thread.
"""
from __future__ import annotations

import os
import threading
import time

import msgpack
import pytest

from node import verify_pool


@pytest.mark.skipif((os.cpu_count() or 1) < 2 or os.environ.get("SOLNET_VERIFY_WORKERS") == "0",
                    reason="no signature worker processes on one core")
def test_signature_workers_survive_the_thread_that_started_them():
    verify_pool.shutdown()
    try:
        starter = threading.Thread(target=verify_pool.start, name="short-lived")
        starter.start()
        starter.join(30)
        time.sleep(1.0)  # PDEATHSIG is asynchronous
        pool = verify_pool._get_pool()
        assert pool is not None
        assert pool.submit(verify_pool.verify_packed, msgpack.packb([])).result(timeout=30) == b""
    finally:
        verify_pool.shutdown()
