"""Two `solnet publish` processes on one home at once: every one succeeds and the chain has no gap."""
from __future__ import annotations

import json
import subprocess


def test_parallel_publishers_make_one_gapless_chain(network, cli):
    rounds, writers = 10, 2
    cmd = [str(cli.SOLNET), "--home", str(network.a), "publish", "need", "--category", "water",
           "--region", "calais", "--json", "--quantity"]
    printed: list[str] = []
    for r in range(rounds):
        procs = [subprocess.Popen([*cmd, str(r * writers + w + 1)], env=cli.base_env(), stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for w in range(writers)]
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, f"round {r}: exit {proc.returncode}\n{err}"
            printed.append(json.loads(out)["id"])

    mine = cli.run_json(network.a, "ls", "--author", network.device_a, "--limit", "1000")
    assert len(printed) == len(set(printed)) == rounds * writers
    assert {e["id"] for e in mine} == set(printed)
    assert sorted(e["seq"] for e in mine) == list(range(1, rounds * writers + 1))
    assert sorted(e["quantity"] for e in mine) == list(range(1, rounds * writers + 1))
    status = cli.run_json(network.a, "status")
    assert status["forks"] == 0 and status["frozen_authors"] == [] and status["pending"] == 0

    # The chain is sound for another node too.
    cli.run(network.a, "export", network.a.parent / "a.bundle")
    result = cli.run_json(network.b, "import", network.a.parent / "a.bundle")
    assert result["rejected"] == 0 and result["pending"] == 0
