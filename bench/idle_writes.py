"""Benchmark: what an idle node writes (an SD card wears out by what is written to it).

Three groups' nodes on 127.0.0.1, nothing published: Calais dials Bristol (anti-entropy rounds
every --sync-interval seconds, 30 as in `solnet run`); Cardiff's configured peer is down (a port
where nothing listens: dialled again every few seconds, as a configured peer is). Once Calais and
Bristol linked, each node's writes are read from /proc/PID/io (wchar: bytes handed to write(),
its log's lines included; syscw: write calls) over --seconds, and given per hour. Reference, same run:
what storing one published event costs the node that stores
it (20 alerts published through the API, its wchar per event), so that the idle figure reads as
"an idle hour writes as much as storing K events".
Last line: key=value pairs.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PASSPHRASE, load_average, running, wait_serving  # noqa: E402
from node.demo import localnet  # noqa: E402

PUBLISHED = 20


def io_counters(pid: int) -> tuple[int, int]:
    """(bytes handed to write(), write calls) of the process `pid` so far."""
    fields = dict(line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())
    return int(fields["wchar"]), int(fields["syscw"])


def publish_alert(node: localnet.LocalNode, i: int) -> None:
    body = json.dumps({"kind": "alert", "fields": {"region": node.region, "type": "raid",
                                                   "text": f"Idle-writes benchmark alert {i}"}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{node.port}/api/v1/events", data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {node.admin_token()}"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        if reply.status != 201:
            raise RuntimeError(f"publish answered {reply.status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=120.0, help="how long the nodes stay idle")
    parser.add_argument("--sync-interval", type=float, default=30.0)
    args = parser.parse_args()
    load_start = load_average()
    with tempfile.TemporaryDirectory(prefix="solnet-bench-") as tmp:
        nodes = localnet.create_network(Path(tmp), [("Calais", "calais"), ("Bristol", "bristol"),
                                                    ("Cardiff", "cardiff")], PASSPHRASE)
        dialler, dialled, lonely = nodes
        localnet.line([dialler, dialled])
        lonely.peers.append(localnet.free_ports(1)[0])  # nothing listens there
        with running(nodes):
            for node in (dialled, dialler, lonely):
                localnet.start(node, PASSPHRASE, sync_interval=args.sync_interval)
                wait_serving(node)
            if not localnet.wait_until(lambda: "connected (" in dialler.log_path.read_text(errors="replace"), 30):
                raise SystemExit(f"the nodes did not link; see {dialler.log_path}")
            time.sleep(2.0)  # the first saves after linking are not idleness
            before = [io_counters(n.proc.pid) for n in nodes]
            time.sleep(args.seconds)
            after = [io_counters(n.proc.pid) for n in nodes]
            start = io_counters(dialled.proc.pid)
            for i in range(PUBLISHED):
                publish_alert(dialled, i)
            per_event = (io_counters(dialled.proc.pid)[0] - start[0]) / PUBLISHED
    load_end = load_average()
    hour = 3600 / args.seconds
    kib_h = [(a[0] - b[0]) * hour / 1024 for a, b in zip(after, before)]
    calls_h = [(a[1] - b[1]) * hour for a, b in zip(after, before)]
    for node, kib, calls in zip(nodes, kib_h, calls_h):
        print(f"{node.name}: {kib:.0f} KiB and {calls:.0f} write calls per idle hour")
    print(f"reference: storing one published alert wrote {per_event / 1024:.1f} KiB")
    worst = max(kib_h)
    print(f"idle_kib_per_h={worst:.0f} idle_writes_per_h={max(calls_h):.0f} dialler_kib_per_h={kib_h[0]:.0f} "
          f"dialled_kib_per_h={kib_h[1]:.0f} peer_down_kib_per_h={kib_h[2]:.0f} event_kib={per_event / 1024:.1f} "
          f"idle_hour_over_event={worst * 1024 / per_event:.0f} seconds={args.seconds:.0f} "
          f"load_start={load_start} load_end={load_end}")


if __name__ == "__main__":
    main()
