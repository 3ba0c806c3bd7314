"""A group names the group it joined through (`solnet join` signs it; `solnet accept` for groups that
joined before): then a member that vouched for it too, first or not, gains no power over it.

Real homes and the real command; events travel between homes as bundles."""
from __future__ import annotations

from pathlib import Path


def _carry(cli, source: Path, dest: Path, tmp_path: Path, name: str) -> str:
    cli.run(source, "export", tmp_path / name)
    return cli.run(dest, "import", tmp_path / name, ok=False).stdout


def _join(cli, inviter: Path, home: Path, name: str, tmp_path: Path) -> dict:
    made = cli.run_json(home, "init", "--group", name, "--region", name.lower())
    cli.run(inviter, "invite", made["group_id"], "--out", tmp_path / f"{name}.token")
    cli.run_json(home, "join", tmp_path / f"{name}.token")
    return made


def _group(cli, home: Path, group_id: str) -> dict:
    [group] = [g for g in cli.run_json(home, "view", "groups") if g["id"] == group_id]
    return group


def test_join_names_the_inviting_group_and_accept_says_so(network, cli):
    """Bristol joined with Calais's invite: its log holds Bristol's accept of Calais, signed by its
    group key. `solnet accept` then has nothing new to name; on the founder it says why not."""
    accepts = [e for e in cli.run_json(network.b, "ls", "--kind", "member.vouch", "--limit", "100")
               if e["author"] == network.group_b and e.get("role") == "accept"]
    assert [e["subject"] for e in accepts] == [network.group_a]
    again = cli.run_json(network.b, "accept")
    assert again == {"named_now": [], "named": [network.group_a]}
    refused = cli.run(network.a, "accept", ok=False)
    assert refused.returncode == 1 and "founding group" in refused.stderr and "Traceback" not in refused.stderr


def test_a_member_vouching_for_a_newcomer_first_cannot_revoke_it(network, cli, tmp_path):
    """Hastings (admitted by Calais, as Bristol was) sees Dover's id and vouches for it before Bristol
    does, then revokes it: on its own node that counts, Hastings being one of Dover's admitters.
    Dover joined with Bristol's invite, which named Bristol: wherever Dover's events are, Hastings
    is not its admitter, its vouch and revocation have no effect, and Dover's events stay."""
    hastings, dover = tmp_path / "H", tmp_path / "D"
    _join(cli, network.a, hastings, "Hastings", tmp_path)
    dover_id = cli.run_json(dover, "init", "--group", "Dover", "--region", "dover")["group_id"]
    cli.run(hastings, "invite", dover_id, "--out", tmp_path / "front-run.token")  # first
    cli.run(network.b, "invite", dover_id, "--out", tmp_path / "dover.token")
    cli.run_json(dover, "join", tmp_path / "dover.token")
    need = cli.publish(dover, "need", "--category", "tents", "--quantity", "5", "--region", "dover")
    hostile = cli.run_json(hastings, "revoke", dover_id, "--reason", "taken over")
    assert hostile["role"] == "group"  # on Hastings's node, which has not seen Dover's accept, it counts
    for source, dest, name in ((hastings, dover, "h1"), (network.b, network.a, "b1"), (dover, network.a, "d1"),
                               (hastings, network.a, "h2")):
        _carry(cli, source, dest, tmp_path, f"{name}.bundle")
    for home in (dover, network.a):
        group = _group(cli, home, dover_id)
        assert group["admitters"] == [network.group_b] and group["revoked_from"] is None, (home, group)
        assert cli.run_json(home, "show", need)["id"] == need
        shown = cli.run(home, "show", hostile["id"]).stdout
        assert "no effect" in shown and "admitting group the groups it admitted" in shown, shown
    # And once Hastings's node holds Dover's chain, it sees the same.
    _carry(cli, dover, hastings, tmp_path, "d2.bundle")
    assert _group(cli, hastings, dover_id)["revoked_from"] is None


def test_a_device_without_the_group_key_still_gives_a_member_a_token_to_join_again(network, cli, tmp_path):
    """A home that lost its database asks any member group for a new token. Calais's laptop holds no
    group key: for Kent, a member admitted by Bristol whose chain it holds, it gives one without a
    vouch, naming no admitter (the home joining again signs nothing); for Bristol, which Calais
    admitted, one naming Calais. For a group that is no member, or one whose own events it does not
    hold (a newcomer), it cannot vouch, and says so."""
    from node.invite import decode_invite

    laptop = tmp_path / "laptop"
    made = cli.run_json(laptop, "init", "--group", "Calais", "--region", "calais", "--device-of", network.group_a)
    cli.run(network.a, "vouch", made["device_request"], "--out", tmp_path / "device.txt")
    cli.run_json(laptop, "join", tmp_path / "device.txt")
    kent = _join(cli, network.b, tmp_path / "K", "Kent", tmp_path)["group_id"]
    _carry(cli, network.b, laptop, tmp_path, "b.bundle")
    # Kent is a member here, but none of its own events are: a newcomer, maybe one a member vouched
    # for first. A token without a vouch would have it name that member: refused.
    refused = cli.run(laptop, "invite", kent, "--out", tmp_path / "k.token", ok=False)
    assert refused.returncode == 1 and "group key" in refused.stderr, refused.stderr
    _carry(cli, tmp_path / "K", laptop, tmp_path, "k.bundle")
    for group, admitter in ((kent, None), (network.group_b, network.group_a)):
        cli.run(laptop, "invite", group, "--out", tmp_path / "again.token")
        token = decode_invite((tmp_path / "again.token").read_text())
        assert (token.group.hex(), token.admitter and token.admitter.hex()) == (group, admitter)
    stranger = cli.run_json(tmp_path / "S", "init", "--group", "Dover", "--region", "dover")["group_id"]
    refused = cli.run(laptop, "invite", stranger, "--out", tmp_path / "s.token", ok=False)
    assert refused.returncode == 1 and "group key" in refused.stderr, refused.stderr


def test_a_newcomer_a_member_vouched_for_and_revoked_before_it_joined_still_joins(network, cli, tmp_path):
    """Hastings watches for new ids: it vouches for Dover and revokes it at once, before Dover has
    joined; Bristol's node holds both when it makes Dover's invite. Dover's join names Bristol all
    the same (an accept counts past a revocation point): it joins, and Hastings's revocation has
    no effect."""
    hastings, dover = tmp_path / "H", tmp_path / "D"
    _join(cli, network.a, hastings, "Hastings", tmp_path)
    dover_id = cli.run_json(dover, "init", "--group", "Dover", "--region", "dover")["group_id"]
    cli.run(hastings, "invite", dover_id, "--out", tmp_path / "front-run.token")
    hostile = cli.run_json(hastings, "revoke", dover_id, "--reason", "taken over")
    _carry(cli, hastings, network.b, tmp_path, "h1.bundle")
    cli.run(network.b, "invite", dover_id, "--out", tmp_path / "dover.token")
    joined = cli.run_json(dover, "join", tmp_path / "dover.token")
    assert joined["named"] == [network.group_b]
    need = cli.publish(dover, "need", "--category", "tents", "--quantity", "5", "--region", "dover")
    group = _group(cli, dover, dover_id)
    assert group["admitters"] == [network.group_b] and group["revoked_from"] is None, group
    assert "no effect" in cli.run(dover, "show", hostile["id"]).stdout
    assert cli.run_json(dover, "show", need)["id"] == need


def test_a_home_that_lost_its_database_is_warned_when_it_joins_another_network(network, cli, tmp_path):
    """Bristol's database is gone; the invite it is given is of another network (a wrong file, or
    one its group asked for there). Joining is allowed (that network's member vouched for this very
    group key), but the command says which network the home was in and that its events stay there."""
    was_in = cli.run_json(network.b, "status")["network_id"]
    for suffix in ("", "-wal", "-shm"):
        (network.b / f"solnet.db{suffix}").unlink(missing_ok=True)
    other = tmp_path / "other"
    cli.run_json(other, "init", "--group", "Lille", "--region", "lille", "--new-network")
    cli.run(other, "invite", network.group_b, "--out", tmp_path / "other.token")
    joined = cli.run(network.b, "join", tmp_path / "other.token")
    said = joined.stdout
    assert "WARNING" in said and f"was in the network {was_in[:12]}" in said, said
    assert "stay in that network" in said, said
    assert cli.run_json(network.b, "status")["network_id"] != was_in
    again = cli.run_json(tmp_path / "again", "init", "--group", "Bath", "--region", "bath")
    cli.run(network.a, "invite", again["group_id"], "--out", tmp_path / "bath.token")
    assert "WARNING" not in cli.run(tmp_path / "again", "join", tmp_path / "bath.token").stdout  # a new home: no word
