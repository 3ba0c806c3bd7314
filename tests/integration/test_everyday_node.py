"""A running node without surprises, with real `solnet run` processes: one node per home (a lock
held for the node's life, freed even by kill -9), a busy port said in words, `status` true to
whether a node runs, `solnet proxy` applied to the running node, and one name per peer in logs
and in `solnet peers`."""
from __future__ import annotations

import re
import signal
import socket

from local_cluster import PASSPHRASE, Cluster, cli, cli_json, log_text, open_links, publish_action, status
from node.demo import localnet
from node.demo.localnet import LocalNode
from socks_server import ConnectRequest, SocksServer


def test_one_node_per_home_and_status_says_whether_it_runs(cluster: Cluster) -> None:
    calais, = cluster.network([("Calais", "calais")])
    assert status(calais)["node"]["running"] is False
    first = cluster.start(calais)
    assert status(calais)["node"]["running"] is True
    assert f"node: running (pid {first.pid}); peers connect to 127.0.0.1:{calais.port}" in cli(calais, "status").stdout

    # A second node on the same home is refused at once, before the passphrase is asked for.
    other_port, = localnet.free_ports(1)
    second = cli(calais, "run", "--listen", f"127.0.0.1:{other_port}", ok=False, timeout=30)
    assert second.returncode == 3, (second.returncode, second.stderr)
    assert f"a node is already running on {calais.home.path} (pid {first.pid})" in second.stderr, second.stderr
    assert "Traceback" not in second.stderr and not localnet.is_listening(other_port)

    # A clean stop: `status` says so at once (not 10 s later).
    assert localnet.stop(calais) == 0, log_text(calais)
    assert status(calais)["node"]["running"] is False
    assert "node: not running" in cli(calais, "status").stdout

    # kill -9 leaves no stale lock: the kernel frees it with the process.
    cluster.start(calais)
    assert status(calais)["node"]["running"] is True
    cluster.kill(calais)
    assert status(calais)["node"]["running"] is False
    cluster.start(calais)
    assert status(calais)["node"]["running"] is True


def test_a_busy_port_is_said_in_words_and_frees_the_home(cluster: Cluster) -> None:
    calais, = cluster.network([("Calais", "calais")])
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = cli(calais, "run", "--listen", f"127.0.0.1:{port}", ok=False, timeout=60)
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert f"cannot listen on 127.0.0.1:{port}: that port is in use" in result.stderr, result.stderr
    for noise in ("Traceback", "Unclosed", "Errno", "OSError"):
        assert noise not in result.stderr, result.stderr
    assert status(calais)["node"]["running"] is False  # the lock went with the failed start
    cluster.start(calais)


def linked_pair(cluster: Cluster) -> tuple[LocalNode, LocalNode]:
    """Calais and Bristol running, Bristol dialling Calais (a peer in its list)."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    cli(bristol, "peers", "add", calais.address)
    cluster.start(calais)
    cluster.start(bristol)
    cluster.wait(lambda: open_links(bristol) == 1, 20, "Bristol connected to Calais")
    return calais, bristol


def test_one_name_per_peer_in_logs_and_peers(cluster: Cluster) -> None:
    calais, bristol = linked_pair(cluster)
    [peer] = cli_json(bristol, "peers")
    label = peer["label"]
    assert re.fullmatch(r"peer~[0-9a-f]{6}", label), label
    assert f"INFO {label} connected (outbound)" in log_text(bristol)
    assert label in cli(bristol, "peers").stdout
    assert not re.search(r"\bpeer [0-9a-f]{12}\b", log_text(bristol)), log_text(bristol)
    assert str(calais.port) not in "\n".join(l for l in log_text(bristol).splitlines() if "peer" in l)

    # A peer that is not there: why, in words, in the log and in `solnet peers`.
    dead, = localnet.free_ports(1)
    cli(bristol, "peers", "add", f"127.0.0.1:{dead}")
    cluster.wait(lambda: "connection refused — is a solnet node running there?" in log_text(bristol), 20,
                 "the refused dial in the log")
    cluster.wait(lambda: {p["address"]: p.get("last_error") for p in cli_json(bristol, "peers")}[
        f"http://127.0.0.1:{dead}"] is not None, 20, "the saved peer state")
    errors = {p["address"]: p.get("last_error") for p in cli_json(bristol, "peers")}
    assert errors[f"http://127.0.0.1:{dead}"] == "connection refused — is a solnet node running there?", errors
    assert "Error" not in log_text(bristol)

    # Its own address: refused in words (it was kept, dialled, and listed as never connected, for ever).
    for own in (f"127.0.0.1:{bristol.port}", f"http://localhost:{bristol.port}"):
        for command in (("peers", "add"), ("sync",)):  # `sync` of it said "this node does not link with that peer"
            said = cli(bristol, *command, own, ok=False)
            assert said.returncode == 1 and "is this node's own address (it listens on 127.0.0.1:" in said.stderr, \
                (command, said.stderr)
    assert not any(str(bristol.port) in (p.get("address") or "") for p in cli_json(bristol, "peers"))


def test_the_proxy_setting_reaches_a_running_node(cluster: Cluster) -> None:
    calais, bristol = linked_pair(cluster)
    with SocksServer() as socks:
        said = cli(bristol, "proxy", socks.address)
        assert "The running node switches to it within seconds" in said.stdout, said.stdout
        via = ConnectRequest("ipv4", "127.0.0.1", calais.port)
        cluster.wait(lambda: via in socks.seen(), 30, "Bristol dialling Calais through the proxy")
        assert f"peer connections go through the proxy at 127.0.0.1:{socks.port} from now on" in log_text(bristol)
        cluster.wait(lambda: open_links(bristol) == 1, 30, "the link up again, through the proxy")
        event = publish_action(calais, "Rally at the port")
        cluster.wait(lambda: event in {bytes.fromhex(e["id"]) for e in cli_json(bristol, "ls")}, 30,
                     "Calais's event reaching Bristol through the proxy")
        dialled = len(socks.seen())
        cli(bristol, "proxy", "off")
        cluster.wait(lambda: "peer connections are direct from now on" in log_text(bristol), 30, "direct again")
        cluster.wait(lambda: open_links(bristol) == 1, 30, "the link up again, direct")
        assert len(socks.seen()) == dialled


def test_a_proxy_given_on_the_command_line_stays_and_proxy_says_so(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    cluster.start(calais)
    with SocksServer() as socks:
        bristol.proc = localnet.start(bristol, PASSPHRASE,
                                      extra_args=("--proxy", socks.address))
        cluster.started.append((bristol, bristol.proc))
        assert (why := localnet.wait_started(bristol)) is None, why
        cluster.wait(lambda: status(bristol)["node"].get("proxy") == socks.address, 20, "Bristol's saved facts")
        said = cli(bristol, "proxy", "off")
        assert f"warning: the node running on this home was started with --proxy or $SOLNET_PROXY: it keeps using " \
               f"{socks.address} until you restart it" in said.stderr, said.stderr
        bristol.proc.send_signal(signal.SIGTERM)
        assert bristol.proc.wait(20) == 0


def test_a_running_node_says_when_its_own_device_is_revoked(cluster: Cluster) -> None:
    """The operator revokes the node's own device key (the laptop holding a copy was seized): the
    running node's log says, once, that no node links with this device any more and how to make
    a new one; `solnet status` says the same."""
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais)
    device, group = calais.home.config().device_id, calais.home.config().group_id
    assert "WARNING" not in log_text(calais)
    cli_json(calais, "revoke", device, "--reason", "laptop seized")
    said = "this device key is revoked from seq 1 (laptop seized); no node links with this device any more"
    cluster.wait(lambda: said in log_text(calais), 15, "the node's warning about its own device")
    assert f"solnet init --device-of {group}" in log_text(calais)
    assert log_text(calais).count(said) == 1
    assert said in cli(calais, "status").stdout
