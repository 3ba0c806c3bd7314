"""The invite file a home joined with names the inviter's nodes (their addresses): after the join it
is of no more use, and it stays beside the home (invite.txt in the folder the command ran in), out
of a wipe's reach. `join` did not say so, and neither did the wipe's list of what it leaves: a seized
laptop whose node was wiped still said where the inviting group's node is."""
from __future__ import annotations

from node import render
from node.wipe import WipeReport


def test_join_says_to_destroy_the_invite_file(network, cli, tmp_path):
    laptop = tmp_path / "laptop"
    made = cli.run_json(laptop, "init", "--device-of", network.group_b)
    token = tmp_path / "device token.txt"
    cli.run(network.b, "vouch", made["device_request"], "--out", token, "--peer", "127.0.0.1:7712")
    said = " ".join(cli.run(laptop, "join", token).stdout.split())
    assert f"The invite file {token} is of no more use" in said, said
    assert f"shred -u '{token}'" in said, said  # (quoted: the name holds a space)


def test_the_wipe_names_the_invite_this_home_joined_with():
    said = render.wipe_text(WipeReport(files_destroyed=["keystore"]), "/home/bristol")
    line = next(line for line in said.splitlines() if "solnet wrote outside this home" in line)
    assert "the one this home joined with" in line, said


def test_an_invite_without_nodes_is_not_said_to_name_nodes(network, cli, tmp_path):
    """An invite that names no node to sync with was said, on the next line, to name 'the nodes it
    came with (their addresses)'."""
    laptop = tmp_path / "laptop"
    made = cli.run_json(laptop, "init", "--device-of", network.group_b)
    token = tmp_path / "token.txt"
    cli.run(network.b, "vouch", made["device_request"], "--out", token)
    said = " ".join(cli.run(laptop, "join", token).stdout.split())
    assert "The invite names no node to sync with" in said, said  # (the case this test is about)
    assert f"The invite file {token} is of no more use" in said and "their addresses" not in said, said
