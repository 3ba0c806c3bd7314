"""The wipe says what the node's commands wrote outside its home, out of its reach: invite and device
tokens (`invite --out`, `vouch --out`: the group, its peers' addresses), bundles (`export`, on a USB
stick) and sites (`export-site`). Until 2026-12-06 neither `solnet wipe` nor the dashboard's wipe
pages named them: whoever wiped a seized laptop's node believed every trace of the group gone, with
invite.txt and a bundle of its events still beside the home."""
from __future__ import annotations

import shutil

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


def test_the_wipe_names_copies_of_the_home_such_as_the_readmes_backup(network, cli):
    """A backup made as the README makes one (`cp -a calais calais-backup`, beside the home) keeps
    the whole keystore, which the passphrase opens, with every private part this node read. The wipe
    said "keystore: overwritten and deleted" and named no copy (2026-12-06)."""
    backup = network.a.with_name(network.a.name + "-backup")
    shutil.copytree(network.a, backup, symlinks=True)
    said = cli.run(network.a, "wipe", "--yes").stdout
    assert (backup / "keystore").exists() and cli.run(backup, "id").returncode == 0  # out of its reach, so said
    line = next((line for line in said.splitlines() if "not touched: copies of this home" in line), None)
    assert line is not None, said
    for words in ("backup", "cp -a", "keystore", "passphrase", "shred -u"):
        assert words in line, (words, said)


def test_the_dashboards_wipe_pages_name_copies_of_the_home_in_both_languages():
    from node.dashboard import i18n

    for lang in ("en", "fr"):
        said = i18n.catalog(lang)["wipe.item_files_outside"]
        assert "cp -a" in said and "keystore" in said and "README" in said, (lang, said)
