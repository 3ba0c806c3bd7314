"""Mistakes people make at the command line: each is refused with an exit code and a sentence that
says what is wrong and what to do, and leaves the node as it was."""
from __future__ import annotations

import json
import sqlite3
from contextlib import closing

from events.kinds import ACTION_TYPES

ACTION = ("publish", "action", "--title", "Rally", "--region", "calais", "--starts-at", "2026-12-01T18:00")


def count_events(home) -> int:
    with closing(sqlite3.connect(f"file:{home / 'solnet.db'}?mode=ro", uri=True)) as db:
        return db.execute("SELECT count(*) FROM events").fetchone()[0]


def test_wrong_passphrase(network, cli, tmp_path):
    before = count_events(network.a)
    for args in (ACTION + ("--type", "protest"), ("export", tmp_path / "x.bundle"), ("invite", "ab" * 32, "--out", tmp_path / "t")):
        result = cli.run(network.a, *args, ok=False, env={"SOLNET_PASSPHRASE": "nine tents for the jungl"})
        assert result.returncode == 3, result.stderr
        assert "passphrase" in result.stderr and "Traceback" not in result.stderr
    assert count_events(network.a) == before
    assert not (tmp_path / "x.bundle").exists() and not (tmp_path / "t").exists()


def test_no_passphrase_and_no_terminal(network, cli):
    result = cli.run(network.a, *ACTION, "--type", "protest", ok=False, env={"SOLNET_PASSPHRASE": None})
    assert result.returncode == 3 and "SOLNET_PASSPHRASE" in result.stderr


def test_unknown_field_names_it_and_lists_the_known_ones(network, cli):
    before = count_events(network.a)
    result = cli.run(network.a, *ACTION, "--type", "protest", "--colour", "red", ok=False)
    assert result.returncode == 2  # an unknown option: usage (the README's table)
    assert "--colour" in result.stderr
    for known in ("--title", "--region", "--starts-at", "--type", "--place", "--link"):
        assert known in result.stderr
    assert count_events(network.a) == before


def test_unknown_kind_lists_the_kinds(network, cli):
    result = cli.run(network.a, "publish", "rally", "--title", "x", ok=False)
    assert result.returncode == 2 and "rally" in result.stderr  # a kind of the wrong form: usage
    assert "action" in result.stderr and "support.request" in result.stderr
    typo = cli.run(network.a, "publish", "nede", "--category", "water", ok=False)
    assert typo.returncode == 2 and "unknown kind 'nede'; did you mean need?" in typo.stderr, typo.stderr
    # a sentence, not "unknown kind 'rally' The kinds: ..."
    assert "unknown kind 'rally'. The kinds: " in result.stderr, result.stderr


def test_a_word_for_an_event_that_is_no_kind_says_which_kind_carries_it(network, cli):
    """The README speaks of pledges, fulfilments and report-backs; `publish pledge` said only
    "unknown kind 'pledge' The kinds: ...", and no kind in the list is called so."""
    pledge = cli.run(network.a, "publish", "pledge", "--amount", "20", ok=False)
    assert pledge.returncode == 2, pledge.stderr
    assert "unknown kind 'pledge'; a pledge is a fundraiser.update with --pledge" in pledge.stderr, pledge.stderr
    report = cli.run(network.a, "publish", "report-back", ok=False)
    assert "a report-back is an action.report" in report.stderr, report.stderr


def test_bad_enum_value_lists_the_choices(network, cli):
    before = count_events(network.a)
    result = cli.run(network.a, *ACTION, "--type", "picnic", ok=False)
    assert result.returncode == 1
    assert "type" in result.stderr and "picnic" in result.stderr
    for choice in ACTION_TYPES:
        assert choice in result.stderr
    assert count_events(network.a) == before


def test_missing_required_field_is_named(network, cli):
    result = cli.run(network.a, "publish", "action", "--title", "Rally", "--region", "calais", "--type", "protest",
                     ok=False)
    assert result.returncode == 1 and "needs --starts-at" in result.stderr, result.stderr


def test_unreadable_time_says_how_to_write_it(network, cli):
    result = cli.run(network.a, "publish", "action", "--title", "Rally", "--region", "calais", "--type", "protest",
                     "--starts-at", "next tuesday", ok=False)
    assert result.returncode == 1 and "next tuesday" in result.stderr and "2026-12-01T18:00" in result.stderr


def test_ls_without_a_node_says_to_run_init(tmp_path, cli):
    missing = tmp_path / "nowhere"
    empty = tmp_path / "empty"
    empty.mkdir()
    for home in (missing, empty):
        result = cli.run(home, "ls", ok=False)
        assert result.returncode == 3, result.stderr
        assert "init" in result.stderr and "Traceback" not in result.stderr
    assert not missing.exists(), "ls must not create a home"
    assert list(empty.iterdir()) == []


def test_join_with_an_invite_for_another_group(network, cli, tmp_path):
    ours = tmp_path / "Cardiff"
    theirs = tmp_path / "Lille"
    cli.run_json(ours, "init", "--group", "Cardiff", "--region", "cardiff")
    lille = cli.run_json(theirs, "init", "--group", "Lille", "--region", "lille")
    token = tmp_path / "lille.token"
    cli.run(network.a, "invite", lille["group_id"], "--out", token)

    result = cli.run(ours, "join", token, ok=False)
    assert result.returncode == 1
    assert "invite" in result.stderr and lille["group_id"][:12] in result.stderr
    assert cli.run_json(ours, "status")["network_id"] is None
    # The invite still works for the group it was made for.
    assert cli.run_json(theirs, "join", token)["network_id"] == network.network_id


def test_join_with_a_damaged_invite(tmp_path, cli, network):
    home = tmp_path / "Cardiff"
    cardiff = cli.run_json(home, "init", "--group", "Cardiff", "--region", "cardiff")
    token = tmp_path / "token"
    cli.run(network.a, "invite", cardiff["group_id"], "--out", token)
    text = token.read_text()
    token.write_text(text[:40] + ("A" if text[40] != "A" else "B") + text[41:])
    result = cli.run(home, "join", token, ok=False)
    assert result.returncode == 1 and "invite" in result.stderr and "Traceback" not in result.stderr
    assert cli.run_json(home, "status")["network_id"] is None


def test_invite_without_a_network(tmp_path, cli):
    home = tmp_path / "B"
    cli.run_json(home, "init", "--group", "Bristol", "--region", "bristol")
    token = tmp_path / "token"
    result = cli.run(home, "invite", "ab" * 32, "--out", token, ok=False)
    assert result.returncode == 3
    assert "network" in result.stderr and "join" in result.stderr
    assert not token.exists()


def test_invite_of_a_group_already_in_reissues_the_token_without_a_second_vouch(network, cli, tmp_path):
    vouches = len(cli.run_json(network.a, "ls", "--kind", "member.vouch"))
    result = cli.run(network.a, "invite", network.group_b, "--out", tmp_path / "again")
    assert "already a member" in result.stdout
    assert (tmp_path / "again").read_text().startswith("solnet-invite-v1:")
    assert len(cli.run_json(network.a, "ls", "--kind", "member.vouch")) == vouches


def test_invite_of_its_own_group_is_refused_without_a_vouch(network, cli, tmp_path):
    """A coordinator who gives its own group id (printed beside its device's by `status`) to make a
    second device's invite is told how devices are added; no vouch of the group by itself goes out."""
    vouches = len(cli.run_json(network.a, "ls", "--kind", "member.vouch"))
    for command in ("invite", "vouch"):
        result = cli.run(network.a, command, network.group_a, "--out", tmp_path / "self", ok=False,
                         env={"SOLNET_PASSPHRASE": None})  # refused before any passphrase is asked
        assert result.returncode == 1 and "your own group's id" in result.stderr, result.stderr
        assert f"solnet init --device-of {network.group_a}" in result.stderr
        assert not (tmp_path / "self").exists()
    assert len(cli.run_json(network.a, "ls", "--kind", "member.vouch")) == vouches


def test_second_init_leaves_the_keystore_alone(network, cli):
    files = {name: (network.a / name).read_bytes() for name in ("keystore", "config.json")}
    status = cli.run_json(network.a, "status")
    for extra in ((), ("--new-network",)):
        result = cli.run(network.a, "init", "--group", "Calais", "--region", "calais", *extra, ok=False,
                         env={"SOLNET_PASSPHRASE": "another passphrase"})
        assert result.returncode in (1, 3), result.stderr
        assert "already" in result.stderr and "Traceback" not in result.stderr
        assert {name: (network.a / name).read_bytes() for name in files} == files
    assert cli.run_json(network.a, "status") == status
    cli.publish(network.a, *ACTION[1:], "--type", "protest")  # the old passphrase still opens the keys


def test_bad_region_at_init_writes_nothing(tmp_path, cli):
    for extra in (("--new-network",), ()):
        home = tmp_path / f"home{len(extra)}"
        result = cli.run(home, "init", "--group", "Calais", "--region", "Calais Nord!", *extra, ok=False)
        assert result.returncode == 1, (extra, result.stdout, result.stderr)
        assert "region" in result.stderr
        assert not (home / "config.json").exists()


def test_ls_before_joining_says_to_join(tmp_path, cli):
    home = tmp_path / "B"
    cli.run_json(home, "init", "--group", "Bristol", "--region", "bristol")
    result = cli.run(home, "ls", ok=False)
    assert result.returncode == 3 and "join" in result.stderr
    assert not (home / "solnet.db").exists()


def test_invite_to_a_folder_that_does_not_exist_can_be_retried(network, cli, tmp_path):
    """A failed invite must not leave the group admitted without a token to give it."""
    lille_home = tmp_path / "Lille"
    lille = cli.run_json(lille_home, "init", "--group", "Lille", "--region", "lille")
    failed = cli.run(network.a, "invite", lille["group_id"], "--out", tmp_path / "no" / "such" / "token", ok=False)
    assert failed.returncode != 0
    token = tmp_path / "token"
    retry = cli.run(network.a, "invite", lille["group_id"], "--out", token, ok=False)
    assert retry.returncode == 0, f"after a failed invite a new one is refused: {retry.stderr}"
    assert cli.run_json(lille_home, "join", token)["network_id"] == network.network_id
    assert failed.returncode == 1 and "Traceback" not in failed.stderr and "token" in failed.stderr, failed.stderr


def test_export_to_a_folder_that_does_not_exist(network, cli, tmp_path):
    result = cli.run(network.a, "export", tmp_path / "usb" / "calais.bundle", ok=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "calais.bundle" in result.stderr, result.stderr


def test_damaged_database_is_a_storage_error(network, cli):
    db = network.a / "solnet.db"
    assert not (network.a / "solnet.db-wal").exists() or (network.a / "solnet.db-wal").stat().st_size == 0
    data = bytearray(db.read_bytes())
    assert len(data) > 3 * 4096
    data[4096:3 * 4096] = bytes(2 * 4096)  # pages 2 and 3: the header still says "SQLite format 3"
    db.write_bytes(bytes(data))
    for args in (("ls",), ("status",), ("publish", "need", "--category", "tents", "--quantity", "1", "--region", "calais")):
        result = cli.run(network.a, *args, ok=False)
        assert result.returncode == 4, (args, result.stderr)
        said = result.stdout if args == ("status",) else result.stderr  # status says it, with the home's ids
        assert "database" in said and "is damaged" in said and "Traceback" not in result.stderr, (args, result)


def test_home_after_the_command_says_where_it_goes(network, cli):
    """`solnet status --home calais`, the newcomer's first try: told where --home goes."""
    for option in (("--home", str(network.a)), (f"--home={network.a}",)):
        result = cli.run(None, "status", *option, ok=False)
        assert result.returncode == 2, result.stderr
        assert "--home goes before the command, as in `solnet --home calais status`" in result.stderr, result.stderr
    other = cli.run(None, "status", "--homes", ok=False)  # another unknown option keeps the usual words
    assert "--home goes before" not in other.stderr and "shows the usage" in other.stderr


def test_a_keystore_with_a_flipped_bit_reads_as_a_wrong_passphrase_and_says_it_may_be_damaged(network, cli):
    """A bit flipped in the sealed keys (an SD card wearing out) fails the same check as a wrong
    passphrase: told only "wrong passphrase; try again", its owner would doubt the passphrase for ever."""
    store = network.a / "keystore"
    data = bytearray(store.read_bytes())
    data[-5] ^= 0x01  # within the sealed keys (the clear header comes first)
    store.write_bytes(bytes(data))
    result = cli.run(network.a, "publish", "need", "--category", "tents", "--quantity", "1", "--region", "calais",
                     ok=False)
    assert result.returncode == 3 and "Traceback" not in result.stderr, result.stderr
    assert "wrong passphrase for this node's keystore" in result.stderr, result.stderr
    assert "the keystore file may be damaged: restore it from a backup of the home" in result.stderr, result.stderr


def test_a_keystore_with_a_damaged_header_says_it_is_damaged_and_how_to_mend_it(network, cli):
    """The clear header of the keystore (its format and key-derivation settings) damaged: said, with
    what the file holds and what to do, not only that it is damaged."""
    store = network.a / "keystore"
    data = bytearray(store.read_bytes())
    data[0] ^= 0x01
    store.write_bytes(bytes(data))
    result = cli.run(network.a, "publish", "need", "--category", "tents", "--quantity", "1", "--region", "calais",
                     ok=False)
    assert result.returncode == 3 and "Traceback" not in result.stderr, result.stderr
    assert f"the keystore at {store} is damaged" in result.stderr, result.stderr
    assert "restore it from a backup of this home" in result.stderr and "solnet init --device-of" in result.stderr


def test_ids_flipped_in_config_are_mended_from_the_keys_at_their_next_unlock(network, cli):
    """A hex digit flipped in config.json's group and device ids (a worn SD card): `solnet id` would
    hand another group a wrong id to invite. The next command that unlocks the keys mends both to
    what the keys say, and says so."""
    path = network.a / "config.json"
    before = json.loads(path.read_text())
    flipped = {**before, "group_id": ("0" if before["group_id"][0] != "0" else "1") + before["group_id"][1:],
               "device_id": before["device_id"][:-1] + ("0" if before["device_id"][-1] != "0" else "1")}
    path.write_text(json.dumps(flipped, indent=2))
    assert cli.run(network.a, "id").stdout.strip() == flipped["group_id"]  # read without the keys: not known yet
    result = cli.run(network.a, "publish", "need", "--category", "tents", "--quantity", "1", "--region", "calais")
    assert "did not match this node's keys (damaged or edited): mended" in result.stderr, result.stderr
    assert json.loads(path.read_text()) == before
    assert cli.run(network.a, "id").stdout.strip() == before["group_id"]
    again = cli.run(network.a, "publish", "need", "--category", "tents", "--quantity", "2", "--region", "calais")
    assert "did not match" not in again.stderr


def test_a_damaged_config_says_what_it_holds_and_how_to_mend_it(network, cli):
    (network.a / "config.json").write_text('{"group_id": "2b3e')  # cut short
    for args in (("status",), ("ls",)):
        result = cli.run(network.a, *args, ok=False)
        assert result.returncode == 3 and "Traceback" not in result.stderr, result.stderr
        assert "config.json is damaged (" in result.stderr, result.stderr
        assert "restore it from a backup of the home; the keys are in `keystore`" in result.stderr, result.stderr


def test_a_placeholder_where_an_event_id_goes_says_what_an_id_is(network, cli):
    """`solnet show ID`, typed from the README as it stands, said "'id' is not an event id (hex)":
    lowered, and not where ids are found."""
    for command in (("show", "ID"), ("redact", "ID")):
        refused = cli.run(network.a, *command, ok=False)
        assert refused.returncode == 1, refused.stderr
        assert ("'ID' is not an event id: give its 64 hex characters or at least its first 12, as `solnet ls` "
                "prints them") in refused.stderr, refused.stderr


def test_an_empty_or_malformed_region_is_refused_as_the_api_refuses_it(network, cli):
    """`solnet view needs --region ''` listed every region (as if no region were given), where the
    API answers 400 for `?region=`: refused here too, saying what to give instead."""
    for region in ("", "  ", "grande synthe"):
        result = cli.run(network.a, "view", "needs", "--region", region, ok=False)
        assert result.returncode == 2, result
        assert "is not a region: give a region name such as calais" in result.stderr
        assert "leave --region out for every region" in result.stderr and "Traceback" not in result.stderr
    assert cli.run_json(network.a, "view", "needs", "--region", " Calais ") == []
