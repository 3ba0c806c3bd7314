"""A device of the node's own group seals an event the node cannot read (node/hidden_own.py), with real
homes: a mole device of Calais hand-seals "need withdrawn" of Calais's need to Bristol only, leaving
Calais's devices out. Calais's admin overview, `solnet status` (and every publish's answer) and the
node's log say it once, with the device's id to revoke; the public overview does not."""
from __future__ import annotations

import logging

from page_text import PASSPHRASE
from crypto.envelope import seal
from crypto.keys import EncryptionKey, SigningKey
from crypto.short_ids import short_id
from events.sealed import inner_plaintext
from events.trust import device_consent
from node import hidden_own
from node.status import node_status
from node.status_text import status_text
from test_http import _warning, get


async def test_a_mole_device_sealing_away_from_its_own_group_is_said_to_the_owner(
        sample, start_node, monkeypatch, caplog) -> None:
    # The sample's devices were certified minutes ago: no day of grace here (tests/node/test_hidden_own.py has it)
    monkeypatch.setattr(hidden_own, "SYNC_GRACE_MS", 0)
    calais, bristol = sample.nodes
    keys = calais.home.keys(PASSPHRASE)
    bristol_keys = bristol.home.keys(PASSPHRASE)
    node = await start_node(calais)
    running = node.node
    mole, mole_enc = SigningKey.generate(), EncryptionKey.generate()
    need = bytes.fromhex(sample.ids["need"])

    def mole_acts() -> None:
        enc = bytes(mole_enc.public)
        running.log.append(keys.group, "member.vouch", {"subject": bytes(mole.public), "role": "device",
                                                        "encryption_key": enc,
                                                        "consent": device_consent(mole, bytes(keys.group.public), enc)},
                           offline=True)
        inner = inner_plaintext("need.update", {"need": need, "status": "withdrawn"}, [bytes(bristol_keys.group.public)])
        running.log.append(mole, "sealed", {"envelope": seal(inner, [bristol_keys.device_encryption.public])},
                           offline=True)
    await running.db(mole_acts)
    mole_id = bytes(mole.public).hex()

    with caplog.at_level(logging.WARNING, logger="solnet.node.hidden_own"):
        await running.saver.save_now()
        await running.saver.save_now()  # said once in the log, however often the node looks
    logged = [r.getMessage() for r in caplog.records if r.name == "solnet.node.hidden_own"]
    assert len(logged) == 1 and f"solnet revoke {mole_id}" in logged[0]

    # what a publish through the running node is answered with (node/net/admin_requests.py), said by the CLI
    [fact] = running.live_facts()["hidden_own"]
    assert fact["device"] == mole_id and fact["events"] == 1
    said = status_text(await running.db(node_status, calais.home, running.log))
    assert (f"WARNING: a device of your group ({short_id(mole.public)}) sealed an event your node cannot read: your "
            "group's own events are always sealed to you; this device may be in other hands. If no member of your "
            f"group knows why, revoke it with your group key (`solnet revoke {mole_id} --from-seq 1`): from its seq 1, "
            "the first it sealed so, what it signed is void on every node." in said), said

    _, public, _ = await get(node.client, "/")
    assert "hidden-own" not in public
    await node.log_in()
    _, overview, _ = await get(node.client, "/")
    assert _warning(overview, f"hidden-own-{short_id(mole.public)}") == (
        f"A device of your group ({short_id(mole.public)}) sealed 1 event(s) your node cannot read: your group's own "
        "events are always sealed to you; this device may be in other hands. If no member of your group knows why, "
        f"revoke it with your group key from its seq 1, the first it sealed so (what it signed from there is void "
        "on every node): Revoke this device.")
    assert f'<a href="/device/{mole_id}/revoke?from_seq=1">Revoke this device</a>' in overview  # not a shell command
    _, french, _ = await get(node.client, "/?lang=fr")
    assert "entre d’autres mains" in (_warning(french, f"hidden-own-{short_id(mole.public)}") or "")

    # revoked: said no more
    await running.db(lambda: running.log.append(keys.group, "member.revoke", {"subject": bytes(mole.public),
                                                                             "from_seq": 1}, offline=True))
    _, overview, _ = await get(node.client, "/")
    assert "hidden-own" not in overview
    await running.saver.save_now()
    assert "other hands" not in status_text(await running.db(node_status, calais.home, running.log))

