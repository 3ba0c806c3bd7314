"""Every group's typed text is bidi-isolated on the dashboard (<bdi>), so a name or reason in Arabic,
or one ending in a bracket or a digit, cannot reorder the words around it. Two were not: a peer's
group name in "Network health" (followed by its device's name and "connected · 3 events behind"),
and a device's revocation reason on the groups page."""
from __future__ import annotations

import asyncio
from functools import partial

from page_text import PASSPHRASE
from test_http import get
from test_linked_twice_shown import _peers_add

from node import publishing
from sync.addresses import normalize_address

NAME = "بريستول 2"
REASON = "هاتف مسروق (2"


def from_bristol(calais, bristol, *, revoke: bool) -> None:
    """Bristol names itself in Arabic (and, `revoke`, revokes its device from a seq to come, with a
    reason: Calais then refuses it as a peer); Calais holds it."""
    ours, theirs = calais.home.log(), bristol.home.log()
    try:
        keys = bristol.home.keys(PASSPHRASE)
        publishing.publish(theirs, keys, "group.profile", {"name": NAME, "region": "bristol"})
        if revoke:
            publishing.publish(theirs, keys, "member.revoke", {"subject": bytes(keys.device.public).hex(),
                                                               "from_seq": "1000", "reason": REASON}, signer="group")
        ours.ingest(list(theirs.store.iter_wire()))
    finally:
        ours.store.close()
        theirs.store.close()


async def test_a_devices_revocation_reason_is_isolated(sample, start_node) -> None:
    from_bristol(*sample.nodes, revoke=True)
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, groups, _ = await get(node.client, "/groups?lang=en")
    assert f"<bdi>{REASON}</bdi>" in groups, groups


async def test_a_peers_group_name_is_isolated_in_network_health(sample, serve_node, http) -> None:
    from_bristol(*sample.nodes, revoke=False)
    calais, bristol = await serve_node(sample.nodes[0]), await serve_node(sample.nodes[1])
    address = normalize_address(calais.url)  # Bristol dials Calais, as `solnet peers add` leaves it
    await bristol.node._db_thread.run(partial(_peers_add, bristol.node.log.store, address))
    assert bristol.node.directory.overlay.learn(address, "config")
    await calais.log_in(http)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:  # until Calais lists Bristol's link in its network health
        async with http.get(f"{calais.url}/?lang=en") as r:
            health = (await r.text()).split('id="health"')[1]
        if NAME in health:
            break
        assert loop.time() < deadline, "Calais never listed Bristol as a peer within 30 s"
        await asyncio.sleep(0.2)
    assert f'<bdi class="peer-name">{NAME}</bdi>' in health, health
