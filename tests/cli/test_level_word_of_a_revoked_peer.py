"""A complete sync round with a peer says this home then held all that peer held (node/heard_before.py
`last_level`: `view alerts` with no node running says alerts may be missing only since then, and a
bundle made here tells its importer so). It is the peer's word: a seized phone's node can leave the
raid alert out of what it sends. A revoked device (or a device of a revoked group) cannot complete a
round here; but a round it completed before its revocation arrived kept counting after it, as one
with a peer blocked later (`solnet peers block ID`) did: what the home believed depended on the order
of the round and the revocation. Real node processes: Bristol's node runs, Calais syncs with it once."""
from __future__ import annotations

from test_bundle_word_of_a_revoked_maker import LEVEL, NEVER, said
from test_unknown_alert_region import WAIT_S, start


def _sync_with_b(cli, network) -> None:
    node, out, _ = start(cli, network.b)
    try:
        port = next(line for line in out if "peers connect to" in line).split(":")[-1].split(".")[0]
        cli.run(network.a, "sync", f"127.0.0.1:{port}")
    finally:
        node.terminate()
        node.wait(timeout=WAIT_S)


def test_a_round_with_a_peer_revoked_after_it_no_longer_says_the_home_was_level(cli, network) -> None:
    _sync_with_b(cli, network)
    assert LEVEL in said(cli, network.a), said(cli, network.a)
    cli.run(network.a, "revoke", network.group_b, "--reason", "infiltrated")
    assert NEVER in said(cli, network.a), "the revoked group's device's word no longer counts"


def test_a_round_with_a_peer_blocked_after_it_no_longer_says_the_home_was_level(cli, network) -> None:
    a = network.a
    _sync_with_b(cli, network)
    assert LEVEL in said(cli, a), said(cli, a)
    cli.run(a, "peers", "block", network.device_b)
    assert NEVER in said(cli, a), "a blocked device's word no longer counts"
    cli.run(a, "peers", "unblock", network.device_b)
    assert LEVEL in said(cli, a), "unblocked, its round counts again"
