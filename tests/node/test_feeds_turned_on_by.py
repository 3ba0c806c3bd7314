"""The public-feeds warning names the device that turned the feeds on, not the last one to sign a
profile that kept them on. A seized phone of Calais turns `public_feeds: yes` on; Calais's main node
then renames the group, keeping the profile as it is (feeds still on). On a second node of Calais the
warning named the main node's device ("revoke it") and the phone went unnamed. A node that signed a
profile of the run that keeps the feeds on has said yes itself: no warning there."""
from __future__ import annotations

from pathlib import Path

from node import feeds_opt_in
from node_fixtures import Net, wires

YES = {"name": "Calais", "region": "calais", "public_feeds": "yes"}


def test_the_warning_names_the_device_that_turned_the_feeds_on(net: Net, tmp_path: Path) -> None:
    phone, second = net.device_of(net.group), net.device_of(net.group)
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made))
    group, main = bytes(bytes(net.group.key.public)).hex(), bytes(net.device.key.public).hex()

    log.ingest(wires([phone.sign("group.profile", YES)]))  # the seized phone
    log.ingest(wires([net.device.sign("group.profile", {**YES, "name": "Calais Solidarity"})]))  # main node renames
    opted = feeds_opt_in.opted_in_by(log.store, log.trust, bytes(net.group.key.public))
    on_second = feeds_opt_in.warning(opted, bytes(second.key.public).hex(), group)
    assert on_second is not None and on_second["device"] == bytes(phone.key.public).hex(), on_second
    assert feeds_opt_in.warning(opted, main, group) is None  # the main node signed yes itself

    # Turned off, then on again by the main node: its own doing, named as such on the second node
    log.ingest(wires([net.device.sign("group.profile", {"name": "Calais", "region": "calais"})]))
    assert feeds_opt_in.opted_in_by(log.store, log.trust, bytes(net.group.key.public)) is None
    log.ingest(wires([net.device.sign("group.profile", YES)]))
    opted = feeds_opt_in.opted_in_by(log.store, log.trust, bytes(net.group.key.public))
    assert feeds_opt_in.warning(opted, bytes(second.key.public).hex(), group)["device"] == main
