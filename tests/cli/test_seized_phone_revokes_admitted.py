"""A seized phone of Calais (the admitting group) revokes Bristol, the group Calais admitted, with
its own device key: `solnet status` on Calais's main node says so and gives the command that
undoes it; run as printed, Bristol is a member again. Real `solnet` processes in two homes.

Any device of an admitting group may revoke the groups that group admitted, from seq 1, and what a
phone signs before its own revocation keeps its effect (design section 5). Until 2026-12-06
Calais's status only listed "revoked group Bristol ... by 3f2a9c1b..." (a device's id, unnamed) and
Bristol's said "if that is news to you, ask the group that admitted yours": nothing led either
group to the way back."""
from __future__ import annotations

import re

from crypto.keystore import read_keystore
from events.canonical import pack
from events.format import sign_event
from node.log import EventLog, now_ms
from node.store import Store


def test_the_status_leads_calais_to_undo_its_seized_phones_revocation(network, cli, tmp_path):
    phone = tmp_path / "phone"
    made = cli.run_json(phone, "init", "--group", "Calais", "--region", "calais", "--device-of", network.group_a)
    cli.run(network.a, "vouch", made["device_request"], "--out", tmp_path / "device.txt", "--name", "phone 2")
    cli.run_json(phone, "join", tmp_path / "device.txt")
    cli.run(phone, "publish", "action", "--title", "Vigil", "--region", "calais", "--type", "protest",
            "--starts-at", "2030-01-01T18:00", "--offline")
    key = read_keystore(phone / "keystore", cli.PASSPHRASE).device
    log = EventLog(Store(phone / "solnet.db"))
    try:  # the thief's altered client: what `solnet` never signs with a device key
        seq, prev = log.store.head(bytes(key.public))
        forged = sign_event(key, network=log.network_id, seq=seq + 1, prev=prev, timestamp=now_ms(),
                            kind="member.revoke", body=pack({"subject": bytes.fromhex(network.group_b),
                                                             "from_seq": 1, "reason": "infiltrators"}))
    finally:
        log.store.close()
    calais = EventLog(Store(network.a / "solnet.db"))
    try:
        calais.ingest([*_chain(phone, made["device_id"]), forged.encode()])
        assert calais.trust.member(bytes.fromhex(network.group_b)).revoked_from == 1
    finally:
        calais.store.close()

    status = cli.run(network.a, "status").stdout
    # (Bristol by its id: this home holds none of Bristol's events, its profile among them)
    assert f"of this group revoked group {network.group_b[:12]}… from seq 1" in status, status
    command = re.search(r"`(solnet revoke [0-9a-f]{64} --from-seq \d+ --reason \"seized\")`", status)
    assert command is not None and made["device_id"] in command.group(1), status
    _, _, device, _, from_seq, _, reason = command.group(1).split(" ", 6)
    cli.run(network.a, "revoke", device, "--from-seq", from_seq, "--reason", reason.strip('"'))
    after = cli.run(network.a, "status").stdout
    assert "of this group revoked" not in after and f"revoked group {network.group_b[:12]}" not in after, after
    [bristol] = [g for g in cli.run_json(network.a, "view", "groups") if g["id"] == network.group_b]
    assert bristol["revoked_from"] is None, bristol


def _chain(home, device_hex):
    log = EventLog(Store(home / "solnet.db"))
    try:
        return log.store.chain_wires(bytes.fromhex(device_hex))
    finally:
        log.store.close()
