"""Review of "accepts" (a group names the group(s) it joined through, events/trust.py rule 1): ways a
group that named, or is about to name, its admitters ends up stranded or taken over. Each test is a
defect found in review (each was marked xfail until it was fixed).

Real homes and the real command; events travel between homes as bundles."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from events.genesis import parse_genesis
from node import membership
from node.home import Home
from node.invite import decode_invite
from node.log import EventLog
from test_admitters import _carry, _join as join_with_invite


def _join(cli, inviter: Path, home: Path, name: str, tmp_path: Path) -> str:
    """A new group `name` joins with `inviter`'s token (it names the inviter); returns its group id."""
    return join_with_invite(cli, inviter, home, name, tmp_path)["group_id"]


def _front_run(cli, network, tmp_path: Path) -> tuple[Path, str, Path, str]:
    """Hastings joins through Calais (as Bristol did); Dover makes its keys; Hastings sees Dover's id
    and vouches for it first, and its vouch reaches Bristol's node, which then makes Dover's token
    (tmp_path / "dover.token"). Returns Hastings's home and id, Dover's home and id."""
    hastings, dover = tmp_path / "H", tmp_path / "D"
    hastings_id = _join(cli, network.a, hastings, "Hastings", tmp_path)
    dover_id = cli.run_json(dover, "init", "--group", "Dover", "--region", "dover")["group_id"]
    cli.run(hastings, "invite", dover_id, "--out", tmp_path / "front-run.token")
    _carry(cli, hastings, network.b, tmp_path, "h1.bundle")
    cli.run(network.b, "invite", dover_id, "--out", tmp_path / "dover.token")
    return hastings, hastings_id, dover, dover_id


def _member(cli, home: Path, group_id: str) -> dict | None:
    return next((g for g in cli.run_json(home, "view", "groups") if g["id"] == group_id), None)


def test_a_group_whose_named_admitter_is_revoked_can_be_admitted_by_another(network, cli, tmp_path):
    """Bristol (admitted by Calais) invited Dover, which named Bristol when it joined. Bristol turns
    out to be an infiltrator; Calais revokes it from seq 1, which takes out the groups it admitted.
    Until accepts existed another member (Hastings) vouched for Dover and Dover was a member again.
    Now only a group Dover names can admit it, and Dover, no member any more, cannot sign the accept
    of Hastings: nothing brings its keys back into the network."""
    hastings, dover = tmp_path / "H", tmp_path / "D"
    hastings_id = _join(cli, network.a, hastings, "Hastings", tmp_path)
    dover_id = _join(cli, network.b, dover, "Dover", tmp_path)
    cli.run(network.a, "revoke", network.group_b, "--reason", "infiltrator")
    _carry(cli, network.a, dover, tmp_path, "a1.bundle")
    assert _member(cli, dover, dover_id) is None  # out with the group that admitted it
    _carry(cli, network.a, hastings, tmp_path, "a2.bundle")
    _carry(cli, dover, hastings, tmp_path, "d1.bundle")
    cli.run(hastings, "invite", dover_id, "--out", tmp_path / "again.token")
    _carry(cli, hastings, dover, tmp_path, "h1.bundle")
    named = cli.run(dover, "accept", hastings_id, "--offline", ok=False)
    assert named.returncode == 0, named.stderr
    _carry(cli, dover, hastings, tmp_path, "d2.bundle")
    for home in (dover, hastings):
        group = _member(cli, home, dover_id)
        assert group is not None and group["admitters"] == [hastings_id] and group["revoked_from"] is None, group


def _old_token(path: Path) -> None:
    """Make the token at `path` look as a node of before 2026-12-04 made it: no `admitter`."""
    path.write_text(replace(decode_invite(path.read_text()), admitter=None).encode())


def test_an_old_token_does_not_make_the_newcomer_name_a_member_that_vouched_first(network, cli, tmp_path):
    """Hastings (admitted by Calais, as Bristol was) sees Dover's id and vouches for it first; Bristol's
    node, not upgraded yet, then makes Dover's token (no `admitter` in it) and holds Hastings's vouch.
    `join` cannot tell which of the two invited Dover: it names neither (an accept cannot be taken
    back) and says to run `solnet accept`. Once Dover names Bristol, Bristol alone admits it. That
    accept is not the one a join signs first, so it counts only where Dover may sign: Hastings, a
    co-admitter of Dover's before it, still revokes it from seq 1 (since 2026-12-06: otherwise a
    group revoked by one of its two admitters undid that by naming the other one afterwards)."""
    hastings, _, dover, dover_id = _front_run(cli, network, tmp_path)
    _old_token(tmp_path / "dover.token")
    joined = cli.run(dover, "join", tmp_path / "dover.token")
    assert "solnet accept GROUP_ID" in joined.stdout, joined.stdout
    assert _named_by(cli, dover, dover_id) == []
    cli.run_json(dover, "accept", network.group_b)
    assert _member(cli, dover, dover_id)["admitters"] == [network.group_b]
    cli.run_json(hastings, "revoke", dover_id, "--reason", "taken over")
    _carry(cli, dover, hastings, tmp_path, "d1.bundle")
    _carry(cli, hastings, dover, tmp_path, "h2.bundle")
    for home in (dover, hastings):
        group = _member(cli, home, dover_id)
        assert group["revoked_from"] == 1, (home, group)


def _join_as_before_accepts(cli, home: Path, token: Path) -> None:
    """`solnet join` as it was until 2026-12-04 (a group that joined before accepts existed): the
    token's chain stored, the device certified and the profile published; no accept."""
    node = Home(home)
    config, keys = node.config(), node.keys(cli.PASSPHRASE)
    invite = decode_invite(token.read_text())
    log = EventLog.create(node.store(), parse_genesis(invite.genesis))
    try:
        log.ingest(invite.events)
        membership.admit_own_device(log, keys, config)
        config.network_id = log.network_id.hex()
        node.save_config(config)
    finally:
        log.store.close()


def _named_by(cli, home: Path, group_id: str) -> list[str]:
    return sorted(e["subject"] for e in cli.run_json(home, "ls", "--kind", "member.vouch", "--limit", "1000")
                  if e["author"] == group_id and e.get("role") == "accept")


def test_accept_by_default_does_not_name_a_member_that_vouched_first(network, cli, tmp_path):
    """Dover joined through Bristol before accepts existed; Hastings (of Bristol's wave) had vouched
    for it first, so both are its admitters and Hastings may revoke it. `status` warns and tells Dover
    to run `solnet accept`, which by default names both: Hastings stays Dover's admitter for good
    (accepts add up; `solnet accept BRISTOL` afterwards cannot take Hastings's name back), where
    `solnet accept BRISTOL` would have made Bristol its only admitter. The default may name a group
    only when it is the only one that vouched; otherwise it should ask which one invited Dover."""
    hastings, hastings_id, dover, dover_id = _front_run(cli, network, tmp_path)
    _join_as_before_accepts(cli, dover, tmp_path / "dover.token")
    assert sorted(_member(cli, dover, dover_id)["admitters"]) == sorted([network.group_b, hastings_id])
    assert "solnet accept" in cli.run(dover, "status").stdout
    cli.run(dover, "accept", "--offline", ok=False)
    assert hastings_id not in _named_by(cli, dover, dover_id)


def test_accept_refuses_a_group_that_would_leave_this_group_no_admitter(network, cli, tmp_path):
    """Dover joined through Bristol before accepts existed, then invited Eastleigh. Eastleigh vouched
    for Dover in turn (no effect: Dover was admitted nearer the founders). A coordinator of Dover,
    asked by `status` to name the group it joined through, names Eastleigh by mistake: Dover is then
    admitted only by Eastleigh, which is admitted only by Dover, so neither is a member any more, and
    Dover (no member) cannot name Bristol to repair it. `accept` should refuse a group that leaves
    this group no admitter, saying which groups it joined through."""
    dover, eastleigh = tmp_path / "D", tmp_path / "E"
    dover_id = cli.run_json(dover, "init", "--group", "Dover", "--region", "dover")["group_id"]
    cli.run(network.b, "invite", dover_id, "--out", tmp_path / "dover.token")
    _join_as_before_accepts(cli, dover, tmp_path / "dover.token")
    eastleigh_id = _join(cli, dover, eastleigh, "Eastleigh", tmp_path)
    cli.run(eastleigh, "invite", dover_id, "--out", tmp_path / "back.token")
    _carry(cli, eastleigh, dover, tmp_path, "e1.bundle")
    named = cli.run(dover, "accept", eastleigh_id, "--offline", ok=False)
    assert named.returncode != 0 and "Traceback" not in named.stderr, named.stdout
    assert _member(cli, dover, dover_id)["admitters"] == [network.group_b]


def test_publishing_an_accept_of_a_group_that_never_vouched_is_refused(network, cli, tmp_path):
    """The same mistake through `solnet publish` (or the API's POST /events, which publishes as it
    does): Dover, which joined before accepts existed, names Calais, which never vouched for it. It
    is then no member; nothing it can sign repairs it. Refused before signing, as an event without
    effect is (node/log.py `_refuse_without_effect`), it would cost nothing."""
    dover = tmp_path / "D"
    dover_id = cli.run_json(dover, "init", "--group", "Dover", "--region", "dover")["group_id"]
    cli.run(network.b, "invite", dover_id, "--out", tmp_path / "dover.token")
    _join_as_before_accepts(cli, dover, tmp_path / "dover.token")
    done = cli.run(dover, "publish", "member.vouch", "--subject", network.group_a, "--role", "accept", "--offline",
                   ok=False)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stdout
    assert _member(cli, dover, dover_id) is not None


def test_invite_of_a_group_that_named_another_admitter_says_what_its_vouch_needs(network, cli, tmp_path):
    """Dover joined through Bristol (and named it). Its coordinators ask Hastings too; Hastings's node
    signs a vouch for Dover, which has no effect (Dover names Bristol only), and tells Hastings that
    Dover is already a member and the token a fresh copy of its invite: neither says that Hastings's
    vouch counts only if Dover runs `solnet accept HASTINGS_ID`, nor warns that it was signed for nothing."""
    hastings, dover = tmp_path / "H", tmp_path / "D"
    _join(cli, network.a, hastings, "Hastings", tmp_path)
    dover_id = _join(cli, network.b, dover, "Dover", tmp_path)
    _carry(cli, dover, hastings, tmp_path, "d1.bundle")
    _carry(cli, network.b, hastings, tmp_path, "b1.bundle")
    said = cli.run(hastings, "invite", dover_id, "--out", tmp_path / "second.token").stdout
    vouch = [e for e in cli.run_json(hastings, "ls", "--kind", "member.vouch", "--limit", "1000")
             if e.get("subject") == dover_id and e.get("role") == "group" and e["group"] != network.group_b]
    assert vouch, "Hastings's node signed no vouch"
    assert "accept" in said, said


def test_a_group_revoked_by_a_co_admitter_cannot_undo_it_by_naming_its_other_admitter(network, cli, tmp_path):
    """Dover joined through Bristol before accepts existed; Hastings had vouched for it too (a
    co-admitter) and revokes it. Until 2026-12-06 `solnet accept BRISTOL`, signed past that
    revocation, made Hastings's revocation read "not allowed" and Dover a member again: a mole
    admitted by two groups undid its expulsion by one of them so. Only the accept a join signs first
    counts past a revocation now: `accept` refuses, says why and what is left, publishes nothing,
    and Dover stays revoked on both nodes."""
    hastings, _, dover, dover_id = _front_run(cli, network, tmp_path)
    _join_as_before_accepts(cli, dover, tmp_path / "dover.token")
    _carry(cli, dover, hastings, tmp_path, "d1.bundle")
    cli.run_json(hastings, "revoke", dover_id, "--reason", "taken over")
    _carry(cli, hastings, dover, tmp_path, "h2.bundle")
    assert _member(cli, dover, dover_id)["revoked_from"] == 1
    named = cli.run(dover, "accept", network.group_b, "--offline", ok=False)
    assert named.returncode != 0 and "Traceback" not in named.stderr, named.stderr
    assert "was revoked from seq 1 by Hastings" in named.stderr and "nothing was published" in named.stderr
    assert "solnet accept" not in cli.run(dover, "status").stdout  # (it would be refused: no advice to)
    published = cli.run(dover, "publish", "member.vouch", "--subject", network.group_b, "--role", "accept",
                        "--offline", ok=False)
    assert published.returncode != 0 and "Traceback" not in published.stderr, published.stderr
    assert _named_by(cli, dover, dover_id) == []
    _carry(cli, dover, hastings, tmp_path, "d2.bundle")
    for home in (dover, hastings):
        group = _member(cli, home, dover_id)
        assert group["revoked_from"] == 1, (home, group)


def test_a_laptop_without_the_group_key_gives_no_token_that_makes_a_newcomer_name_a_front_runner(
        network, cli, tmp_path):
    """Hastings vouched first for Dover, which has not joined yet: Dover is a member through Hastings
    alone. Bristol's coordinator runs `solnet invite DOVER` on a laptop of Bristol's (no group key):
    until 467c899 it was refused (no vouch possible); now it gives a token without a vouch, naming no
    admitter, meant for a home joining again, and says Dover "is already a member". Dover, joining for
    the first time with it, names its admitters as the token shows them: Hastings, for good. A device
    without the group key should refuse (or give a token that `join` refuses to name anyone from) when
    the group has not joined yet, i.e. has no chain of its own in the log."""
    laptop = tmp_path / "laptop"
    made = cli.run_json(laptop, "init", "--group", "Bristol", "--region", "bristol", "--device-of", network.group_b)
    cli.run(network.b, "vouch", made["device_request"], "--out", tmp_path / "device.txt")
    cli.run_json(laptop, "join", tmp_path / "device.txt")
    hastings = tmp_path / "H"
    hastings_id = _join(cli, network.a, hastings, "Hastings", tmp_path)
    dover = tmp_path / "D"
    dover_id = cli.run_json(dover, "init", "--group", "Dover", "--region", "dover")["group_id"]
    cli.run(hastings, "invite", dover_id, "--out", tmp_path / "front-run.token")
    _carry(cli, hastings, laptop, tmp_path, "h1.bundle")
    made_token = cli.run(laptop, "invite", dover_id, "--out", tmp_path / "dover.token", ok=False)
    joined = made_token.returncode == 0 and cli.run(dover, "join", tmp_path / "dover.token", ok=False).returncode == 0
    assert not joined or hastings_id not in _named_by(cli, dover, dover_id)


def _joined_through_wave_2_before_accepts(cli, network, tmp_path: Path) -> tuple[str, Path, str]:
    """Worthing joins through Bristol (network.b, wave 1), so it is of wave 2; Lewes joins through
    Worthing as before accepts existed (it names no one). Returns Worthing's id, Lewes's home and id."""
    worthing = tmp_path / "Worthing"
    worthing_id = _join(cli, network.b, worthing, "Worthing", tmp_path)
    lewes = tmp_path / "L"
    lewes_id = cli.run_json(lewes, "init", "--group", "Lewes", "--region", "lewes")["group_id"]
    cli.run(worthing, "invite", lewes_id, "--out", tmp_path / "lewes.token")
    _join_as_before_accepts(cli, lewes, tmp_path / "lewes.token")
    return worthing_id, lewes, lewes_id


def test_a_group_that_named_its_inviter_late_is_not_revoked_by_a_nearer_front_runner(network, cli, tmp_path):
    """Lewes joined through Worthing (wave 2, admitted by Bristol) before accepts existed, and ran
    `solnet accept WORTHING` as `status` told it. Hastings (wave 1, nearer the founders than Worthing),
    not having seen that accept, vouches for Lewes and revokes it: without the accept it would be
    Lewes's only admitter. The accept is there to stop such a front-runner, and counts past its
    revocation, though it is not the one a join signs first: Lewes stays a member on both nodes,
    Worthing its admitter. (From 2026-12-06 to this fix Lewes was revoked from seq 1, its past
    gone, and nothing it or Worthing could sign brought it back.)"""
    worthing_id, lewes, lewes_id = _joined_through_wave_2_before_accepts(cli, network, tmp_path)
    cli.run_json(lewes, "accept", worthing_id)
    hastings = tmp_path / "H"
    hastings_id = _join(cli, network.a, hastings, "Hastings", tmp_path)
    cli.run(hastings, "invite", lewes_id, "--out", tmp_path / "front-run.token")
    cli.run_json(hastings, "revoke", lewes_id, "--reason", "taken over")
    _carry(cli, hastings, lewes, tmp_path, "h1.bundle")
    _carry(cli, lewes, hastings, tmp_path, "l1.bundle")
    for home in (lewes, hastings):
        group = _member(cli, home, lewes_id)
        assert group["revoked_from"] is None and group["admitters"] == [worthing_id], (home, group)
    assert hastings_id not in _member(cli, lewes, lewes_id)["admitters"]


def test_a_group_revoked_by_a_nearer_front_runner_comes_back_by_naming_its_inviter(network, cli, tmp_path):
    """As above, but Lewes had not run `solnet accept` yet when Hastings (nearer the founders than
    Worthing, which invited it) vouched for it and revoked it: Lewes is revoked from seq 1. `status`
    tells it to run `solnet accept`, which names Worthing past that revocation: the accept counts
    there (Hastings is nearer than Worthing), and Lewes is a member again on both nodes."""
    worthing_id, lewes, lewes_id = _joined_through_wave_2_before_accepts(cli, network, tmp_path)
    hastings = tmp_path / "H"
    _join(cli, network.a, hastings, "Hastings", tmp_path)
    cli.run(hastings, "invite", lewes_id, "--out", tmp_path / "front-run.token")
    cli.run_json(hastings, "revoke", lewes_id, "--reason", "taken over")
    _carry(cli, hastings, lewes, tmp_path, "h1.bundle")
    assert _member(cli, lewes, lewes_id)["revoked_from"] == 1
    assert "solnet accept GROUP_ID" in cli.run(lewes, "status").stdout
    cli.run_json(lewes, "accept", worthing_id)
    _carry(cli, lewes, hastings, tmp_path, "l1.bundle")
    for home in (lewes, hastings):
        group = _member(cli, home, lewes_id)
        assert group["revoked_from"] is None and group["admitters"] == [worthing_id], (home, group)
