"""Every way a sync handshake given tokens to judge its dialler's credentials ends settles them
(node/listener.py: `charger`, `signer`, `authenticator`, each finding the connection at its upgrade),
even once the connection has left the guard's books (its dialler reset it meanwhile): the guard in
process behind a GuardedSite on 127.0.0.1, real sockets, the hello budget's clock held still.

Until 2026-12-07 the link's end (`authenticated`) looked the connection up when the link formed,
while the charge, the allowance and the signature had found it at the upgrade: a link formed after
its connection left the books never settled its grant, and the grants the budget held back (every
later allowance is cut by them, `GRANTS_HOLD`) never shrank again."""
from __future__ import annotations

import pytest

from node.hello_budget import HelloBudget
from test_listener import server  # noqa: F401  (the fixture)

BURST = 200  # the budget's burst: the address's bucket holds 100 tokens
TOKEN_S = 0.001
DEVICE = b"\x01" * 32


def _linked(guard, transport):
    return guard.authenticator(transport)


def _charged(guard, transport):
    charge = guard.charger(transport)
    return lambda: charge(TOKEN_S)  # (its reply's cost: one token, nothing used of its grant)


def _member(guard, transport):
    signed = guard.signer(transport)
    return lambda: signed(DEVICE, True)


# what the address's bucket holds once settled: the hello's token is kept but for a member's
@pytest.mark.parametrize("ends, held", [(_linked, BURST / 2 - 1), (_charged, BURST / 2 - 1), (_member, BURST / 2)],
                         ids=["linked", "charged", "member"])
async def test_a_grant_is_settled_however_its_handshake_ends_after_its_connection_left(server, ends, held):  # noqa: F811
    budget = HelloBudget(burst=BURST, cost_s=TOKEN_S, clock=lambda: 0.0)
    guard = server.guard
    guard.use_hello_budget(budget)
    _, writer = await server.connect("127.0.0.2")
    [transport] = list(guard._open)
    guard.handshaking(transport)
    assert guard.may_reply(transport)
    # each told at the upgrade what to call later (node/webapp.py `sync_endpoint`)
    allowance, end = guard.allowance(transport), ends(guard, transport)
    assert allowance() > 0 and budget._granted
    writer.transport.abort()  # the dialler resets it: the guard forgets it
    await server.until(lambda: transport not in guard._open)
    end()
    assert budget._granted == {}, "a grant left unsettled: every later allowance is cut by it"
    assert budget._source("127.0.0.2", 0.0).tokens == pytest.approx(held)
    assert budget.in_flight == 0
