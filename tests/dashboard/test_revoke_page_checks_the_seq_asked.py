"""The dashboard's "Revoke this device" (node/dashboard/revoke.py) said "revoked already: nothing to
do" whenever trust held any revocation of the device: one its own key signed from seq 10^9 (a thief's
copy of a phone's key), one from its next event when it was seized earlier than thought, a fork (which
trust records as a revocation of its own). The page then refused, and a ticked form redirected to
"Revoked: ... cut off" though nothing was signed. It now asks what the command asks: whether a
revocation that counts is in effect from the seq asked, or lower. Also: a typed seq of "²" or 5000
nines (500 errors), the error summary's raw "{device}", one group-key query per device of the network
on each Groups page load."""
from __future__ import annotations

from page_text import csrf_of
from test_http import get, post
from test_revoke_a_device_from_the_dashboard import phone_of, revocations, said


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
