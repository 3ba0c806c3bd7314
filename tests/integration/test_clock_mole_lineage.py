"""An infiltrator's two groups stamp their events 40 h ahead, on real `solnet` processes: the mole's
group Dunkirk (admitted by the founder, Calais) admitted a second group, Lille, with one vouch.
Until 2026-12-06 events of any two groups so stamped made an honest node (Bristol, its clock right)
say "this machine's clock looks 39 h 59 min behind ... Set it", and stretch its own raid alert's
life (6 h) by as much. One lineage is one source now (node/clock.py): Bristol says nothing of its
clock, and its alert lives 6 h.

The moles' clocks are moved with libfaketime (their processes only; the machine's is never touched).
"""
from __future__ import annotations

from pathlib import Path

from before_accepts import vouched_token
from events.kinds import ALERT_DEFAULT_EXPIRY_MS
from fast_keystores import cheap_key_derivation
from local_cluster import PASSPHRASE, Cluster, cli, log_text, publish, query, status
from node import membership
from node.demo import localnet
from node.home import Home
from test_clock_set_back import stepped_clock

AHEAD_S = 40 * 3600


def admitted_by(admitter: localnet.LocalNode, name: str, region: str, root: Path) -> localnet.LocalNode:
    """A new group's node, admitted by `admitter`'s group key (one vouch), joined as `solnet join` does."""
    home = Home(localnet.home_dir(root, name))
    with cheap_key_derivation():
        _, keys = membership.prepare_group(home, name, region, PASSPHRASE)
    membership.join(home, vouched_token(admitter, bytes(keys.group.public)), keys).store.close()
    return localnet.LocalNode(name, region, home, localnet.free_ports(1)[0], keys=keys)


def test_one_moles_two_groups_stamping_far_ahead_do_not_say_an_honest_clock_is_behind(cluster: Cluster,
                                                                                       tmp_path: Path) -> None:
    calais, bristol, dunkirk = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Dunkirk", "dunkirk")])
    lille = admitted_by(dunkirk, "Lille", "lille", cluster.root / "net")
    cluster.adopt([lille])
    _, ahead = stepped_clock(tmp_path, f"+{AHEAD_S}s", AHEAD_S)
    bristol.peers = [calais.port]
    cluster.start(calais)
    cluster.start(bristol)
    for mole in (dunkirk, lille):
        mole.peers = [bristol.port]
        cluster.start(mole, extra_env=ahead)
        publish(mole, "need", category="food", quantity="3", region=mole.region)  # stamped 40 h ahead
    for name in ("Dunkirk", "Lille"):  # each group's refused events noted (Lille's as a member's)
        cluster.wait(lambda: f"events of {name} from peers were refused as stamped" in log_text(bristol), 40,
                     f"Bristol refusing {name}'s events stamped ahead")

    facts = status(bristol)["node"]
    assert facts["running"] and facts.get("clock_behind_ms") is None, facts
    said = cli(bristol, "status").stdout
    assert "clock looks" not in said, said
    alert = publish(bristol, "alert", region="bristol", type="raid", text="police at the station")
    [(ts, expires)] = query(bristol, "SELECT ts, expires FROM events WHERE id=?", (alert,))
    assert expires - ts == ALERT_DEFAULT_EXPIRY_MS, (ts, expires)  # not stretched by 40 h
