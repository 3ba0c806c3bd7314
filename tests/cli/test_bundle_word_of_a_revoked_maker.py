"""A bundle signed by a member's device and made without `--since` brings the importing home level
as of when it was made (`view alerts` says alerts may be missing only since then): on its maker's
word, since a member can leave events out (a seized phone's bundle without the raid alert, or
without the phone's own revocation). A bundle whose maker is revoked or blocked here counts for
nothing (node/bundle.py `_check_exporter`, `_note_caught_up`); but one imported before the
revocation or the block kept counting after it, so what the home believed depended on the order in
which they came. Now the home takes the word only while it takes its maker's (node/heard_before.py
`word_counts`)."""
from __future__ import annotations

import json

LEVEL = "since it last synced ("
NEVER = "(it has never synced)"


def said(cli, home) -> str:
    return cli.run(home, "view", "alerts").stderr


def test_a_revocation_takes_back_the_word_of_a_bundle_its_device_signed(network, cli, tmp_path) -> None:
    a, b = network.a, network.b
    cli.run(b, "export", str(tmp_path / "seized.bundle"))
    cli.run(a, "import", str(tmp_path / "seized.bundle"))
    assert LEVEL in said(cli, a), "a member device's whole bundle brings the home level"
    cli.run(b, "revoke", network.device_b, "--reason", "phone seized")
    cli.run(b, "export", str(tmp_path / "revocation.bundle"))
    imported = cli.run(a, "import", str(tmp_path / "revocation.bundle"), ok=False)
    assert "revoked since" in imported.stdout + imported.stderr, imported
    assert NEVER in said(cli, a), "the seized phone's word no longer counts"


def test_a_revoked_groups_device_brings_no_home_level_whichever_comes_first(network, cli, tmp_path) -> None:
    """An infiltrating group revoked by the network: its devices are not revoked one by one, and a
    bundle one of them signed counted as a member's word, before the revocation and after it."""
    a, b = network.a, network.b
    cli.run(b, "export", str(tmp_path / "first.bundle"))
    cli.run(a, "import", str(tmp_path / "first.bundle"))
    assert LEVEL in said(cli, a)
    cli.run(a, "revoke", network.group_b, "--reason", "infiltrated")
    assert NEVER in said(cli, a), "the revoked group's word no longer counts"
    cli.run(b, "export", str(tmp_path / "after.bundle"))
    imported = cli.run(a, "import", str(tmp_path / "after.bundle"), ok=False)
    assert "revoked" in imported.stdout + imported.stderr, imported
    assert NEVER in said(cli, a), "nor does a bundle it signs after"


def test_a_block_takes_back_the_word_of_a_bundle_its_maker_signed(network, cli, tmp_path) -> None:
    """`peers block` of a bundle's maker (or its group) before the import: the bundle brings its events
    and no level; after it, the level it brought went on counting."""
    a, b = network.a, network.b
    cli.run(b, "export", str(tmp_path / "b.bundle"))
    cli.run(a, "import", str(tmp_path / "b.bundle"))
    assert LEVEL in said(cli, a)
    cli.run(a, "peers", "block", network.group_b)
    assert NEVER in said(cli, a), "a blocked group's word no longer counts"
    cli.run(a, "peers", "unblock", network.group_b)
    assert LEVEL in said(cli, a), "unblocked, its word counts again, as a bundle imported then would"


def test_import_says_whose_word_brought_the_home_up_to_date(network, cli, tmp_path) -> None:
    """A whole bundle of a member's device brings the home level on its maker's word alone: `import`
    said nothing of it, so a person could not tell that a revocation of that device would take it back."""
    a, b = network.a, network.b
    cli.publish(b, "group.profile", "--name", "بيت", "--region", "bristol")
    cli.run(b, "export", str(tmp_path / "b.bundle"))
    imported = cli.run(a, "import", str(tmp_path / "b.bundle")).stdout
    word = next((line for line in imported.splitlines() if "up to date" in line), imported)
    assert word.startswith("This bundle brings this home up to date as of when it was made ("), imported
    assert "on the word of its maker, \u2068بيت\u2069 (device " in word and "revocation or block" in word, word
    cli.run(a, "peers", "block", network.group_b)
    again = cli.run(a, "import", str(tmp_path / "b.bundle")).stdout
    assert "up to date" not in again, "a blocked maker's word is not taken, and import does not say it is"


def test_import_json_says_whose_word_brought_the_home_up_to_date(network, cli, tmp_path) -> None:
    """`import --json` gave `made_by` (who signed the bundle) but not whether the home took its word
    that it is now up to date: a script could not tell a bundle that counts from one that does not
    (its maker blocked or revoked here), nor whose revocation takes that word back."""
    a, b = network.a, network.b
    cli.run(b, "export", str(tmp_path / "b.bundle"))
    first = json.loads(cli.run(a, "import", str(tmp_path / "b.bundle"), "--json").stdout)
    assert first["up_to_date_by"] == {"device": network.device_b, "group": network.group_b}, first
    cli.run(a, "peers", "block", network.group_b)
    again = json.loads(cli.run(a, "import", str(tmp_path / "b.bundle"), "--json").stdout)
    assert again["up_to_date_by"] is None and again["made_by"], again
