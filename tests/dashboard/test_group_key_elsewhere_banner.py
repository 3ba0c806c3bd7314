"""The admin's overview says that another home signs with this group's key (a thief's copy of the
main home certified a device of its own, which reads what is sealed to the group), naming what it
certified or admitted there, to revoke: `solnet status` and the log said it, the dashboard, where a
coordinator without a shell looks, did not. A visitor who is not the admin (the public role of
`--public-dashboard`) is never shown it: the overview's facts it would be rendered with carry none."""
from __future__ import annotations

from aiohttp.test_utils import make_mocked_request

from page_text import visible_text
from crypto.keys import SigningKey
from events.canonical import pack
from events.format import sign_event
from node.clock import now_ms
from node.dashboard import AccessOptions
from node.dashboard.access import PUBLIC
from node.dashboard.app import DASH
from node.dashboard.lazy import DASHBOARD
from node.key_elsewhere import NAMED_AT_MOST, GroupKeyAbove


async def test_the_overview_names_the_device_a_copy_of_the_group_key_certified(sample, start_node) -> None:
    node = await start_node(sample.nodes[0], AccessOptions(public=True))
    await node.log_in()
    running = node.node
    async with node.client.get("/") as r:
        assert 'id="group-key-elsewhere"' not in await r.text()
    group, spy = running.keys.group, bytes(SigningKey.generate().public)
    assert group is not None and running.group_watch is not None, "the sample's first node holds its group key"
    found = running.group_watch.found = GroupKeyAbove(bytes(group.public), now_ms() - 3_600_000)
    vouch = sign_event(group, network=running.log.network_id, seq=90, prev=bytes(32), timestamp=now_ms(),
                       kind="member.vouch", body=pack({"subject": spy, "role": "device"}))
    found.add(90, vouch.encode())
    for lang, said in (("en", "Another home signs with this group's key: a peer brought the group key's event seq 90"),
                       ("fr", "Un autre foyer signe avec la clé de ce groupe")):
        async with node.client.get("/", headers={"Accept-Language": lang}) as r:
            page = await r.text()
        text = " ".join(visible_text(page).split())
        assert 'id="group-key-elsewhere"' in page and said in text, text
        assert spy.hex() in text and "solnet revoke ID" in text, text
    # Thousands certified: the first NAMED_AT_MOST named, the rest counted. Signed while the node was
    # stopped, a restored home meets it too (its own events): told to revoke only if it was not restored
    found = running.group_watch.found = GroupKeyAbove(bytes(group.public), now_ms() + 3_600_000)
    spies = [bytes([i % 256, i // 256]) * 16 for i in range(300)]
    for i, subject in enumerate(spies):
        found.add(90 + i, sign_event(group, network=running.log.network_id, seq=90 + i, prev=bytes(32),
                                     timestamp=now_ms(), kind="member.vouch",
                                     body=pack({"subject": subject, "role": "device"})).encode())
    async with node.client.get("/") as r:
        text = " ".join(visible_text(await r.text()).split())
    assert spies[NAMED_AT_MOST - 1].hex() in text and spies[NAMED_AT_MOST].hex() not in text, text
    assert f"And {300 - NAMED_AT_MOST} more, cut off with this group when it is revoked." in text, text
    assert ("If this node was not restored from an older backup, revoke each now on this node: a device with its "
            "“Revoke this device” link here, or `solnet revoke ID`" in text
            and "Revoke each now" not in text), text
    # A visitor of the public pages: no overview is served to it (it is sent to /public/), and the
    # overview's facts made for it carry no warning (were the admin's gate gone, they would)
    dash = node.client.app[DASHBOARD].dashboard()
    request = make_mocked_request("GET", "/", app=node.client.app)
    request[DASH] = dash.context(request)
    assert request[DASH]["role"] == PUBLIC and not request[DASH]["is_admin"]
    page = (await dash._overview_ctx(request))["health"]
    assert page["group_key_elsewhere"] is None, page
    node.client.session.cookie_jar.clear()  # (no admin's session cookie: a public visitor)
    async with node.client.get("/public/") as r:
        assert r.status == 200 and "this group's key" not in visible_text(await r.text())
