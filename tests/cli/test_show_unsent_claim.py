"""`solnet show` of a support request whose private part Bristol was not sent to, claimed by
Bristol's device all the same (a hand-signed claim: publishing refuses it), says what `view support`
says on the requesting node: open, claimed by a group it was not sent to; it said "taken by
Bristol", reading the claim without the key that tells who the part went to."""
from __future__ import annotations

from test_no_silent_effects import _sealed_to_its_own_group, _sign_anyway, _sync


def test_show_does_not_call_a_request_taken_by_a_group_it_was_not_sent_to(network, cli, tmp_path):
    a, b = network.a, network.b  # Calais, Bristol
    request = _sealed_to_its_own_group(a, cli.PASSPHRASE)
    _sync(cli, a, b, tmp_path)
    _sign_anyway(b, cli.PASSPHRASE, "support.claim", {"request": bytes.fromhex(request)})
    _sync(cli, b, a, tmp_path)

    [viewed] = [r for r in cli.run_json(a, "view", "support") if r["id"] == request]
    assert viewed["status"] == "open" and viewed["claimed_by"] == [], viewed
    state = cli.run_json(a, "show", request)["state"]
    assert state["status"] == "open" and state["claimed_by"] == [], state
    assert [c["group"] for c in state["claimed_unsent"]] == [network.group_b], state
    now = cli.run(a, "show", request).stdout.splitlines()[-1]
    assert now.startswith("  now: open") and "taken by" not in now and "which this request was not sent to" in now, now
