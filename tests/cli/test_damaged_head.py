"""A changed byte in the index of a key's newest event (the `heads` table beside the events, neither
signed nor hashed) must not make this node's own key fork itself. `solnet publish` signed on from
it: with the head's id changed, its next event named a prev that is not its last event's id, which
every peer takes for a fork, and the device was frozen on every node (a new device and a
revocation were the only way back). Now it refuses, says the database is damaged, and signs
nothing. Real `solnet` processes on a real home."""
from __future__ import annotations

import sqlite3


def test_a_damaged_head_makes_publish_refuse_instead_of_forking(network, cli) -> None:
    home = network.a
    cli.publish(home, "need", "--category", "water", "--quantity", "3", "--region", "calais", "--offline")
    device = bytes.fromhex(cli.run_json(home, "id")["device_id"])
    db_path = home / "solnet.db"
    with sqlite3.connect(db_path) as db:
        k, head_id = db.execute("SELECT k, id FROM heads JOIN keys USING (k) WHERE key=?",
                                (device,)).fetchone()
        db.execute("UPDATE heads SET id=? WHERE k=?", (bytes([head_id[0] ^ 0x01]) + head_id[1:], k))
    _refused_as_damaged(cli, home)


def _refused_as_damaged(cli, home) -> None:
    """The next publish is refused, the database said damaged, and nothing is signed."""
    db_path = home / "solnet.db"
    with sqlite3.connect(db_path) as db:
        before = db.execute("SELECT count(*) FROM events").fetchone()[0]
    said = cli.run(home, "publish", "need", "--category", "tents", "--quantity", "2", "--region", "calais",
                   "--offline", ok=False)
    with sqlite3.connect(db_path) as db:
        after = db.execute("SELECT count(*) FROM events").fetchone()[0]
    assert after == before, "an event was signed on from the damaged head: a fork of this device"
    assert said.returncode != 0 and "is damaged" in said.stderr and "Nothing was signed" in said.stderr, said.stderr
    assert "Traceback" not in said.stderr


def test_a_head_one_event_behind_makes_publish_refuse(network, cli) -> None:
    """The head's row rolled back to the event before the newest (seq and id both of an event that is
    there): signing on from it would take the newest's seq a second time. The row after it is seen."""
    home = network.a
    for quantity in ("3", "4"):
        cli.publish(home, "need", "--category", "water", "--quantity", quantity, "--region", "calais", "--offline")
    device = bytes.fromhex(cli.run_json(home, "id")["device_id"])
    db_path = home / "solnet.db"
    with sqlite3.connect(db_path) as db:
        k, seq = db.execute("SELECT k, seq FROM heads JOIN keys USING (k) WHERE key=?", (device,)).fetchone()
        (older,) = db.execute("SELECT id FROM events WHERE a=? AND seq=?", (k, seq - 1)).fetchone()
        db.execute("UPDATE heads SET seq=?, id=? WHERE k=?", (seq - 1, older, k))
    _refused_as_damaged(cli, home)
