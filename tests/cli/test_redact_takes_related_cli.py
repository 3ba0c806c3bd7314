"""`solnet redact` left an alert's update readable ("Hiding at Maison 77": where people hide) once the
alert was redacted, and said nothing of it. It now takes this device's
events naming the one redacted along, in the same redaction, names them, and names those another
device signed as staying."""
from __future__ import annotations

from test_alert_history_own_group_cli import sign_on_b

HIDING = "Hiding at Maison 77"


def test_redact_takes_this_devices_update_names_the_others(network, cli, tmp_path) -> None:
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
