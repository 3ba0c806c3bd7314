"""Founding a network on A (Calais) and joining it from B (Bristol) with an invite token."""
from __future__ import annotations

import re
import shutil

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def test_status_of_founder_and_joiner_name_one_network(network, cli):
    a = cli.run_json(network.a, "status")
    b = cli.run_json(network.b, "status")
    for status, group, device in ((a, network.group_a, network.device_a), (b, network.group_b, network.device_b)):
        assert {"group_id", "network_id", "device_id", "events"} <= set(status)
        assert status["group_id"] == group and status["device_id"] == device
        assert HEX64.match(status["network_id"]) and HEX64.match(status["device_id"])
        assert isinstance(status["events"], int) and status["events"] > 0
    assert a["network_id"] == b["network_id"] == network.network_id
    assert a["group_id"] != b["group_id"] and a["device_id"] != b["device_id"]
    assert b["groups"] == 2  # Calais (the founder) and Bristol
    # The count is the number of events the node holds.
    assert a["events"] == len(cli.run_json(network.a, "ls", "--limit", "1000"))
    assert b["events"] == len(cli.run_json(network.b, "ls", "--limit", "1000"))


def test_prepared_group_has_no_network_until_it_joins(tmp_path, cli):
    home = tmp_path / "B"
    prepared = cli.run_json(home, "init", "--group", "Bristol", "--region", "bristol")
    assert HEX64.match(prepared["group_id"])
    status = cli.run_json(home, "status")
    assert status["group_id"] == prepared["group_id"] and status["network_id"] is None
    assert status["events"] == 0


def test_joiner_sees_the_founders_profile_and_its_own(network, cli):
    b_events = cli.run_json(network.b, "ls", "--kind", "group.profile")
    names = {(e["name"], e["region"], e["group"]) for e in b_events}
    assert names == {("Calais", "calais", network.group_a), ("Bristol", "bristol", network.group_b)}


def test_solnet_home_names_the_home_when_home_is_not_given(network, cli):
    by_env = cli.run_json(None, "status", env={"SOLNET_HOME": str(network.b)})
    assert by_env == cli.run_json(network.b, "status")
    # --home wins over $SOLNET_HOME
    assert cli.run_json(network.a, "status", env={"SOLNET_HOME": str(network.b)})["group_id"] == network.group_a


def test_the_home_remembers_its_network_beside_its_keys(network, cli, tmp_path):
    """config.json names the network a home founded or joined, so a home whose database is lost
    knows it was a member (tests/integration/test_restore_without_fork.py rebuilds one); a home made
    before that learns it the first time a command opens its database."""
    import json
    for home in (network.a, network.b):
        assert json.loads((home / "config.json").read_text())["network_id"] == network.network_id
    copy = tmp_path / "older"
    shutil.copytree(network.b, copy)
    config = json.loads((copy / "config.json").read_text())
    del config["network_id"]  # as an older version wrote it
    (copy / "config.json").write_text(json.dumps(config))
    assert cli.run_json(copy, "ls", "--limit", "1")
    assert json.loads((copy / "config.json").read_text())["network_id"] == network.network_id


def test_a_home_prepared_without_new_network_can_found_one_as_it_is_told(tmp_path, cli):
    """A founder who forgot --new-network is told "found one with `init --new-network`"; that was
    refused as "already holds a node ... remove that folder". It now founds the network with the
    group key prepared, as the same group, and refuses another group's name or region."""
    home = tmp_path / "calais"
    prepared = cli.run_json(home, "init", "--group", "Calais", "--region", "calais")
    refused = cli.run(home, "invite", "ab" * 32, "--out", str(tmp_path / "i.txt"), ok=False)
    assert refused.returncode == 3 and "found one with `init --new-network`" in refused.stderr, refused.stderr
    other = cli.run(home, "init", "--group", "Dunkerque", "--region", "calais", "--new-network", ok=False)
    assert other.returncode == 2 and "prepared for Calais (calais)" in other.stderr, other.stderr
    founded = cli.run_json(home, "init", "--group", "Calais", "--region", "calais", "--new-network")
    assert founded["group_id"] == prepared["group_id"] and HEX64.match(founded["network_id"])
    status = cli.run_json(home, "status")
    assert status["network_id"] == founded["network_id"] and status["group_id"] == prepared["group_id"]
    cli.run(home, "invite", "ab" * 32, "--out", str(tmp_path / "i.txt"))  # a founder now
    again = cli.run(home, "init", "--group", "Calais", "--region", "calais", "--new-network", ok=False)
    assert again.returncode == 3 and "already holds a node" in again.stderr, again.stderr
