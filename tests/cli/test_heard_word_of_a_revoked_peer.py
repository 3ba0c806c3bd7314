"""When this home last heard from another node (node/heard_before.py `last_heard`: where a starting
node's "cut off" count begins, the "as of" time on `export-site`'s public pages) counts a link, a
round or a bundle only while the home takes its device's word (`word_counts`), as `last_level`
does: a bundle or a round of a device revoked or blocked since is not hearing from the network, and
before, it went on saying the home was in touch. Real homes; one test runs Bristol's node."""
from __future__ import annotations

from pathlib import Path

from test_level_word_of_a_revoked_peer import _sync_with_b


def heard(home: Path) -> int | None:
    from node import heard_before
    from node.home import Home

    log = Home(home).log()
    try:
        return heard_before.last_heard(log)
    finally:
        log.store.close()


def test_a_bundle_of_a_maker_revoked_or_blocked_since_is_not_hearing_from_the_network(network, cli, tmp_path) -> None:
    a, b = network.a, network.b
    cli.run(b, "export", str(tmp_path / "b.bundle"))
    cli.run(a, "import", str(tmp_path / "b.bundle"))
    when = heard(a)
    assert when is not None, "a member device's whole bundle is word from the network"
    cli.run(a, "peers", "block", network.device_b)
    assert heard(a) is None, "a blocked device's bundle no longer counts"
    cli.run(a, "peers", "unblock", network.device_b)
    assert heard(a) == when, "unblocked, it counts again"
    cli.run(a, "revoke", network.group_b, "--reason", "infiltrated")
    assert heard(a) is None, "a revoked group's device's bundle no longer counts"


def test_a_round_and_link_with_a_peer_revoked_since_is_not_hearing_from_the_network(network, cli) -> None:
    a = network.a
    _sync_with_b(cli, network)
    assert heard(a) is not None, "a complete round with a member's node"
    cli.run(a, "revoke", network.group_b, "--reason", "infiltrated")
    assert heard(a) is None, "the revoked group's node's round and link no longer count"
