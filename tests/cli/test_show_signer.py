"""`solnet show` names who signed an event: a device of the group, or the group key itself (the
trust events: vouches, accepts, profiles), which is no device."""
from __future__ import annotations


def test_show_says_an_event_of_the_group_key_is_signed_with_the_group_key(network, cli):
    events = cli.run_json(network.a, "ls")
    by_group_key = next(e for e in events if e["kind"] == "group.profile" and e["author"] == network.group_a)
    shown = cli.run(network.a, "show", by_group_key["id"]).stdout
    assert "with the group key" in shown.splitlines()[1] and "device" not in shown.splitlines()[1], shown
    action = cli.publish(network.a, "action", "--title", "Rally", "--region", "calais", "--type", "protest",
                         "--starts-at", "2031-06-01T18:00")
    assert f"device {network.device_a[:12]}…" in cli.run(network.a, "show", action).stdout.splitlines()[1]
