"""A device of the node's own group other than this node's puts the group on the public feeds
(`public_feeds: yes` in a profile it signs: last writer wins, and every node takes it). A seized
phone can so publish the whole group's actions and fundraisers. The group's own node says so, with
real homes: `solnet status` (and its JSON), GET /api/v1/status and the admin's overview name the
device (short id and label) and give the commands to turn it off and to revoke the device. Not when
this node set it, nor once the profile no longer opts in."""
from __future__ import annotations

import json

from page_text import PASSPHRASE
from crypto.keys import EncryptionKey, SigningKey
from crypto.short_ids import short_id
from events.trust import device_consent
from node.status import node_status
from node.status_text import status_text
from test_http import _warning, get

PROFILE = {"name": "Calais", "region": "calais"}


async def test_a_profile_another_device_put_on_the_public_feeds_is_said_to_the_group(sample, start_node) -> None:
    calais, _ = sample.nodes
    keys = calais.home.keys(PASSPHRASE)
    node = await start_node(calais)
    running = node.node
    mole, mole_enc = SigningKey.generate(), EncryptionKey.generate()
    mole_id = bytes(mole.public).hex()

    def phone_opts_in() -> None:
        enc = bytes(mole_enc.public)
        running.log.append(keys.group, "member.vouch", {"subject": bytes(mole.public), "role": "device",
                                                        "encryption_key": enc, "name": "phone 2",
                                                        "consent": device_consent(mole, bytes(keys.group.public), enc)},
                           offline=True)
        running.log.append(mole, "group.profile", {**PROFILE, "public_feeds": "yes"}, offline=True)
    await running.db(phone_opts_in)

    status = await running.db(node_status, calais.home, running.log)
    assert status["public_feeds_set_by"]["device"] == mole_id and status["public_feeds_set_by"]["label"] == "phone 2"
    said = status_text(status)
    assert (f"WARNING: this group's profile puts its actions and fundraisers on the public pages and feeds "
            f"(public_feeds: yes), and it was set by device {short_id(mole.public)} (phone 2), not by this node." in said)
    assert "--public-feeds no" in said and f"`solnet revoke {mole_id[:12]}`" in said, said

    token = calais.home.admin_token(running.keys)
    _, body, _ = await get(node.client, "/api/v1/status", headers={"Authorization": f"Bearer {token}"})
    assert json.loads(body)["public_feeds_set_by"]["device"] == mole_id

    _, public, _ = await get(node.client, "/")
    assert "feeds-set-by" not in public
    await node.log_in()
    _, overview, _ = await get(node.client, "/")
    warning = _warning(overview, "feeds-set-by") or ""
    assert warning.startswith(f"This group's profile puts its actions and fundraisers on the public pages and feeds "
                              f"(public feeds: yes), and it was set by device {short_id(mole.public)} (phone 2)"), warning
    assert "--public-feeds no" in warning and f'href="/device/{mole_id}/revoke"' in overview
    _, french, _ = await get(node.client, "/?lang=fr")
    assert "pas ce nœud" in (_warning(french, "feeds-set-by") or "")

    # This node's own profile (opting in, then out) is its own doing: said no more
    await running.db(lambda: running.log.append(keys.device, "group.profile", {**PROFILE, "public_feeds": "yes"},
                                                offline=True))
    assert (await running.db(node_status, calais.home, running.log))["public_feeds_set_by"] is None
    _, overview, _ = await get(node.client, "/")
    assert "feeds-set-by" not in overview
