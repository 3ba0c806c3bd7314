"""A publish form refused because the node has not caught up with the network (a Pi back from a power
cut, its one peer down: node/chain_gate.py) offers the override `solnet publish --offline` has: the
page says why, keeps what was typed, and shows a checkbox, never ticked, labelled with its risk; ticked
and sent, the alert is published. The dashboard had no override: a raid alert could not go out from
it at all. The checkbox is offered on no other form, and the CSRF and Origin checks hold for it."""
from __future__ import annotations

import re

from page_text import csrf_of, visible_text
from peer_down import only_peer_down

ALERT = {"region": "calais", "type": "raid", "location": "Camp 3", "text": "CRS au camp", "expires_in": "3h"}
CHECKBOX_RE = re.compile(r'<input type="checkbox" id="f-offline" name="offline" value="yes"[^>]*>')


async def held_node(sample, start_node):
    """Calais's node with one peer configured, down: no sync round completes; logged in."""
    calais = sample.nodes[0]
    only_peer_down(calais.home)
    node = await start_node(calais)
    await node.log_in()
    return node


async def alerts(node) -> int:
    running = node.node
    return await running.db(running.log.store.count_of_kind, "alert")


async def send(node, path: str, data: dict[str, str], **kwargs) -> tuple[int, str]:
    async with node.client.post(path, data=data, allow_redirects=False, **kwargs) as r:
        return r.status, await r.text()


async def test_a_refused_alert_offers_the_override_unticked_and_ticked_it_publishes(sample, start_node) -> None:
    node = await held_node(sample, start_node)
    before = await alerts(node)
    for lang, label in (("en", "Publish now without waiting for a peer"),
                        ("fr", "Publier maintenant sans attendre de pair")):
        async with node.client.get(f"/publish/alert?lang={lang}") as r:
            form = await r.text()
        assert 'name="offline"' not in form  # not offered before a refusal
        token = csrf_of(form)
        status, html = await send(node, f"/publish/alert?lang={lang}", {"csrf": token, **ALERT})
        assert status == 400
        [checkbox] = CHECKBOX_RE.findall(html)
        assert "checked" not in checkbox and 'aria-describedby="h-offline"' in checkbox
        assert re.search(r'<label class="check">' + re.escape(checkbox) + " " + label, html), label
        assert 'id="h-offline"' in html
        text = visible_text(html)
        assert label in text and ("below" in text or "ci-dessous" in text), text  # the refusal points at it
        assert 'value="CRS au camp"' in html or ">CRS au camp<" in html
        assert re.search(r'<option value="3h" selected>', html), "the expiry chosen is kept"
    assert await alerts(node) == before
    async with node.client.post("/publish/alert", data={"csrf": token, **ALERT, "offline": "yes"},
                                allow_redirects=False) as r:
        assert r.status == 303, await r.text()
        location = r.headers["Location"]
    assert await alerts(node) == before + 1
    async with node.client.get(location) as r:
        assert "CRS au camp" in visible_text(await r.text())


async def test_the_override_is_offered_on_no_other_refusal(sample, start_node) -> None:
    """A form refused for a field (on the same held node: fields are checked first) does not offer it."""
    node = await held_node(sample, start_node)
    async with node.client.get("/publish/alert") as r:
        token = csrf_of(await r.text())
    status, html = await send(node, "/publish/alert", {"csrf": token, **ALERT, "region": ""})
    assert status == 400 and 'id="e-region"' in html
    assert 'name="offline"' not in html
    status, html = await send(node, "/publish/alert", {"csrf": token, **ALERT})  # the same form, filled in
    assert status == 400 and len(CHECKBOX_RE.findall(html)) == 1  # refused for not having caught up: offered


async def test_the_override_is_refused_without_the_forms_token_or_from_another_site(sample, start_node) -> None:
    node = await held_node(sample, start_node)
    before = await alerts(node)
    async with node.client.get("/publish/alert") as r:
        token = csrf_of(await r.text())
    assert (await send(node, "/publish/alert", {**ALERT, "offline": "yes"}))[0] == 403
    assert (await send(node, "/publish/alert", {"csrf": "0" * 64, **ALERT, "offline": "yes"}))[0] == 403
    status, _ = await send(node, "/publish/alert", {"csrf": token, **ALERT, "offline": "yes"},
                           headers={"Origin": "http://evil.example"})
    assert status == 403
    assert await alerts(node) == before
    assert (await send(node, "/publish/alert", {"csrf": token, **ALERT, "offline": "yes"}))[0] == 303
    assert await alerts(node) == before + 1
