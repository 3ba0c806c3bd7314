"""The peers an invite names (`invite GROUP --peer ADDR`) become the joiner's configured peers, and
`join` says whom it will sync with; `peers add/rm/block/unblock` on a home whose node is stopped."""
from __future__ import annotations


def test_join_keeps_the_invites_peers_and_says_whom_it_will_sync_with(tmp_path, cli):
    a, b = tmp_path / "A", tmp_path / "B"
    cli.run_json(a, "init", "--group", "Calais", "--region", "calais", "--new-network")
    group_b = cli.run_json(b, "init", "--group", "Bristol", "--region", "bristol")["group_id"]
    token = tmp_path / "token"
    cli.run(a, "invite", group_b, "--out", token, "--peer", "127.0.0.1:7700", "--peer", "wss://Calais.example.org:443/x")
    joined = cli.run(b, "join", token).stdout
    assert ("will sync with the nodes at http://127.0.0.1:7700, https://calais.example.org:443 once it runs "
            "(`solnet run`): Calais's invite names them" in joined), joined
    peers = cli.run_json(b, "peers")
    assert [(p["address"], p["source"]) for p in peers] == [
        ("http://127.0.0.1:7700", "config"), ("https://calais.example.org:443", "config")], peers
    listed = cli.run(b, "peers").stdout
    assert "http://127.0.0.1:7700" in listed and "never connected" in listed, listed


def test_a_bad_invite_peer_is_refused_before_anything_is_written(tmp_path, cli):
    a = tmp_path / "A"
    cli.run_json(a, "init", "--group", "Calais", "--region", "calais", "--new-network")
    other = cli.run_json(tmp_path / "B", "init", "--group", "Bristol", "--region", "bristol")["group_id"]
    refused = cli.run(a, "invite", other, "--out", tmp_path / "token", "--peer", "calais.example.org", ok=False)
    assert refused.returncode == 2 and "bad peer address 'calais.example.org': there is no port" in refused.stderr
    assert not (tmp_path / "token").exists()


def test_a_join_without_peers_says_how_to_add_one(network, cli):
    # the `network` fixture joined B with an invite naming no peer; a fresh copy of it is joined again
    token = network.b.parent / "again"
    group_c = cli.run_json(network.b.parent / "C", "init", "--group", "Cardiff", "--region", "cardiff")["group_id"]
    cli.run(network.a, "invite", group_c, "--out", token)
    joined = cli.run(network.b.parent / "C", "join", token).stdout
    assert "names no node to sync with" in joined and "solnet peers add HOST:PORT" in joined, joined


def test_peers_rm_block_and_unblock_on_a_stopped_node(network, cli):
    b = network.b
    cli.run(b, "peers", "add", "127.0.0.1:7700")
    assert cli.run_json(b, "peers", "rm", "127.0.0.1:7700") == {"address": "http://127.0.0.1:7700", "action": "rm",
                                                                  "device": None, "also_kept_out": [],
                                                                  "still_dialled": []}
    said = cli.run(b, "peers", "add", "127.0.0.1:7700") and cli.run(b, "peers", "rm", "127.0.0.1:7700").stdout
    assert "Removed peer http://127.0.0.1:7700: it stays removed" in said, said
    assert "No device has answered there yet: no other address goes with it." in said, said  # (none ever did)
    assert cli.run_json(b, "peers") == []
    cli.run(b, "peers", "add", "127.0.0.1:7700")  # a removal is undone by adding it again
    assert [p["address"] for p in cli.run_json(b, "peers")] == ["http://127.0.0.1:7700"]

    assert cli.run_json(b, "peers", "block", "127.0.0.1:7700") == {"address": "http://127.0.0.1:7700", "action": "block"}
    assert cli.run_json(b, "peers") == [{"address": "http://127.0.0.1:7700", "source": "blocked", "connected": False}]
    assert "blocked: http://127.0.0.1:7700" in cli.run(b, "peers").stdout
    refused = cli.run(b, "peers", "add", "127.0.0.1:7700", ok=False)
    assert refused.returncode == 1 and "is blocked; `solnet peers unblock http://127.0.0.1:7700` first" in refused.stderr

    assert cli.run_json(b, "peers", "block", network.group_a[:12]) == {"id": network.group_a, "action": "block"}
    # named, as every other line of `peers` is: a coordinator read a 64-digit id and had to look it up
    assert f"blocked: Calais ({network.group_a})" in cli.run(b, "peers").stdout
    cli.run(b, "peers", "block", network.device_a)
    assert f"blocked: Calais (device {network.device_a})" in cli.run(b, "peers").stdout
    cli.run(b, "peers", "unblock", network.device_a)
    unknown = cli.run(b, "peers", "block", "ffffffffffff", ok=False)
    assert unknown.returncode == 1 and "no device or group id starting with ffffffffffff" in unknown.stderr
    cli.run(b, "peers", "unblock", network.group_a)
    cli.run(b, "peers", "unblock", "127.0.0.1:7700")
    assert cli.run_json(b, "peers") == []
    again = cli.run(b, "peers", "unblock", "127.0.0.1:7700", ok=False)
    assert again.returncode == 1 and "is not blocked" in again.stderr
    missing = cli.run(b, "peers", "block", ok=False)
    assert missing.returncode == 2 and "needs an ADDRESS (host:port or a URL) or a device or group id" in missing.stderr
