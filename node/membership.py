"""Founding a network, preparing a group or a further device of a group, vouching (inviting),
joining and revoking: the steps behind `solnet init`, `vouch`/`invite`, `join` and `revoke`,
shared by the CLI, `solnet demo` and the tests."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING
from pathlib import Path

from crypto.keys import short_id
from crypto.keystore import NodeKeys
from crypto.short_ids import MIN_ID_PREFIX_HEX
from events import errors as E
from events.errors import InvalidEvent
from events.format import Event, decode_event
from events.genesis import make_genesis, parse_genesis
from events.kinds import KINDS, check_fields
from events.trust import Member, consent_is_valid, device_consent
from events.readmodels import revocation_fields
from node import chain_gate, late_accept, moments, references, render
from node.words import plural
from node.home import Config, Home, HomeError
from node.invite import Invite, trust_chain
from node.log import EventLog, now_ms
from node.outcome import REJECTED, Outcome
from solnet_errors import SolnetError
from node.store.join_meta import FOUNDING, JOIN_META
from sync.addresses import dialable

if TYPE_CHECKING:
    from node.store import Store

DEVICE_REQUEST_PREFIX = "solnet-device-v2:"
LEGACY_DEVICE_REQUEST_PREFIX = "solnet-device-v1:"  # before devices consented: accepted, vouched without consent


class MembershipError(SolnetError):
    """A membership step cannot be done; the message says why and what to do."""

    reason, http_status = "membership", 409


class AlreadyJoined(MembershipError):
    """A join of a home whose join finished, with an invite of the network it is in: nothing is left
    to do, so the command that meets it succeeds (`solnet join` run twice exited 1 while saying
    "nothing more to do")."""


def prepare_group(home: Home, group: str, region: str, passphrase: str) -> tuple[Config, NodeKeys]:
    """Make a group key and a device key for a new node, encrypted under `passphrase`."""
    region = region.strip().lower()
    check_fields(KINDS["group.profile"], {"name": group, "region": region})  # before anything is written
    keys = NodeKeys.generate(with_group=True)
    config = Config(group_id=keys.group.public.hex(), device_id=keys.device.public.hex(),
                    device_encryption_key=keys.device_encryption.public.hex(), group_name=group, region=region)
    home.create(config, keys, passphrase)
    return config, keys


def prepare_device(home: Home, group_id: bytes, group: str | None, region: str | None,
                   passphrase: str) -> tuple[Config, NodeKeys]:
    """Make a device key (no group key) for a further device of an existing group, e.g. a second
    coordinator's laptop. Its group's main node vouches for it (`solnet vouch`), then it joins.
    The group's name and region need not be given: `join` reads them from the group's profile."""
    group, region = group or "", (region or "").strip().lower()
    given = {k: v for k, v in (("name", group), ("region", region)) if v}
    for name, value in given.items():
        KINDS["group.profile"].field(name).check(value)
    keys = NodeKeys.generate(with_group=False)
    config = Config(group_id=group_id.hex(), device_id=keys.device.public.hex(),
                    device_encryption_key=keys.device_encryption.public.hex(), group_name=group, region=region,
                    holds_group_key=False)
    home.create(config, keys, passphrase)
    return config, keys


@dataclass(frozen=True)
class DeviceRequest:
    """What a new device hands its group's main node: its device id, its encryption key, and its
    consent to being a device of that group (None in requests of solnet 0.1)."""

    device: bytes
    encryption_key: bytes
    consent: bytes | None


def device_request(config: Config, keys: NodeKeys) -> str:
    """The device request of a further device, as one line of text to copy."""
    consent = device_consent(keys.device, bytes.fromhex(config.group_id), bytes(keys.device_encryption.public))
    return f"{DEVICE_REQUEST_PREFIX}{config.device_id}:{config.device_encryption_key}:{consent.hex()}"


def parse_device_request(text: str, group: bytes) -> DeviceRequest | None:
    """The request in `text` (for `group`), or None if `text` is not a device request."""
    text = text.strip()
    legacy = text.startswith(LEGACY_DEVICE_REQUEST_PREFIX)
    if not (legacy or text.startswith(DEVICE_REQUEST_PREFIX)):
        return None
    parts = text.split(":")[1:]
    try:
        raw = [bytes.fromhex(p) for p in parts]
    except ValueError:
        raw = []
    sizes = [32, 32] if legacy else [32, 32, 64]
    if [len(r) for r in raw] != sizes:
        raise MembershipError("this device request is damaged: copy it again exactly as `solnet init --device-of` "
                              "printed it")
    request = DeviceRequest(raw[0], raw[1], None if legacy else raw[2])
    if request.consent is not None and not consent_is_valid(group, request.device, request.encryption_key,
                                                            request.consent):
        raise MembershipError("this device request was made for another group (or is damaged): on the new device, "
                              "check the group id given to `solnet init --device-of`")
    return request


def found_network(home: Home, config: Config, keys: NodeKeys, network_name: str) -> EventLog:
    if founding_cut_short(home):  # nothing of it can have left: founded again, from the start
        _remove_database(home)
    genesis = make_genesis(network_name, [bytes(keys.group.public)], now_ms())
    store = home.store()
    with store.write():  # first: cut short from here on, the home says so (node/store/join_meta.py)
        store.set_meta(JOIN_META, FOUNDING)
    log = EventLog.create(store, genesis)
    admit_own_device(log, keys, config)
    with store.write():  # (cut short after this, the home learns its network from its database)
        store.set_meta(JOIN_META, b"{}")
    config.network_id = log.network_id.hex()
    home.save_config(config)
    return log


def founding_cut_short(home: Home) -> bool:
    """Whether this home's database is what an `init --new-network` cut short left (see found_network)."""
    from node.store import StoreError

    if not home.db_path.exists():
        return False
    try:
        store = home.store()
    except StoreError:
        return False
    try:
        return store.get_meta(JOIN_META) == FOUNDING
    finally:
        store.close()


def _check_device_vouched(log: EventLog, keys: NodeKeys, group: bytes) -> None:
    """A further device joins on the vouch its group's main node already made (`solnet vouch`)."""
    if _certified_here(log, keys, group):
        return
    me = log.trust.member(bytes(keys.device.public))
    if me is None or me.role != "device" or me.group != group:
        raise MembershipError("this token does not certify this device: ask your group's main node to run "
                              "`solnet vouch` with the device request `solnet init --device-of` printed here")
    raise MembershipError("the vouch for this device carries another encryption key (a mistyped request?); "
                          "ask your group's main node to vouch again with this device's request")


def _certified_here(log: EventLog, keys: NodeKeys, group: bytes) -> bool:
    """Whether `group`'s chain in the log already certifies this device with its encryption key."""
    me = log.trust.member(bytes(keys.device.public))
    return (me is not None and me.role == "device" and me.group == group
            and me.encryption_key == bytes(keys.device_encryption.public))


def _take_group_profile(home: Home, log: EventLog, config: Config) -> None:
    """A further device learns its group's name and region from the group's profile in the token."""
    profile = next((row.data for row in log.store.rows("profile") if row.key.hex() == config.group_id), None)
    if profile and (profile.get("name"), profile.get("region")) != (config.group_name, config.region):
        config.group_name, config.region = profile["name"], profile["region"]
        home.save_config(config)


def accept_admitters(log: EventLog, keys: NodeKeys, groups: list[bytes]) -> list[bytes]:
    """This group names `groups` as groups it joined through (events/trust.py, accept): from then on
    only their vouches admit it, so a member nearer the founders cannot take it over by vouching
    for it. Those named before are left as they are; returns the groups named now."""
    if keys.group is None:
        raise MembershipError("this node does not hold its group key; run `accept` on your group's main node")
    own = bytes(keys.group.public)
    new = [g for g in dict.fromkeys(groups) if g not in log.trust.accepted_by(own)]
    seq = log.store.highest_seq_held(own) + 1  # (where the first of them goes: at join, seq 1)
    for group in new:
        if group == own:
            raise MembershipError("a group cannot name itself as the group it joined through")
        if not log.trust.accept_counts_at(own, seq, group):
            raise MembershipError(late_accept.accept_past_revocation(log.store, log.trust, own, group))
        if group not in log.trust.admissions_of(own) or not log.trust.admitted_only_by_named_if(own, group, seq):
            raise MembershipError(f"group {short_id(group)} cannot admit this group (it has not vouched for it, "
                                  "its vouch no longer counts, or it is not here yet: sync first); naming it "
                                  "would leave this group with no admitter it named")
    for group in new:
        log.append(keys.group, "member.vouch", {"subject": group, "role": "accept"})
    return new


def admit_own_device(log: EventLog, keys: NodeKeys, config: Config) -> None:
    """The group key certifies this node's device key (with the device's consent), then publishes
    the group's profile; either done already (a join taken up again) is not done twice."""
    encryption_key = bytes(keys.device_encryption.public)
    group = bytes(keys.group.public)
    if not _certified_here(log, keys, group):
        log.append(keys.group, "member.vouch", {
            "subject": bytes(keys.device.public), "role": "device", "encryption_key": encryption_key,
            "consent": device_consent(keys.device, group, encryption_key)})
    if not any(row.key == group for row in log.store.rows("profile")):
        log.append(keys.group, "group.profile", {"name": config.group_name, "region": config.region})


def admission_needed(log: EventLog, own_group: bytes, subject: bytes) -> bool:
    """Whether `own_group` should vouch for group `subject`: it is not a member yet, or our group
    has not vouched for it (another member vouched first: the newcomer names us when it joins, and
    then only our vouch counts, events/trust.py)."""
    if subject == own_group:  # refused by `invite`, with no passphrase asked
        return False
    existing = log.trust.member(subject)
    if existing is None:
        return True
    return (existing.role == "group" and own_group not in log.trust.admissions_of(subject)
            and readmission_refused(log, own_group, subject) is None)


def readmission_refused(log: EventLog, own_group: bytes, subject: bytes) -> str | None:
    """Why no vouch of `own_group` can make the revoked group `subject` a member again, in words;
    None if it is no revoked group, or if such a vouch can (a front-runner's revocation, which
    stops counting once the group names the group that invites it: events/trust.py; past a
    revocation by a group of our wave or farther out, only the accept its join signs first counts,
    so a group that signed anything already cannot name us past it)."""
    existing = log.trust.member(subject)
    if existing is None or existing.role != "group" or existing.revoked_from is None:
        return None
    # (its accept goes after what it signed, as far as this node knows: past a revocation by a group
    # no nearer the founders than ours, only one that opens its chain, signed at its join, counts)
    if log.trust.admits_again_if_vouched(subject, own_group, log.store.head(own_group)[0] + 1,
                                         log.store.highest_seq_held(subject) + 1):
        return None
    return _revoked_group(log, existing)


def invite(log: EventLog, keys: NodeKeys | None, subject: bytes, peers: list[str], own_group: bytes, *,
           offline: bool = False) -> tuple[Invite, bool]:
    """Vouch for group `subject` (unless this group need not: see `admission_needed`) and return
    its join token and whether it was already a member. `keys` may be None only when no vouch is
    needed."""
    if subject == own_group:  # its vouch of itself, seen by every node, would admit no one
        raise MembershipError(
            f"{subject.hex()} is your own group's id: a group does not invite itself. To add a device "
            f"to your group, run `solnet init --device-of {subject.hex()}` in a new home on that device, "
            "then `solnet vouch REQUEST --out FILE` here with the request it prints; to admit another "
            "group, use the group id its `solnet init` printed")
    existing = log.trust.member(subject)
    if existing is not None and existing.role != "group":
        raise MembershipError("that key is a device key, not a group id; use the group id its `solnet init` printed")
    refused = readmission_refused(log, own_group, subject)
    if refused is not None:
        raise MembershipError(refused)
    admitter: bytes | None = own_group
    if admission_needed(log, own_group, subject):
        if (keys is None or keys.group is None) and existing is not None and log.store.head(subject)[0] > 0:
            # A member with a chain of its own (a home joining again after losing its database asks
            # any group for a token): a device without the group key gives one without a vouch,
            # naming no admitter. Not to a newcomer a member vouched for first: it would name that one.
            admitter = None
        elif keys is None or keys.group is None:
            raise MembershipError("this node does not hold its group key; run `invite` on the node that does")
        else:
            log.append(keys.group, "member.vouch", {"subject": subject, "role": "group"}, offline=offline)
    return Invite(log.genesis.raw, subject, trust_chain(log), peers, admitter), existing is not None


def certified_without_consent(log: EventLog, device: bytes) -> bool:
    """Whether `device` is a device in good standing that solnet 0.1 certified without its consent
    (and no vouch with it since): its group's main node should vouch for it again with the request
    `solnet id --request` prints there (TrustGraph.certified_with_consent says why)."""
    # (not one revoked, nor one of a group revoked or forked: its group's new vouch would count for nothing)
    return log.trust.signs_now(device) and not log.trust.certified_with_consent(device)


def vouch_device(log: EventLog, keys: NodeKeys, request: DeviceRequest, peers: list[str], *,
                 name: str | None = None, offline: bool = False) -> tuple[Invite, bool]:
    """This node's group key certifies a further device of its group; returns the device's join
    token (as for a group: the trust chain holds the vouch) and whether it was already certified."""
    device, encryption_key = request.device, request.encryption_key
    if keys.group is None:
        raise MembershipError("this node does not hold its group key; run `vouch` on your group's main node")
    group = bytes(keys.group.public)
    existing = log.trust.member(device)
    if existing is not None and (existing.role != "device" or existing.group != group):
        raise MembershipError(f"{short_id(device)} is already a member of this network as "
                              f"{'a group key' if existing.role == 'group' else 'a device of another group'}")
    if existing is not None and existing.revoked_from is not None:
        raise MembershipError(f"device {short_id(device)} is revoked; a revoked key is never certified again: "
                              "make a new device key (`solnet init --device-of`) and vouch for that one")
    # (a device solnet 0.1 certified without its consent is vouched for again with it: see
    # TrustGraph.certified_with_consent)
    already = (existing is not None and existing.encryption_key == encryption_key
               and (request.consent is None or log.trust.certified_with_consent(device)))
    if not already:
        fields = {"subject": device, "role": "device", "encryption_key": encryption_key}
        if request.consent is not None:
            fields["consent"] = request.consent
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
    purged: int  # events this node deleted because of it (less those a pin brought back)
    pinned: bool = False  # it names the device's chain below from_seq (events/trust.py)
    held_to: int | None = None  # a device's newest seq in this node's log afterwards
    devices: tuple[Revoked, ...] = ()  # a group leaving (revoking itself): its devices, revoked first


def revoke(log: EventLog, keys: NodeKeys, subject: bytes, *, from_seq: int | None = None, reason: str | None = None,
           offline: bool = False, pin: str | None = None) -> Revoked:
    """Revoke a device or group key from `from_seq` on, signed by this node's group key (or by this
    device, revoking itself). Default `from_seq`: for a device, its next event (what it signed so far
    stays); for a group, 1: under the trust rules that is the only way its devices lose their
    certification too, so all of the group's and its devices' events leave the network.

    The group key revoking its device pins the device's chain below `from_seq` (events/trust.py):
    the event at `from_seq - 1` as this node holds it. A device that forked (its key signed two
    chains: a copy is in other hands) has no chain this node can tell is its own: `pin` (an id or
    its start) names the last event of the one that is, or `from_seq` at or below the fork point
    keeps only what came before it.

    A group revoking itself (leaving the network) first revokes each of its devices still a
    member, from its next event and pinned, as for one device: a group revoked from seq n keeps
    the devices it certified before n (design rule 8, "past acts stay"), so leaving by its own
    revocation alone left them signing alerts every node accepted. Where the group key signs nothing
    more (a group that left before that, or revoked by its admitter), this node's own device revokes
    itself, and any other revocation is refused naming who can still cut its devices off."""
    member = log.trust.member(subject)
    if member is None:
        raise MembershipError(f"no device or group with id {short_id(subject)} in this network (`solnet view "
                              "groups` lists the groups, `solnet ls --author ID` what a key signed)")
    own_device = bytes(keys.device.public)
    own_group = log.own_group(keys)
    # A group key revoked from the seq it would sign next (its group left the network, or its
    # admitter revoked it) signs nothing more: its devices that still sign can each only revoke
    # themselves (design section 5), this node's own one here.
    if own_group is not None and not group_signs_next(log, own_group) and subject != own_device:
        raise MembershipError(_group_cannot_sign(log, own_group, own_device))
    if (keys.group is not None and group_signs_next(log, bytes(keys.group.public))
            and (subject != own_device or log.trust.may_revoke(bytes(keys.group.public), subject))):
        # The group key whenever this node holds it, also for its own device (after restoring a
        # backup to cut off a seized copy): a thief holding the device key can then neither undo
        # nor block the revocation, since nothing that key signs touches the group key's chain.
        signer, signed_by = keys.group, "group"
    elif subject == own_device:
        signer, signed_by = keys.device, "device"
    else:
        raise MembershipError("this node does not hold its group key: from here a device can only revoke itself; "
                              "run `solnet revoke` on your group's main node")
    author = bytes(signer.public)
    head = log.store.head(author)[0]
    if not log.trust.may_revoke(author, subject):
        raise MembershipError(_not_yours(log, member))
    leaving = ([d.key for d in log.trust.unrevoked_devices_of(subject)]
               if member.role == "group" and subject == author else [])
    pins = member.role == "device" and member.group == author
    if pin is not None and not pins:
        raise MembershipError("--pin names a device's chain, and only its group key may pin it")
    pinned = _chosen_pin(log, subject, pin) if pin is not None else None
    if pinned is not None:
        if from_seq is not None and from_seq != pinned[0] + 1:
            raise MembershipError(f"the pinned event is the device's seq {pinned[0]}: the revocation is from seq "
                                  f"{pinned[0] + 1} (leave out --from-seq, or give that)")
        from_seq = pinned[0] + 1
    fork_at = log.trust.fork_point(subject)
    if pins and fork_at is not None and pinned is None and (from_seq is None or from_seq > fork_at):
        raise MembershipError(_which_chain(log, subject, fork_at))
    if from_seq is None:
        if member.role == "group" and subject != author:
            from_seq = 1
        else:
            from_seq = log.store.head(subject)[0] + 1
            if subject == author:  # after the revocation itself, this key's next event (its devices' before)
                from_seq = head + 2 + len(leaving)
    elif subject == author and from_seq <= head + 1 + len(leaving):
        before = (f"after the revocations of its {plural(len(leaving), 'device')} still a member and its own, "
                  if leaving else "after the revocation, ")
        raise MembershipError(f"a key revoking itself does so from a seq {before}which will be its seq "
                              f"{head + 1 + len(leaving)}: give --from-seq {head + 2 + len(leaving)} or more")
    pin_id = pinned[1] if pinned is not None else (log.store.id_at(subject, from_seq - 1) if pins and from_seq > 1
                                                    else None)
    # A fork freezes a key without revoking it: its revocations below the fork point, and its group
    # key's of its own devices past it, still count until a revocation from a lower seq voids them.
    # One already in effect from that seq without a pin may get one.
    if already_revoked(member, from_seq, pin_id):
        raise MembershipError(f"{member.role} {short_id(subject)} is already revoked from seq {member.revokes_until}; "
                              "nothing to do (a lower --from-seq would remove more of its events)")
    devices = tuple(revoke(log, keys, device, reason=reason or "its group left the network", offline=offline)
                    for device in leaving)
    fields: dict = {"subject": subject, "from_seq": from_seq}
    if reason:
        fields["reason"] = reason
    if pin_id is not None:
        fields["pin"] = pin_id
    before = log.store.count()
    event = log.append(signer, "member.revoke", fields, offline=offline)
    # (fewer when the pin brought back a past that a thief's fork had taken out here)
    purged = max(0, before + 1 - log.store.count())
    return Revoked(event, subject, member.role, member.group, from_seq, signed_by, purged, "pin" in fields,
                   log.store.head(subject)[0] if pins else None, devices)


def already_revoked(member: Member, from_seq: int, pin_id: bytes | None) -> bool:
    """Whether a revocation of `member` from `from_seq` (pinning `pin_id`) would add nothing: one that
    counts is in effect from that seq or lower. One in effect from that very seq without a pin may
    get one (a fork freezes a key without revoking it: see revoke)."""
    return member.revokes_until is not None and member.revokes_until <= from_seq and not (
        member.revokes_until == from_seq and pin_id is not None and member.pinned is None)


def group_signs_next(log: EventLog, group: bytes) -> bool:
    """Whether the group key may sign its next event (after what this node holds of it): False once
    it left the network or its admitter revoked it from there. A key no member (not certified
    here) is not this function's to judge: True, and the trust rules say why it may not."""
    member = log.trust.member(group)
    return member is None or member.may_sign(log.store.head(group)[0] + 1)


def _group_cannot_sign(log: EventLog, group: bytes, own_device: bytes) -> str:
    """Why this node's group key signs nothing more: the group left the network (it revoked itself),
    or its admitter revoked it, from the seq it would sign next; and who can still cut off its
    devices that still sign (design rule 8: a group revoked from seq n keeps those it certified
    before), and how."""
    member = log.trust.member(group)
    r = log.trust.revocation(group)
    if r is not None and r.by == group and not r.fork:
        why = f"this group left the network: its group key revoked itself from seq {member.revoked_from}"
    else:
        revoked = render.revocation_text({"revoked_from": member.revoked_from, **revocation_fields(r)},
                                         references.group_names(log.store))
        why = f"this group's key is revoked {revoked}"
    said = f"{why}, so it can sign nothing more, not even the revocation of one of its devices"
    return said + still_signing_text(log, group, own_device)


def still_signing_text(log: EventLog, group: bytes, own_device: bytes, *, but: bytes | None = None) -> str:
    """For a group whose key signs nothing more: its devices that still sign (all of them but
    `but`), each with the command that cuts it off (a device may revoke itself), and the groups
    that admitted it, which can revoke it from seq 1 and so cut them all off. '' if none is left."""
    devices = [d.key for d in log.trust.unrevoked_devices_of(group) if d.key != but]
    if not devices:
        return ""
    labels = references.device_labels(log.store, log.trust)
    ways = []
    for device in devices:
        named = f' ("{labels[device]}")' if device in labels else ""
        where = ("here, on this node: it revokes itself" if device == own_device else
                 "on that device's own home: only it can revoke itself now")
        ways.append(f"device {short_id(device)}{named} with `solnet revoke {device.hex()}` {where}")
    one = len(devices) == 1
    said = (f". {'Its device' if one else f'Its {len(devices)} devices'} certified before still "
            f"{'signs' if one else 'sign'} and {'is' if one else 'are'} still {'a member' if one else 'members'}; "
            f"to cut {'it' if one else 'them'} off, revoke {render.and_list(ways)}")
    member = log.trust.member(group)
    if member is not None and member.admitters and group not in log.genesis.founders:
        admitters = render.and_list([references.group_name(log.store, a) for a in member.admitters], "or")
        said += (f". Or {admitters}, which admitted this group, can revoke it from seq 1 (`solnet revoke "
                 f"{group.hex()}` on its node): that cuts off every device of it, and takes everything the group "
                 "and its devices ever signed out of the network")
    return said


def _chosen_pin(log: EventLog, device: bytes, text: str) -> tuple[int, bytes]:
    """(seq, id) of the event of `device` that `text` (an id or its first characters) names, in the
    log or kept past its fork point."""
    wanted = text.strip().rstrip("…").lower()
    found = {(seq, event_id) for event_id, seq, _, _, _ in log.store.forked_of(device) if event_id.hex().startswith(wanted)}
    found |= {(seq, event_id) for seq, event_id in log.store.ids_of(device) if event_id.hex().startswith(wanted)}
    if len(wanted) < MIN_ID_PREFIX_HEX or len(found) != 1:
        raise MembershipError(f"--pin {text}: {'no' if not found else 'more than one'} event of device "
                              f"{short_id(device)} starts so (give at least {MIN_ID_PREFIX_HEX} characters of an id that `solnet "
                              "revoke` or `solnet ls --author` lists for it)")
    return found.pop()


def _which_chain(log: EventLog, device: bytes, fork_at: int) -> str:
    """Why a forked device's chain cannot be pinned by default, and the chains to choose from: each
    kept branch's newest event, with its kind and time."""
    kept = log.store.forked_of(device)
    followed = {prev for _, _, prev, _, _ in kept}
    lines = []
    for event_id, seq, _, wire, stored in sorted(kept, key=lambda row: (-row[1], row[0])):
        if event_id in followed:
            continue
        ev = decode_event(wire)
        lines.append(f"  {event_id.hex()[:16]}  seq {seq}, {ev.kind}, signed {moments.utc(ev.header.timestamp):%Y-%m-%d %H:%M} UTC"
                     + (" (the chain this node held)" if stored else ""))
    return (f"device {short_id(device)} forked at seq {fork_at}: its key signed two chains from there, so a copy of "
            "it is in other hands, and this node cannot tell which chain is the device's own. Name the newest "
            "event of the device's own chain with --pin (`solnet show ID` shows one), or give --from-seq "
            f"{fork_at} to keep only what it signed before the fork. The newest events of each chain kept here:\n"
            + ("\n".join(lines) if lines else "  (none kept here)"))


def _not_yours(log: EventLog, member) -> str:
    """Why this node's group may not revoke `member`, and who may: by their names, and how."""
    key = short_id(member.key)
    if member.role == "device":
        owner = references.group_name(log.store, member.group)
        return (f"device {key} belongs to {owner}; only that group's key, or the device itself, can revoke it. Ask "
                f"{owner} to run `solnet revoke {member.key.hex()}` on its node, or the group that admitted it "
                "(it can revoke the whole group)")
    name = references.name_of_group(log.store, member.key) or references.kept_aside_name(log.store, member.key)
    group = f"group {name} ({key})" if name else f"group {key}"
    if member.key in log.genesis.founders:
        return f"{group} is a founding group of this network: founders are protected, only it can revoke itself"
    if member.admitted_by is None:
        return f"{group} was not admitted by this node's group; only the group that admitted it can revoke it"
    admitter = references.group_name(log.store, member.admitted_by)
    return (f"{group} was admitted by {admitter}; only the group that admitted it can revoke it: ask {admitter} "
            f"to run `solnet revoke {member.key.hex()}` on its node")


def _revoked_group(log: EventLog, member) -> str:
    """Why a revoked group gets no token from this group (`readmission_refused`), and what it can
    do instead."""
    name = references.name_of_group(log.store, member.key) or references.kept_aside_name(log.store, member.key)
    group = f"group {name} ({short_id(member.key)})" if name else f"group {short_id(member.key)}"
    revoked = render.revocation_text({"revoked_from": member.revoked_from,
                                      **revocation_fields(log.trust.revocation(member.key))},
                                     references.group_names(log.store))
    return (f"{group} was revoked {revoked}, and no vouch of this group can undo that revocation: a token for it "
            "would admit nothing. If the group is to come back, it makes a new group key in a new home (`solnet "
            "init --group NAME --region REGION`) and you invite the id that prints")


def _not_admitted(bad: list[Outcome], group_id: str) -> str:
    """Why an invite that decoded admits no group here, in words: not the ingest's codes and
    decoder messages, which say nothing to the person holding the invite."""
    reasons = {o.reason for o in bad}
    if reasons == {E.WRONG_NETWORK}:
        return ("the invite does not check out: its events belong to another network than the one it names. Ask "
                "the inviter for a new one")
    if reasons == {E.FUTURE}:
        return ("the invite's events are dated in the future by this computer's clock: check the date and time "
                "here (and the time zone), then run `solnet join` again")
    if bad:
        return (f"the invite is damaged: {plural(len(bad), 'of its events does', 'of its events do')} not check "
                "out (unreadable, or not signed by its author). Check that it was copied whole, or ask the inviter "
                "for a new one")
    return ("the invite holds no vouch that admits this group: it is incomplete, or was made for another group. "
            f"Ask the inviter for a new one: `solnet invite {group_id}`")


def invite_peers(invite_token: Invite) -> list[str]:
    """The token's peer addresses a node can dial, in canonical form (one it cannot is left out: a
    token is not trusted to hold good ones)."""
    return dialable(invite_token.peers if isinstance(invite_token.peers, list) else [])


def inviter_name(log: EventLog, invite_token: Invite, *, for_device: bool) -> str:
    """Whose node the token's peers are, in words: for a further device, its own group's (which
    vouched for it); for a group, the group that made the token (it names itself), else the one
    that admitted it last. By its profile name, else its short id. (A token's word on its maker counts
    only if that group's vouch for this one is held: a home joining again checks it nowhere else.)"""
    group = invite_token.group
    if not for_device:
        member = log.trust.member(group)
        if invite_token.admitter is not None and invite_token.admitter in log.trust.admissions_of(group):
            group = invite_token.admitter
        elif member is not None and member.admitters:
            group = member.admitters[-1]
    return references.group_name(log.store, group)


def clear_cut_short_join(home: Home) -> bool:
    """True, once removed, if the database is what a join killed before it stored any event left
    (a power cut on a Pi: the file made, its network's genesis perhaps), so that this join starts
    again. A join that finished stored its invite's events; with none, nothing was signed here and
    nothing can have left this home. Left there, `join` said "already in a network" while every
    other command said "has not founded or joined a network yet"."""
    from node.store import StoreError

    try:
        store = home.store()
    except StoreError:
        return False
    try:
        empty = store.count() == 0
    finally:
        store.close()
    if empty:
        _remove_database(home)
    return empty


def _remove_database(home: Home) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(home.db_path) + suffix).unlink(missing_ok=True)




def join_under_way(home: Home) -> dict | None:
    """What a join of this home that has not finished (killed, a power cut) had started with: the
    network the home was in before ("was_in") and, once decided, whether it joined again a network
    it was in ("rejoin"). None for a home whose join finished, or that founded its network."""
    from node.store import StoreError

    try:
        store = home.store()
    except StoreError:
        return None
    try:
        raw = store.get_meta(JOIN_META)
    finally:
        store.close()
    started = json.loads(raw) if raw and raw != FOUNDING else None
    return started or None


def _signed_here(store: Store, keys: NodeKeys) -> bool:
    """Whether the log holds an event this home's keys signed (then it is never thrown away: the
    keys must not sign the same seqs again)."""
    own = [bytes(keys.device.public), *([bytes(keys.group.public)] if keys.group is not None else [])]
    try:
        return any(store.head(key)[0] > 0 for key in own)
    except Exception:  # noqa: BLE001 (a database that cannot be read: kept, for its operator to look at)
        return True


def _already_joined(home: Home, invite_token: Invite) -> MembershipError:
    """The refusal of a second join, in words that say where the home stands and what to do
    (AlreadyJoined if the invite is of the network it is in)."""
    try:
        log = home.log()
    except HomeError as exc:  # (a founding cut short: what to do)
        return MembershipError(str(exc))
    except Exception:  # noqa: BLE001 (a damaged database: said by the commands that read it)
        return MembershipError("this node is already in a network; use another --home to join a second one")
    try:
        name, network = log.genesis.name, log.network_id
    finally:
        log.store.close()
    if network != parse_genesis(invite_token.genesis).network_id:
        return MembershipError(f"this node is already in the network {name!r} ({short_id(network)}), and this "
                               "invite is for another one; use another --home to join a second network")
    # (not "with this invite": another member's invite of the same network comes here too)
    return AlreadyJoined(f"this node has already joined the network {name!r} ({short_id(network)}); nothing more "
                         "to do: start it with `solnet run` (`solnet status` says how it stands)")


def join(home: Home, invite_token: Invite, keys: NodeKeys) -> EventLog:
    """Join the network of `invite_token`: store its trust chain, certify this device, publish the
    profile, and keep the token's peers as configured peers (`invite_peers` says which they are).
    A join that did not finish (killed, a power cut) is taken up where it stopped: what it stored
    stays, and nothing is signed twice (a home whose join stopped after it signed would fork its
    own chain if it started again from nothing; told "already in a network", its member was left
    with a home whose device might not be certified and whose peers were not kept)."""
    config = home.config()
    started = None
    if home.db_path.exists() and not clear_cut_short_join(home):
        started = join_under_way(home)
        if started is None:
            raise _already_joined(home, invite_token)
    was_in = config.network_id if started is None else started.get("was_in")
    if invite_token.group.hex() != config.group_id:
        raise MembershipError(f"this invite admits group {short_id(invite_token.group)}, but this node's group is "
                              f"{short_id(config.group_id)}; ask the inviter to run `solnet invite {config.group_id}`")
    genesis = parse_genesis(invite_token.genesis)
    store = home.store()
    try:
        try:
            log = EventLog.create(store, genesis)
        except InvalidEvent:  # a join under way of another network's invite
            raise _already_joined(home, invite_token) from None
        if started is None:
            started = {"was_in": was_in}
            with store.write():
                store.set_meta(JOIN_META, json.dumps(started).encode())
        outcomes = log.ingest(invite_token.events)
        bad = [o for o in outcomes if o.status == REJECTED]
        member = log.trust.member(invite_token.group)
        if bad or member is None or member.role != "group":
            raise MembershipError(_not_admitted(bad, config.group_id))
        if "rejoin" not in started:  # decided before anything is signed here, kept for a join taken up again
            started["rejoin"] = was_in == log.network_id.hex() or (keys.group is not None
                                                                  and _certified_here(log, keys, invite_token.group))
            with store.write():
                store.set_meta(JOIN_META, json.dumps(started).encode())
        if started["rejoin"]:
            # A home joining again (its database was lost or damaged): its keys signed events that
            # the inviter may not hold (it may know nothing of this group's chain). Signing now
            # could take a seq the network already holds (a fork, which freezes the key everywhere):
            # nothing is signed, and this home signs nothing before a complete round has brought
            # its own events back. Its peers know its device, so they let it in to fetch them.
            chain_gate.has_history(store)
        elif keys.group is None:
            _check_device_vouched(log, keys, invite_token.group)
            _take_group_profile(home, log, config)
        else:
            # The group names the group whose node made the token. A token that does not say (made
            # before 2026-12-04, or by a device without the group key) names one only if one alone
            # vouched: otherwise it could be a member that vouched first (`solnet accept` then).
            vouched = log.trust.admissions_of(invite_token.group)
            admitters = ([invite_token.admitter] if invite_token.admitter
                         else sorted(vouched) if len(vouched) == 1 else [])
            if not set(admitters) <= vouched:
                raise MembershipError("the invite does not admit this group (it holds no vouch by the group that "
                                      "made it: it is damaged, or was made wrongly); ask for a new one")
            if admitters:
                accept_admitters(log, keys, admitters)
            admit_own_device(log, keys, config)
        with store.write():
            for address in invite_peers(invite_token):
                store.save_peer(address, "config")
    except BaseException:
        # Kept if this join (or the one it takes up) signed here: those seqs must not be signed again.
        # Signing comes only after the decision not to join again as before; a home joining again
        # signs nothing, and its own events the invite carried come again from peers.
        keep = started is not None and started.get("rejoin") is False and _signed_here(store, keys)
        store.close()
        if not keep:
            _remove_database(home)  # nothing signed by this join in it: the next join starts afresh
        raise
    config = home.config()  # a further device may have taken its group's name above
    config.network_id = log.network_id.hex()
    home.save_config(config)
    with store.write():
        store.set_meta(JOIN_META, b"{}")
    return log



