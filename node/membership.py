"""Founding a network, preparing a group or a further device of a group, vouching (inviting),
joining and revoking: the steps behind `solnet init`, `vouch`/`invite`, `join` and `revoke`,
shared by the CLI, `solnet demo` and the tests."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crypto.keystore import NodeKeys

from events.format import Event
from events.genesis import make_genesis, parse_genesis
from events.kinds import KINDS, check_fields
from node.home import Config, Home
from node.invite import Invite, trust_chain
from node.log import EventLog, now_ms
from node.outcome import REJECTED

DEVICE_REQUEST_PREFIX = "solnet-device-v1:"


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


def prepare_device(home: Home, group_id: bytes, group: str, region: str, passphrase: str) -> tuple[Config, NodeKeys]:
    """Make a device key (no group key) for a further device of an existing group, e.g. a second
    coordinator's laptop. Its group's main node vouches for it (`solnet vouch`), then it joins."""
    region = region.strip().lower()
    check_fields(KINDS["group.profile"], {"name": group, "region": region})
    keys = NodeKeys.generate(with_group=False)
    config = Config(group_id=group_id.hex(), device_id=keys.device.public.hex(),
                    device_encryption_key=keys.device_encryption.public.hex(), group_name=group, region=region,
                    holds_group_key=False)
    home.create(config, keys, passphrase)
    return config, keys


def device_request(config: Config) -> str:
    """What a new device hands its group's main node: its device id and encryption key, as one string."""
    return f"{DEVICE_REQUEST_PREFIX}{config.device_id}:{config.device_encryption_key}"


def parse_device_request(text: str) -> tuple[bytes, bytes] | None:
    """(device id, encryption key) from `device_request` text, or None if `text` is not one."""
    text = text.strip()
    if not text.startswith(DEVICE_REQUEST_PREFIX):
        return None
    device, _, encryption = text[len(DEVICE_REQUEST_PREFIX):].partition(":")
    try:
        device_key, encryption_key = bytes.fromhex(device), bytes.fromhex(encryption)
    except ValueError:
        device_key = encryption_key = b""
    if len(device_key) != 32 or len(encryption_key) != 32:
        raise MembershipError("this device request is damaged: copy it again exactly as `solnet init --device-of` "
                              "printed it")
    return device_key, encryption_key


def found_network(home: Home, config: Config, keys: NodeKeys, network_name: str) -> EventLog:
    genesis = make_genesis(network_name, [bytes(keys.group.public)], now_ms())
    log = EventLog.create(home.store(), genesis)
    admit_own_device(log, keys, config)
    return log


def _check_device_vouched(log: EventLog, keys: NodeKeys, group: bytes) -> None:
    """A further device joins on the vouch its group's main node already made (`solnet vouch`)."""
    me = log.trust.member(bytes(keys.device.public))
    if me is None or me.role != "device" or me.group != group:
        raise MembershipError("this token does not certify this device: ask your group's main node to run "
                              "`solnet vouch` with the device request `solnet init --device-of` printed here")
    if me.encryption_key != bytes(keys.device_encryption.public):
        raise MembershipError("the vouch for this device carries another encryption key (a mistyped request?); "
                              "ask your group's main node to vouch again with this device's request")


def admit_own_device(log: EventLog, keys: NodeKeys, config: Config) -> None:
    """The group key certifies this node's device key, then publishes the group's profile."""
    log.append(keys.group, "member.vouch", {"subject": bytes(keys.device.public), "role": "device",
                                            "encryption_key": bytes(keys.device_encryption.public)})
    log.append(keys.group, "group.profile", {"name": config.group_name, "region": config.region})


def invite(log: EventLog, keys: NodeKeys | None, subject: bytes, peers: list[str], *,
           offline: bool = False) -> tuple[Invite, bool]:
    """Vouch for group `subject` (unless it is already a member) and return its join token and
    whether it was already a member. `keys` may be None only for an already admitted group."""
    existing = log.trust.member(subject)
    if existing is not None and existing.role != "group":
        raise MembershipError("that key is a device key, not a group id; use the group id its `solnet init` printed")
    if existing is None:
        if keys is None or keys.group is None:
            raise MembershipError("this node does not hold its group key; run `invite` on the node that does")
        log.append(keys.group, "member.vouch", {"subject": subject, "role": "group"}, offline=offline)
    return Invite(log.genesis.raw, subject, trust_chain(log), peers), existing is not None


def vouch_device(log: EventLog, keys: NodeKeys, device: bytes, encryption_key: bytes, peers: list[str], *,
                 name: str | None = None, offline: bool = False) -> tuple[Invite, bool]:
    """This node's group key certifies a further device of its group; returns the device's join
    token (as for a group: the trust chain holds the vouch) and whether it was already certified."""
    if keys.group is None:
        raise MembershipError("this node does not hold its group key; run `vouch` on your group's main node")
    group = bytes(keys.group.public)
    existing = log.trust.member(device)
    if existing is not None and (existing.role != "device" or existing.group != group):
        raise MembershipError(f"{device.hex()[:16]}… is already a member of this network as "
                              f"{'a group key' if existing.role == 'group' else 'a device of another group'}")
    if existing is not None and existing.revoked_from is not None:
        raise MembershipError(f"device {device.hex()[:16]}… is revoked; a revoked key is never certified again: "
                              "make a new device key (`solnet init --device-of`) and vouch for that one")
    already = existing is not None and existing.encryption_key == encryption_key
    if not already:
        fields = {"subject": device, "role": "device", "encryption_key": encryption_key}
        if name:
            fields["name"] = name
        log.append(keys.group, "member.vouch", fields, offline=offline)
    return Invite(log.genesis.raw, group, trust_chain(log), peers), already


@dataclass(frozen=True)
class Revoked:
    """What `revoke` did: the revocation event, whom it names, from which seq, and what this node dropped."""

    event: Event
    subject: bytes
    role: str
    group: bytes
    from_seq: int
    signed_by: str  # "group" or "device" (a device revoking itself)
    purged: int  # events this node deleted because of it


def revoke(log: EventLog, keys: NodeKeys, subject: bytes, *, from_seq: int | None = None, reason: str | None = None,
           offline: bool = False) -> Revoked:
    """Revoke a device or group key from `from_seq` on, signed by this node's group key (or by this
    device, revoking itself). Default `from_seq`: for a device, its next event (what it signed so far
    stays); for a group, 1: under the trust rules that is the only way its devices lose their
    certification too, so all of the group's and its devices' events leave the network."""
    member = log.trust.member(subject)
    if member is None:
        raise MembershipError(f"no device or group with id {subject.hex()[:16]}… in this network (`solnet view "
                              "groups` lists the groups, `solnet ls --author ID` what a key signed)")
    own_device = bytes(keys.device.public)
    if subject == own_device:
        signer, signed_by = keys.device, "device"
    elif keys.group is None:
        raise MembershipError("this node does not hold its group key: from here a device can only revoke itself; "
                              "run `solnet revoke` on your group's main node")
    else:
        signer, signed_by = keys.group, "group"
    author = bytes(signer.public)
    if not log.trust.may_revoke(author, subject):
        raise MembershipError(_not_yours(log, member))
    head = log.store.head(author)[0]
    if from_seq is None:
        if member.role == "group" and subject != author:
            from_seq = 1
        else:
            from_seq = log.store.head(subject)[0] + 1
            if subject == author:
                from_seq = head + 2  # after the revocation itself, which is this key's next event
    elif subject == author and from_seq <= head + 1:
        raise MembershipError(f"a key revoking itself does so from a seq after the revocation, which will be its "
                              f"seq {head + 1}: give --from-seq {head + 2} or more")
    if member.revoked_from is not None and member.revoked_from <= from_seq:
        raise MembershipError(f"{member.role} {subject.hex()[:16]}… is already revoked from seq {member.revoked_from}; "
                              "nothing to do (a lower --from-seq would remove more of its events)")
    fields: dict = {"subject": subject, "from_seq": from_seq}
    if reason:
        fields["reason"] = reason
    before = log.store.count()
    event = log.append(signer, "member.revoke", fields, offline=offline)
    return Revoked(event, subject, member.role, member.group, from_seq, signed_by, before + 1 - log.store.count())


def _not_yours(log: EventLog, member) -> str:
    """Why this node's group may not revoke `member`, and who may."""
    key = member.key.hex()[:16]
    if member.role == "device":
        return (f"device {key}… belongs to group {member.group.hex()[:16]}…; only that group's key, or the device "
                "itself, can revoke it. Ask that group, or the group that admitted it (it can revoke the whole group)")
    if member.key in log.genesis.founders:
        return f"group {key}… is a founding group of this network: founders are protected, only it can revoke itself"
    admitter = member.admitted_by.hex()[:16] if member.admitted_by else "?"
    return f"group {key}… was admitted by group {admitter}…; only the group that admitted it can revoke it"


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
        if keys.group is None:
            _check_device_vouched(log, keys, invite_token.group)
        else:
            admit_own_device(log, keys, config)
    except BaseException:
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(home.db_path) + suffix).unlink(missing_ok=True)
        raise
    return log



