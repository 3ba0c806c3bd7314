"""A device its group certified after a request was sealed does not read that request's private
part, though its group does: `view support` on it said of its own group's request "[private, not
shared with this group]", and a coordinator on the new laptop took the family's case for one never
sent to Calais. It says the part is not sealed to this device, and that its group reads it."""
from __future__ import annotations


def test_a_later_device_is_not_told_its_own_groups_request_was_not_shared_with_it(network, cli, tmp_path):
    request = cli.publish(network.a, "support.request", "--region", "calais", "--type", "housing", "--people", "2",
                          "--urgency", "high", "--private", "a family of 3, Rue X", "--to", "Calais")
    laptop = tmp_path / "laptop"
    made = cli.run_json(laptop, "init", "--device-of", network.group_a)
    token = tmp_path / "device.txt"
    cli.run(network.a, "vouch", made["device_request"], "--out", token)
    cli.run(laptop, "join", token)
    bundle = tmp_path / "calais.bundle"
    cli.run(network.a, "export", bundle)
    cli.run(laptop, "import", bundle)
    [line] = [line for line in cli.run(laptop, "view", "support").stdout.splitlines() if request[:12] in line]
    assert "not shared with this group" not in line, line
    assert "[private, not sealed to this device: your group's other devices read it]" in line, line
