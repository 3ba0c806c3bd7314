"""`solnet view alert-history` shows an alert's updates and all clears from its own group only. Bristol
(an infiltrating member group) signs by hand an all clear on Calais's raid alert naming another
region, and delivers it in a bundle (publishing refuses it): `view alert-history --region dover`
showed Calais's live raid as "ALL CLEAR – False alarm, safe to return", and once Calais redacted its
alert the whole history told Bristol's words in its place."""
from __future__ import annotations

from contextlib import closing
from pathlib import Path

from crypto.keystore import read_keystore
from events.canonical import pack
from events.format import sign_event
from node.log import EventLog, now_ms
from node.store import Store


def sign_on_b(network, cli, alert: str) -> None:
    """Bristol's device signs the all clear by hand (as a modified node would) into B's log."""
    keys = read_keystore(network.b / "keystore", cli.PASSPHRASE)
    with closing(Store(network.b / "solnet.db")) as store:
        log = EventLog(store)
        seq, prev = store.head(bytes(keys.device.public))
        fake = sign_event(keys.device, network=bytes.fromhex(network.network_id), seq=seq + 1, prev=prev,
                          timestamp=now_ms(), kind="alert.update",
                          body=pack({"alert": bytes.fromhex(alert), "status": "all_clear",
                                     "text": "False alarm, safe to return", "region": "dover", "type": "other"}))
        (outcome,) = log.ingest([fake.encode()])
        assert outcome.status == "accepted", outcome


def redact_alone(network, cli, alert: str) -> None:
    """Calais redacts its alert and not its update (`solnet redact` takes along the updates of the
    device that redacts: one another device of Calais signed stays, as this one does here)."""
    keys = read_keystore(network.a / "keystore", cli.PASSPHRASE)
    with closing(Store(network.a / "solnet.db")) as store:
        EventLog(store).append(keys.device, "redact", {"ids": [bytes.fromhex(alert)]}, offline=True)


def test_another_groups_all_clear_shows_in_no_alert_history(network, cli, tmp_path: Path):
    alert = cli.publish(network.a, "alert", "--region", "calais", "--type", "raid", "--text", "Police raid at Rue X")
    sign_on_b(network, cli, alert)
    bundle = tmp_path / "bristol.bundle"
    cli.run(network.b, "export", bundle)
    cli.run(network.a, "import", bundle)
    cli.publish(network.a, "alert.update", "--alert", alert, "--status", "update", "--text", "Still ongoing, 6 vans")

    def shown(*region: str) -> list[tuple]:
        return [(s["alert"], s["group"], s["region"], s["status"], s["latest"], [u["group"] for u in s["updates"]])
                for s in cli.run_json(network.a, "view", "alert-history", *region)]

    def not_placed(region: str) -> bool:
        """The history of `region` is refused as of a region nothing is placed in, and tells nothing of it."""
        done = cli.run(network.a, "view", "alert-history", "--region", region, ok=False)
        return done.returncode == 1 and "no event is placed in it" in done.stderr and "False alarm" not in (
            done.stdout + done.stderr)

    ours = (alert, network.group_a, "calais", "live", "Still ongoing, 6 vans", [network.group_a])
    assert shown() == shown("--region", "calais") == [ours]
    assert not_placed("dover")  # (Bristol's update placed nothing there: it counts for nothing)
    assert "False alarm" not in cli.run(network.a, "view", "alert-history").stdout
    redact_alone(network, cli, alert)
    # Its body gone, its header says it is Calais's: Calais's own update alone still tells its story.
    assert shown() == [(alert, network.group_a, "calais", "live", "Still ongoing, 6 vans", [network.group_a])]
    assert not_placed("dover")
