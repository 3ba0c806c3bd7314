"""`solnet sync calais`: a peer named by its group, as `solnet peers` lists it, where the command takes
an address. It said only "bad peer address 'calais': there is no port"; now it also gives the
address of that group's node and the command to run (still a usage error: no name is dialled).
And after a `solnet sync`, `solnet peers` names the peer's group, and does not say "never connected"."""
from __future__ import annotations

from local_cluster import Cluster, cli
from solnet_errors import EXIT_USAGE


def test_a_peer_named_by_its_group_gets_its_address(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    cluster.start(calais)
    cli(bristol, "peers", "add", calais.address)
    cli(bristol, "sync", calais.address)  # the peer's group becomes known by name
    [listed] = cli(bristol, "peers").stdout.splitlines()
    # it read "(group not known yet) ... never connected; last sync <a minute ago>"
    assert listed.startswith("Calais ") and "not linked now; last sync 20" in listed, listed
    named = cli(bristol, "sync", "calais", ok=False)
    assert named.returncode == EXIT_USAGE, named
    assert "there is no port" in named.stderr
    assert f"its node's address: http://{calais.address}" in named.stderr, named.stderr
    assert f"`solnet sync {calais.address}`" in named.stderr, named.stderr
    unknown = cli(bristol, "sync", "lille", ok=False)  # no peer of that name: the refusal alone
    assert unknown.returncode == EXIT_USAGE and "name of a peer" not in unknown.stderr
