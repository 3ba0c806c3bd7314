"""The network simulator (bench/simulate.py) as a check: a few short runs with every fault on must
end with no invariant violated and the honest nodes converged, and a seed must replay exactly.

Simulated time only: nothing here waits on the wall clock. The longer runs, with figures, are the
benchmark (`python -m bench.simulate`)."""
from __future__ import annotations

import pytest

from bench.sim.world import FAULTS
from bench.simulate import main, simulate

ALL = set(FAULTS)


@pytest.mark.parametrize("seed", [1, 2])
def test_fifty_nodes_with_every_fault_keep_the_invariants(seed):
    figures, violations = simulate(50, seed, ALL, events=60, max_s=600)
    assert violations == []
    assert figures["converged"] == "1" and figures["invariant_violations"] == "0"
    assert int(figures["events"]) > 50  # the workload ran (a few publishers may be down)


def test_the_same_seed_gives_the_same_run():
    first, _ = simulate(20, 7, ALL, events=40, max_s=600)
    again, _ = simulate(20, 7, ALL, events=40, max_s=600)
    other, _ = simulate(20, 8, ALL, events=40, max_s=600)
    assert first == again
    assert first["digest"] != other["digest"]


def test_bad_arguments_are_refused_in_words(capsys):
    with pytest.raises(SystemExit):
        main(["--nodes", "1"])
    assert "--nodes must be at least 2" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--nodes", "5", "--faults", "meteor"])
    assert "unknown fault 'meteor'" in capsys.readouterr().err
