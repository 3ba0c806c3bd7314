"""`solnet vouch` (a further device of a group) and `solnet revoke`, through the real command:
who may revoke whom, what is purged, and how the read models and status show it.

Events travel between homes as bundles here; tests/integration has the same with running nodes."""
from __future__ import annotations

import re
from pathlib import Path

from crypto.keys import SigningKey
from node.home import Home


def _second_device(network, cli, tmp_path: Path) -> tuple[Path, dict]:
    """Calais' second laptop: init --device-of, vouched by Calais' main node (A), joined."""
    laptop = tmp_path / "laptop"
    made = cli.run_json(laptop, "init", "--group", "Calais", "--region", "calais", "--device-of", network.group_a)
    assert made["group_id"] == network.group_a and made["device_request"].startswith("solnet-device-v2:")
    token = tmp_path / "device.txt"
    vouched = cli.run_json(network.a, "vouch", made["device_request"], "--name", "laptop 2", "--out", token)
    assert (vouched["role"], vouched["subject"], vouched["group_id"]) == ("device", made["device_id"], network.group_a)
    joined = cli.run_json(laptop, "join", token)
    assert joined["network_id"] == network.network_id
    return laptop, made


def _carry(cli, source: Path, dest: Path, tmp_path: Path, name: str = "carry.bundle") -> str:
    cli.run(source, "export", tmp_path / name)
    return cli.run(dest, "import", tmp_path / name, ok=False).stdout


def test_a_second_device_of_a_group_publishes_as_that_group(network, cli, tmp_path):
    laptop, made = _second_device(network, cli, tmp_path)
    status = cli.run_json(laptop, "status")
    assert status["devices"] == 2 and status["group_id"] == network.group_a  # Calais main node and laptop
    event = cli.publish(laptop, "action", "--title", "Distribution at the station", "--region", "calais",
                        "--starts-at", "2031-05-01T10:00", "--type", "distribution")
    assert "1 accepted" in _carry(cli, laptop, network.a, tmp_path)
    shown = cli.run_json(network.a, "show", event)
    assert (shown["author"], shown["group"]) == (made["device_id"], network.group_a)
    [calais] = [g for g in cli.run_json(network.a, "view", "groups") if g["id"] == network.group_a]
    assert calais["devices"] == 2 and calais["active_devices"] == 2
    # Each device by its id, what `solnet revoke` takes (a coordinator looking for a seized phone's),
    # with the name its group gave it and which is this node's own: two bare ids were all there was
    # to tell the phone from the node, and the coordinator of the week revoked the wrong one.
    shown = cli.run(network.a, "view", "groups").stdout + "\n"
    assert f'    device {made["device_id"][:12]}… named "laptop 2"\n' in shown, shown
    assert f"    device {network.device_a[:12]}… (this node)\n" in shown, shown
    assert f"    device {network.device_a[:12]}… (this node)\n" not in cli.run(laptop, "view", "groups").stdout
    [listed] = [d for d in calais["device_list"] if d["id"] == made["device_id"]]
    assert listed["name"] == "laptop 2" and not listed.get("this_node"), listed
    # The laptop holds no group key: it cannot vouch, nor revoke anyone but itself.
    refused = cli.run(laptop, "vouch", made["device_request"], "--out", tmp_path / "x.txt", ok=False)
    assert refused.returncode == 1 and "group key" in refused.stderr, refused.stderr
    refused = cli.run(laptop, "revoke", network.device_a, ok=False)
    assert refused.returncode == 1 and "group key" in refused.stderr and "Traceback" not in refused.stderr
    damaged = cli.run(network.a, "vouch", made["device_request"][:-4], "--out", tmp_path / "y.txt", ok=False)
    assert damaged.returncode == 1 and "damaged" in damaged.stderr, damaged.stderr


def test_a_further_device_joining_says_it_is_a_device_of_its_group(network, cli, tmp_path):
    """A second coordinator's laptop joining said "Calais joined the network ...", as if the group
    had just joined (it had, long before)."""
    laptop = tmp_path / "laptop"
    made = cli.run_json(laptop, "init", "--device-of", network.group_a)
    cli.run(network.a, "vouch", made["device_request"], "--out", tmp_path / "device.txt")
    said = cli.run(laptop, "join", tmp_path / "device.txt").stdout
    assert said.startswith("This device of Calais joined the network"), said


def test_a_further_device_joining_names_its_own_groups_node_as_the_one_it_syncs_with(network, cli, tmp_path):
    """A further device of Bristol (admitted by Calais) joined with a token naming Bristol's own node,
    and was told it would sync with Calais, the group that admitted Bristol, at Bristol's address."""
    laptop = tmp_path / "laptop"
    made = cli.run_json(laptop, "init", "--device-of", network.group_b)
    cli.run(network.b, "vouch", made["device_request"], "--out", tmp_path / "device.txt",
            "--peer", "127.0.0.1:7712")
    said = cli.run(laptop, "join", tmp_path / "device.txt").stdout
    assert "It will sync with the node at http://127.0.0.1:7712 once it runs" in said, said
    assert "Bristol's invite names it" in said, said


def test_a_further_device_whose_request_was_lost_prints_it_again(network, cli, tmp_path):
    """The request `init --device-of` printed scrolled away (a closed terminal): nothing printed it
    again, `status` said only "has not joined a network yet", and init again refused the folder."""
    laptop = tmp_path / "laptop"
    made = cli.run_json(laptop, "init", "--device-of", network.group_a)
    assert "solnet id --request" in cli.run(laptop, "status").stdout
    again = cli.run(laptop, "id", "--request").stdout.strip()
    assert again == made["device_request"], again
    cli.run(network.a, "vouch", again, "--out", tmp_path / "device.txt")
    cli.run(laptop, "join", tmp_path / "device.txt")
    joined = cli.run(laptop, "id", "--request", ok=False)
    assert joined.returncode == 1 and "already joined" in joined.stderr, joined.stderr


def test_revoking_a_seized_phone_lists_its_newest_events_that_stay(network, cli, tmp_path):
    """A coordinator revoking a seized phone without --from-seq revoked it from its next event: the
    thief's false all clear, already held, stayed, and nothing said which events stay."""
    laptop, made = _second_device(network, cli, tmp_path)
    cli.publish(laptop, "need", "--category", "tents", "--quantity", "5", "--region", "calais")
    alert = cli.publish(laptop, "alert", "--region", "calais", "--type", "raid", "--text", "Police at the camp")
    cli.publish(laptop, "alert.update", "--alert", alert, "--status", "all_clear")  # the thief's, say
    _carry(cli, laptop, network.a, tmp_path, "laptop.bundle")
    said = cli.run(network.a, "revoke", made["device_id"], "--reason", "phone seized").stdout
    assert "from seq 4" in said, said
    assert "Its newest events stay: seq 3 alert.update signed " in said and "seq 2 alert signed " in said, said
    assert f"revoke it again from that seq (`solnet revoke {made['device_id']} --from-seq N`)" in said, said
    lower = cli.run(network.a, "revoke", made["device_id"], "--from-seq", "3", "--reason", "phone seized").stdout
    assert "Its newest events stay: seq 2 alert signed " in lower, lower


def test_sealing_to_a_group_whose_devices_are_all_revoked_names_it_and_says_why(network, cli, tmp_path):
    """--to Bristol, whose one device Bristol revoked (a Pi restored from a backup forked it), said
    "group 047b79e3b5ba… has no device that can receive private details yet": an id, and "yet"."""
    _carry(cli, network.b, network.a, tmp_path)
    cli.run(network.b, "revoke", network.device_b, "--reason", "forked by a backup")
    _carry(cli, network.b, network.a, tmp_path, "revocation.bundle")
    for kind, extra in (("need", ("--category", "food", "--quantity", "3")),
                        ("support.request", ("--type", "housing", "--people", "2", "--urgency", "low",
                                             "--private", "two adults"))):
        refused = cli.run(network.a, "publish", kind, "--region", "calais", *extra, "--to", "Bristol", ok=False)
        assert refused.returncode == 1, refused.stderr
        assert "Bristol has no device that can read it: all its devices are revoked" in refused.stderr, refused.stderr


def test_sealing_to_a_group_revoked_from_its_start_says_it_is_revoked(network, cli, tmp_path):
    """--to Dover, an infiltrated group revoked from seq 1, said "no group called 'Dover' ... in this
    network", while `view groups` lists Dover as revoked."""
    _carry(cli, network.b, network.a, tmp_path)
    cli.run(network.a, "revoke", network.group_b, "--reason", "infiltrated")
    refused = cli.run(network.a, "publish", "need", "--region", "calais", "--category", "food", "--quantity", "3",
                      "--to", "Bristol", ok=False)
    assert refused.returncode == 1 and "Bristol (" in refused.stderr and ") is revoked" in refused.stderr, refused.stderr
    assert "no group called" not in refused.stderr, refused.stderr


def test_publishing_on_a_home_whose_group_is_revoked_says_so(network, cli, tmp_path):
    """Bristol, revoked from seq 1 by Calais (infiltrated), with the revocation in its own log:
    publish said "this key is not certified in this network (not vouched, or its group was
    removed)", while `solnet status` on the same home said who revoked it, why, and what to do."""
    _carry(cli, network.b, network.a, tmp_path)
    cli.run(network.a, "revoke", network.group_b, "--reason", "infiltrated")
    _carry(cli, network.a, network.b, tmp_path, "revocation.bundle")
    refused = cli.run(network.b, "publish", "need", "--region", "bristol", "--category", "food", "--quantity", "3",
                      ok=False)
    assert refused.returncode == 1, refused.stderr
    assert ("this group key is revoked from seq 1 (infiltrated); no node links with this group's devices any "
            "more. If that is news to you, ask the group that admitted yours. Nothing was published.") in refused.stderr, \
        refused.stderr
    assert "not certified" not in refused.stderr, refused.stderr


def test_revoke_a_device_from_a_seq_purges_it_everywhere_and_shows_who_and_when(network, cli, tmp_path):
    laptop, made = _second_device(network, cli, tmp_path)
    ids = [cli.publish(laptop, "need", "--category", "tents", "--quantity", str(5 + i), "--region", "calais")
           for i in range(3)]  # the laptop's seq 1, 2, 3
    _carry(cli, laptop, network.a, tmp_path, "laptop.bundle")
    _carry(cli, network.a, network.b, tmp_path, "a.bundle")
    assert all(cli.run(network.b, "show", i, ok=False).returncode == 0 for i in ids)

    done = cli.run_json(network.a, "revoke", made["device_id"], "--from-seq", "2", "--reason", "laptop stolen")
    assert (done["role"], done["from_seq"], done["signed_by"], done["purged_here"]) == ("device", 2, "group", 2)
    assert done["pinned"] is True  # its seq 1 as Calais holds it: a copy of the laptop's key cannot fork it away
    shown = cli.run_json(network.a, "show", done["id"])
    assert shown["pin"] == ids[0], shown
    human_groups = cli.run(network.a, "view", "groups").stdout
    # The revoker by its group's name, as the dashboard names it (not by a raw id)
    assert f'device {made["device_id"][:12]}… named "laptop 2" REVOKED from seq 2 by Calais on ' in human_groups, \
        human_groups
    assert "(laptop stolen)" in human_groups
    assert "Calais (calais) — 2 devices (1 of them revoked)  " in human_groups, human_groups  # as `status` counts: 1
    [calais] = [g for g in cli.run_json(network.a, "view", "groups") if g["id"] == network.group_a]
    [gone] = [d for d in calais["device_list"] if d["id"] == made["device_id"]]
    assert (gone["revoked_from"], gone["revoked_by"], gone["revoked_reason"]) == (2, network.group_a, "laptop stolen")
    assert gone["revoked_at"] and calais["active_devices"] == 1
    [listed] = cli.run_json(network.a, "status")["revoked"]
    assert (listed["id"], listed["by"], listed["from_seq"]) == (made["device_id"], network.group_a, 2)
    assert (listed["name"], listed["by_name"]) == ("Calais", "Calais")
    status = cli.run(network.a, "status").stdout
    assert f"revoked device {made['device_id'][:12]}… of Calais from seq 2 by Calais on " in status, status
    # The purged events are kept aside for a while (a revocation found void gives them back): said so, not "pending"
    assert "0 pending; 2 kept aside by revocation; 0 forks" in status, status
    assert cli.run_json(network.a, "status")["kept_aside_revoked"] == 2

    # The revocation travels: Bristol purges the same events and refuses the laptop's later ones.
    _carry(cli, network.a, network.b, tmp_path, "revocation.bundle")
    assert cli.run(network.b, "show", ids[0], ok=False).returncode == 0
    assert all(cli.run(network.b, "show", i, ok=False).returncode != 0 for i in ids[1:])
    later = cli.publish(laptop, "need", "--category", "water", "--quantity", "9", "--region", "calais")  # it does not know yet
    cli.run(laptop, "export", tmp_path / "late.bundle")
    result = cli.run(network.b, "import", tmp_path / "late.bundle", ok=False)
    assert result.returncode == 1 and "revoked" in result.stderr, result.stderr
    assert cli.run(network.b, "show", later, ok=False).returncode != 0


def test_revoke_says_when_it_could_not_pin_and_pins_an_older_revocation(network, cli, tmp_path):
    """A revocation from past what this node holds of a device cannot pin its chain: the command
    says so, and what a copy of its key can still sign. One made without a pin (by a release
    before pins, or by hand) gets one when revoked again from the same seq."""
    laptop, made = _second_device(network, cli, tmp_path)
    for i in range(3):
        cli.publish(laptop, "need", "--category", "tents", "--quantity", str(5 + i), "--region", "calais")
    _carry(cli, laptop, network.a, tmp_path, "laptop.bundle")
    far = cli.run(network.a, "revoke", made["device_id"], "--from-seq", "9", "--reason", "seized")
    assert "NOT pinned" in far.stdout and "seq 4 to 8" in far.stdout, far.stdout
    assert cli.run_json(network.b, "status")["revoked"] == []  # (Bristol is not told here)

    plain = cli.run_json(network.a, "publish", "member.revoke", "--subject", made["device_id"], "--from-seq", "3",
                         "--reason", "seized", "--as", "group")
    assert "pin" not in cli.run_json(network.a, "show", plain["id"])
    again = cli.run_json(network.a, "revoke", made["device_id"], "--from-seq", "3", "--reason", "seized")
    assert again["pinned"] is True and again["from_seq"] == 3, again
    nothing = cli.run(network.a, "revoke", made["device_id"], "--from-seq", "3", ok=False)
    assert nothing.returncode == 1 and "already revoked from seq 3" in nothing.stderr, nothing.stderr
    wrong = cli.run(network.a, "revoke", made["device_id"], "--pin", "abcdef0123", ok=False)
    assert wrong.returncode == 1 and "no event of device" in wrong.stderr and "Traceback" not in wrong.stderr


def test_revoke_refuses_what_this_node_may_not_do(network, cli, tmp_path):
    _carry(cli, network.b, network.a, tmp_path)  # Calais learns Bristol's device
    unknown = cli.run(network.a, "revoke", "ab" * 32, ok=False)
    assert unknown.returncode == 1 and "no device or group" in unknown.stderr, unknown.stderr
    bad = cli.run(network.a, "revoke", "not-a-key", ok=False)
    assert bad.returncode == 1 and "64 hex" in bad.stderr
    # Bristol's device is Bristol's to revoke, not Calais'.
    other = cli.run(network.a, "revoke", network.device_b, ok=False)
    assert other.returncode == 1 and "belongs to Bristol; " in other.stderr, other.stderr
    # Calais founded the network: Bristol cannot revoke it.
    founder = cli.run(network.b, "revoke", network.group_a, ok=False)
    assert founder.returncode == 1 and "founding group" in founder.stderr, founder.stderr
    for result in (unknown, bad, other, founder):
        assert "Traceback" not in result.stderr
    assert cli.run_json(network.a, "status")["revoked"] == []
    assert cli.run_json(network.b, "status")["revoked"] == []


def test_revoke_of_a_group_another_admitted_names_its_admitter_and_what_to_do(network, cli, tmp_path):
    """A coordinator of Calais found Dover infiltrated; Bristol let Dover in. The refusal said
    "was admitted by group 5fb7e7a1e649…": by a bare id, and not what to do."""
    dover = tmp_path / "Dover"
    dover_id = cli.run_json(dover, "init", "--group", "Dover", "--region", "dover")["group_id"]
    cli.run(network.b, "invite", dover_id, "--out", tmp_path / "dover.txt")
    cli.run(dover, "join", tmp_path / "dover.txt")
    _carry(cli, network.b, network.a, tmp_path)
    _carry(cli, dover, network.a, tmp_path)
    refused = cli.run(network.a, "revoke", dover_id, ok=False)
    assert refused.returncode == 1, refused.stderr
    assert f"group Dover ({dover_id[:12]}…) was admitted by Bristol" in refused.stderr, refused.stderr
    assert f"ask Bristol to run `solnet revoke {dover_id}`" in refused.stderr, refused.stderr


def test_revoke_of_a_group_names_it_and_says_its_events_are_kept_aside(network, cli, tmp_path):
    """`revoke` of an infiltrated group said 'Revoked group 5b9b5e9f3ba2…' (its name left the log
    with its profile) and that its events were 'refused and deleted' while every node keeps them
    aside for 90 days, so that a revocation found void gives them back."""
    _carry(cli, network.b, network.a, tmp_path)
    said = cli.run(network.a, "revoke", network.group_b, "--reason", "infiltrated").stdout
    assert said.startswith(f"Revoked group Bristol {network.group_b[:12]}… from seq 1 "), said
    assert "kept aside for 90 days, out of every view and never sent to peers, in case the revocation is found void" \
        in said, said
    assert "deleted" not in said and "out of its log and refuses it as a peer" in said, said


def test_revoke_a_group_removes_it_and_its_devices(network, cli, tmp_path):
    event = cli.publish(network.b, "offer", "--category", "blankets", "--quantity", "30", "--region", "bristol")
    _carry(cli, network.b, network.a, tmp_path)
    assert cli.run(network.a, "show", event, ok=False).returncode == 0
    done = cli.run_json(network.a, "revoke", network.group_b, "--reason", "infiltrated")
    assert (done["role"], done["from_seq"], done["signed_by"]) == ("group", 1, "group")
    assert done["purged_here"] >= 3  # its vouch of its device, its profile, its device's offer
    assert cli.run(network.a, "show", event, ok=False).returncode != 0
    [bristol] = [g for g in cli.run_json(network.a, "view", "groups") if g["id"] == network.group_b]
    assert (bristol["revoked_from"], bristol["revoked_by"], bristol["devices"]) == (1, network.group_a, 0)
    # Its profile left the log with it; the coordinator still sees which group it was, by name.
    assert (bristol["name"], bristol["region"]) == ("Bristol", "bristol"), bristol
    assert "Bristol (bristol) — 0 devices, REVOKED" in cli.run(network.a, "view", "groups").stdout  # not "(?)"
    [revoked] = [r for r in cli.run_json(network.a, "status")["revoked"] if r["id"] == network.group_b]
    assert revoked["name"] == "Bristol", revoked
    again = cli.run(network.a, "revoke", network.group_b, ok=False)
    assert again.returncode == 1 and "already revoked" in again.stderr


def test_inviting_a_revoked_group_again_is_refused_and_says_why_and_what_instead(network, cli, tmp_path):
    """Inviting a group that was thrown out said "That group is already a member; this is a fresh
    copy of its invite." and wrote a token that admitted nothing, exit 0: no vouch undoes its
    admitter's revocation (a front-runner's is another matter: tests/cli/test_admitters.py)."""
    _carry(cli, network.b, network.a, tmp_path)
    cli.run(network.a, "revoke", network.group_b, "--reason", "thrown out")
    for command in ("invite", "vouch"):
        refused = cli.run(network.a, command, network.group_b, "--out", tmp_path / "again.txt", ok=False)
        assert refused.returncode == 1, refused
        assert f"group Bristol ({network.group_b[:12]}…) was revoked from seq 1 by Calais on " in refused.stderr
        assert "(thrown out), and no vouch of this group can undo that revocation" in refused.stderr, refused.stderr
        assert "makes a new group key in a new home (`solnet init --group" in refused.stderr, refused.stderr
        assert "already a member" not in refused.stdout + refused.stderr
        assert not (tmp_path / "again.txt").exists()


def test_a_group_leaving_revokes_its_devices_first_and_then_signs_nothing_more(network, cli, tmp_path):
    """A group that left (revoked its own key from its next seq) kept its devices certified (design
    rule 8, "past acts stay"), while `revoke` said they could no longer connect: a raid alert one of
    them signed afterwards was accepted everywhere. And retiring a device afterwards failed with
    "refused: author 9ad5... is revoked from seq 5 (event has seq 5)"."""
    made = cli.run_json(tmp_path / "laptop", "init", "--device-of", network.group_b)
    cli.run(network.b, "vouch", made["device_request"], "--out", tmp_path / "device.txt")
    head = cli.run_json(network.b, "ls", "--author", network.group_b)  # its accept, device, profile, laptop
    devices = {network.device_b, made["device_id"]}
    # Its devices' revocations come first, below the group's revocation point: a lower one is refused
    # before anything is signed.
    too_low = cli.run(network.b, "revoke", network.group_b, "--from-seq", str(len(head) + 2), ok=False)
    assert too_low.returncode == 1 and f"give --from-seq {len(head) + 4} or more" in too_low.stderr, too_low.stderr
    assert "2 devices still a member" in too_low.stderr, too_low.stderr
    said = cli.run(network.b, "revoke", network.group_b, "--reason", "group dissolved").stdout
    assert f"Revoked group Bristol {network.group_b[:12]}… from seq {len(head) + 4} " in said, said
    assert "the group has left the network. First its 2 devices still a member were revoked from their next " \
           "event" in said, said
    assert "they sign nothing more" in said and "This group has left the network: its key signs nothing more" in said
    assert "can no longer connect" not in said, said
    refused = cli.run(network.b, "publish", "alert", "--region", "bristol", "--type", "raid", "--text",
                      "Raid at the station", "--offline", ok=False)
    assert refused.returncode == 1, refused
    _carry(cli, network.b, network.a, tmp_path)
    [bristol] = [g for g in cli.run_json(network.a, "view", "groups") if g["id"] == network.group_b]
    assert bristol["revoked_from"] == len(head) + 4 and bristol["revoked_by"] == network.group_b, bristol
    assert {d["id"] for d in bristol["device_list"] if d["revoked_from"] is not None} == devices, bristol
    assert cli.run_json(network.a, "status")["devices_of_revoked_groups"] == 0
    # Its key signs nothing more, a device's revocation neither: said in words.
    late = cli.run(network.b, "revoke", made["device_id"], "--reason", "retired", ok=False)
    assert late.returncode == 1 and "refused: author" not in late.stderr, late.stderr
    assert (f"this group left the network: its group key revoked itself from seq {len(head) + 4}, so it can sign "
            "nothing more, not even the revocation of one of its devices") in late.stderr, late.stderr


def _left_as_before(home: Path, passphrase: str) -> None:
    """Leave the network as `solnet revoke OWN_GROUP` did before it revoked the devices first: the
    group key revokes itself from its next seq, and its devices stay members (design rule 8)."""
    from node.home import Home

    keys = Home(home).keys(passphrase)
    log = Home(home).log()
    group = bytes(keys.group.public)
    log.append(keys.group, "member.revoke", {"subject": group, "from_seq": log.store.head(group)[0] + 2,
                                             "reason": "group dissolved"}, offline=True)


def test_a_group_that_left_before_devices_were_revoked_first_can_still_cut_its_devices_off(network, cli, tmp_path):
    """Bristol left before `revoke` revoked a leaving group's devices: its key revoked itself, its
    node's device and its laptop stayed members. Retiring the node's own device said the group key
    "can sign nothing more" and did nothing: the device revokes itself now. The laptop's revocation
    says who can cut it off (itself, on its own home; or Calais, which admitted Bristol) and how."""
    made = cli.run_json(tmp_path / "laptop", "init", "--device-of", network.group_b)
    cli.run(network.b, "vouch", made["device_request"], "--name", "laptop 2", "--out", tmp_path / "device.txt")
    laptop = made["device_id"]
    _left_as_before(network.b, cli.PASSPHRASE)
    group = cli.run(network.b, "revoke", network.group_b, ok=False)
    assert group.returncode == 1, group
    assert ("this group left the network: its group key revoked itself from seq 6, so it can sign nothing more, not "
            "even the revocation of one of its devices. Its 2 devices certified before still sign and are still "
            "members; to cut them off, revoke ") in group.stderr, group.stderr
    for device in (network.device_b, laptop):
        assert f"`solnet revoke {device}`" in group.stderr, group.stderr
    assert f"`solnet revoke {network.device_b}` here, on this node: it revokes itself" in group.stderr, group.stderr
    other = cli.run(network.b, "revoke", laptop, "--reason", "retired", ok=False)
    assert other.returncode == 1, other
    assert (f'device {laptop[:12]}… ("laptop 2") with `solnet revoke {laptop}` on that device\'s own home: only it '
            "can revoke itself now") in other.stderr, other.stderr
    assert (f"Or Calais, which admitted this group, can revoke it from seq 1 (`solnet revoke {network.group_b}` on "
            "its node)") in other.stderr, other.stderr

    retired = cli.run(network.b, "revoke", network.device_b, "--reason", "node retired")
    said = retired.stdout
    assert "signed by this node's device key" in said and "This is this node's own device" in said, said
    assert "solnet init --device-of" not in said and "revoke it again from that seq" not in said, said
    assert ("Your group's key signs nothing more, so it certifies no new device: to come back, the group makes a new "
            "group key in a new home") in said, said
    assert f"Its device certified before still signs and is still a member; to cut it off, revoke device " \
           f"{laptop[:12]}…" in said, said
    _carry(cli, network.b, network.a, tmp_path)
    [bristol] = [g for g in cli.run_json(network.a, "view", "groups") if g["id"] == network.group_b]
    [node_device] = [d for d in bristol["device_list"] if d["id"] == network.device_b]
    assert node_device["revoked_from"] and node_device["revoked_by"] == network.device_b, node_device
    assert (bristol["active_devices"], bristol["devices_of_revoked_group"]) == (0, 1), bristol  # the laptop's


def test_a_group_revoking_itself_by_publish_is_sent_to_revoke_while_its_devices_could_sign(network, cli):
    """`solnet publish member.revoke` of its own group (and the API's publish) had the group leave
    without its devices' revocations: they kept signing, as `solnet revoke` no longer lets them."""
    refused = cli.run(network.b, "publish", "member.revoke", "--subject", network.group_b, "--from-seq", "99",
                      "--as", "group", "--offline", ok=False)
    assert refused.returncode == 1, refused
    assert f"leave with `solnet revoke {network.group_b}`, which revokes each device first" in refused.stderr, \
        refused.stderr
    [bristol] = [g for g in cli.run_json(network.b, "view", "groups") if g["id"] == network.group_b]
    assert bristol["revoked_from"] is None, bristol  # nothing was published


def test_a_group_leaving_from_a_later_seq_is_told_what_its_key_can_still_sign(network, cli):
    """Leaving with a --from-seq past its next seq: the command said "its key signs nothing more"
    while the group key could still sign (certify a device) up to that seq."""
    head = len(cli.run_json(network.b, "ls", "--author", network.group_b))
    said = cli.run(network.b, "revoke", network.group_b, "--from-seq", str(head + 10)).stdout
    assert (f"This group has left the network: its key can still sign seq {head + 3} to {head + 9} (a device it "
            f"certifies there is a member: revoke the group again, from seq {head + 4}, to end that)") in said, said
    again = cli.run(network.b, "revoke", network.group_b).stdout
    assert "the group has left the network (no device of it was still a member)" in again, again
    assert "This group has left the network: its key signs nothing more" in again, again


def test_a_group_revoked_by_its_admitter_from_a_later_seq_keeps_its_devices_and_says_so(network, cli, tmp_path):
    """`revoke GROUP --from-seq N` (N > 1) said "its devices can no longer connect to any node": by design
    rule 8 the devices it certified before N stay members and can still sign."""
    _carry(cli, network.b, network.a, tmp_path)  # Bristol's accept (seq 1), its device (2), its profile (3)
    said = cli.run(network.a, "revoke", network.group_b, "--from-seq", "3", "--reason", "keeps its past").stdout
    assert "can no longer connect" not in said, said
    assert (f"What it signed before seq 3 stays, and with it its 1 device certified before "
            f"({network.device_b[:12]}…): it is still a member, can still sign and connect. To cut them off too, "
            f"revoke the group from seq 1 (the default: `solnet revoke {network.group_b}`)") in said, said
    assert f"    device {network.device_b[:12]}… of a revoked group: certified before its revocation point, it can " \
           "still sign\n" in cli.run(network.a, "view", "groups").stdout
    status = cli.run_json(network.a, "status")
    assert (status["devices"], status["devices_of_revoked_groups"]) == (1, 1), status
    # The JSON counts them apart too (it counted Bristol's device among its active devices).
    [bristol] = [g for g in cli.run_json(network.a, "view", "groups") if g["id"] == network.group_b]
    assert (bristol["devices"], bristol["active_devices"], bristol["devices_of_revoked_group"]) == (1, 0, 1), bristol


def test_a_device_revokes_itself_after_the_revocation(network, cli, tmp_path):
    laptop, made = _second_device(network, cli, tmp_path)
    cli.publish(laptop, "action", "--title", "Class", "--region", "calais", "--starts-at", "2031-05-01T10:00",
                "--type", "class")
    # (its action went to no peer: only --anyway revokes, saying it is lost, tests/integration/test_leaving_sends_first.py)
    too_low = cli.run(laptop, "revoke", made["device_id"], "--from-seq", "2", "--anyway", ok=False)
    assert too_low.returncode == 1 and "--from-seq 3" in too_low.stderr, too_low.stderr
    done = cli.run_json(laptop, "revoke", made["device_id"], "--reason", "retired", "--anyway")
    assert (done["signed_by"], done["from_seq"], done["purged_here"]) == ("device", 3, 0)
    assert done["lost"] == ("Not sent: 1 event this device signed that no peer is known to hold (seq 1: action); no "
                            "node will link with this device to take it now (a bundle `solnet export` makes still "
                            "carries it)."), done
    refused = cli.run(laptop, "publish", "action", "--title", "x", "--region", "calais",
                      "--starts-at", "2031-05-01T10:00", "--type", "class", ok=False)
    assert refused.returncode == 1 and "revoked" in refused.stderr


def test_a_revoked_group_cannot_rename_itself_where_it_is_listed_as_revoked(network, cli, tmp_path):
    """A group revoked from seq 1 is listed by the name its newest profile kept aside gave it. Its key
    still signs: a new profile after its revocation ('Calais', the name of the group that revoked it)
    is kept aside too, waiting in case the revocation stops counting, and it became the name under
    which every coordinator saw the revoked group, by a bundle a courier carried or a member relayed.
    The name shown is from a profile that was in the log (or the first it signed), never one signed
    for a log that refused it."""
    _carry(cli, network.b, network.a, tmp_path)
    cli.run_json(network.a, "revoke", network.group_b, "--reason", "infiltrated")
    cli.publish(network.b, "group.profile", "--name", "Calais", "--region", "calais", "--as", "group")
    _carry(cli, network.b, network.a, tmp_path, "renamed.bundle")
    [bristol] = [g for g in cli.run_json(network.a, "view", "groups") if g["id"] == network.group_b]
    assert (bristol["name"], bristol["region"]) == ("Bristol", "bristol"), bristol
    [revoked] = [r for r in cli.run_json(network.a, "status")["revoked"] if r["id"] == network.group_b]
    assert revoked["name"] == "Bristol", revoked


def test_revoking_this_nodes_own_device_says_so_and_what_follows(network, cli):
    """Calais's coordinator, two devices without names in `view groups`, revokes the wrong one: this
    node's own. It said "This node ... refuses it as a peer", as for a phone elsewhere, and nothing
    of what now follows for this node."""
    done = cli.run(network.a, "revoke", network.device_a, "--from-seq", "100", "--reason", "phone seized").stdout
    assert "This is this node's own device" in done, done
    assert "no node links with this one" in done and f"solnet init --device-of {network.group_a}" in done, done
    assert "refuses it as a peer" not in done, done


def test_init_of_a_further_device_says_to_name_it_and_give_a_peer(network, cli, tmp_path):
    """The week's phone: `init --device-of` printed `solnet vouch REQUEST --out device.txt`, so the
    phone joined with no peer to sync from and stood in `view groups` as a bare id beside the node."""
    said = cli.run(tmp_path / "phone", "init", "--device-of", network.group_a).stdout
    request = cli.run(tmp_path / "phone", "id", "--request").stdout.strip()
    assert f'  solnet vouch {request} --out device.txt --name "phone 2"\n' in said, said
    assert "add --peer HOST:PORT, that node's address, for this device to sync from it" in said, said


def test_revoking_a_device_names_the_group_it_admitted_that_stays_a_member(network, cli, tmp_path):
    """An informer's device of Calais admitted a puppet group it controls, then posted three needs.
    `solnet revoke DEVICE` cut the device off, but the puppet group stayed a member (past acts stay)
    and the words hid it: the newest three events listed were the needs, not the admission."""
    laptop, made = _second_device(network, cli, tmp_path)
    puppet = SigningKey.generate()
    puppet_id = bytes(puppet.public).hex()
    home = Home(laptop)
    log, keys = home.log(), home.keys(cli.PASSPHRASE)
    try:  # `solnet invite` wants the group key, but the network takes a device's vouch: signed by hand
        log.append(keys.device, "member.vouch", {"subject": bytes(puppet.public), "role": "group"})
        log.append(puppet, "group.profile", {"name": "Dunkerque Solidarity", "region": "dunkerque"})
    finally:
        log.store.close()
    for quantity in ("5", "6", "7"):
        cli.publish(laptop, "need", "--category", "blankets", "--quantity", quantity, "--region", "calais")
    _carry(cli, laptop, network.a, tmp_path, "laptop.bundle")
    said = cli.run(network.a, "revoke", made["device_id"], "--reason", "informer").stdout
    assert (f"This key admitted 1 group still a member: Dunkerque Solidarity ({puppet_id[:12]}…), admitted at "
            "seq ") in said, said
    assert "It stays a member, with its devices" in said, said
    assert f"revoke it too: `solnet revoke {puppet_id}`." in said, said
    # Lower, still above the admission: it stands, and the JSON names it too.
    done = cli.run_json(network.a, "revoke", made["device_id"], "--from-seq", "4")
    [admitted] = done["admitted_still_members"]
    assert (admitted["group"], admitted["name"]) == (puppet_id, "Dunkerque Solidarity"), done
    cut = cli.run(network.a, "revoke", puppet_id, "--reason", "puppet of an informer").stdout
    assert cut.startswith("Revoked group Dunkerque Solidarity"), cut
    assert cli.run_json(network.a, "revoke", made["device_id"], "--from-seq", "3")["admitted_still_members"] == []


def test_a_group_revoked_from_a_later_seq_names_the_group_it_admitted_before_and_how_to_cut_it_off(
        network, cli, tmp_path):
    """Bristol admitted Dover, then Calais revoked Bristol from a later seq: Dover stays a member (only
    its admitter may revoke it), and the words said nothing of it."""
    dover = tmp_path / "Dover"
    dover_id = cli.run_json(dover, "init", "--group", "Dover", "--region", "dover")["group_id"]
    cli.run(network.b, "invite", dover_id, "--out", tmp_path / "dover.txt")
    cli.run(dover, "join", tmp_path / "dover.txt")
    _carry(cli, network.b, network.a, tmp_path)
    _carry(cli, dover, network.a, tmp_path, "dover.bundle")
    said = " ".join(cli.run(network.a, "revoke", network.group_b, "--from-seq", "9").stdout.split())
    found = re.search(rf"This key admitted 1 group still a member: Dover \({dover_id[:12]}…\), admitted at seq (\d+)\.",
                      said)
    assert found, said
    seq = int(found.group(1))  # the command below, run, cuts Dover off: that is the seq of the admission
    command = f"`solnet revoke {network.group_b} --from-seq {seq}`"
    assert f"To cut it off too, revoke this group again from seq {seq} or lower ({command})." in said, said
    lower = cli.run_json(network.a, "revoke", network.group_b, "--from-seq", str(seq))
    assert lower["admitted_still_members"] == [], lower
    groups = cli.run_json(network.a, "view", "groups")
    assert not [g for g in groups if g["id"] == dover_id and g["revoked_from"] is None], groups  # no longer admitted


def test_a_group_leaving_is_not_told_to_revoke_itself_again_to_cut_off_the_groups_it_admitted(network, cli):
    """Calais (the founder, which invited Bristol) leaves the network: `revoke` called Bristol a group
    to cut off "by revoking this group again from seq 3 or lower", a command then refused (a group
    that left signs nothing more). Bristol staying is what a group that leaves expects: said plainly."""
    said = " ".join(cli.run(network.a, "revoke", network.group_a, "--anyway").stdout.split())
    assert "This group has left the network" in said, said
    assert "revoke this group again" not in said and "To cut it off" not in said, said
    assert "This key admitted" not in said, said
    assert ("The group this key admitted stays a member, with its devices, as before: group "
            f"{network.group_b[:12]}…, admitted at seq ") in said, said
    again = cli.run(network.a, "revoke", network.group_a, "--from-seq", "3", "--anyway", ok=False)
    assert again.returncode == 1, again  # (why the advice was wrong: the command it gave is refused)
