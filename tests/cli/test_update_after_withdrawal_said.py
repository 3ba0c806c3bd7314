"""Two devices of one group edit the same need: one withdraws it while the other, offline, changes
its quantity. A withdrawal is final, so the later change counts for nothing: `solnet show` of that
change says so ("no effect", as of an alert's update after its all clear), and the withdrawn need
keeps what it asked when it was withdrawn (not the quantity of the edit that did not count).
The second device's edit is signed as an offline device does (its node had not yet heard of the
withdrawal, so publishing's check could not refuse it)."""
from __future__ import annotations

from test_no_silent_effects import _sign_anyway as _sign_offline  # what a device that had not heard of it signs


def test_an_edit_after_a_withdrawal_is_said_to_count_for_nothing(network, cli):
    a = network.a
    need = cli.publish(a, "need", "--category", "blankets", "--quantity", "20", "--region", "calais")
    cli.publish(a, "need.update", "--need", need[:12], "--status", "withdrawn", "--notes", "the church gave them")
    late = _sign_offline(a, cli.PASSPHRASE, "need.update", {"need": bytes.fromhex(need), "quantity": 40})

    shown = cli.run_json(a, "show", late)
    assert shown["no_effect"] and "had already been withdrawn" in shown["no_effect"], shown["no_effect"]
    assert "a withdrawal is final" in shown["no_effect"]
    # (and the key of its words, for a program that says it in its own language, as the API's event has it)
    assert shown["no_effect_key"] == "no_effect.withdrawn_before" and "time" in shown["no_effect_values"], shown
    said = " ".join(cli.run(a, "show", late).stdout.split())
    assert "no effect: that need had already been withdrawn by its group" in said, said

    state = cli.run_json(a, "show", need)["state"]
    assert state["status"] == "withdrawn" and state["quantity"] == 20, state
    assert state["notes"] == "the church gave them"

    offer = cli.publish(a, "offer", "--category", "tents", "--quantity", "5", "--region", "calais")
    cli.publish(a, "offer.update", "--offer", offer[:12], "--status", "withdrawn")
    late_offer = _sign_offline(a, cli.PASSPHRASE, "offer.update", {"offer": bytes.fromhex(offer), "quantity": 9})
    assert "that offer had already been withdrawn" in (cli.run_json(a, "show", late_offer)["no_effect"] or "")
    assert cli.run_json(a, "show", offer)["state"]["quantity"] == 5


def test_an_edit_before_the_withdrawal_still_counts(network, cli):
    a = network.a
    need = cli.publish(a, "need", "--category", "blankets", "--quantity", "20", "--region", "calais")
    edit = cli.publish(a, "need.update", "--need", need[:12], "--quantity", "30")
    cli.publish(a, "need.update", "--need", need[:12], "--status", "withdrawn")
    shown = cli.run_json(a, "show", edit)
    assert shown["no_effect"] is None and shown["no_effect_key"] is None, shown
    assert cli.run_json(a, "show", need)["state"]["quantity"] == 30
