"""`solnet join` run a second time on a home whose join finished, with an invite of the network it is
in (the same invite, or another member's): nothing is left to do, and that is a success. It exited 1
while saying "nothing more to do" (a setup script stopped there), and "with this invite" for any
invite of that network. It now exits 0, says so, and names the invite's addresses this home does not
sync with (the inviter's node moved, say), without adding them behind the user's back."""
from __future__ import annotations


def test_a_second_join_with_an_invite_of_its_network_exits_0_and_names_addresses_not_kept(tmp_path, cli):
    a, b = tmp_path / "A", tmp_path / "B"
    founded = cli.run_json(a, "init", "--group", "Calais", "--region", "calais", "--new-network")
    prepared = cli.run_json(b, "init", "--group", "Bristol", "--region", "bristol")
    token = tmp_path / "invite.txt"
    cli.run(a, "invite", prepared["group_id"], "--out", token, "--peer", "127.0.0.1:7700")
    cli.run(b, "join", token)

    again = cli.run(b, "join", token, ok=False)
    assert again.returncode == 0, again
    assert "already joined the network 'Calais network'" in again.stdout and "nothing more to do" in again.stdout
    assert "with this invite" not in again.stdout and "does not sync with" not in again.stdout, again.stdout

    # the inviter's node moved: a fresh copy of the invite names its new address, said, not added
    cli.run(a, "invite", prepared["group_id"], "--out", token, "--peer", "127.0.0.1:7711")
    said = cli.run_json(b, "join", token)
    assert said == {"network_id": founded["network_id"], "group_id": prepared["group_id"], "already_joined": True,
                    "peers_not_kept": ["http://127.0.0.1:7711"]}, said
    told = cli.run(b, "join", token).stdout
    assert "1 address this node does not sync with: http://127.0.0.1:7711; `solnet peers add" in told, told
    assert "7711" not in cli.run(b, "peers").stdout


def test_a_join_with_an_invite_of_another_network_is_still_refused(tmp_path, cli):
    a, c, b = tmp_path / "A", tmp_path / "C", tmp_path / "B"
    cli.run_json(a, "init", "--group", "Calais", "--region", "calais", "--new-network")
    cli.run_json(c, "init", "--group", "Cardiff", "--region", "cardiff", "--new-network")
    prepared = cli.run_json(b, "init", "--group", "Bristol", "--region", "bristol")
    cli.run(a, "invite", prepared["group_id"], "--out", tmp_path / "one.txt")
    cli.run(c, "invite", prepared["group_id"], "--out", tmp_path / "other.txt")
    cli.run(b, "join", tmp_path / "one.txt")
    refused = cli.run(b, "join", tmp_path / "other.txt", ok=False)
    assert refused.returncode == 1 and "invite is for another one" in refused.stderr, refused
