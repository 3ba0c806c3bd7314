"""A group whose name reads as an id is named by its id: hex alone is read as an id (a phone number,
"cafe42"), and a name that ends in 12 hex characters or more ("SOS 0033612345678") names only a group
whose id starts so. Typed as its profile says it, such a name was refused as "no group called
'0033612345678'" (while `known` listed that very name), or as "too short a start of a group's id"
with no word of the group called so: the person was told the group does not exist, or nothing of
why its name does not work. The words say the name is read as an id and to give the group's id,
without printing the id of the group so called (a member may have taken that name)."""
from __future__ import annotations

from pathlib import Path

import pytest

from crypto.keys import SigningKey
from node.audience import AudienceError, resolve_groups
from node_fixtures import Author, Net, wires


@pytest.mark.parametrize("name", ["cafe42", "0033612345678", "SOS 0033612345678"])
def test_a_name_that_reads_as_an_id_is_said_to_be_read_so(net: Net, tmp_path: Path, name: str) -> None:
    group = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"})
    group.sign("group.profile", {"name": name, "region": "bristol"})
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + group.made))

    with pytest.raises(AudienceError) as refused:
        resolve_groups(log, [name])
    said = str(refused.value)
    assert "no group called" not in said, said
    assert f"a group here is called {name!r}" in said and "solnet view groups" in said, said
    assert "read as" in said and "give its id" in said, said
    assert bytes(group.key.public).hex()[:12] not in said, said  # the id of whoever took the name: never offered
    assert resolve_groups(log, [bytes(group.key.public).hex()]) == [bytes(group.key.public)]
