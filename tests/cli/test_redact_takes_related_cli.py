"""`solnet redact` left an alert's update readable ("Hiding at Maison 77": where people hide) once the
alert was redacted, said nothing of it, and redacting twice signed twice. It now takes this device's
events naming the one redacted along, in the same redaction, names them, names those another device
signed as staying, and refuses an event whose content is gone already."""
from __future__ import annotations

from contextlib import closing

from test_alert_history_own_group_cli import sign_on_b

from node.store import Store

HIDING = "Hiding at Maison 77"


def test_redact_takes_this_devices_update_names_the_others_and_signs_once(network, cli, tmp_path) -> None:
    alert = cli.publish(network.a, "alert", "--region", "calais", "--type", "raid", "--text", "Police raid at Rue X")
    sign_on_b(network, cli, alert)  # Bristol's device signs an all clear naming it
    bundle = tmp_path / "bristol.bundle"
    cli.run(network.b, "export", bundle)
    cli.run(network.a, "import", bundle)
    update = cli.publish(network.a, "alert.update", "--alert", alert, "--status", "update", "--text", HIDING)
    done = cli.run(network.a, "redact", alert[:12])
    said = " ".join(done.stdout.split())
    assert f"With it, this device's events that named it: {update[:12]}…" in said, said
    assert "Still readable, signed by another device, unless their author redacts them: alert.update" in said
    assert HIDING not in cli.run(network.a, "show", update).stdout
    again = cli.run(network.a, "redact", alert[:12], ok=False)
    assert again.returncode != 0 and "no content left to redact" in again.stderr, again.stderr
    assert cli.run(network.a, "redact", update[:12], ok=False).returncode != 0
    with closing(Store(network.a / "solnet.db")) as store:
        assert store.count_of_kind("redact") == 1


def test_redact_takes_this_devices_sealed_move_of_a_sealed_action(network, cli, tmp_path) -> None:
    """An action for Bristol only, moved to a new place in an update for Bristol only: neither makes
    a read-model row (its readers make them in memory), so `solnet redact` of the action left the
    move, and its place, readable by Bristol. It now takes it along and says so."""
    bundle = tmp_path / "bristol.bundle"  # (Calais learns Bristol's device, to seal to)
    cli.run(network.b, "export", bundle)
    cli.run(network.a, "import", bundle)
    action = cli.publish(network.a, "action", "--title", "Gate blockade", "--region", "calais", "--type", "protest",
                         "--starts-at", "2031-06-01T05:00", "--to", network.group_b)
    moved = cli.publish(network.a, "action.update", "--action", action, "--place", HIDING, "--to", network.group_b)
    done = cli.run(network.a, "redact", action[:12])
    said = " ".join(done.stdout.split())
    assert f"With it, this device's events that named it: {moved[:12]}…" in said, said
    assert HIDING not in cli.run(network.a, "show", moved).stdout
