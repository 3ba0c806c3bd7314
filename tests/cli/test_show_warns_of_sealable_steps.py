"""`solnet show` without the passphrase on a home holding events for chosen groups warns that the
state may be incomplete only where such an event can change it (a need's, an offer's, a
fundraiser's steps): an alert's updates and a request's claims and closes are never sealed
(events.sealed.SEALABLE), yet `show ALERT` warned of them. A request whose private part this
device cannot open says instead that who took it may be misread."""
from __future__ import annotations

from test_no_silent_effects import _sealed_to_its_own_group

LOCKED = {"SOLNET_PASSPHRASE": None}


def test_show_warns_of_chosen_groups_only_for_kinds_whose_steps_can_be_sealed(network, cli):
    a = network.a
    cli.publish(a, "offer", "--category", "tents", "--quantity", "4", "--region", "calais", "--to", "calais")
    alert = cli.publish(a, "alert", "--region", "calais", "--type", "raid", "--text", "Police at the camp")
    cli.publish(a, "alert.update", "--alert", alert, "--status", "update", "--text", "moved to the bridge")
    request = cli.publish(a, "support.request", "--region", "calais", "--type", "housing", "--people", "2",
                          "--urgency", "high")
    cli.publish(a, "support.claim", "--request", request)
    need = cli.publish(a, "need", "--category", "tents", "--quantity", "20", "--region", "calais")
    private = _sealed_to_its_own_group(a, cli.PASSPHRASE)

    for never_sealed in (alert, request):
        shown = cli.run(a, "show", never_sealed, env=LOCKED)
        assert "  now: " in shown.stdout and "warning" not in shown.stderr, shown
    assert "its state may be incomplete" in cli.run(a, "show", need, env=LOCKED).stderr
    misread = cli.run(a, "show", private, env=LOCKED).stderr
    assert "who took it may be misread" in misread and "its state may be incomplete" not in misread, misread
    assert "warning" not in cli.run(a, "show", private).stderr
