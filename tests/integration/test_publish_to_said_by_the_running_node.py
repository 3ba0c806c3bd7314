"""`solnet publish ... --to Bristol` with a node running on the home: the node signs and seals it,
and the command says who can read it from the groups the node itself resolved (`told["readers"]`,
sent back over the local channel), not from a second look-up of its own. A real `solnet run`
process; the line must be the one the command prints when it signs by itself."""
from __future__ import annotations

from local_cluster import Cluster, cli, status

SAID = "Shared with Calais and Bristol only: other nodes see only that this device published something."


def test_the_running_node_says_the_groups_it_sealed_to(cluster: Cluster, tmp_path) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    cli(bristol, "export", tmp_path / "bristol.bundle")
    cli(calais, "import", tmp_path / "bristol.bundle")  # Calais knows Bristol and its profile
    offer = ("publish", "offer", "--category", "tents", "--quantity", "3", "--region", "calais", "--to", "Bristol")
    alone = cli(calais, *offer).stdout.splitlines()  # no node runs: the command signs it itself
    assert alone[0].startswith("Published offer ") and alone[1] == SAID, alone

    cluster.start(calais)
    assert status(calais)["node"]["running"] is True
    done = cli(calais, *offer)
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Published offer ") and lines[1] == SAID, (lines, done.stderr)
    assert "error" not in done.stderr.lower(), done.stderr
