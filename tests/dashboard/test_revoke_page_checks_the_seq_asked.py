"""The dashboard's "Revoke this device" (node/dashboard/revoke.py) said "revoked already: nothing to
do" whenever trust held any revocation of the device: one its own key signed from seq 10^9 (a thief's
copy of a phone's key), one from its next event when it was seized earlier than thought, a fork (which
trust records as a revocation of its own). The page then refused, and a ticked form redirected to
"Revoked: ... cut off" though nothing was signed. It now asks what the command asks: whether a
revocation that counts is in effect from the seq asked, or lower. Also: a typed seq of "²" or 5000
nines (500 errors), the error summary's raw "{device}", one group-key query per device of the network
on each Groups page load."""
from __future__ import annotations

from events.canonical import pack
from events.format import sign_event
from node import membership
from node.clock import now_ms
from node.dashboard import revoke
from page_text import csrf_of
from test_http import get, post
from test_revoke_a_device_from_the_dashboard import phone_of, revocations, said


async def thief_revoked_phone(sample, start_node, tmp_path):
    """Calais's main node, logged in, and its phone, which a thief holding a copy of the phone's key
    revoked from far ahead with the phone's own key (the phone still signs)."""
    calais, _ = sample.nodes
    _, phone, phone_keys = phone_of(calais, tmp_path)
    log = calais.home.log()
    try:
        log.append(phone_keys.device, "member.revoke", {"subject": phone, "from_seq": 10**9}, offline=True)
    finally:
        log.store.close()
    node = await start_node(calais)
    await node.log_in()
    return node, phone


async def test_a_thiefs_revocation_far_ahead_or_one_from_its_next_event_does_not_stop_an_earlier_one(
        sample, start_node, tmp_path) -> None:
    node, phone = await thief_revoked_phone(sample, start_node, tmp_path)
    address = f"/device/{phone.hex()}/revoke"
    _, groups, _ = await get(node.client, "/groups?lang=en")
    assert f'href="{address}"' in groups  # it still signs: still offered
    status, form, _ = await get(node.client, address + "?lang=en")
    assert status == 200 and 'name="confirm"' in form, said(form)
    token = csrf_of(form)
    ticked = {"csrf": token, "confirm": "yes"}

    # From its next event (2: the thief's revocation is its seq 1): the group key signs it
    status, _, r = await post(node.client, address, {**ticked, "start": "next"})
    assert status == 303 and await revocations(node) == 2
    assert node.node.log.trust.member(phone).revoked_from == 2
    # Seized earlier than thought: the page says what is in effect, and offers an earlier seq
    status, form, _ = await get(node.client, address + "?lang=en")
    text = said(form)
    assert status == 200 and "is revoked already, from seq 2: revoking it from its next event would do nothing" in text
    assert 'name="start" value="seq" checked' in form and 'name="confirm"' in form
    # (from its next event again: that one counts already; nothing more is signed)
    status, _, r = await post(node.client, address, {**ticked, "start": "next"})
    assert status == 303 and await revocations(node) == 2
    status, _, r = await post(node.client, address, {**ticked, "start": "seq", "from_seq": "1"})
    assert status == 303 and r.headers["Location"].startswith(f"/groups?revoked={phone.hex()}")
    # (signed: the group key's, from seq 1; the thief's, the phone's seq 1, is taken out with it)
    assert node.node.log.trust.member(phone).revoked_from == 1
    assert node.node.log.trust.revocation(phone).by == bytes.fromhex(sample.nodes[0].home.config().group_id)
    status, form, _ = await get(node.client, address + "?lang=en")
    assert status == 403 and "is revoked already, from seq 1: nothing to do" in said(form)


async def test_a_forked_device_says_to_choose_its_chain_with_the_command(sample, start_node, tmp_path) -> None:
    calais, _ = sample.nodes
    _, phone, phone_keys = phone_of(calais, tmp_path)
    node = await start_node(calais)
    await node.log_in()
    running = node.node
    for quantity in (1, 2):  # the phone's key signed two different events at its seq 1
        twin = sign_event(phone_keys.device, network=running.log.network_id, seq=1, prev=None, timestamp=now_ms(),
                          kind="need", body=pack({"category": "food", "quantity": quantity, "region": "calais"}))
        await running.db(running.log.ingest, [twin.encode()])
    assert running.log.trust.fork_point(phone) == 1
    status, page, _ = await get(node.client, f"/device/{phone.hex()}/revoke?lang=en")
    text = said(page)
    assert status == 403 and "signed two different events at seq 1" in text, text
    assert f"solnet revoke {phone.hex()}" in text and "nothing to do" not in text
    status, _, _ = await post(node.client, f"/device/{phone.hex()}/revoke",
                              {"csrf": csrf_of(page), "confirm": "yes", "start": "next"})
    assert status == 403 and await revocations(node) == 0


async def phone_page(sample, start_node, tmp_path):
    """Calais's main node, logged in, and the address of the page revoking its phone."""
    calais, _ = sample.nodes
    _, phone, _ = phone_of(calais, tmp_path)
    node = await start_node(calais)
    await node.log_in()
    return node, f"/device/{phone.hex()}/revoke"


async def test_a_seq_typed_in_other_digits_or_too_long_is_an_error_of_its_field(sample, start_node, tmp_path) -> None:
    node, address = await phone_page(sample, start_node, tmp_path)
    status, form, _ = await get(node.client, address + "?from_seq=%C2%B2")
    assert status == 200 and 'name="start" value="next" checked' in form
    for typed in ("²", "9" * 5000):
        status, page, _ = await post(node.client, address + "?lang=en",
                                     {"csrf": csrf_of(form), "confirm": "yes", "start": "seq", "from_seq": typed})
        assert status == 400 and "give a whole number from 1 to 1" in said(page), status
    assert await revocations(node) == 0


async def test_the_error_summary_names_the_tick_without_a_placeholder(sample, start_node, tmp_path) -> None:
    node, address = await phone_page(sample, start_node, tmp_path)
    _, form, _ = await get(node.client, address)
    for lang in ("en", "fr"):
        status, page, _ = await post(node.client, f"{address}?lang={lang}", {"csrf": csrf_of(form), "start": "next"})
        assert status == 400 and "{device}" not in page and "{" not in said(page), lang
    assert await revocations(node) == 0


def test_the_groups_page_asks_once_whether_the_group_key_signs(sample, tmp_path, monkeypatch) -> None:
    calais, bristol = sample.nodes
    _, phone, _ = phone_of(calais, tmp_path)
    asked = []
    real = membership.group_signs_next
    monkeypatch.setattr(membership, "group_signs_next", lambda *a: asked.append(a) or real(*a))
    log = calais.home.log()
    try:
        group, own = bytes.fromhex(calais.home.config().group_id), bytes.fromhex(calais.home.config().device_id)
        devices = [phone, own, bytes.fromhex(bristol.home.config().device_id)] + [bytes([n]) * 32 for n in range(5)]
        assert revoke.revocable(log, group, own, devices) == {phone}
    finally:
        log.store.close()
    assert len(asked) == 1, asked


async def test_the_groups_page_says_revoked_only_for_a_device_cut_off_by_now(sample, start_node, tmp_path) -> None:
    node, phone = await thief_revoked_phone(sample, start_node, tmp_path)  # it still signs
    typed = f"/groups?lang=en&revoked={phone.hex()}"
    _, page, _ = await get(node.client, typed)
    assert "Revoked:" not in said(page) and "is cut off" not in said(page)
    _, form, _ = await get(node.client, f"/device/{phone.hex()}/revoke")
    status, _, _ = await post(node.client, f"/device/{phone.hex()}/revoke",
                              {"csrf": csrf_of(form), "confirm": "yes", "start": "next"})
    assert status == 303
    _, page, _ = await get(node.client, typed)
    assert "Revoked: device" in said(page) and "is cut off on this node" in said(page)
