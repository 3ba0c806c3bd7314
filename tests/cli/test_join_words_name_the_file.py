"""A home made with `init` but not joined yet says what to run in the words `join` takes: an invite
FILE. It said `join TOKEN`, and `join --help` showed `token`: a newcomer pasted the invite's text on
the command line (where every user of the machine sees it), which `join` then refused."""
from __future__ import annotations


def test_an_unjoined_home_names_the_invite_file_and_join_takes_it(network, tmp_path, cli) -> None:
    run = cli.run
    home = tmp_path / "cardiff"
    group = run(home, "init", "--group", "Cardiff", "--region", "cardiff").stdout
    refused = run(home, "publish", "need", "--category", "tents", "--quantity", "1", "--region", "cardiff", ok=False)
    assert refused.returncode == 3, refused
    said = refused.stderr
    assert "join invite.txt`" in said and "TOKEN" not in said, said
    usage = run(None, "join", "--help").stdout
    assert usage.startswith("usage: solnet join [-h] [--json] FILE"), usage
    assert "token" not in usage.split("\n", 1)[0], usage

    # the advice followed as said: the inviter writes invite.txt, the new group joins with that file
    group_id = run(home, "id").stdout.strip()
    assert group_id in group
    invite = tmp_path / "invite.txt"
    run(network.a, "invite", group_id, "--out", invite)
    assert "Cardiff joined the network" in run(home, "join", invite).stdout
