"""The group key's events a copy of the home signed stay said after the owner's home signs past them
(node/own_marks.py keeps the stretches of seqs signed here, not only the newest). Until 2026-12-06
the owner's next vouch put the copy's events below the mark, and the warning was gone at the next
start, and from `solnet status`.

Real `solnet` commands and a real `solnet run`, a real copy of the home."""
from __future__ import annotations

import shutil
from pathlib import Path

from local_cluster import Cluster, cli, cli_json, holds, query
from node.demo import localnet
from test_group_key_elsewhere import copy_certifies_a_spy

WARNING = "with this group's key"


def test_a_copys_vouch_is_still_said_after_the_owner_signs_past_it_and_restarts(
        cluster: Cluster, tmp_path: Path) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    spy = copy_certifies_a_spy(cluster, calais, bristol, tmp_path)
    group = calais.home.config().group_id
    cli(calais, "sync", bristol.address)  # the copy's vouch comes to the owner's home
    assert f"`solnet revoke {spy['device_id']}`" in cli(calais, "status").stdout
    # The owner's home signs with the group key past it: a device of its own, then a new group.
    own = cli_json(tmp_path / "laptop", "init", "--group", "Calais", "--region", "calais", "--device-of", group)
    cli(calais, "vouch", own["device_request"], "--out", str(tmp_path / "laptop.txt"), "--offline")
    newcomer = cli_json(tmp_path / "dover", "init", "--group", "Dover", "--region", "dover")["group_id"]
    cli(calais, "invite", newcomer, "--out", str(tmp_path / "dover.txt"), "--offline")
    said = cli(calais, "status").stdout
    assert WARNING in said and f"`solnet revoke {spy['device_id']}`" in said, said
    assert own["device_id"] not in said and newcomer not in said, said
    cluster.start(calais)
    said = cli(calais, "status").stdout
    assert "node: running" in said and f"`solnet revoke {spy['device_id']}`" in said, said
    assert localnet.stop(calais) == 0
    assert f"`solnet revoke {spy['device_id']}`" in cli(calais, "status").stdout


def test_a_home_restored_from_a_backup_takes_its_own_events_back_and_says_nothing_after_a_restart(
        cluster: Cluster, tmp_path: Path) -> None:
    """The owner's home certifies a laptop with the group key after its last backup, then its disk
    dies and the backup is restored. The laptop's vouch comes back from Bristol above the restored
    marks; the restored home signs past it (which answers it: node/key_elsewhere.py), and the
    stretches kept since 2026-12-06 must not say it at the next starts, as a copy's
    (own_marks.going_on: a restored home's commits go on from its marks)."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    calais.peers = [bristol.port]
    cluster.start(bristol)
    group = calais.home.config().group_id
    tablet = cli_json(tmp_path / "tablet", "init", "--group", "Calais", "--region", "calais", "--device-of", group)
    cli(calais, "vouch", tablet["device_request"], "--out", str(tmp_path / "tablet.txt"), "--offline")
    cli(calais, "sync", bristol.address)
    backup = tmp_path / "backup"
    shutil.copytree(calais.home.path, backup)
    laptop = cli_json(tmp_path / "laptop", "init", "--group", "Calais", "--region", "calais", "--device-of", group)
    cli(calais, "vouch", laptop["device_request"], "--out", str(tmp_path / "laptop.txt"))
    [(vouch,)] = query(calais, "SELECT id FROM events WHERE kind='member.vouch' ORDER BY n DESC LIMIT 1")
    cli(calais, "sync", bristol.address)
    shutil.rmtree(calais.home.path)  # the disk dies; the backup is put back
    shutil.copytree(backup, calais.home.path)
    cluster.start(calais)
    cluster.wait(lambda: holds(calais, vouch), 60, "the laptop's vouch back on the restored home")
    phone = cli_json(tmp_path / "phone", "init", "--group", "Calais", "--region", "calais", "--device-of", group)
    cli(calais, "vouch", phone["device_request"], "--out", str(tmp_path / "phone.txt"))  # it signs on, past it
    assert localnet.stop(calais) == 0
    said = cli(calais, "status").stdout
    assert WARNING not in said, said
    cluster.start(calais)
    said = cli(calais, "status").stdout
    assert "node: running" in said and WARNING not in said, said
    assert localnet.stop(calais) == 0
