"""A coordinator with the dashboard alone could not revoke a device of their group: the warnings (a
device sealing what the group cannot read, a device revoking with its own key, a peer's device linked
twice, the group key's copy certifying devices) said to run `solnet revoke` in a shell. The groups page
of the group's main node now offers "Revoke this device" on each of its group's devices that still
counts (node/dashboard/revoke.py): a page of its own says what it does, from which seq (its next event
by default), takes a public reason and a tick; the command's checks refuse in the dashboard's words
(this node's own device, another group's, one revoked already, a node without the group key), login,
CSRF and Origin hold, a form sent twice signs once, and the warnings link to it."""
from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from events.kinds import KINDS
from node import membership
from node.demo import localnet
from node.home import Home
from page_text import PASSPHRASE, csrf_of, visible_text
from test_fundraiser_decline_page import reply_from_bristol
from test_http import get, post


def phone_of(calais, root: Path, *, joined: bool = False):
    """A further device of Calais ("phone 2"), vouched for by Calais's group key: its home (joined
    to the network with the invite the vouch made, as `solnet join` does, if `joined`) and its id."""
    group = bytes.fromhex(calais.home.config().group_id)
    home = Home(root / "phone")
    config, phone_keys = membership.prepare_device(home, group, None, None, PASSPHRASE)
    request = membership.parse_device_request(membership.device_request(config, phone_keys), group)
    log, keys = calais.home.log(), calais.home.keys(PASSPHRASE)
    try:
        invite, _ = membership.vouch_device(log, keys, request, [], name="phone 2", offline=True)
    finally:
        log.store.close()
    if joined:
        membership.join(home, invite, home.keys(PASSPHRASE)).store.close()
    return home, bytes.fromhex(config.device_id), phone_keys


async def revocations(node) -> int:
    running = node.node
    return await running.db(running.log.store.count_of_kind, "member.revoke")


def said(page: str) -> str:
    return " ".join(visible_text(page).split())


async def test_a_coordinator_revokes_a_phone_of_the_group_from_the_groups_page(sample, start_node, tmp_path) -> None:
    calais, bristol = sample.nodes
    _, phone, _ = phone_of(calais, tmp_path)
    address = f"/device/{phone.hex()}/revoke"
    node = await start_node(calais)

    # Nobody logged in: the login page, nothing signed
    status, _, r = await get(node.client, address)
    assert status == 303 and r.headers["Location"].startswith("/login"), status
    status, _, r = await post(node.client, address, {"confirm": "yes"})
    assert status in (303, 403) and await revocations(node) == 0

    await node.log_in()
    _, groups, _ = await get(node.client, "/groups?lang=en")
    assert f'href="{address}"' in groups  # the phone's row offers it; this node's own device and Bristol's do not
    own = calais.home.config().device_id
    assert f"/device/{own}/revoke" not in groups and f"/device/{bristol.home.config().device_id}/revoke" not in groups
    status, form, _ = await get(node.client, address + "?lang=en")
    text = said(form)
    assert status == 200 and f"Revoke device {phone.hex()[:12]}…" in text and "It cannot be undone." in text, text
    assert "phone 2" in text and "From its next event (the safe choice)" in text
    assert '<label for="f-reason">Reason (public)</label>' in form and "Every group can read it" in text
    assert 'name="start" value="next" checked' in form
    token = csrf_of(form)

    # Not ticked, or a seq out of range: nothing signed, each error tied to its field
    status, refused, _ = await post(node.client, address + "?lang=en",
                                    {"csrf": token, "start": "seq", "from_seq": "0", "reason": "seized"})
    assert status == 400 and await revocations(node) == 0
    assert 'aria-invalid="true" aria-describedby="h-from_seq e-from_seq"' in refused
    assert 'aria-describedby="e-confirm"' in refused and 'value="seized"' in refused
    assert "First seq that no longer counts: Nothing was revoked: give a whole number from 1 to 1." in said(refused)
    # Without the session's token, or from another site: refused, nothing signed
    ticked = {"reason": "seized", "confirm": "yes", "start": "next"}
    status, _, _ = await post(node.client, address, {**ticked, "csrf": "0" * 32})
    assert status == 403 and await revocations(node) == 0
    status, _, _ = await post(node.client, address, {"csrf": token, **ticked}, headers={"Origin": "http://evil.example"})
    assert status == 403 and await revocations(node) == 0

    # Sent twice at once (a double click): both land on the groups page, one revocation is signed
    answers = await asyncio.gather(*(post(node.client, address, {"csrf": token, **ticked}) for _ in range(2)))
    assert [a[0] for a in answers] == [303, 303], answers
    assert {a[2].headers["Location"] for a in answers} == {f"/groups?revoked={phone.hex()}#device-{phone.hex()}"}
    assert await revocations(node) == 1
    member = node.node.log.trust.member(phone)
    assert member.revoked_from == 1 and node.node.log.trust.revocation(phone).by == bytes.fromhex(
        calais.home.config().group_id)  # the group key signed it, from its next event (it had signed nothing)
    _, groups, _ = await get(node.client, answers[0][2].headers["Location"].split("#")[0] + "&lang=en")
    text = said(groups)
    assert f"Revoked: device {phone.hex()[:12]}… is cut off" in text and "revoked from seq 1" in text, text
    assert "seized" in text and f'href="{address}"' not in groups
    status, again, _ = await get(node.client, address + "?lang=fr")
    assert status == 403 and "est déjà révoqué, depuis le numéro 1 : rien à faire" in said(again)  # (\\u202f spaced)
    assert 'name="confirm"' not in again


async def test_what_the_command_refuses_the_page_refuses(sample, start_node) -> None:
    """This node's own device, another group's device, a group, an unknown id: refused in words, nothing signed."""
    calais, bristol = sample.nodes
    reply_from_bristol(calais, bristol, "need", {"category": "tents", "quantity": "3", "region": "bristol"})
    node = await start_node(calais)  # (it holds Bristol's device now: a need of Bristol's came)
    await node.log_in()
    own, theirs = calais.home.config().device_id, bristol.home.config().device_id
    status, page, _ = await get(node.client, f"/device/{own}/revoke?lang=en")
    assert status == 403 and "This is this node's own device" in said(page) and f"solnet revoke {own}" in said(page)
    status, page, _ = await get(node.client, f"/device/{theirs}/revoke?lang=fr")
    assert status == 403 and "n’est pas un appareil de votre groupe : seul son propre groupe" in said(page)
    status, page, _ = await get(node.client, f"/device/{bristol.home.config().group_id}/revoke?lang=en")
    assert status == 404 and "No device of this network has this id" in said(page)
    status, page, _ = await get(node.client, f"/device/{'ab' * 32}/revoke")
    assert status == 404
    _, groups, _ = await get(node.client, "/groups")
    for device in (own, theirs):
        status, _, _ = await post(node.client, f"/device/{device}/revoke",
                                  {"csrf": csrf_of(groups), "confirm": "yes", "start": "next"})
        assert status == 403
    assert await revocations(node) == 0


async def test_a_device_that_is_not_the_main_node_says_where_to_revoke(sample, start_node, tmp_path) -> None:
    """The phone's own dashboard: it holds no group key, so it cannot revoke Calais's node; it says so,
    and where (the main node's dashboard, or `solnet revoke ID` there)."""
    calais, _ = sample.nodes
    home, _, _ = phone_of(calais, tmp_path, joined=True)
    phone = await start_node(dataclasses.replace(calais, name="phone", home=home, port=localnet.free_ports(1)[0]))
    await phone.log_in()
    main = calais.home.config().device_id
    _, groups, _ = await get(phone.client, "/groups?lang=en")
    assert "/revoke" not in groups
    status, page, _ = await get(phone.client, f"/device/{main}/revoke?lang=en")
    text = said(page)
    assert status == 403 and "This node does not hold your group's key" in text, text
    assert "your group's main node" in text and f"solnet revoke {main}" in text and 'name="confirm"' not in page
    status, _, _ = await post(phone.client, f"/device/{main}/revoke", {"csrf": csrf_of(groups), "confirm": "yes"})
    assert status == 403 and await revocations(phone) == 0


async def test_a_device_revoking_with_its_own_key_links_to_its_revocation(sample, start_node, tmp_path) -> None:
    """The overview's warning of a device of this group that revoked another key with its own key (a
    seized phone) named `solnet revoke ... --from-seq N`: it links to the page, the seq chosen."""
    calais, bristol = sample.nodes
    _, phone, phone_keys = phone_of(calais, tmp_path)
    log = calais.home.log()
    try:  # what a seized phone's altered solnet signs: Bristol revoked with the phone's own key
        assert log.trust.may_revoke(phone, bytes.fromhex(bristol.home.config().group_id))
        log.append(phone_keys.device, "member.revoke",
                   {"subject": bytes.fromhex(bristol.home.config().group_id), "from_seq": 1}, offline=True)
    finally:
        log.store.close()
    node = await start_node(calais)
    await node.log_in()
    for lang in ("en", "fr"):
        _, overview, _ = await get(node.client, f"/?lang={lang}")
        assert f'<a href="/device/{phone.hex()}/revoke?from_seq=1">' in overview, lang
        assert f"solnet revoke {phone.hex()}" not in overview
    status, form, _ = await get(node.client, f"/device/{phone.hex()}/revoke?from_seq=1")
    assert status == 200 and 'name="start" value="seq" checked' in form and 'value="1"' in form
    assert KINDS["member.revoke"].field("reason").max_len == 200


async def test_the_group_keys_copy_warning_links_each_device_to_revoke(sample, start_node, tmp_path) -> None:
    """A copy of the group key certified a device (here the phone, which this node holds): the warning
    said `solnet revoke ID`; each device it names that this node can revoke has its link now."""
    from events.canonical import pack
    from events.format import sign_event
    from node.clock import now_ms
    from node.key_elsewhere import GroupKeyAbove

    calais, _ = sample.nodes
    _, phone, _ = phone_of(calais, tmp_path)
    node = await start_node(calais)
    await node.log_in()
    running = node.node
    group = running.keys.group
    found = running.group_watch.found = GroupKeyAbove(bytes(group.public), now_ms() - 3_600_000)
    found.add(90, sign_event(group, network=running.log.network_id, seq=90, prev=bytes(32), timestamp=now_ms(),
                             kind="member.vouch", body=pack({"subject": phone, "role": "device"})).encode())
    _, overview, _ = await get(node.client, "/?lang=en")
    banner = overview.split('id="group-key-elsewhere"')[1].split("</p>")[0]
    assert f'{phone.hex()} (<a href="/device/{phone.hex()}/revoke">Revoke this device</a>)' in banner, banner


async def test_a_device_of_the_group_seen_linked_twice_links_to_its_revocation(sample, start_node, tmp_path) -> None:
    """The peer row "linked twice at once from two places ... revoke that device" of a device of this
    group (a cloned phone) links to its revocation; the running node's view of its peers is what
    node/net/peer_views.py gives for a phone seen linked twice (two real copies linking are
    tests/dashboard/test_linked_twice_shown.py's)."""
    from node.log import now_ms

    calais, _ = sample.nodes
    _, phone, _ = phone_of(calais, tmp_path)
    node = await start_node(calais)
    await node.log_in()
    seen = now_ms()
    node.node.peer_views = lambda now: [{"address": None, "source": "inbound", "device": phone.hex(), "label": None,
                                         "last_sync": None, "last_error": None, "banned": False,
                                         "linked_twice": seen}]
    _, overview, _ = await get(node.client, "/?lang=en")
    row = overview.split('class="peer-twice"')[1].split("</li>")[0]
    assert f'<a href="/device/{phone.hex()}/revoke">Revoke this device</a>' in row, row
