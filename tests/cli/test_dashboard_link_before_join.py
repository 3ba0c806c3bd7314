"""`solnet dashboard-link` on a home that has not joined a network printed a link to the default port
(127.0.0.1:7700: on the README's try-out machine, the inviting group's node, which refuses it) and
"start it with `solnet run`", which fails there. No node can run on such a home: it says so, and what
to do first (join, or found a network), exits 3 as the other commands there do, and writes no link."""
from __future__ import annotations


def test_a_home_that_has_not_joined_is_told_to_join_first_not_given_a_link(tmp_path, cli):
    home = tmp_path / "bristol"
    cli.run_json(home, "init", "--group", "Bristol", "--region", "bristol")
    for args in (("dashboard-link",), ("dashboard-link", "--json"),
                 ("dashboard-link", "--base-url", "http://localhost:8080")):
        refused = cli.run(home, *args, ok=False)
        assert refused.returncode == 3, refused
        assert "/login/link?token=" not in refused.stdout and "7700" not in refused.stdout + refused.stderr
        assert "there is no dashboard to log in to: this node has not joined a network yet" in refused.stderr
        assert "join invite.txt" in refused.stderr, refused.stderr
    assert not (home / "login-links").exists() or not any((home / "login-links").iterdir())


def test_a_joined_home_whose_node_never_ran_is_told_the_port_is_a_guess(network, cli):
    """Joined, never run: the link's port is `solnet run`'s default, on the README's try-out machine the
    inviting group's node. Said, with what to do once its node runs elsewhere; not with --base-url."""
    made = cli.run(network.b, "dashboard-link").stdout
    assert "http://127.0.0.1:7700/login/link?token=" in made, made
    assert "Its node has never run, so this link is for `solnet run`'s default address (http://127.0.0.1:7700)" in made
    assert "never run" not in cli.run(network.b, "dashboard-link", "--base-url", "http://localhost:8080").stdout
