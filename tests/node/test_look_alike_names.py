"""A group named like a trusted one (an infiltrator's, brought in by any member) is told apart on a
real store: every name shown carries the group's short id while another group's name looks like it,
the same on every node whatever order the profiles came in, and no more once the names differ."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from crypto.keys import EncryptionKey, SigningKey
from crypto.keystore import NodeKeys
from crypto.short_ids import short_id
from node import publishing, references
from node.audience import AudienceError, resolve_groups
from node.log import EventLog
from node.render import view_line
from node.store import Store
from node.views import view
from node_fixtures import Author, Net, device_vouch, wires


def _group(net: Net, name: str, admitted_by: Author) -> tuple[Author, NodeKeys]:
    group = Author(SigningKey.generate(), net.genesis.network_id)
    admitted_by.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"})
    keys = NodeKeys(device=SigningKey.generate(), device_encryption=EncryptionKey.generate(), group=group.key)
    group.sign("member.vouch", device_vouch(group.key, keys.device, bytes(keys.device_encryption.public)))
    group.sign("group.profile", {"name": name, "region": "calais"})
    return group, keys


def _network(net: Net):
    """Calais (the founders), Bristol, and a group Bristol let in that calls itself "CaIais" (a capital I)."""
    bristol, _ = _group(net, "Bristol", net.group)
    impostor, impostor_keys = _group(net, "CaIais", bristol)
    return bristol, impostor, impostor_keys


def test_an_impostors_name_and_the_real_one_are_both_shown_with_their_ids(net: Net, tmp_path: Path) -> None:
    bristol, impostor, impostor_keys = _network(net)
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made + impostor.made))
    calais_id, impostor_id = bytes(net.group.key.public), bytes(impostor.key.public)

    names = references.group_names(log.store)
    assert names[calais_id] == f"Calais ({short_id(calais_id)})"
    assert names[impostor_id] == f"CaIais ({short_id(impostor_id)})"
    assert names[bytes(bristol.key.public)] == "Bristol"
    assert references.group_name(log.store, impostor_id) == names[impostor_id]

    # What the impostor publishes is named so in the views (the dashboard's, the API's, the CLI's).
    publishing.publish(log, impostor_keys, "alert", {"type": "raid", "region": "calais", "location": "the bridge",
                                                     "text": "move everyone to the car park now"})
    [alert] = view(log, "alerts")
    assert alert["group_name"] == f"CaIais ({short_id(impostor_id)})"

    by_id = {g["id"]: g for g in view(log, "groups")}
    assert by_id[calais_id]["looks_like"] == [impostor_id] and by_id[impostor_id]["looks_like"] == [calais_id]
    assert by_id[bytes(bristol.key.public)]["looks_like"] == []
    assert by_id[calais_id]["name"] == names[calais_id]
    line = view_line("groups", by_id[calais_id], names)
    assert "NAME LIKE ANOTHER'S: " + names[impostor_id] in line

    # Typed by a person: the name alone may mean either, and is refused; the shown name picks one group.
    with pytest.raises(AudienceError, match="another group's name looks like it"):
        resolve_groups(log, ["Calais"])
    assert resolve_groups(log, [names[calais_id]]) == [calais_id]
    assert resolve_groups(log, [names[impostor_id]]) == [impostor_id]


def test_the_same_names_are_shown_whatever_order_the_events_came_in(net: Net, tmp_path: Path) -> None:
    bristol, impostor, _ = _network(net)
    membership = net.group.made + bristol.made + impostor.made
    shown = []
    for i, seed in enumerate((1, 2, 3)):
        shuffled = list(membership)
        random.Random(seed).shuffle(shuffled)
        log = net.new_log(tmp_path / f"{i}.db")
        for ev in shuffled:  # one at a time: an event whose author is not yet known waits for its vouch
            log.ingest([ev.encode()])
        shown.append(references.group_names(log.store))
    assert shown[0] == shown[1] == shown[2] and len(shown[0]) == 3


def test_a_renamed_group_is_shown_without_its_id_once_no_name_looks_like_its(net: Net, tmp_path: Path) -> None:
    bristol, impostor, _ = _network(net)
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made + impostor.made))
    assert references.group_names(log.store)[bytes(net.group.key.public)].startswith("Calais (")

    log.ingest(wires([impostor.sign("group.profile", {"name": "Dunkirk Friends", "region": "dunkirk"})]))
    names = references.group_names(log.store)
    assert names[bytes(net.group.key.public)] == "Calais"
    assert names[bytes(impostor.key.public)] == "Dunkirk Friends"


def test_a_profile_rolled_back_with_its_transaction_is_not_shown(net: Net, tmp_path: Path) -> None:
    bristol, impostor, _ = _network(net)
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made))
    with pytest.raises(RuntimeError), log.store.group():
        log.ingest(wires(impostor.made))
        assert references.group_names(log.store)[bytes(net.group.key.public)].startswith("Calais (")  # read inside
        raise RuntimeError("the transaction fails")
    log.forget_trust()
    names = references.group_names(log.store)
    assert names[bytes(net.group.key.public)] == "Calais" and bytes(impostor.key.public) not in names


def test_a_profile_another_connection_stores_is_shown(net: Net, tmp_path: Path) -> None:
    bristol, impostor, _ = _network(net)
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made))
    assert references.group_names(log.store)[bytes(net.group.key.public)] == "Calais"
    other = EventLog(Store(tmp_path / "calais.db"))  # as `solnet import` beside a node would
    other.ingest(wires(impostor.made))
    assert references.group_names(log.store)[bytes(net.group.key.public)].startswith("Calais (")


def test_typing_a_name_two_groups_share_exactly_is_refused_as_ambiguous(net: Net, tmp_path: Path) -> None:
    bristol, _ = _group(net, "Bristol", net.group)
    copy, _ = _group(net, "Calais", bristol)
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made + copy.made))
    with pytest.raises(AudienceError, match="more than one group"):
        resolve_groups(log, ["calais"])


def test_a_name_that_reads_like_a_group_without_a_profile_is_shown_with_its_own_id(net: Net, tmp_path: Path) -> None:
    """A group whose profile has not arrived is shown as "group 3fa2c1d0a1b2…": an infiltrator's
    group calling itself that could pass for it, so it carries its own short id too."""
    bristol, _ = _group(net, "Bristol", net.group)
    unnamed = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(unnamed.key.public), "role": "group"})
    posing = f"group {short_id(unnamed.key.public)}"
    impostor, _ = _group(net, posing, bristol)
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made + impostor.made))
    impostor_id = bytes(impostor.key.public)
    assert references.group_name(log.store, bytes(unnamed.key.public)) == posing  # the real one, unnamed
    assert references.group_name(log.store, impostor_id) == f"{posing} ({short_id(impostor_id)})"
    assert references.group_name(log.store, bytes(bristol.key.public)) == "Bristol"
