"""An expired alert's text on a home whose node is stopped: the node's timer drops expired bodies every
30 s while it runs; stopped, the commands read the database as it was, so `solnet export` carried an
expired alert's text onto a USB stick (a bundle is in clear without --encrypt) and `show` printed it.
Opening the home's log drops them first."""
from __future__ import annotations

import io
from pathlib import Path

import node.log
from node import publishing
from node.bundle import export_bundle
from node.demo import localnet

PASSPHRASE = "expired bodies test: not a secret"
SECRET = "meet at the old church door"


def test_an_expired_alert_is_gone_from_what_a_stopped_home_shows_and_exports(tmp_path: Path, monkeypatch) -> None:
    [calais] = localnet.create_network(tmp_path / "net", [("Calais", "calais")], PASSPHRASE)
    keys = calais.home.keys(PASSPHRASE)
    log = calais.home.log()
    alert = publishing.publish(log, keys, "alert", {"region": "calais", "type": "raid", "text": SECRET},
                               expires_in="1m", offline=True)
    log.store.close()
    later = alert.header.expires + 1000
    monkeypatch.setattr(node.log, "now_ms", lambda: later)  # a minute on, the node stopped all along
    log = calais.home.log()  # as `solnet show` or `solnet export` opens it
    try:
        assert log.store.event_row(alert.id)[8] is None, "the expired body is still there"
        bundle = io.BytesIO()
        export_bundle(log, keys.device, bundle)
        assert SECRET.encode() not in bundle.getvalue()
    finally:
        log.store.close()
    for path in calais.home.db_path.parent.glob(calais.home.db_path.name + "*"):  # the WAL too
        assert SECRET.encode() not in path.read_bytes(), path
