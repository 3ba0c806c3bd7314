"""Benchmark: server time of the HTTP API listings (and the dashboard overview) at N events.

A network of two groups is founded on 127.0.0.1 (node.demo.localnet); the founder stores N realistic
events of its device (signed here, stored through the ingest path: actions, needs, offers,
fundraisers, support requests over 8 regions) and, as on a busy home, what happened to them
(bench.common.busy_steps, about a fifth more events: the other group covers needs, some from its
offers, takes support requests, hands some back, pledges; the founder adjusts, withdraws and
declines, closes requests, reports what was raised, moves and cancels actions; `--plain`: none of
that, the home earlier sessions measured). Then `solnet run` serves that home as a real
process, and each route is requested REPEAT times (after a warm-up) over HTTP on 127.0.0.1:
  - server time: the `Server-Timing: app;dur=...` the API reports (its handler, database work
    included); the dashboard `/` reports it too (to its admin), and the node's CPU per page is
  measured beside it (the node process's CPU time over the dashboard's requests, every thread);
  - wall time: request sent to last byte read, as the client sees it (HTTP on loopback included).
Reference, same run: GET /healthz (a handler that touches nothing), wall time; each route's
median wall time is also given as a ratio to it.
Budgets (docs/design.md section 10, issue 15): every API page under 20 ms server time (p95), the
dashboard overview under 100 ms server time (p95), at 100k events. Last line: key=value pairs.
"""
from __future__ import annotations

import argparse
import http.client
import json
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (PASSPHRASE, SPACING_MS, cpu_seconds, event_count, load_average,  # noqa: E402
                          network_with_events, running, wait_serving)
from node import login_links  # noqa: E402
from node.demo import localnet  # noqa: E402
from node.log import now_ms  # noqa: E402

API_BUDGET_MS = 20.0  # every API page, server time p95 (issue 15: per-request cost independent of the log)
DASHBOARD_BUDGET_MS = 100.0  # a dashboard page, server time p95


def routes(device: str, deep_cursor: int) -> dict[str, str]:
    """name -> path of every listing measured."""
    since = now_ms() - 3600 * SPACING_MS  # the chain's newest 3,600 events
    return {
        "events": "/api/v1/events",
        "events_limit500": "/api/v1/events?limit=500",
        "events_kind": "/api/v1/events?kind=fundraiser",
        "events_rare_kind": "/api/v1/events?kind=group.profile",
        "events_author": f"/api/v1/events?author={device[:12]}",
        "events_region": "/api/v1/events?region=calais",
        "events_since": f"/api/v1/events?since={since}",
        "events_deep_page": f"/api/v1/events?cursor={deep_cursor}",
        "regions": "/api/v1/regions",
        "regions_one": "/api/v1/regions?region=bristol",
        "timeline": "/api/v1/timeline",
        "past_actions": "/api/v1/past-actions",
        "capacity": "/api/v1/capacity",
        "alert_history": "/api/v1/alert-history",
        "resources": "/api/v1/resources",
        "actions": "/api/v1/actions",
        "fundraisers": "/api/v1/fundraisers",
        "needs": "/api/v1/needs",
        "needs_region": "/api/v1/needs?region=bristol",
        "support": "/api/v1/support",
        "alerts": "/api/v1/alerts",
        "groups": "/api/v1/groups",
        "status": "/api/v1/status",
        "peers": "/api/v1/peers",
    }


def timed_get(conn: http.client.HTTPConnection, path: str, token: str | None,
              cookie: str | None = None) -> tuple[int, float, float | None, bytes]:
    """(status, wall ms, server ms from Server-Timing or None, body)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if cookie:
        headers["Cookie"] = cookie
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    reply = conn.getresponse()
    body = reply.read()
    wall = (time.perf_counter() - start) * 1000
    timing = reply.getheader("Server-Timing")
    server = float(timing.split("dur=")[1]) if timing and "dur=" in timing else None
    return reply.status, wall, server, body


def measure(conn: http.client.HTTPConnection, path: str, token: str | None, repeat: int,
            cookie: str | None = None) -> dict[str, float | None]:
    for _ in range(3):  # warm-up: page cache, first-use imports
        status, *_ = timed_get(conn, path, token, cookie)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}")
    walls, servers = [], []
    for _ in range(repeat):
        _, wall, server, _ = timed_get(conn, path, token, cookie)
        walls.append(wall)
        if server is not None:
            servers.append(server)
    return {"wall_med": statistics.median(walls), "wall_p95": percentile(walls, 95),
            "server_med": statistics.median(servers) if servers else None,
            "server_p95": percentile(servers, 95) if servers else None}


def dashboard_session(conn: http.client.HTTPConnection, home: Path) -> str | None:
    """Log in to the dashboard with a one-time link (as `solnet dashboard-link`): its session cookie."""
    token, _ = login_links.create(home)
    conn.request("GET", f"/login/link?token={token}")  # its page, with a button: opening spends nothing
    reply = conn.getresponse()
    page = reply.read().decode()
    anonymous = reply.getheader("Set-Cookie")
    fields = dict(re.findall(r'<input type="hidden" name="(csrf|token)" value="([^"]*)">', page))
    if reply.status != 200 or anonymous is None or set(fields) != {"csrf", "token"}:
        return None
    conn.request("POST", "/login/link", body=urllib.parse.urlencode(fields),  # the button, pressed
                 headers={"Cookie": anonymous.split(";")[0], "Content-Type": "application/x-www-form-urlencoded"})
    reply = conn.getresponse()
    reply.read()
    cookie = reply.getheader("Set-Cookie")
    return cookie.split(";")[0] if reply.status == 303 and cookie else None


def dashboard_met(dashboard: dict[str, float | None] | None) -> str:
    """Whether the overview's p95 server time (its wall time where a node gives none) is in budget."""
    if not dashboard:
        return "skipped"
    p95 = dashboard["server_p95"] if dashboard["server_p95"] is not None else dashboard["wall_p95"]
    return "yes" if p95 < DASHBOARD_BUDGET_MS else "no"


def percentile(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure_routes(conn: http.client.HTTPConnection, token: str, device: str, held: int,
                   repeat: int) -> dict[str, dict[str, float | None]]:
    """Each API route's times (`measure`) on a node holding `held` events; the deep events page is
    one near the oldest events (its cursor from the newest row number)."""
    newest = int(json.loads(timed_get(conn, "/api/v1/events?limit=1", token)[3])["events"][0]["n"])
    deep_cursor = max(2, newest - held + 1000)
    return {name: measure(conn, path, token, repeat) for name, path in routes(device, deep_cursor).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--plain", action="store_true",
                        help="the listings alone, nothing done to them (the home measured before session 59)")
    args = parser.parse_args()
    load_start = load_average()
    with tempfile.TemporaryDirectory(prefix="solnet-bench-") as tmp:
        t0 = time.perf_counter()
        (node, _other), net = network_with_events(Path(tmp), [("Calais", "calais"), ("Bristol", "bristol")], args.events,
                                                 busy=not args.plain)
        build_s = time.perf_counter() - t0
        held = event_count(node.home.db_path)
        token = node.admin_token()
        device = bytes(net.keys.device.public).hex()
        results: dict[str, dict[str, float | None]] = {}
        with running([node]):
            localnet.start(node, PASSPHRASE)
            wait_serving(node, timeout=60)
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=30)
            try:
                results["healthz"] = measure(conn, "/healthz", None, args.repeat)
                results.update(measure_routes(conn, token, device, held, args.repeat))
                cookie = dashboard_session(conn, node.home.path)
                status, *_ = timed_get(conn, "/", None, cookie)
                dashboard_note = f"GET / answered {status}" + ("" if cookie else " (the login link was refused)")
                if status == 200:
                    cpu = cpu_seconds(node.proc.pid)
                    results["dashboard"] = measure(conn, "/", None, args.repeat, cookie)
                    # (over the warm-ups too: the requests `measure` makes)
                    dashboard_cpu = (cpu_seconds(node.proc.pid) - cpu) * 1000 / (args.repeat + 3)
            finally:
                conn.close()
    ref = results["healthz"]["wall_med"]
    print(f"load average: {load_start} at the start, {load_average()} at the end")
    print(f"node holding {held} events ({'plain' if args.plain else 'busy'} home, built in {build_s:.0f} s); {args.repeat} requests per route after 3 warm-ups; "
          f"reference GET /healthz wall median {ref:.2f} ms; {dashboard_note}"
          + ("" if "dashboard" in results else " (dashboard overview skipped)"))
    print(f"{'route':<18} {'server med':>10} {'server p95':>10} {'wall med':>9} {'wall p95':>9} {'wall/ref':>8}")
    for name, r in results.items():
        srv = f"{r['server_med']:>10.2f} {r['server_p95']:>10.2f}" if r["server_med"] is not None else f"{'-':>10} {'-':>10}"
        print(f"{name:<18} {srv} {r['wall_med']:>9.2f} {r['wall_p95']:>9.2f} {r['wall_med'] / ref:>8.1f}")
    # the API's pages alone, against the API's budget (the overview has its own)
    worst_route = max((n for n, r in results.items() if r["server_p95"] is not None and n != "dashboard"),
                      key=lambda n: results[n]["server_p95"])
    worst = results[worst_route]["server_p95"]
    api_met = worst < API_BUDGET_MS
    dashboard = results.get("dashboard")
    figures = [f"events={held}", f"home={'plain' if args.plain else 'busy'}", f"ref_healthz_wall_ms={ref:.2f}"]
    for name, r in results.items():
        if name == "healthz":
            continue
        if r["server_med"] is not None:
            figures += [f"{name}_server_ms={r['server_med']:.2f}", f"{name}_server_p95_ms={r['server_p95']:.2f}"]
        figures += [f"{name}_wall_ms={r['wall_med']:.2f}", f"{name}_wall_over_ref={r['wall_med'] / ref:.1f}"]
    if dashboard:
        figures.append(f"dashboard_cpu_ms={dashboard_cpu:.2f}")
    figures += [f"worst_api_server_p95_ms={worst:.2f}", f"worst_api_route={worst_route}",
                f"api_budget_ms={API_BUDGET_MS:.0f}", f"api_met={'yes' if api_met else 'no'}",
                f"dashboard_budget_ms={DASHBOARD_BUDGET_MS:.0f}", f"dashboard_met={dashboard_met(dashboard)}"]
    print(" ".join(figures))


if __name__ == "__main__":
    main()
