"""What someone who never used a terminal sees first: `solnet` alone said argparse's "the following
arguments are required: COMMAND", and `solnet --help` listed 25 commands with no word on where to
begin. Both now say where to start: the demo, or `init` and `join` for a group of one's own."""
from __future__ import annotations


def test_solnet_alone_and_its_help_say_where_to_begin(cli) -> None:
    alone = cli.run(None, ok=False)
    assert alone.returncode == 2, alone
    said = " ".join(alone.stderr.split())
    assert "the following arguments are required" not in said, said
    assert "say what to do: `solnet COMMAND` (`solnet --help` lists the commands)" in said, said
    shown = " ".join(cli.run(None, "--help").stdout.split())
    for text in (said, shown):
        assert "New here? `solnet demo` runs four example groups on this computer" in text, text
        assert "`solnet init --group NAME --region REGION`, then `solnet join FILE`" in text, text
        assert "`solnet COMMAND --help` explains a command" in text, text
