"""A handshake's credentials judged within what the hello budget holds (node/hello_budget.py
`take_allowance`), with a real node served on 127.0.0.1, real SQLite homes and the real handshake.

Anyone holding a seized phone its group revoked can complete a handshake with it, and its
credentials are judged in full (the node knows the device: it must hear it is revoked). A thousand
events it signed took ~0.1 s of the database thread, some 80 tokens of the budget of handshakes
not yet known as members: a debt that left the buckets empty until the refill paid it back, and
meanwhile every newcomer was served from the reserve, which lets on only devices the node knows as
members. A member group's new phone, known only by the credentials it brings, was refused at each
of its dials (until 2026-12-07). The budget's clock is held still here and moved by hand, so
nothing depends on this machine's speed: the new phone dials once the clock has moved on by what
20 tokens take to refill.
"""
from __future__ import annotations

from aiohttp import WSCloseCode

from crypto.keys import SigningKey
from node.demo.localnet import LocalNode
from node.hello_budget import RESERVE_SHARE, SOURCE_SHARE
from node.net.credentials import credential_chain
from node.webapp import GUARD
from node_fixtures import Author, action, device_vouch
from served_nodes import network, served_node, until  # noqa: F401  (the fixture)
from test_hello_budget import held_still
from test_member_handshake_reserve import _network_id, credentials_answered, introduce, stranger_dialled

TOKEN_S = 0.001  # what a token is worth here (a handshake's reply and check cost ~0.15 ms)
JUNK = 1000  # events the seized phone signs and presents: ~0.1 s of the database thread here
REFILLED = 20  # tokens of the source's bucket the clock is moved on by before the new phone dials


def a_phone_of(bristol: LocalNode, calais: LocalNode) -> tuple[SigningKey, SigningKey]:
    """Bristol's seized phone (vouched, then revoked: Calais holds both) and its new phone (vouched
    after: Calais knows it only by the credentials it will bring)."""
    seized, fresh = SigningKey.generate(), SigningKey.generate()
    group = bristol.keys.group
    log = bristol.home.log()
    try:
        log.append(group, "member.vouch", device_vouch(group, seized, bytes(32 * [7])), offline=True)
        log.append(group, "member.revoke", {"subject": bytes(seized.public), "from_seq": 1, "reason": "seized"},
                   offline=True)
        known = log.store.chain_wires(bytes(group.public))
        log.append(group, "member.vouch", device_vouch(group, fresh, bytes(32 * [8])), offline=True)
    finally:
        log.store.close()
    calais_log = calais.home.log()
    try:
        calais_log.ingest(known)
        assert calais_log.trust.member(bytes(seized.public)).revoked_from == 1
        assert calais_log.trust.member(bytes(fresh.public)) is None
    finally:
        calais_log.store.close()
    return seized, fresh


async def test_a_new_phone_links_after_a_seized_phone_presents_a_thousand_events(network: list[LocalNode]) -> None:
    calais, bristol = network
    async with served_node(calais) as (_, served):
        await introduce(served.port, bristol)
    seized, fresh = a_phone_of(bristol, calais)
    network_id = _network_id(calais)
    junk = Author(seized, network_id)
    presented = tuple(junk.sign("action", action(i)).encode() for i in range(JUNK))
    bristol_log = bristol.home.log()
    try:
        fresh_credentials = credential_chain(bristol_log, bytes(fresh.public))
    finally:
        bristol_log.store.close()
    async with served_node(calais) as (_, served):
        budget = served.runner.app[GUARD].hello_budget
        assert budget is not None
        now = held_still(budget)
        budget.cost_s = TOKEN_S
        async with stranger_dialled(served.port, network_id, seized) as (ws, channel):
            assert not await credentials_answered(ws, channel, presented), "the seized phone linked"
        await until(lambda: budget.replied == 1, "the seized phone's handshake charged")
        now[0] += REFILLED * TOKEN_S / (budget.share * (1 - RESERVE_SHARE) * SOURCE_SHARE)
        async with stranger_dialled(served.port, network_id, fresh) as (ws, channel):
            assert await credentials_answered(ws, channel, fresh_credentials), \
                "the new phone was refused: the seized phone's handshake left the budget in debt"
        assert budget.reserved == 0, "the new phone was served from the members' reserve"


async def test_a_new_groups_device_whose_credentials_wait_for_time_is_told_to_retry_not_refused(
        network: list[LocalNode]) -> None:
    """With no time left to judge credentials (the buckets spent), those of a group Bristol has just
    admitted (its first contact) are not judged: its device is told to try again later (close 1013,
    as a hello over the budget is), not that it is no member, which its node would show its people
    as a refusal."""
    calais, bristol = network
    network_id, device, presented = a_new_group(calais, bristol)
    async with served_node(calais) as (_, served):
        budget = served.runner.app[GUARD].hello_budget
        assert budget is not None
        budget.take_allowance = lambda source: 0.0  # (the buckets' tokens all spent)
        async with stranger_dialled(served.port, network_id, device) as (ws, channel):
            assert not await credentials_answered(ws, channel, presented), "judged with no time left"
            assert ws.close_code == WSCloseCode.TRY_AGAIN_LATER, f"closed {ws.close_code}, not 'try again later'"
        del budget.take_allowance  # (time again)
        async with stranger_dialled(served.port, network_id, device) as (ws, channel):
            assert await credentials_answered(ws, channel, presented), "the new group's device did not link"


def a_new_group(calais: LocalNode, bristol: LocalNode) -> tuple[bytes, SigningKey, tuple[bytes, ...]]:
    """A group Bristol has just admitted (Dover) and its first device, unknown to Calais: the network's
    id, the device's key and the credentials it presents (Bristol's chain, Dover's profile and vouch)."""
    network_id = _network_id(calais)
    dover, device = Author(SigningKey.generate(), network_id), SigningKey.generate()
    log = bristol.home.log()
    try:
        log.append(bristol.keys.group, "member.vouch", {"subject": bytes(dover.key.public), "role": "group"},
                   offline=True)
        presented = (*log.store.chain_wires(bytes(bristol.keys.group.public)),
                     dover.sign("group.profile", {"name": "Dover", "region": "dover"}).encode(),
                     dover.sign("member.vouch", device_vouch(dover.key, device, bytes(32 * [6]))).encode())
    finally:
        log.store.close()
    return network_id, device, presented
