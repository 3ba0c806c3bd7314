"""A copy of the main home's group key admits a group (a police-run one) in an event that arrives
before the one it follows: it waits in the pending queue, and is stored when its predecessor comes
(EventLog._drain_pending). The batch that brings the predecessor names only that one among its
stored events, so the admission, released with it, was never named: the node now reads the group
key's events above the newest seq this home signed with it from the store after each batch
(node/net/group_key_watch.py)."""
from __future__ import annotations

import asyncio
import logging
import re

from crypto.keys import SigningKey
from events.canonical import pack
from events.format import sign_event
from node.clock import now_ms
from node.key_elsewhere import NAMED_AT_MOST
from node.outcome import ACCEPTED, PENDING


async def said_when(node, condition, timeout_s: float = 10.0) -> dict | None:
    """The node's group_key_elsewhere once `condition` holds of it (it reads the store on its database
    thread after the batch), or as it is after `timeout_s`."""
    loop = asyncio.get_running_loop()
    until = loop.time() + timeout_s
    while True:
        said = node.group_key_elsewhere()
        if (said is not None and condition(said)) or loop.time() > until:
            return said
        await asyncio.sleep(0.01)


async def test_an_admission_released_from_the_pending_queue_is_named(api) -> None:
    node = api.node
    group = node.keys.group
    assert group is not None, "Calais's node holds its group key"
    seq, head = await node.db(node.log.store.head, bytes(group.public))
    fake = bytes(SigningKey.generate().public)
    profile = sign_event(group, network=node.log.network_id, seq=seq + 1, prev=head, timestamp=now_ms(),
                         kind="group.profile", body=pack({"name": "Calais", "region": "calais"}))
    admits = sign_event(group, network=node.log.network_id, seq=seq + 2, prev=profile.id, timestamp=now_ms(),
                        kind="member.vouch", body=pack({"subject": fake, "role": "group"}))
    [waits] = await node.db(node.log.ingest, [admits.encode()])
    assert waits.status == PENDING, waits
    [stored] = await node.db(node.log.ingest, [profile.encode()])  # releases the admission
    assert stored.status == ACCEPTED, stored
    assert await node.db(node.log.store.head, bytes(group.public)) == (seq + 2, admits.id)
    node.links._accepted([profile.encode()])  # what the batch's link names (node/net/peer_link.py)
    said = await said_when(node, lambda said: said["groups"])
    assert said is not None and said["groups"] == [fake.hex()] and said["other"] == {"group.profile": 1}, said
    status, body = await api.request("GET", "/api/v1/status")
    assert status == 200 and body["node"]["group_key_elsewhere"]["groups"] == [fake.hex()], body


async def test_thousands_of_admissions_are_each_logged_once_at_most_twenty_a_line(api, caplog) -> None:
    """Each batch's warning named every id found so far with its revoke command: 2,000 vouches made
    327 MB of log. Now only the ids found anew in a batch, the first NAMED_AT_MOST with a count."""
    node = api.node
    group = node.keys.group
    assert group is not None and node.group_watch is not None
    seq, prev = await node.db(node.log.store.head, bytes(group.public))
    fakes = [bytes(SigningKey.generate().public) for _ in range(90)]
    with caplog.at_level(logging.WARNING, logger="solnet.node.net.group_key_watch"):
        for batch in range(3):
            wires = []
            for fake in fakes[batch * 30:(batch + 1) * 30]:
                seq += 1
                event = sign_event(group, network=node.log.network_id, seq=seq, prev=prev, timestamp=now_ms(),
                                   kind="member.vouch", body=pack({"subject": fake, "role": "group"}))
                prev = event.id
                wires.append(event.encode())
            assert {o.status for o in await node.db(node.log.ingest, wires)} == {ACCEPTED}
            node.links._accepted(wires)
            await asyncio.wait_for(node.group_watch.running, 30)
    lines = [r.getMessage() for r in caplog.records if "with this group's key" in r.getMessage()]
    assert len(lines) == 3, lines
    for line in lines:
        assert len(re.findall("[0-9a-f]{64}", line)) <= NAMED_AT_MOST + 1, line  # (and the group's own id)
        assert "It admitted 30 groups there" in line and "the 10 others are cut off with this group" in line, line
    named = [k for line in lines for k in re.findall("`solnet revoke ([0-9a-f]{64})`", line) if k != group.public.hex()]
    assert len(named) == len(set(named)) == 3 * NAMED_AT_MOST and set(named) <= {f.hex() for f in fakes}, named
    said = node.group_key_elsewhere()
    assert said is not None and said["groups_count"] == 90 and len(said["groups"]) == NAMED_AT_MOST, said
