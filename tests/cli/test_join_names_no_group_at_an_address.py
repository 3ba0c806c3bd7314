"""`join` said "It will sync with Calais at ADDRESS" for whatever address the invite's maker typed after
--peer (another group's node, a relay, a typo): nothing had checked whose node answers there, yet the
joiner was told it was the inviter's. It now says the invite names the address, and that `solnet
peers` names the group whose node answers there. The group it names as the invite's maker is one
whose vouch it holds: a home joining again (its database lost) took the token's unsigned word."""
from __future__ import annotations

import os

from crypto.keys import short_id
from node.invite import decode_invite


def _invited(tmp_path, cli, peer: str):
    """Calais founds a network and invites Bristol, naming `peer`: Bristol's home and the invite file."""
    a, b = tmp_path / "A", tmp_path / "B"
    cli.run_json(a, "init", "--group", "Calais", "--region", "calais", "--new-network")
    group_b = cli.run_json(b, "init", "--group", "Bristol", "--region", "bristol")["group_id"]
    token = tmp_path / "invite.txt"
    cli.run(a, "invite", group_b, "--out", token, "--peer", peer)
    return b, token


def test_join_does_not_call_an_invites_address_the_inviters_node(tmp_path, cli):
    # Calais's coordinator gives a relay's address (nothing says whose node runs there)
    b, token = _invited(tmp_path, cli, "127.0.0.1:7788")
    joined = cli.run(b, "join", token).stdout
    assert "with Calais at" not in joined, joined
    assert ("It will sync with the node at http://127.0.0.1:7788 once it runs (`solnet run`): Calais's invite "
            "names it. `solnet peers` lists it, with the group of the node that answers there once one has."
            in joined), joined


def test_a_home_joining_again_names_no_maker_the_token_claims_without_its_vouch(tmp_path, cli):
    b, token = _invited(tmp_path, cli, "127.0.0.1:7700")
    cli.run(b, "join", token)
    for suffix in ("", "-wal", "-shm"):  # the database lost (a dead SD card); the keys kept
        if os.path.exists(f"{b}/solnet.db{suffix}"):
            os.unlink(f"{b}/solnet.db{suffix}")
    claimed = bytes(range(32))  # no group of this network: its vouch is nowhere
    edited = decode_invite(token.read_text())
    token.write_text(type(edited)(edited.genesis, edited.group, edited.events, edited.peers, claimed).encode())
    again = cli.run(b, "join", token)
    said = again.stdout + again.stderr
    assert "It was in this network before" in said, said
    assert short_id(claimed) not in said and "Calais's invite names it" in said, said
    assert cli.run_json(b, "join", token)["already_joined"] is True
