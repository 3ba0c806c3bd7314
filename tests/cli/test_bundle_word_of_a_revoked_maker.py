"""A bundle signed by a member's device and made without `--since` brings the importing home level
as of when it was made (`view alerts` and the cut-off count say nothing is missing before then): on
its maker's word, since a member can leave events out (a seized phone's bundle without the raid
alert, or without the phone's own revocation). A bundle whose maker is revoked counts for nothing
(node/bundle.py `_check_exporter`); but one imported before the revocation arrived kept counting
after it, so what the home believed depended on the order in which the bundle and the revocation
came. Now the revocation takes back the word of the bundle it signed (node.log `_trust_changed`)."""
from __future__ import annotations

from node.heard_before import caught_up_by_bundle
from node.home import Home


def test_a_revocation_takes_back_the_word_of_a_bundle_its_device_signed(network, cli, tmp_path) -> None:
    a, b = network.a, network.b

    def caught_up() -> int:
        return caught_up_by_bundle(Home(a).log().store)

    cli.run(b, "export", str(tmp_path / "seized.bundle"))
    cli.run(a, "import", str(tmp_path / "seized.bundle"))
    assert caught_up() > 0, "a member device's whole bundle brings the home level"
    cli.run(b, "revoke", network.device_b, "--reason", "phone seized")
    cli.run(b, "export", str(tmp_path / "revocation.bundle"))
    said = cli.run(a, "import", str(tmp_path / "revocation.bundle"), ok=False)
    assert "revoked since" in said.stdout + said.stderr, said
    assert caught_up() == 0, "the seized phone's word no longer counts"


def test_a_revoked_groups_device_brings_no_home_level_whichever_comes_first(network, cli, tmp_path) -> None:
    """An infiltrating group revoked by the network: its devices are not revoked one by one, and a
    bundle one of them signed counted as a member's word, before the revocation and after it."""
    a, b = network.a, network.b

    def caught_up() -> int:
        return caught_up_by_bundle(Home(a).log().store)

    cli.run(b, "export", str(tmp_path / "first.bundle"))
    cli.run(a, "import", str(tmp_path / "first.bundle"))
    assert caught_up() > 0
    cli.run(a, "revoke", network.group_b, "--reason", "infiltrated")
    assert caught_up() == 0, "the revoked group's word no longer counts"
    cli.run(b, "export", str(tmp_path / "after.bundle"))
    said = cli.run(a, "import", str(tmp_path / "after.bundle"), ok=False)
    assert "revoked" in said.stdout + said.stderr, said
    assert caught_up() == 0, "nor does a bundle it signs after"
