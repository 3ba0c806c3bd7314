"""A running node whose index of each key's newest event (`heads`) is damaged under it (a flipped
byte): the next sync round reads it to compare with the peer's. node/store/errors.py check_heads
raises the damage there, and it escaped the round as a bare exception: the link task died with a
traceback, the peer was told nothing it could use, and neither the log nor `solnet status` said the
damage or its mend (`solnet rebuild`). It is said as every other damage under a running node is
(tests/integration/test_damaged_while_running.py): the round is cut, the operator told once."""
from __future__ import annotations

import json
import sqlite3

import pytest

from local_cluster import Cluster, cli, publish

pytestmark = pytest.mark.integration


def test_a_damaged_head_under_a_running_node_is_said_with_its_mend(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    publish(calais, "need", category="tents", quantity="2", region="calais")
    cluster.start(calais, sync_interval=3600)
    with sqlite3.connect(calais.home.db_path) as other:  # a committed change: the node reads it next
        other.execute("UPDATE heads SET seq=-5 WHERE k=(SELECT max(k) FROM heads)")

    done = cli(bristol, "sync", calais.address, ok=False)
    assert done.returncode != 0, done
    assert "the peer cannot read its events right now" in done.stderr, done.stderr

    facts = json.loads(cli(calais, "status", "--json", ok=False).stdout)
    assert facts["database_damaged"], facts
    assert "solnet rebuild" in facts["node"]["storage_problem"], facts["node"]
    log = calais.log_path.read_text()
    assert log.count("ERROR the database") == 1 and "solnet rebuild" in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    assert calais.proc.poll() is None, "the node died of it"
