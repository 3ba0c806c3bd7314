"""The public-feeds warning names the device that turned the feeds on, not the last one to sign a
profile that kept them on. A seized phone of Calais turns `public_feeds: yes` on; Calais's main node
then renames the group, keeping the profile as it is (feeds still on). On a second node of Calais the
warning named the main node's device ("revoke it") and the phone went unnamed. A node that signed a
profile of the run that keeps the feeds on has said yes itself: no warning there."""
from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto.keystore import NodeKeys
from events.genesis import make_genesis
from node import feeds_opt_in
from node.log import now_ms
from node_fixtures import Author, Net, device_vouch, wires

YES = {"name": "Calais", "region": "calais", "public_feeds": "yes"}


def test_the_warning_names_the_device_that_turned_the_feeds_on(net: Net, tmp_path: Path) -> None:
    phone, second = net.device_of(net.group), net.device_of(net.group)
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made))
    group, main = bytes(bytes(net.group.key.public)).hex(), bytes(net.device.key.public).hex()

    seized = phone.sign("group.profile", YES)  # the seized phone
    log.ingest(wires([seized]))
    # the main node renames after (stamped later: two authors' clocks may give one millisecond)
    log.ingest(wires([net.device.sign("group.profile", {**YES, "name": "Calais Solidarity"},
                                      ts=seized.header.timestamp + 1)]))
    opted = feeds_opt_in.opted_in_by(log.store, log.trust, bytes(net.group.key.public))
    on_second = feeds_opt_in.warning(opted, bytes(second.key.public).hex(), group)
    assert on_second is not None and on_second["device"] == bytes(phone.key.public).hex(), on_second
    assert feeds_opt_in.warning(opted, main, group) is None  # the main node signed yes itself

    # Turned off, then on again by the main node: its own doing, named as such on the second node
    # (each stamped after the rename: an explicit stamp does not move the author's clock on)
    log.ingest(wires([net.device.sign("group.profile", {"name": "Calais", "region": "calais"},
                                      ts=seized.header.timestamp + 2)]))
    assert feeds_opt_in.opted_in_by(log.store, log.trust, bytes(net.group.key.public)) is None
    log.ingest(wires([net.device.sign("group.profile", YES, ts=seized.header.timestamp + 3)]))
    opted = feeds_opt_in.opted_in_by(log.store, log.trust, bytes(net.group.key.public))
    assert feeds_opt_in.warning(opted, bytes(second.key.public).hex(), group)["device"] == main


def _fresh_net() -> Net:
    """A founded network of one group, as the `net` fixture makes it (one per example)."""
    keys = NodeKeys.generate(with_group=True)
    genesis = make_genesis("test", [bytes(keys.group.public)], now_ms() - 1000)
    group, device = Author(keys.group, genesis.network_id), Author(keys.device, genesis.network_id)
    group.sign("member.vouch", device_vouch(keys.group, keys.device, bytes(keys.device_encryption.public)))
    return Net(genesis, keys, group, device)


def _flipped(data: st.DataObject, tmp_path_factory, most: int) -> tuple[list[dict | None], list[str]]:
    """Profiles (on, kept on, off, on again) signed by Calais's main node and two more devices, at most
    `most`, taken in as signed and in a drawn order (one by one: a profile may come before its
    device's vouch): `opted_in_by` for each order, and the run of the whole history (its signers,
    newest first)."""
    net = _fresh_net()
    phone, laptop = net.device_of(net.group), net.device_of(net.group)
    flips = data.draw(st.lists(st.tuples(st.sampled_from([0, 1, 2]), st.booleans()), min_size=1, max_size=most),
                      label="profiles")
    authors = (net.device, phone, laptop)
    start = now_ms()
    for n, (who, on) in enumerate(flips):  # (each a millisecond apart: the last writer is the last signed)
        authors[who].sign("group.profile", {"name": f"Calais {n}", "region": "calais",
                                            **({"public_feeds": "yes"} if on else {})}, ts=start + n)
    signed = wires(net.group.made + [e for a in authors for e in a.made])
    said = []
    for order in (signed, data.draw(st.permutations(signed), label="order")):
        log = net.new_log(tmp_path_factory.mktemp("feeds") / "calais.db")
        for wire in order:
            log.ingest([wire])
        said.append(feeds_opt_in.opted_in_by(log.store, log.trust, bytes(net.group.key.public)))
        log.store.close()
    run = []  # the model: the profiles that keep the feeds on, back from the last one
    for who, on in reversed(flips):
        if not on:
            break
        run.append(bytes(authors[who].key.public).hex())
    return said, run


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_who_turned_the_feeds_on_is_the_same_in_any_arrival_order(tmp_path_factory, data) -> None:
    """The devices' vouches and their profiles (on, kept on, off, on again) arrive in any order: the
    device named, and the signers of the run, are those of the order they were signed in."""
    said, run = _flipped(data, tmp_path_factory, 6)
    assert said[0] == said[1]
    if not run:
        assert said[0] is None
    else:
        assert said[0]["device"] == run[-1] and said[0]["signers"] == list(dict.fromkeys(run)), (said[0], run)


def test_a_device_signing_more_profiles_than_are_read_is_still_named(net: Net, tmp_path: Path) -> None:
    """Calais's main node opted in itself; a seized phone turns the feeds off, then on again with more
    profiles than are read per key (PROFILES_READ). Its "off" fell out of the read, the run reached
    the main node's old "yes", and the main node saw no warning: the phone's doing passed as its own."""
    phone = net.device_of(net.group)
    start = now_ms()  # (after the founding profile)
    net.device.sign("group.profile", YES, ts=start)  # the main node's own yes
    phone.sign("group.profile", {"name": "Calais", "region": "calais"}, ts=start + 1)  # off
    for n in range(feeds_opt_in.PROFILES_READ + 1):
        phone.sign("group.profile", {**YES, "description": f"{n}"}, ts=start + 2 + n)
    group, main = bytes(net.group.key.public), bytes(net.device.key.public).hex()
    signed = wires(net.group.made + net.device.made + phone.made)
    for order in (signed, signed[::-1]):
        log = net.new_log(tmp_path / f"calais{len(order)}{order is signed}.db")
        for wire in order:
            log.ingest([wire])
        opted = feeds_opt_in.opted_in_by(log.store, log.trust, group)
        warned = feeds_opt_in.warning(opted, main, group.hex())
        assert warned is not None and warned["device"] == bytes(phone.key.public).hex(), opted
        assert main not in warned["signers"], warned
        log.store.close()


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_with_few_profiles_read_the_device_named_signed_yes_in_the_run_in_any_order(tmp_path_factory, data) -> None:
    """With 2 profiles read per key (PROFILES_READ, 64 in use: set low here so that short histories
    cut it), in any arrival order: the same answer, and the device named and every signer kept the
    feeds on in the run the whole history has (a key whose older profiles are unread is named where
    the run reaches them, never a key before its hidden 'off')."""
    read = feeds_opt_in.PROFILES_READ
    feeds_opt_in.PROFILES_READ = 2
    try:
        said, run = _flipped(data, tmp_path_factory, 8)
    finally:
        feeds_opt_in.PROFILES_READ = read
    assert said[0] == said[1]
    if not run:
        assert said[0] is None
    else:
        assert said[0]["device"] in run and set(said[0]["signers"]) <= set(run), (said[0], run)
