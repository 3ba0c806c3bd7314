"""A group named in `to` by the start of its id needs at least the short id every view prints (12
hex characters, 48 bits). Any member may let in a group, so an infiltrator can make a key whose id
starts as a real group's does and have it admitted: 6 hex characters (24 bits) took ~2 minutes of
one core here (~64,000 keys a second), and while the real group's vouch has not arrived that key is
the only match, and the private details are sealed to the infiltrator. 48 bits take ~2^47 tries:
~70 core-years at that rate."""
from __future__ import annotations

from pathlib import Path

import pytest

from crypto.keys import SigningKey
from crypto.short_ids import SHORT_ID_HEX, short_id
from node.audience import AudienceError, resolve_groups
from node.log import EventLog
from node_fixtures import Author, Net, wires


def _one_more_group(net: Net, tmp_path: Path, name: str) -> tuple[EventLog, bytes]:
    """Calais's log, with a group Calais let in that calls itself `name`, and that group's id."""
    group = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"})
    group.sign("group.profile", {"name": name, "region": "bristol"})
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + group.made))
    return log, bytes(group.key.public)


def test_fewer_hex_characters_than_a_short_id_are_refused_with_what_to_type(net: Net, tmp_path: Path) -> None:
    log, bristol_id = _one_more_group(net, tmp_path, "Bristol")

    for n in (6, 8, SHORT_ID_HEX - 1):
        with pytest.raises(AudienceError) as refused:
            resolve_groups(log, [bristol_id.hex()[:n]])
        said = str(refused.value)
        assert f"at least its first {SHORT_ID_HEX}" in said and "solnet view groups" in said, said
        assert "another group's key can be made to start so" in said, said

    # The short id as every view prints it (with or without its ellipsis), any longer start, and the
    # whole id name the group; so does its name, which no other group's looks like.
    for typed in (short_id(bristol_id), bristol_id.hex()[:SHORT_ID_HEX], bristol_id.hex()[:20].upper(),
                  bristol_id.hex(), "Bristol"):
        assert resolve_groups(log, [typed]) == [bristol_id], typed


def test_a_name_written_as_another_groups_id_never_stands_for_it(net: Net, tmp_path: Path) -> None:
    """Bristol's vouch has not reached Calais yet; a group Calais let in names itself with Bristol's
    id (whole, or its short id), or with Bristol's name as shown beside its short id, or as a group
    without a profile is shown ("group 1a2b3c4d5e6f…"). Typed as
    Bristol gave it, each named the mole's group, the only match, and the details went to it. What
    reads as an id is an id (hex alone, 6 characters or more), and a name typed with a short id in
    brackets names only a group whose id starts so."""
    bristol = Author(SigningKey.generate(), net.genesis.network_id)  # (its vouch not here)
    real = bytes(bristol.key.public)
    for n, fake in enumerate((real.hex(), real.hex()[:SHORT_ID_HEX], short_id(real), real.hex()[:8].upper(),
                              f"Bristol ({short_id(real)})", f"group {short_id(real)}", f"Bristol ({real.hex()[:16]})")):
        (tmp_path / str(n)).mkdir()
        log, mole = _one_more_group(net, tmp_path / str(n), fake)
        with pytest.raises(AudienceError):
            resolve_groups(log, [fake])
        assert resolve_groups(log, [mole.hex()]) == [mole]  # its own id names it
        log.store.close()


def test_a_hex_looking_name_is_named_by_its_id(net: Net, tmp_path: Path) -> None:
    """A group called "cafe42" (hex letters alone) is named by its id: the name reads as one."""
    log, cafe_id = _one_more_group(net, tmp_path, "cafe42")
    with pytest.raises(AudienceError) as refused:
        resolve_groups(log, ["cafe42"])
    assert f"at least its first {SHORT_ID_HEX}" in str(refused.value)
    assert resolve_groups(log, [short_id(cafe_id)]) == [cafe_id]
