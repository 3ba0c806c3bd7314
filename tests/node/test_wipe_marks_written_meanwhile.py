"""A publish under way on the node's database thread while its panic wipe destroys the keys (that part
runs at once, off that thread: node/wipe.py `destroy_keys`) writes the marks of what the home signed
(node/own_marks.py) after they were destroyed, into a file made anew: it names this home's keys among
the log's. The database's part of the wipe, which runs on that thread after the publish, destroys it
too. A real home, a real publish with the key still in memory."""
from __future__ import annotations

from pathlib import Path

from node import chain_gate, own_marks, wipe
from node.home import Home
from node.log import now_ms
from node_fixtures import action, wires


def test_marks_written_after_the_keys_went_go_with_the_database_part(net, tmp_path: Path) -> None:
    home = Home(tmp_path)
    log = net.new_log(home.db_path)
    try:
        log.ingest(wires(net.group.made))
        chain_gate.node_started(log.store, now_ms())  # (this process plays the node)
        chain_gate.round_completed(log.store, now_ms(), chain_gate.load(log.store).started)
        report = wipe.WipeReport()
        wipe.destroy_keys(home, report)
        log.append(net.founder.device, "action", action(1))  # (the publish the database thread was writing)
        assert own_marks.path_for(home.db_path).exists()
        wipe.wipe_data(home, report)
    finally:
        log.store.close()
    assert not own_marks.path_for(home.db_path).exists()
