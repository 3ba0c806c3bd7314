"""A region no group is based in and no event names (a typo: 'calis' for calais) is refused unless
the person says it is new on purpose: a raid alert there went out silently to a region no one follows
(node/known_regions.py). At a terminal the command asks; without one it refuses, naming the close
match and --new-region; with --new-region it publishes."""
from __future__ import annotations

import os

ALERT = ("publish", "alert", "--type", "raid", "--text", "Police at the camp", "--offline")


def alerts(cli, home) -> list[dict]:
    return [e for e in cli.run_json(home, "ls") if e["kind"] == "alert"]


def test_a_mistyped_region_is_refused_naming_the_close_match(cli, network) -> None:
    refused = cli.run(network.a, *ALERT, "--region", "calis", ok=False)
    assert refused.returncode != 0, refused.stdout
    assert "did you mean calais?" in refused.stderr and "--new-region" in refused.stderr, refused.stderr
    assert alerts(cli, network.a) == []
    cli.run(network.a, *ALERT, "--region", "calais")  # the region a group is based in: as before
    assert [a["region"] for a in alerts(cli, network.a)] == ["calais"]


def test_a_new_region_on_purpose_is_published_with_new_region(cli, network) -> None:
    cli.run(network.a, *ALERT, "--region", "dunkerque", "--new-region")
    assert [a["region"] for a in alerts(cli, network.a)] == ["dunkerque"]
    cli.run(network.a, *ALERT, "--region", "dunkerque")  # known now: an event is placed there


def test_at_a_terminal_the_new_region_is_asked_and_a_no_publishes_nothing(cli, network) -> None:
    """At a terminal the command asks, naming the close match; 'n' (or Enter) publishes nothing, 'y' does."""
    from test_passphrase_prompt import Terminal  # (the pseudo-terminal of the passphrase prompt's tests)

    for answer, published in (("", []), ("y", ["calis"])):
        term = Terminal(cli.SOLNET, cli.base_env(), "--home", str(network.a), *ALERT, "--region", "calis")
        term.wait_for(b"(did you mean calais?). Publish there all the same, as a new region? [y/N] ")
        os.write(term.fd, answer.encode() + b"\n")
        code, shown = term.finish()
        assert (code == 0) == bool(published), shown
        assert [a["region"] for a in alerts(cli, network.a)] == published, shown
