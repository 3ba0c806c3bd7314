"""A seized phone of an admitting group revokes a group its group admitted: every node's words lead
both groups to the way back (`solnet revoke PHONE_ID --from-seq N` on the admitting group's main
node), and that way back works, against a real SQLite log.

Any device of an admitting group may revoke the groups that group admitted (design section 5),
from seq 1; what a seized phone signs before its own revocation keeps its effect. Until
2026-12-06 the revoked group was told only "if that is news to you, ask the group that admitted
yours", and the admitting group's status said "revoked group ... by 3f2a9c1b": neither said that a
device, not the group key (which is all `solnet` signs revocations of others with), had done it,
nor how to undo it."""
from __future__ import annotations

import re
from pathlib import Path

from types import SimpleNamespace

from crypto.short_ids import short_id
from node.net.watcher import Watcher
from node.status import revoked_list
from node.status_text import own_key_warnings, status_text
from test_order_independence import certified_world, ingest_in


def _status(log, world, group: str, device: str) -> str:
    out = {"group_id": world.pub(group).hex(), "group_name": group, "region": "calais",
           "device_id": world.pub(device).hex(), "network_id": log.network_id.hex(), "network_name": "test",
           "events": 1, "authors": 1, "pending": 0, "forks": 0, "groups": 3, "devices": 5,
           "revoked": revoked_list(log), "node": {"running": False}}
    return status_text(out)


def _seized_phone_revoked_g1(tmp_path: Path):
    """F founded the network and admitted G1; f1, a device of F, signed an honest action, then (a
    seized phone) revoked G1 from seq 1: the world, that revocation, and a real log holding them."""
    world = certified_world()
    world.events.append(world.authors["f1"].sign("action", {"title": "honest", "region": "calais", "type": "protest",
                                                            "starts_at": 1_900_000_000_000}))
    seized = world.authors["f1"].sign("member.revoke", {"subject": world.pub("G1"), "from_seq": 1,
                                                        "reason": "infiltrators"})
    log = ingest_in(tmp_path / "h.db", world, [*world.events, seized], [])
    return world, seized, log


def test_the_words_of_a_seized_phones_revocation_lead_to_the_way_back(tmp_path: Path) -> None:
    world, seized, log = _seized_phone_revoked_g1(tmp_path)
    try:
        assert log.trust.member(world.pub("G1")).revoked_from == 1
        phone = world.pub("f1").hex()
        # G1's own home: who did it, and what its admitter runs to undo it
        [g1_warning] = own_key_warnings(world.pub("G1").hex(), world.pub("g1").hex(), revoked_list(log))
        assert f"device {phone[:8]}" in g1_warning and "not by that group's key" in g1_warning, g1_warning
        command = f'solnet revoke {phone} --from-seq {seized.seq} --reason "seized"'
        assert command in g1_warning, g1_warning
        # F's home (the phone's group): the warning, with the same command
        text = _status(log, world, "F", "f2")
        assert f"WARNING: device {phone[:8]}" in text and "of this group revoked" in text, text
        assert f"`{command}`" in text and "what it signed before stays" in text, text
        # ... and F's running node logs it (its watch of its own standing)
        watch = Watcher(None, lambda: log, SimpleNamespace(device=world.keys["f2"], group=world.keys["F"]),
                        feed=None, router=None, credentials=None, drop_revoked=None, learn_announced=None,
                        failed=None)
        assert any(command in said for said in watch._own_standing()), watch._own_standing()
        # a third group's home: the listing says a device did it, and no warning of its own
        other = _status(log, world, "G2", "g2")
        assert re.search(rf"revoked group .+ from seq 1 by device {phone[:8]}", other), other
        assert "of this group revoked" not in other
        # The way back, as said: F's group key revokes the phone from that seq, pinning what it
        # signed before (`solnet revoke` pins the event at from_seq - 1 as this node holds it)
        pin = log.store.id_at(world.pub("f1"), seized.seq - 1)
        log.ingest([world.authors["F"].sign("member.revoke", {"subject": world.pub("f1"), "from_seq": seized.seq,
                                                              "reason": "seized", "pin": pin}).encode()])
        assert log.trust.member(world.pub("G1")).revoked_from is None
        assert log.store.event_row(world.events[-1].id) is not None  # the phone's honest past stays
        assert own_key_warnings(world.pub("G1").hex(), world.pub("g1").hex(), revoked_list(log)) == []
        assert "of this group revoked" not in _status(log, world, "F", "f2")
        assert watch._own_standing() == []
    finally:
        log.store.close()


def test_the_dashboard_gives_both_groups_the_way_back_as_status_does(tmp_path: Path) -> None:
    """The admin's overview said only "If that is news to you, ask the group that admitted yours" on
    the revoked group's node, and nothing at all on the node of the group whose phone did it, where
    `solnet status` and the node's log name the device and the command that undoes it."""
    from node.dashboard.pages import own_group_problems

    world, seized, log = _seized_phone_revoked_g1(tmp_path)
    try:
        phone = world.pub("f1").hex()
        command = f'solnet revoke {phone} --from-seq {seized.seq} --reason "seized"'
        g1 = own_group_problems(log, world.pub("g1"), world.pub("G1"))
        [group_key] = [k for k in g1["own_keys"] if k["role"] == "group"]
        assert group_key["by_device"]["device"] == short_id(bytes.fromhex(phone)) and group_key["by_device"]["undo"] == command
        assert g1["revoked_by_ours"] == []
        f = own_group_problems(log, world.pub("f2"), world.pub("F"))
        assert f["own_keys"] == []
        [ours] = f["revoked_by_ours"]
        assert (ours["device"], ours["role"], ours["from_seq"], ours["undo"]) == (short_id(bytes.fromhex(phone)), "group", 1, command)
        third = own_group_problems(log, world.pub("g2"), world.pub("G2"))
        assert third["own_keys"] == [] and third["revoked_by_ours"] == []
        # A group key's revocation (what solnet signs) names no device and no way back of this kind
        log.ingest([world.authors["F"].sign("member.revoke", {"subject": world.pub("f1"), "from_seq": seized.seq,
                                                              "reason": "seized",
                                                              "pin": log.store.id_at(world.pub("f1"), seized.seq - 1)
                                                              }).encode()])
        assert own_group_problems(log, world.pub("f2"), world.pub("F"))["revoked_by_ours"] == []
        assert own_group_problems(log, world.pub("g1"), world.pub("G1"))["own_keys"] == []
    finally:
        log.store.close()
