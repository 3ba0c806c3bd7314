"""`view support` says of a request of 0.1, whose private part is the text alone (it names no
groups), that this group reads it when this device opens it: it said "[private, not shared with
this group]" of a family's details that `solnet show` gives, as this device cannot tell who else
reads such a part (`read_here`, node/audience.py)."""
from __future__ import annotations

from crypto.envelope import seal
from node.home import PASSPHRASE_ENV, Home
from node.private import recipient_keys

FIELDS = {"region": "calais", "type": "housing", "people": "2", "urgency": "high"}


def test_an_old_private_part_this_device_opens_is_said_shared_with_it(network, cli, monkeypatch):
    monkeypatch.setenv(PASSPHRASE_ENV, "nine tents for the jungle")  # (tests/cli/conftest.py's)
    home = Home(network.a)
    keys, log = home.keys(), home.log()
    try:
        own = bytes(keys.group.public) if keys.group is not None else log.trust.group_of(bytes(keys.device.public))
        old = seal("a family of 3, Rue X".encode(), recipient_keys(log.trust, [own], own))  # 0.1: no groups named
        request = log.append(keys.device, "support.request", {**FIELDS, "sealed": old}, offline=True)
    finally:
        log.store.close()
    short = request.id.hex()[:12]
    assert "a family of 3, Rue X" in cli.run(network.a, "show", short).stdout  # `show` gives the details
    [line] = [line for line in cli.run(network.a, "view", "support").stdout.splitlines() if short in line]
    assert f"[private, readable here: see `solnet show {short}`]" in line, line
