"""The wipe says what the node's commands wrote outside its home, out of its reach: invite and device
tokens (`invite --out`, `vouch --out`: the group, its peers' addresses), bundles (`export`, on a USB
stick) and sites (`export-site`). Until 2026-12-06 neither `solnet wipe` nor the dashboard's wipe
pages named them: whoever wiped a seized laptop's node believed every trace of the group gone, with
invite.txt and a bundle of its events still beside the home."""
from __future__ import annotations

from node import render
from node.wipe import WipeReport


def test_the_wipe_command_names_the_files_written_outside_its_home(network, cli, tmp_path):
    invite = tmp_path / "invite.txt"  # written outside the home, as the README does it
    cli.run(network.a, "invite", network.group_b, "--out", invite)
    bundle = tmp_path / "stick" / "calais.solnet"
    bundle.parent.mkdir()
    cli.run(network.a, "export", bundle)
    said = cli.run(network.a, "wipe", "--yes").stdout
    assert invite.exists() and bundle.exists()  # out of its reach, so said
    line = next(line for line in said.splitlines() if "solnet wrote outside this home" in line)
    for words in ("invite --out", "vouch --out", "export", "export-site", "shred -u"):
        assert words in line, (words, said)


def test_the_words_are_in_every_report_even_of_a_wipe_with_nothing_left_over():
    said = render.wipe_text(WipeReport(files_destroyed=["keystore"], everything=True), "/home/calais")
    assert "not touched: the files solnet wrote outside this home" in said, said
