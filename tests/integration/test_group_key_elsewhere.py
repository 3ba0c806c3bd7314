"""A copy of a group's main home (a seized Pi's SD card, a thief's `cp -a` of the home, the
passphrase forced out of someone) certifies a device of the thief's own with the group key: that
device is then a member of the group, and every event sealed to the group from then on, private
case notes included, is sealed to it too. It may admit a group of its own too. The owner's node takes
that group-key event from a peer
like anyone's (no fork: the copy synced first) and said nothing; it watched only its device's key.

Real `solnet run` processes and a real copy of the home."""
from __future__ import annotations

import shutil
from pathlib import Path

from local_cluster import Cluster, LocalNode, cli, cli_json, holds, log_text, query
from node.demo import localnet

WARNING = "with this group's key"  # (signs now, or signed while the node was stopped: its first minute counts so)


def test_a_device_certified_by_a_copy_of_the_group_key_is_said_by_the_node_holding_it(
        cluster: Cluster, tmp_path: Path) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    calais.peers = [bristol.port]
    thief = tmp_path / "thief"
    shutil.copytree(calais.home.path, thief)  # before the owner's node runs: no round of its own yet
    cluster.start(bristol)
    cluster.start(calais)
    cluster.wait(lambda: "connected (outbound)" in log_text(calais), 30, "Calais linked with Bristol")

    group = calais.home.config().group_id
    own = cli_json(tmp_path / "phone", "init", "--group", "Calais", "--region", "calais", "--device-of", group)
    cli(calais, "vouch", own["device_request"], "--out", str(tmp_path / "phone.txt"))  # its own: nothing to say
    made = cli_json(tmp_path / "spy", "init", "--group", "Calais", "--region", "calais", "--device-of", group)
    cli(thief, "sync", bristol.address)  # the copy catches up first, so its group key does not fork
    cli(thief, "vouch", made["device_request"], "--out", str(tmp_path / "spy.txt"))
    fake = cli_json(tmp_path / "fake", "init", "--group", "Calais Solidarity", "--region", "calais")["group_id"]
    cli(thief, "vouch", fake, "--out", str(tmp_path / "fake.txt"))  # a police-run group let in
    [(vouch,)] = query(thief, "SELECT id FROM events WHERE kind='member.vouch' ORDER BY n DESC LIMIT 1")
    cli(thief, "sync", bristol.address)
    assert holds(bristol, vouch)

    cluster.wait(lambda: holds(calais, vouch), 30, "the copy's vouch on Calais, through Bristol")
    cluster.wait(lambda: WARNING in log_text(calais), 10, "Calais saying that another home signs with its group key")
    said = cli(calais, "status").stdout
    assert "WARNING: another home sign" in said and WARNING in said, said
    assert f"`solnet revoke {made['device_id']}`" in said, said  # the device it certified, to cut off
    assert f"`solnet revoke {fake}`" in said, said  # and the group it admitted
    assert own["device_id"] not in said and own["device_id"] not in log_text(calais), said
    answer = cli(calais, "publish", "alert", "--region", "calais", "--type", "raid", "--text", "Vans at the bridge")
    assert WARNING in answer.stderr, answer.stderr  # where the next publish was typed
    assert localnet.stop(calais) == 0


def copy_certifies_a_spy(cluster: Cluster, calais: LocalNode, bristol: LocalNode, tmp_path: Path) -> dict:
    """A copy of Calais's home (taken now, its node stopped) catches up through Bristol (started
    here), certifies a spy device with the group key and sends the vouch to Bristol: the spy's ids."""
    thief = tmp_path / "thief"
    shutil.copytree(calais.home.path, thief)
    cluster.start(bristol)
    group = calais.home.config().group_id
    made = cli_json(tmp_path / "spy", "init", "--group", "Calais", "--region", "calais", "--device-of", group)
    cli(thief, "sync", bristol.address)
    cli(thief, "vouch", made["device_request"], "--out", str(tmp_path / "spy.txt"))
    cli(thief, "sync", bristol.address)
    return made


def test_a_copys_vouch_synced_while_the_node_is_stopped_is_said_then_and_after_each_restart(
        cluster: Cluster, tmp_path: Path) -> None:
    """The warning is read from the home's files (the group key's events above the newest seq this
    home signed with it, node/own_marks.py), not kept in the running node's memory: a `solnet sync`
    made with the node stopped brings the copy's vouch, `solnet status` says it with no node, the node
    says it as it starts, and again after a restart (the spy device stays certified)."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    made = copy_certifies_a_spy(cluster, calais, bristol, tmp_path)
    assert WARNING not in cli(calais, "status").stdout  # not held here yet
    cli(calais, "sync", bristol.address)  # the node stopped: a one-shot sync stores the copy's vouch
    said = cli(calais, "status").stdout
    assert "node: not running" in said and WARNING in said, said
    assert f"`solnet revoke {made['device_id']}`" in said and "restored from an older backup" in said, said
    facts = cli_json(calais, "status", "--json")["node"]["group_key_elsewhere"]
    assert facts["devices"] == [made["device_id"]] and facts["when"] == "while_stopped", facts
    for _ in range(2):  # started, and started again: said each time
        cluster.start(calais)
        said = cli(calais, "status").stdout
        assert "node: running" in said and f"`solnet revoke {made['device_id']}`" in said, said
        assert localnet.stop(calais) == 0
    assert made["device_id"] in log_text(calais)
