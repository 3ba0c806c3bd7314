"""`solnet view groups` (and `view regions`) say a group was last heard from by this node's last sync
with one of its devices, a device that only dials in included: the CLI read the peers of the address
book alone, so a group whose node dials this one (most do: a coordinator's node is the one others
reach) was heard from only by its newest event, stamped by its own clock, however recent the sync."""
from __future__ import annotations

import json

from test_unknown_alert_region import WAIT_S, start
from node.demo.localnet import wait_until


def test_a_group_that_dials_in_is_heard_from_by_its_sync(cli, network) -> None:
    a, a_out, _ = start(cli, network.a)
    b = None
    try:
        port = next(line for line in a_out if "peers connect to" in line).split(":")[-1].split(".")[0]
        b, _, _ = start(cli, network.b, "--peer", f"127.0.0.1:{port}")  # B dials A: an inbound link at A

        def heard() -> tuple[str | None, str | None]:
            groups = json.loads(cli.run(network.a, "view", "groups", "--json").stdout)
            [group_b] = [g for g in groups if g["id"] == network.group_b]
            return group_b["heard_by"], group_b["last_heard"]

        assert wait_until(lambda: heard()[0] == "sync", WAIT_S), heard()
    finally:
        for node in (b, a):
            if node is not None:
                node.terminate()
                node.wait(timeout=WAIT_S)
    assert heard()[0] == "sync"  # what the node saved of it, once it has stopped too
