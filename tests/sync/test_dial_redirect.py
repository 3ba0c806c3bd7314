"""A dialled address that answers with a redirect: the dial fails, and the host it points to hears
nothing. A member can announce any address, and a followed redirect would make every node that
dials it send a request of that member's choosing elsewhere (a router's page on a Pi's home network)."""
from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from node.render import connection_problem
from sync.peers import PeerLimits
from sync.peer_session import client_session
from sync.transport import dial


async def test_a_redirect_is_refused_and_its_target_never_asked(aiohttp_server) -> None:
    asked: list[str] = []

    async def target(request: web.Request) -> web.Response:
        asked.append(request.path_qs)
        return web.Response(text="router admin")

    victim = web.Application()
    victim.router.add_route("*", "/{tail:.*}", target)
    victim_server = await aiohttp_server(victim, host="127.0.0.1")

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://127.0.0.1:{victim_server.port}/admin/reboot?confirm=yes")

    member = web.Application()
    member.router.add_get("/{tail:.*}", redirect)
    member_server = await aiohttp_server(member, host="127.0.0.1")

    async with client_session(None, 5) as session:
        with pytest.raises(aiohttp.ClientResponseError) as failed:
            await dial(session, f"http://127.0.0.1:{member_server.port}", None, PeerLimits())  # type: ignore[arg-type]
    assert asked == []
    assert failed.value.status == 302
    said = connection_problem(failed.value)
    assert said == "the address answers with a redirect (HTTP 302), which a solnet node never sends — check the address"
    assert "127.0.0.1" not in said
