"""Founding a network, preparing a group, inviting and joining: the steps behind `solnet init`,
`invite` and `join`, shared by the CLI, `solnet demo` and the tests."""
from __future__ import annotations

from pathlib import Path

from crypto.keystore import NodeKeys

from events.genesis import make_genesis, parse_genesis
from events.kinds import KINDS, check_fields
from node.home import Config, Home
from node.invite import Invite, trust_chain
from node.log import EventLog, now_ms
from node.outcome import REJECTED


class MembershipError(Exception):
    """A membership step cannot be done; the message says why and what to do."""


def prepare_group(home: Home, group: str, region: str, passphrase: str) -> tuple[Config, NodeKeys]:
    """Make a group key and a device key for a new node, encrypted under `passphrase`."""
    region = region.strip().lower()
    check_fields(KINDS["group.profile"], {"name": group, "region": region})  # before anything is written
    keys = NodeKeys.generate(with_group=True)
    config = Config(group_id=keys.group.public.hex(), device_id=keys.device.public.hex(),
                    device_encryption_key=keys.device_encryption.public.hex(), group_name=group, region=region)
    home.create(config, keys, passphrase)
    return config, keys


def found_network(home: Home, config: Config, keys: NodeKeys, network_name: str) -> EventLog:
    genesis = make_genesis(network_name, [bytes(keys.group.public)], now_ms())
    log = EventLog.create(home.store(), genesis)
    admit_own_device(log, keys, config)
    return log


def admit_own_device(log: EventLog, keys: NodeKeys, config: Config) -> None:
    """The group key certifies this node's device key, then publishes the group's profile."""
    log.append(keys.group, "member.vouch", {"subject": bytes(keys.device.public), "role": "device",
                                            "encryption_key": bytes(keys.device_encryption.public)})
    log.append(keys.group, "group.profile", {"name": config.group_name, "region": config.region})


def invite(log: EventLog, keys: NodeKeys | None, subject: bytes, peers: list[str]) -> tuple[Invite, bool]:
    """Vouch for group `subject` (unless it is already a member) and return its join token and
    whether it was already a member. `keys` may be None only for an already admitted group."""
    existing = log.trust.member(subject)
    if existing is not None and existing.role != "group":
        raise MembershipError("that key is a device key, not a group id; use the group id its `solnet init` printed")
    if existing is None:
        if keys is None or keys.group is None:
            raise MembershipError("this node does not hold its group key; run `invite` on the node that does")
        log.append(keys.group, "member.vouch", {"subject": subject, "role": "group"})
    return Invite(log.genesis.raw, subject, trust_chain(log), peers), existing is not None


def join(home: Home, invite_token: Invite, keys: NodeKeys) -> EventLog:
    """Join the network of `invite_token`: store its trust chain, certify this device, publish the profile."""
    config = home.config()
    if home.db_path.exists():
        raise MembershipError("this node is already in a network; use another --home to join a second one")
    if invite_token.group.hex() != config.group_id:
        raise MembershipError(f"this invite admits group {invite_token.group.hex()[:16]}…, but this node's group is "
                              f"{config.group_id[:16]}…; ask the inviter to run `solnet invite {config.group_id}`")
    genesis = parse_genesis(invite_token.genesis)
    store = home.store()
    try:
        log = EventLog.create(store, genesis)
        outcomes = log.ingest(invite_token.events)
        bad = [o for o in outcomes if o.status == REJECTED]
        member = log.trust.member(invite_token.group)
        if bad or member is None or member.role != "group":
            detail = "; ".join(o.describe() for o in bad[:3]) or "it holds no valid vouch for this group"
            raise MembershipError(f"the invite does not admit this group ({detail}); ask for a new one")
        admit_own_device(log, keys, config)
    except BaseException:
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(home.db_path) + suffix).unlink(missing_ok=True)
        raise
    return log



