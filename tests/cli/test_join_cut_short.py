"""A `solnet join` killed before it stored any event (a power cut on a Pi, just after it made the
database) is run again and joins. The file it left made `join` say "this node is already in a
network" while every other command said "has not founded or joined a network yet": no way on but
deleting the database by hand. A home whose join finished is told a second join has nothing more to do."""
from __future__ import annotations

from node.store import Store


def test_a_join_cut_short_before_it_stored_its_network_is_run_again(tmp_path, cli):
    a, b = tmp_path / "A", tmp_path / "B"
    founded = cli.run_json(a, "init", "--group", "Calais", "--region", "calais", "--new-network")
    prepared = cli.run_json(b, "init", "--group", "Bristol", "--region", "bristol")
    token = tmp_path / "token"
    cli.run(a, "invite", prepared["group_id"], "--out", token)
    Store(b / "solnet.db").close()  # what the killed join left: the database made, nothing in it
    assert cli.run(b, "status", ok=False).returncode != 0  # "has not founded or joined a network yet"

    joined = cli.run_json(b, "join", token)
    assert joined["network_id"] == founded["network_id"]
    assert cli.run_json(b, "status")["network_id"] == founded["network_id"]

    again = cli.run(b, "join", token)  # a finished join: nothing more to do, its database untouched
    assert "already joined" in again.stdout
    assert cli.run_json(b, "status")["groups"] == 2
