"""What an ingest worker (node/verify_worker.py) loads, checked on its module set, not on a clock:
during a sync it is a whole interpreter beside the node, and every library it loads is resident
memory counted in the process tree's budget (DESIGN section 10: < 80 MiB on a Pi Zero 2 W). It
needs the event modules, msgpack and libsodium; not OpenSSL (hashlib, hmac, secrets: 3.4 MiB
resident, loaded for a hash of its own code and a shuffle it never makes), nor the node's network
stack, database or logging, nor the trust graph it never builds, nor `dataclasses` (it loads `inspect`
and `ast`: 1.1 MiB) and the sealed events' rules and envelope, which examining a batch never uses
(events.effects, imported by the desk marks for a fulfilment the worker never counts: 1.3 MiB), nor
PyNaCl's bindings (21 modules, ~0.4 MiB of a worker's: it verifies through PyNaCl's cffi module and
never signs)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import msgpack

from node_fixtures import Net, action, wires

ROOT = Path(__file__).resolve().parents[2]
# Runs the worker as the node does (`python -m node.verify_worker`), then writes the names of every
# module it loaded before it ended.
DRIVER = """
import atexit, json, runpy, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
runpy.run_module("node.verify_worker", run_name="__main__", alter_sys=True)
"""
NOT_NEEDED = ("_hashlib", "hashlib", "hmac", "secrets", "ssl", "_ssl", "aiohttp", "asyncio", "sqlite3", "_sqlite3",
              "jinja2", "multiprocessing", "logging", "node.store", "node.log", "node.verify_pool", "sync",
              "events.trust", "dataclasses", "inspect", "ast", "events.effects", "events.sealed", "crypto.envelope",
              "nacl.bindings")


def test_a_worker_examining_a_batch_loads_no_openssl_nor_the_nodes_layers(net: Net, tmp_path: Path) -> None:
    batch = wires([*net.group.made, *(net.device.sign("action", action(i)) for i in range(5)),
                   net.device.sign("need", {"category": "tents", "quantity": 3, "region": "calais"})])
    payload = msgpack.packb(batch, use_bin_type=True)
    out = tmp_path / "modules.json"
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(out)], input=len(payload).to_bytes(4, "big") + payload,
                          capture_output=True, timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    answer = proc.stdout[4:]  # (after READY: one answer, a record per event)
    assert int.from_bytes(answer[:4], "big") == len(answer) - 4 and len(msgpack.unpackb(answer[4:])) == len(batch)
    modules = set(json.loads(out.read_text()))
    assert {"events.examine", "msgpack", "nacl._sodium"} <= modules
    assert sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in NOT_NEEDED)) == []
