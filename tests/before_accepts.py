"""A home of a group that joined before `solnet join` named the group that invited it (2026-12-04):
no accept (events/trust.py), so `solnet status` and the dashboard's overview warn. Made in this
process, from a home of a network made by node.demo.localnet (its keys in memory)."""
from __future__ import annotations

from pathlib import Path

from events.genesis import parse_genesis
from fast_keystores import cheap_key_derivation
from node import membership
from node.demo.localnet import LocalNode
from node.home import Home
from node.invite import Invite
from node.log import EventLog


def vouched_token(admitter: LocalNode, group: bytes) -> Invite:
    """The join token of `group`, which `admitter`'s group key vouches for (one vouch, in its home)."""
    inviter = admitter.home.log()
    try:
        token, _ = membership.invite(inviter, admitter.keys, group, [], bytes(admitter.keys.group.public))
    finally:
        inviter.store.close()
    return token


def joined_before_accepts(root: Path, calais: LocalNode, passphrase: str, port: int = 0) -> LocalNode:
    """Dover, admitted by `calais`'s vouch, joined as `solnet join` did before 2026-12-04: the token's
    chain stored, its device certified, its profile published, and no accept of Calais. Its home is
    root / "dover", its keystore sealed with `passphrase`; `port` is where its node is to listen."""
    home = Home(root / "dover")
    with cheap_key_derivation():
        config, keys = membership.prepare_group(home, "Dover", "dover", passphrase)
    token = vouched_token(calais, bytes(keys.group.public))
    log = EventLog.create(home.store(), parse_genesis(token.genesis))
    try:
        log.ingest(token.events)
        membership.admit_own_device(log, keys, config)
    finally:
        log.store.close()
    config.network_id = log.network_id.hex()
    home.save_config(config)
    return LocalNode("Dover", "dover", home, port, keys=keys)
