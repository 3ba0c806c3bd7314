"""A group typed by name (`--to`, the API's 'to') is refused while the name may not mean the group
it matches: a live group has no profile here yet (the real one may be it, and an infiltrator's group
took its name), or another group's name looks like it. An id, a unique id prefix, or the name as
shown with its short id keeps naming one group."""
from __future__ import annotations

from pathlib import Path

import pytest

from crypto.keys import SigningKey
from crypto.short_ids import short_id
from node import references
from node.audience import AudienceError, resolve_groups
from node_fixtures import Author, Net, wires


def _group(net: Net, admitted_by: Author, name: str | None) -> Author:
    group = Author(SigningKey.generate(), net.genesis.network_id)
    admitted_by.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"})
    if name is not None:
        group.sign("group.profile", {"name": name, "region": "bristol"})
    return group


def test_a_name_taken_while_the_real_group_has_no_profile_here_is_refused(net: Net, tmp_path: Path) -> None:
    """The real Bristol's profile has not arrived; a group Calais let in calls itself "Bristol"."""
    real = _group(net, net.group, None)
    mole = _group(net, net.group, "Bristol")
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + real.made + mole.made))
    real_id, mole_id = bytes(real.key.public), bytes(mole.key.public)

    with pytest.raises(AudienceError) as refused:
        resolve_groups(log, ["Bristol"])
    said = str(refused.value)
    assert f"group {short_id(real_id)}" in said and "no profile here yet" in said
    assert "Give the id of the group you mean" in said and "--to ID" in said
    with pytest.raises(AudienceError):
        resolve_groups(log, ["bristol "])  # any case, any spaces around

    # The id, or a unique prefix of it, still names one group; so does the name with its short id.
    assert resolve_groups(log, [real_id.hex()]) == [real_id]
    assert resolve_groups(log, [short_id(real_id)]) == [real_id]
    assert resolve_groups(log, [real_id.hex()[:16]]) == [real_id]
    assert resolve_groups(log, [mole_id.hex()]) == [mole_id]

    # Once the real group's profile is here (and its name differs), the name names one group again.
    real.sign("group.profile", {"name": "Bristol Solidarity", "region": "bristol"})
    log.ingest(wires(real.made[-1:]))
    assert resolve_groups(log, ["Bristol Solidarity"]) == [real_id]
    assert resolve_groups(log, ["Bristol"]) == [mole_id]


def test_a_name_another_groups_name_looks_like_is_refused(net: Net, tmp_path: Path) -> None:
    bristol = _group(net, net.group, "Bristol")
    mole = _group(net, bristol, "Bristo1")
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made + mole.made))
    bristol_id = bytes(bristol.key.public)
    names = references.group_names(log.store)

    for typed in ("Bristol", "Bristo1"):
        with pytest.raises(AudienceError) as refused:
            resolve_groups(log, [typed])
        assert "another group's name looks like it" in str(refused.value)
    assert names[bristol_id] in str(refused.value)  # the one it may be taken for, with its short id
    # The name as shown (with its short id) and the id name one group.
    assert resolve_groups(log, [names[bristol_id]]) == [bristol_id]
    assert resolve_groups(log, [short_id(bristol_id)]) == [bristol_id]
    assert resolve_groups(log, ["Calais"]) == [bytes(net.group.key.public)]  # no one looks like Calais


def test_a_revoked_group_without_a_profile_leaves_names_as_they_are(net: Net, tmp_path: Path) -> None:
    bristol = _group(net, net.group, "Bristol")
    gone = _group(net, net.group, None)
    net.group.sign("member.revoke", {"subject": bytes(gone.key.public), "from_seq": 1})
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made + gone.made))
    assert resolve_groups(log, ["Bristol"]) == [bytes(bristol.key.public)]
