"""`solnet show` and `solnet view support` on the requesting group's node say of an open support
request whose private part was sealed only to a group revoked since that no group it was sent to
can still read it (naming it, revoked), and how to share it with one that can (support.share); they
named the reader as if it could still act, and a minor's case could wait unread forever."""
from __future__ import annotations

from test_case_notes import _request


def test_show_and_view_say_no_group_it_was_sent_to_can_still_read_it(network, cli, tmp_path):
    request = _request(network, cli, tmp_path)
    cli.run(network.a, "revoke", network.group_b, "--reason", "infiltrated")
    advice = f"share it with a group that can (solnet publish support.share --request {request} --to GROUP)"
    shown = cli.run(network.a, "show", request).stdout
    assert "NO GROUP IT WAS SENT TO CAN STILL READ IT: " in shown and "(was revoked)" in shown, shown
    assert advice in shown, shown
    assert [g["group_gone"] for g in cli.run_json(network.a, "show", request)["readers_gone"]] == ["revoked"]
    listed = " ".join(cli.run(network.a, "view", "support").stdout.split())
    assert "NO GROUP IT WAS SENT TO CAN STILL READ IT: " in listed and advice in listed, listed
