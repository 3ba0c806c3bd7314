"""Calais's request was sealed to Bristol, then shared with Manchester (which joined later): on
Manchester's node, which reads it only through that share, `solnet show` gave the details and said
nothing of who else reads them (its coordinator could not tell who holds the people's details).
It names Calais and Manchester now, and says that whom the request itself went to is not known here."""
from __future__ import annotations

from test_sharing_a_request import DETAILS, _carry, shared_with_manchester


def test_show_on_a_node_that_reads_a_request_through_a_share_names_its_readers(network, cli, tmp_path):
    calais, manchester = network.a, tmp_path / "M"
    request, group_m = shared_with_manchester(network, cli, tmp_path)
    _carry(cli, calais, [manchester], tmp_path)

    shown = cli.run_json(manchester, "show", request)
    assert shown["private_details"] == DETAILS
    assert sorted(shown["private_readers"]) == sorted([network.group_a, group_m])
    assert shown["private_readers_first_unknown"] is True
    said = cli.run(manchester, "show", request).stdout
    assert ("readable by Calais and Manchester and by the groups it was first sealed to, which this device cannot "
            "read;") in said and " only" not in said, said
