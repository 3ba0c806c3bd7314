"""Peer connections through a SOCKS5 proxy (Tor): names resolved by the proxy, no direct path.

The proxy is the test suite's own SOCKS5 server (socks_server.py), which knows the fake onion
name `calais.onion` and nothing else; that name is not resolvable on this machine, so events that
arrive from it can only have come through the proxy.
"""
from __future__ import annotations

import asyncio
import re
from datetime import datetime

import pytest

from local_cluster import Cluster, cli, cli_json, event_ids, log_text, publish_action
from node.demo import localnet
from socks_server import ConnectRequest, SocksServer
from sync.peer_session import client_session
from sync.proxy import ProxyFailure, parse_proxy

ONION = "calais.onion"


def test_sync_through_the_proxy_reaches_an_onion_peer_and_not_without_it(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    cluster.start(calais)
    sent = {publish_action(calais, f"Calais action {i}") for i in range(3)}
    onion_address = f"{ONION}:{calais.port}"
    with SocksServer({ONION: ("127.0.0.1", calais.port)}) as socks:
        summary = cli_json(bristol, "sync", onion_address, "--proxy", socks.address)
        assert summary["received"] == len(sent) and summary["outcomes"] == {"accepted": len(sent)}, summary
        assert sent <= event_ids(bristol)
        # The proxy was given the name, never an address Bristol had resolved itself.
        assert socks.seen() == [ConnectRequest("domain", ONION, calais.port)]

        # Same peer, no proxy: refused before any lookup (an onion name must never reach DNS).
        direct = cli(bristol, "sync", onion_address, ok=False, timeout=30)
        assert direct.returncode == 1, (direct.returncode, direct.stderr)
        assert "Tor" in direct.stderr and "--proxy" in direct.stderr, direct.stderr
        assert "Traceback" not in direct.stderr
        assert len(socks.seen()) == 1

        # Set for the node (config.json): used without --proxy on the command line.
        cli(bristol, "proxy", socks.address)
        assert cli_json(bristol, "proxy")["proxy"] == socks.address
        again = cli_json(bristol, "sync", onion_address)
        assert again["in_sync"] is True, again
        assert [r.kind for r in socks.seen()] == ["domain", "domain"]
    cli(bristol, "proxy", "off")
    assert cli_json(bristol, "proxy")["proxy"] is None


def test_sync_with_the_proxy_down_says_so(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    cluster.start(calais)
    dead_port, = localnet.free_ports(1)
    # Even a plain IP address never goes direct while a proxy is set.
    proc = cli(bristol, "sync", calais.address, "--proxy", f"socks5://127.0.0.1:{dead_port}", ok=False, timeout=60)
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert f"cannot reach the proxy at 127.0.0.1:{dead_port}" in proc.stderr, proc.stderr
    assert "is Tor running?" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert "connected (inbound)" not in log_text(calais)

    bad = cli(bristol, "sync", calais.address, "--proxy", "http://127.0.0.1:8080", ok=False)
    assert bad.returncode == 2 and "socks5://HOST:PORT" in bad.stderr, bad.stderr


def test_a_running_node_gossips_through_the_proxy(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    cluster.start(calais)
    with SocksServer({ONION: ("127.0.0.1", calais.port)}) as socks:
        cli(bristol, "proxy", socks.address)
        cli(bristol, "peers", "add", f"{ONION}:{calais.port}")
        cluster.start(bristol)
        cluster.wait(lambda: "connected (outbound)" in log_text(bristol), 30, "Bristol connected through the proxy")
        event = publish_action(calais, "Rally at the port")
        cluster.wait(lambda: event in event_ids(bristol), 30, "Calais's event reached Bristol")
        seen = socks.seen()
        assert seen and all(r == ConnectRequest("domain", ONION, calais.port) for r in seen), seen
        assert f"peer connections go through the proxy at 127.0.0.1:{socks.port}" in log_text(bristol)
        assert str(calais.port) not in _peer_lines(bristol)


_FAILURE = re.compile(r"^(\S+ \S+) INFO cannot reach (peer~[0-9a-f]+) \((.*)\); (\d+) failures? in a row, next try in",
                      re.M)


def test_a_running_node_backs_off_while_the_proxy_is_down(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    cluster.start(calais)
    dead_port, = localnet.free_ports(1)
    cli(bristol, "proxy", f"socks5://127.0.0.1:{dead_port}")
    cli(bristol, "peers", "add", calais.address)
    cluster.start(bristol)
    cluster.wait(lambda: any(int(n) >= 8 for *_, n in _FAILURE.findall(log_text(bristol))), 60,
                 "eight failed dials through the proxy")
    failures = _FAILURE.findall(log_text(bristol))
    for _, label, why, _ in failures:
        assert f"cannot reach the proxy at 127.0.0.1:{dead_port}" in why and "is Tor running?" in why, why
        assert label.startswith("peer~")
    # Said at the 1st, 2nd, 4th and 8th failed try; between two of them, at least half the base
    # delay per try: a backoff, never a tight loop.
    tries = [(datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f"), int(n)) for stamp, _, _, n in failures]
    assert [n for _, n in tries][:4] == [1, 2, 4, 8], tries
    per_try = [(t2 - t1).total_seconds() / (n2 - n1) for (t1, n1), (t2, n2) in zip(tries, tries[1:])]
    assert min(per_try) >= 0.45, per_try
    assert "connected (inbound)" not in log_text(calais)  # no direct connection behind the proxy's back
    assert bristol.proc is not None and bristol.proc.poll() is None  # still running, still trying


def _peer_lines(node: localnet.LocalNode) -> str:
    """The log without the node's own listen line (the only line that may hold an address)."""
    return "\n".join(line for line in log_text(node).splitlines() if "listening for peers on" not in line)


def test_a_name_the_proxy_cannot_reach_is_a_clear_failure() -> None:
    """The proxy answers "host unreachable" (an onion service that is offline): said in words."""
    with SocksServer({}) as socks:
        proxy = parse_proxy(socks.address)

        async def dial() -> None:
            async with client_session(proxy, 10) as session:
                await session.get("http://offline.onion:7700/healthz")

        with pytest.raises(ProxyFailure, match=f"the proxy at 127.0.0.1:{socks.port} could not reach the peer") as info:
            asyncio.run(asyncio.wait_for(dial(), 30))
        assert info.value.reason == "proxy_refused"
        assert socks.seen() == [ConnectRequest("domain", "offline.onion", 7700)]


def test_a_node_started_with_a_tor_peer_and_no_proxy_says_how_to_set_one(cluster: Cluster) -> None:
    """Said as the node starts, not only in `solnet peers`' last error after each failed dial."""
    [bristol] = cluster.network([("Bristol", "bristol")])
    cli(bristol, "peers", "add", f"{ONION}:7700")  # (warned there too)
    cluster.start(bristol)
    cluster.wait(lambda: "solnet node running" in log_text(bristol), 20, "Bristol started")
    assert (f"warning: http://{ONION}:7700 is a Tor (.onion) address: a node reaches it only through a Tor proxy, "
            "and none is set. Run Tor, then `solnet proxy socks5://127.0.0.1:9050`") in log_text(bristol)
