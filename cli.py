"""The `solnet` command: parses arguments, calls the node, prints for people (node/render.py) or,
with --json, for scripts; maps every error to a sentence and an exit code in one place.

Exit codes (solnet_errors.py; the README's table): 0 done; 1 refused (the command was understood
but what it asks is refused: an event's fields, an unknown id, a damaged or foreign file, a peer
that cannot be reached); 2 usage (unknown command or option, a missing argument, an option value
of the wrong form); 3 the home or keystore is not usable (not set up, not joined, the passphrase,
a node already running on it); 4 storage failure (disk full, damaged database); 130 interrupted
before the command finished (`run` and `demo` exit 0 when Ctrl-C stops them: that is how they end).
"""
from __future__ import annotations

import argparse
import errno
import json
import os
import re
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from crypto.errors import CryptoError, DecryptionFailed, InvalidKey, WrongPassphrase
from crypto.short_ids import MIN_ID_PREFIX_HEX
from events.errors import InvalidEvent
from solnet_errors import (EXIT_HOME, EXIT_INTERRUPTED, EXIT_REFUSED, EXIT_STORAGE, EXIT_USAGE, SolnetError,
                           UsageError)

if TYPE_CHECKING:
    from crypto.keystore import NodeKeys
    from node import audience
    from node.home import Home
    from node.invite import Invite
    from node.log import EventLog

# The rest of solnet is imported by the commands that use it, where they use it: `solnet --help`,
# `status`, `ls` and a `publish` the running node signs (node/admin_channel.py) start without the
# network stack, the keystore's key derivation or the sync package (tests/integration/test_cli_imports.py).

TO_HELP = ("share it only with this group (its name or id; repeatable): the whole event is encrypted to their "
           "devices and yours, and other nodes see only that this device published something")
SINCE_HELP = ("only events made at or after this time (2026-12-01T18:00, in this machine's time zone unless it "
              "carries an offset) or in this last span (90m, 6h, 1d)")
OFFLINE_HELP = ("sign even though this home has not synced with a peer since its node started (or for 10 min, on "
                "this copy of it): only if you are sure it holds the newest events of its keys (not restored from a "
                "backup or copied while the original published on)")
MAX_TOKEN_BYTES = 16 * 1024 * 1024  # a join token holds the group keys' chains: large, never this large
STATUS_TIMEOUT_S = 5.0  # a running node busy for longer (a large batch on a Pi): `status` reads the files itself


class CliError(SolnetError):
    """A refusal said by the command itself, with its exit code."""

    def __init__(self, message: str, code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.exit_code = code


def emit(args: argparse.Namespace, data: Any, human: str) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else human)


def home_of(args: argparse.Namespace, *, shared_ok: bool = False) -> Home:
    """The home the command works on; refused if others may write to it (node.home.Home.refuse_if_shared),
    unless `shared_ok` (the panic wipe destroys the keys wherever they are)."""
    from node.home import Home, default_home
    home = Home(Path(args.home) if args.home else default_home())
    if not shared_ok:
        home.refuse_if_shared()
    return home


def resolve_event_id(log: EventLog, text: str) -> bytes:
    from node import publishing
    return publishing.resolve_event_id(log, text)


def parse_key(text: str, what: str, log: EventLog | None = None, *, code: int = EXIT_REFUSED) -> bytes:
    """A device or group id: 64 hex characters, or (with `log`) a unique prefix of a member's id."""
    from crypto.keys import PublicId
    cleaned = text.strip().rstrip("…").rstrip(".").lower()
    try:
        return bytes(PublicId.from_hex(cleaned))
    except InvalidKey:
        pass
    if log is not None and MIN_ID_PREFIX_HEX <= len(cleaned) < 64 and re.fullmatch(r"[0-9a-f]+", cleaned):
        matches = [key for key in log.trust.members if key.hex().startswith(cleaned)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise CliError(f"more than one {what} starts with {cleaned}; give more characters", code)
        raise CliError(f"no {what} starting with {cleaned} in this network (`solnet view groups` lists the groups)",
                       code)
    hint = f" or at least its first {MIN_ID_PREFIX_HEX}" if log is not None else ""
    raise CliError(f"{text[:80]!r} is not a {what}: give its 64 hex characters{hint}, as `solnet status` or "
                   "`solnet view groups` print them", code)


def option_names(message: str, names: list[str]) -> str:
    """Messages from the node name inputs as the API does ('starts_at', field 'title'); said here as
    the options a person typed (--starts-at, --title)."""
    def flag(match: re.Match[str]) -> str:
        name = match.group(1)
        return "--" + name.replace("_", "-") if name in names else match.group(0)

    return re.sub(r"(?:field )?'([a-z_]+)'", flag, message)


# --- commands: membership ------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> int:
    from node.home import HomeError, read_passphrase
    from node import membership
    from node.words import isolated
    home = home_of(args)
    if home.exists() and args.new_network and not args.device_of and _prepared_only(home):
        return _found_with_prepared(args, home)
    if home.exists():
        raise HomeError(f"{home.path} already holds a node; choose another --home, or remove that folder if you "
                        "mean to start over")
    if home.db_path.exists():
        raise HomeError(home.wiped_text())
    if args.device_of:
        return _init_device(args, home)
    missing = [flag for flag, value in (("--group NAME", args.group), ("--region REGION", args.region)) if not value]
    if missing:
        raise UsageError(f"init needs {' and '.join(missing)} (e.g. --group Calais --region calais); a further device "
                         "of an existing group takes --device-of GROUP_ID instead")
    _check_profile(args.group, args.region)
    config, keys = membership.prepare_group(home, args.group, args.region, read_passphrase(confirm=True))
    out: dict[str, Any] = {"group_id": config.group_id, "device_id": config.device_id,
                           "encryption_key": config.device_encryption_key, "home": str(home.path)}
    if args.new_network:
        log = membership.found_network(home, config, keys, args.network_name or f"{args.group} network")
        out["network_id"] = log.network_id.hex()
        # names set apart (node.words.isolated): "GROUP network", the default, holds the group's own name
        human = (f"Founded the network {isolated(repr(log.genesis.name))} with {isolated(args.group)} as its first group.\n"
                 f"  network id: {out['network_id']}\n  group id:   {config.group_id}\n"
                 f"Next: give another group an invite with `solnet invite THEIR_GROUP_ID --out invite.txt`.")
    else:
        human = (f"Prepared {args.group} ({config.region}). Send this group id to a member group and ask for an "
                 f"invite:\n  {config.group_id}\n(`solnet id` prints it again.) Then run `solnet join invite.txt`.")
    emit(args, out, human)
    return 0


def _prepared_only(home: Home) -> bool:
    """Whether `home` holds a group's keys that are in no network yet (`init` without --new-network):
    what a home that has not joined is told it may do, found a network, it then can, with those keys."""
    from node import membership
    config = home.config()
    return config.holds_group_key and config.network_id is None and (
        not home.db_path.exists() or membership.founding_cut_short(home))  # (a founding cut short: found again)


def _found_with_prepared(args: argparse.Namespace, home: Home) -> int:
    """`init --new-network` on a home prepared by `init` without it: found the network with the
    group key made then (same group, same region), rather than refuse as a home already in use."""
    from node import membership
    from node.words import isolated
    config = home.config()
    for option, given, prepared in (("--group", args.group, config.group_name),
                                    ("--region", (args.region or "").strip().lower() or None, config.region)):
        if given is not None and given != prepared:
            raise UsageError(f"{home.path} was prepared for {config.group_name} ({config.region}), not {option} "
                             f"{given!r}: give it as prepared to found the network with this group, or use another "
                             "--home for another group")
    log = membership.found_network(home, config, home.keys(), args.network_name or f"{config.group_name} network")
    human = (f"Founded the network {isolated(repr(log.genesis.name))} with {isolated(config.group_name)} (prepared in {home.path}) as its "
             f"first group.\n  network id: {log.network_id.hex()}\n  group id:   {config.group_id}\n"
             f"Next: give another group an invite with `solnet invite THEIR_GROUP_ID --out invite.txt`.")
    emit(args, {"group_id": config.group_id, "device_id": config.device_id, "encryption_key":
                config.device_encryption_key, "home": str(home.path), "network_id": log.network_id.hex()}, human)
    return 0


def _check_profile(group: str | None, region: str | None) -> None:
    """The group's name and region, checked before anything is written; errors name the options."""
    from events.kinds import KINDS
    for option, name, value in (("--group", "name", group), ("--region", "region", region)):
        if value is not None:
            try:
                KINDS["group.profile"].field(name).check(value.strip().lower() if name == "region" else value)
            except InvalidEvent as exc:
                raise CliError(f"{option}: {exc.args[0]}") from None
            except ValueError as exc:
                raise CliError(str(exc).replace(f"field '{name}'", option)) from None


def _init_device(args: argparse.Namespace, home: Home) -> int:
    """`init --device-of GROUP_ID`: a further device of an existing group (no group key here). Its
    group's name and region come with the token it joins with."""
    from crypto.keys import short_id
    from node.home import read_passphrase
    from node import membership
    if args.new_network:
        raise UsageError("--device-of makes a further device of an existing group; it cannot found a network")
    group = parse_key(args.device_of, "group id", code=EXIT_USAGE)
    _check_profile(args.group, args.region)
    config, keys = membership.prepare_device(home, group, args.group, args.region, read_passphrase(confirm=True))
    request = membership.device_request(config, keys)
    emit(args, {"group_id": config.group_id, "device_id": config.device_id,
                "encryption_key": config.device_encryption_key, "device_request": request, "home": str(home.path)},
         f"Prepared a new device (device id {short_id(config.device_id)}) of group {short_id(config.group_id)}. "
         f"On your group's main node (the one holding the group key) run:\n  solnet vouch {request} --out device.txt "
         f"--name \"phone 2\"\n(--name: a label every member sees beside the device's id, never a person's name; add "
         f"--peer HOST:PORT, that node's address, for this device to sync from it), "
         f"then bring device.txt here and run `solnet join device.txt`. (`solnet id --request` prints the "
         "request again.)")
    return 0


def cmd_id(args: argparse.Namespace) -> int:
    """This node's group id (what another group needs to invite it), or its device id, or the
    request of a further device that has not joined yet, or of one solnet 0.1 certified without its
    consent (its signed consent needs the keys)."""
    home = home_of(args)
    config = home.config()
    if args.request:
        from node import membership
        from node.home import HomeError
        # (a device certified by solnet 0.1, without its consent, is vouched for again with it)
        again = False
        if home.db_path.exists():
            try:
                again = membership.certified_without_consent(home.log(), bytes.fromhex(config.device_id))
            except HomeError:  # (a join cut short: the refusals below say what it needs)
                pass
        if config.holds_group_key and not again:
            raise CliError("this node holds its group's key: it needs no device request (`solnet id` prints the "
                           "group id another group invites)")
        if home.db_path.exists() and not again:
            raise CliError("this device already joined its group's network: it needs no request any more")
        request = membership.device_request(config, home.keys())
        emit(args, {"group_id": config.group_id, "device_id": config.device_id, "device_request": request}, request)
        return 0
    value = config.device_id if args.device else config.group_id
    emit(args, {"group_id": config.group_id, "device_id": config.device_id}, value)
    return 0


def cmd_vouch(args: argparse.Namespace) -> int:
    """Certify a further device of this group (a device request) or admit a group (a group id)."""
    from crypto.keys import short_id
    from crypto.keystore import write_private_file
    from node import membership
    home = home_of(args)
    log = home.log()
    out = Path(args.out)
    if not out.name or out.is_dir():  # ('' and '.' name a folder: nothing was vouched yet)
        raise CliError(f"--out {args.out!r} names no file: give the path of a file to write the token to, "
                       "such as invite.txt")
    refuse_output_place(home, out, "--out", "invite.txt")
    if not out.parent.is_dir():
        raise CliError(f"cannot write the token to {out}: the folder {out.parent} does not exist")
    peers = [parse_address(p) for p in args.peer or []]  # refused now, not when the joiner dials
    request = membership.parse_device_request(args.id, bytes.fromhex(home.config().group_id))
    again = False  # a device certified without its consent (solnet 0.1), vouched for again with it
    if request is None:
        subject = parse_key(args.id, "group id or device request")
        own_group = bytes.fromhex(home.config().group_id)
        keys = _keys_to_sign(home, "vouch") if membership.admission_needed(log, own_group, subject) else None
        if keys is not None:
            wait_until_caught_up(log, args.offline)
        token, already = membership.invite(log, keys, subject, peers, own_group,
                                           offline=args.offline)
        what, note = f"group {short_id(subject)}", "That group is already a member; this is a fresh copy of its invite."
        named = log.trust.accepted_by(subject)
        if named and own_group not in named:
            note = (f"That group is already a member and named other groups as those it joined through: this "
                    f"group's vouch counts only once it runs `solnet accept {own_group.hex()}` (a home joining "
                    "again after losing its database can use this token as it is).")
    else:
        subject = request.device
        keys = _keys_to_sign(home, "vouch")
        wait_until_caught_up(log, args.offline)
        again = request.consent is not None and membership.certified_without_consent(log, subject)
        token, already = membership.vouch_device(log, keys, request, peers,
                                                 name=args.name, offline=args.offline)
        what = f"device {short_id(subject)} of your group"
        note = "That device is already certified; this is a fresh copy of its token."
    try:
        write_private_file(out, token.encode().encode("utf-8"))  # it names the network and its peers' addresses
    except OSError as exc:
        raise CliError(f"cannot write the token to {out}: {exc.strerror}; the vouch is made, run the "
                       "same command again with another --out") from None
    emit(args, {"out": args.out, "subject": subject.hex(), "role": "group" if request is None else "device",
                "group_id": subject.hex() if request is None else token.group.hex(),
                "network_id": log.network_id.hex(), "already_member": already},
         (note + "\n" if already else "") + f"Vouched for {what}: wrote its join token to {args.out}.\n"
         + (f"Take it there; they run `solnet join {args.out}`." if not again else
            "That device was certified without its consent (solnet 0.1); this vouch carries it. "
            + ("It is this node's own device: nothing more to do." if subject.hex() == home.config().device_id else
               "The device has joined already: it learns of the vouch at its next sync, and needs no token.")))
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    """`invite GROUP_ID`: the older name of `vouch GROUP_ID` (admit a group)."""
    args.id, args.name = args.group_id, None
    return cmd_vouch(args)


def cmd_revoke(args: argparse.Namespace) -> int:
    from crypto.keys import short_id
    from node import membership, render
    home = home_of(args)
    log = home.log()
    subject = parse_key(args.id, "device or group id", log)
    if args.from_seq is not None and args.from_seq < 1:
        raise UsageError("--from-seq is 1 or more (1: everything the key ever signed)")
    keys = _keys_to_sign(home, "revoke")
    wait_until_caught_up(log, args.offline)
    names = group_names(log)  # before: a group revoked from seq 1 takes its profile out of the log with it
    lost = _what_leaving_strands(args, log, home.config(), subject)
    done = membership.revoke(log, keys, subject, from_seq=args.from_seq, reason=args.reason, offline=args.offline,
                             pin=args.pin)
    if done.role == "device":
        what = f"device {short_id(subject)} of {names.get(done.group, 'group ' + short_id(done.group))}"
        effect = f"its events from seq {done.from_seq} on are refused and taken out of the log{KEPT_ASIDE}"
        if done.pinned:
            effect += (f". Pinned: what it signed up to seq {done.from_seq - 1} stays as this node holds it, and an "
                       "event signed below that with a copy of its key (a seized phone) is refused everywhere")
        elif done.held_to is not None and done.from_seq > 1:
            effect += (f". NOT pinned: this node holds its events only up to seq {done.held_to}, so a copy of its key "
                       f"can still sign seq {done.held_to + 1} to {done.from_seq - 1} as if it were the device. Sync "
                       f"with a node that holds them and revoke again, or revoke from seq {done.held_to + 1}")
        if done.signed_by == "group" or membership.group_signs_next(log, done.group):
            effect += _newest_that_stay(log, subject)  # (a device cannot revoke itself lower: a group key can)
    else:
        what = " ".join(filter(None, ("group", names.get(subject), short_id(subject))))
        effect = _group_revocation_effect(log, done, leaving=subject.hex() == home.config().group_id)
    config = home.config()
    if done.role == "group" and subject.hex() == config.group_id:  # this group left the network
        signs = ("its key signs nothing more" if done.from_seq == done.event.seq + 1 else
                 f"its key can still sign seq {done.event.seq + 1} to {done.from_seq - 1} (a device it certifies there "
                 f"is a member: revoke the group again, from seq {done.event.seq + 2}, to end that)")
        after = (f"This node took {render.plural(done.purged, 'of its events', 'of its events')} out of its log. "
                 f"This group has left the network: {signs}, and once "
                 + (f"these revocations ({short_id(done.event.id)} and those of its devices) reach"
                    if done.devices else f"this revocation ({short_id(done.event.id)}) reaches")
                 + " its peers, no node links with this one. To come back, the group makes a new group key in a new "
                   "home (`solnet init --group NAME --region REGION`) and is invited afresh with the id that prints.")
    elif subject.hex() == config.device_id:  # as a device may (retired, a restored backup), or by mistake
        after = (f"This node took {render.plural(done.purged, 'of its events', 'of its events')} out of its log. This "
                 f"is this node's own device: from seq {done.from_seq} nothing it signs counts, and once the revocation "
                 f"({short_id(done.event.id)}) reaches its peers, no node links with this one. "
                 + _after_own_device(log, bytes.fromhex(config.group_id), subject))
    else:
        after = (f"This node took {render.plural(done.purged, 'of its events', 'of its events')} out of its log and "
                 f"refuses it as a peer; every node that receives this revocation ({short_id(done.event.id)}) does the "
                 "same, and drops its links.")
    admitted = log.trust.still_admitted_by(subject)  # its past admissions stay (design rule 8): say which
    emit(args, {"id": done.event.id.hex(), "subject": subject.hex(), "role": done.role, "group": done.group.hex(),
                "from_seq": done.from_seq, "signed_by": done.signed_by, "purged_here": done.purged,
                "pinned": done.pinned,
                "devices_revoked": [{"id": d.event.id.hex(), "subject": d.subject.hex(), "from_seq": d.from_seq,
                                     "pinned": d.pinned} for d in done.devices],
                "lost": lost or None,
                "admitted_still_members": [{"group": g.hex(), "name": names.get(g), "vouched_at_seq": seq,
                                            "by_device": device.hex() if device else None}
                                           for g, seq, device in admitted]},
         f"Revoked {what} from seq {done.from_seq} (signed by this node's {done.signed_by} key): {effect}.\n{after}"
         + _admitted_that_stay(admitted, names, done, own=subject.hex() in (config.group_id, config.device_id))
         + (f"\n{lost}" if lost else ""))
    return 0


def _what_leaving_strands(args: argparse.Namespace, log: Any, config: Any, subject: bytes) -> str:
    """Revoking this node's own device or group strands what it signed and no peer holds yet (an
    all clear given with no node running), and its group's live alerts, for good: refused unless
    `--anyway`, then what was not sent and what stays live, to say after (node/own_delivered.py). "" for
    any other key."""
    from node import own_delivered
    from node.clock import now_ms
    leaving = subject.hex() == config.group_id
    if not leaving and subject.hex() != config.device_id:
        return ""
    rows, alerts = own_delivered.stranded(log, bytes.fromhex(config.device_id),
                                          subject if leaving else None, now_ms())
    if not (rows or alerts):
        return ""
    if not args.anyway:
        raise CliError(own_delivered.refusal(rows, alerts, "this group leaving the network" if leaving
                                             else "revoking this node's own device"))
    return own_delivered.lost(rows, alerts)


def _after_own_device(log: Any, group: bytes, device: bytes) -> str:
    """What comes after this node's device revoked itself: a new device of the group, or, where the
    group key signs nothing more (it left the network, or was revoked), a new group, and which of
    its devices still sign."""
    from node import membership
    if membership.group_signs_next(log, group):
        return f"To go on, make a new device of your group (`solnet init --device-of {group.hex()}` in a new home)."
    return ("Your group's key signs nothing more, so it certifies no new device: to come back, the group makes a new "
            "group key in a new home (`solnet init --group NAME --region REGION`) and is invited afresh with the id "
            "that prints" + membership.still_signing_text(log, group, device, but=device) + ".")


def _group_revocation_effect(log: Any, done: Any, *, leaving: bool) -> str:
    """What a group's revocation does, in words true of its devices (design rule 8, "past acts
    stay": a group revoked from seq n keeps the devices it certified before n). A group leaving (it
    revoked itself) revoked its devices first; revoked from seq 1 it takes them all; from a seq
    above, by its admitter, those certified before stay members and can still sign."""
    from crypto.keys import short_id
    from node import render

    effect = (f"its events from seq {done.from_seq} on, and those of the devices it certified from then on, are "
              f"refused and taken out of the log{KEPT_ASIDE}")
    if leaving and not done.devices:
        return f"the group has left the network (no device of it was still a member): {effect}"
    if leaving:
        one = len(done.devices) == 1
        revoked = ", ".join(f"device {short_id(d.subject)} from seq {d.from_seq}"
                            + (" (not pinned)" if d.from_seq > 1 and not d.pinned else "") for d in done.devices)
        return (f"the group has left the network. First its {render.plural(len(done.devices), 'device')} still a "
                f"member {'was' if one else 'were'} revoked from {'its' if one else 'their'} next event ({revoked}): "
                f"{'it signs' if one else 'they sign'} nothing more, and what {'it' if one else 'they'} signed before "
                f"stays. Then the group key: {effect}; what it signed before stays")
    kept = log.trust.unrevoked_devices_of(done.subject)
    if not kept:
        return f"{effect}; its devices can no longer connect to any node"
    they = "it is still a member" if len(kept) == 1 else "they are still members"
    return (f"{effect}. What it signed before seq {done.from_seq} stays, and with it its "
            f"{render.plural(len(kept), 'device')} certified before ({', '.join(short_id(d.key) for d in kept)}): "
            f"{they}, can still sign and connect. To cut them off too, revoke the group from seq 1 (the default: "
            f"`solnet revoke {done.subject.hex()}`)")


# What a revocation does to the events it takes out (README "Privacy, revocation and seizure"): not
# deleted at once, as 'deleted' said, but kept aside, so that a revocation found void gives them back.
KEPT_ASIDE = " (kept aside for 90 days, out of every view and never sent to peers, in case the revocation is found void)"


def _admitted_that_stay(admitted: list[tuple[bytes, int, bytes | None]], names: dict[bytes, str], done: Any, *,
                        own: bool = False) -> str:
    """The groups the revoked key admitted before the seq it is revoked from: past acts stay, so
    each is still a member, with its devices, until revoked itself. A device can admit a group, so
    an informer's device can leave a puppet group behind; a device's group is that group's admitter
    and can revoke it, a revoked group's admissions end only by revoking that group lower. A group's
    devices certified before its revocation point stay members, and so do the groups they admitted:
    named with the device and the seq the group certified it at (revoking the group from there or
    lower takes the device, and so its admissions, away).

    `own`: this node's own group leaving the network, or its own device revoked. The groups it
    admitted staying is then what a leaving group expects, not a threat, and no revocation to cut
    them off can follow (a key that left signs nothing more): said plainly, with nothing to do."""
    from crypto.keys import short_id
    from node import render

    if not admitted:
        return ""
    one = len(admitted) == 1
    listed = "; ".join((f"{names[g]} ({short_id(g)})" if names.get(g) else f"group {short_id(g)}")
                       + (f", admitted by its device {short_id(device)} (certified at seq {seq})" if device
                          else f", admitted at seq {seq}") for g, seq, device in admitted)
    by_devices = any(device for _, _, device in admitted)
    if own:
        return (f"\n{'The group' if one else f'The {len(admitted)} groups'} this key admitted "
                f"{'stays a member' if one else 'stay members'}, with {'its' if one else 'their'} devices, as before: "
                f"{listed}.")
    said = (f"\nThis key{' or its devices' if by_devices else ''} admitted "
            f"{render.plural(len(admitted), 'group')} still a member: {listed}. "
            f"{'It stays a member' if one else 'They stay members'}, with {'its' if one else 'their'} devices "
            f"(they can still sign, connect and read what is sealed to every group): revoking this key does not "
            f"revoke what it admitted before seq {done.from_seq}"
            f"{', nor what the devices it certified before then admitted' if by_devices else ''}. ")
    if done.role == "device":  # its group admitted them, so this group may revoke them
        commands = " and ".join(f"`solnet revoke {g.hex()}`" for g, _, _ in admitted)
        return said + f"If you do not know {'it' if one else 'them'}, revoke {'it' if one else 'them'} too: {commands}."
    lowest = min(seq for _, seq, _ in admitted)  # only their admitter (this group) may revoke them: revoke it lower
    return said + (f"To cut {'it' if one else 'them'} off too, revoke this group again from seq {lowest} or lower "
                   f"(`solnet revoke {done.subject.hex()} --from-seq {lowest}`).")


def _newest_that_stay(log: Any, device: bytes, shown: int = 3) -> str:
    """The revoked device's newest events that stay, with their kind and time: a thief's, signed
    after the key left its owner's hands but before the seq revoked from (the default is the
    device's next event), would stand unless the coordinator sees them and revokes lower."""
    from node.words import local_time

    kept = log.store.ids_of(device)[-shown:]
    if not kept:
        return ""
    rows = [(seq, log.store.event_row(event_id)) for seq, event_id in reversed(kept)]
    listed = ", ".join(f"seq {seq} {row.kind} signed {local_time(row.ts)}" for seq, row in rows if row is not None)
    return (f". Its newest events stay: {listed}. If the key left your hands before one of them, revoke it again "
            f"from that seq (`solnet revoke {device.hex()} --from-seq N`)")


def cmd_accept(args: argparse.Namespace) -> int:
    from crypto.keys import short_id
    from node import membership
    home = home_of(args)
    log = home.log()
    own = bytes.fromhex(home.config().group_id)
    member = log.trust.member(own)
    vouched = sorted(log.trust.admissions_of(own))
    names = group_names(log)
    if args.group_id:
        groups = [parse_key(text, "group id", log) for text in args.group_id]
    elif member is not None and member.role == "group" and not member.admitters:
        raise CliError("this is a founding group: it joined through no one, and no vouch can admit it")
    elif len(vouched) == 1:
        groups = vouched
    elif vouched:  # one of them may be a member that vouched first: the coordinator says which invited us
        listed = "; ".join(" ".join(filter(None, (names.get(g), g.hex()))) for g in vouched)
        raise CliError(f"several groups vouched for this group: {listed}. Name the one that invited yours: "
                       "`solnet accept GROUP_ID`")
    else:
        raise CliError("no group's vouch for this group is here (sync first); then `solnet accept GROUP_ID` "
                       "with the id of the group that invited yours")
    keys = _keys_to_sign(home, "accept")
    wait_until_caught_up(log, args.offline)
    new = membership.accept_admitters(log, keys, groups)
    named = sorted(log.trust.accepted_by(own))
    listed = ", ".join(" ".join(filter(None, (names.get(g), short_id(g)))) for g in named)
    human = (f"Named {len(new)} group(s) this group joined through. " if new else "Nothing new to name. ") + (
        f"From now on only the vouches of {listed} admit this group: a member nearer the founders can no longer "
        "take it over by vouching for it.")
    emit(args, {"named_now": [g.hex() for g in new], "named": [g.hex() for g in named]}, human)
    return 0


MAX_NAME_SHOWN = 160  # characters of a file name echoed back in a refusal


def read_token(path: str) -> str:
    """The text of a join token file, or a refusal that says what the file is instead."""
    from crypto.stream import MAGIC as SEALED_MAGIC
    from node.bundle import MAGIC as BUNDLE_MAGIC
    from node.invite import PREFIX
    if PREFIX in path:  # the invite's text pasted (it comes by Signal, with words around it): not echoed back
        raise CliError("that is the invite itself, not the name of its file: paste it into a file (invite.txt, with a "
                       "text editor) and run `solnet join invite.txt`. It names the addresses of the inviter's nodes: "
                       "keep it off the command line, which other users of this machine see while it runs")
    # (a name this long is no file's: not echoed whole, it may be a message's text)
    shown = path if len(path) <= MAX_NAME_SHOWN else f"{path[:MAX_NAME_SHOWN // 4]}… ({len(path)} characters)"
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_TOKEN_BYTES + 1)
    except IsADirectoryError:
        raise CliError(f"{shown} is a folder; give the invite file (`solnet invite` or `solnet vouch` "
                       "wrote it)") from None
    except OSError as exc:
        raise CliError(f"cannot read the invite {shown}: {exc.strerror}") from None
    if raw.startswith((BUNDLE_MAGIC, SEALED_MAGIC)):
        raise CliError(f"{shown} is a bundle of events (made by `solnet export`), not an invite: join with the invite "
                       "file a member group gave you, then bring the bundle in with `solnet import`")
    if len(raw) > MAX_TOKEN_BYTES:
        raise CliError(f"{shown} is far too large to be an invite; give the file `solnet invite` or "
                       "`solnet vouch` wrote")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CliError(f"{shown} is not an invite (not text); give the file `solnet invite` or `solnet vouch` "
                       "wrote") from None


def cmd_join(args: argparse.Namespace) -> int:
    import shlex
    from crypto.keys import short_id
    from node import membership
    from node.invite import decode_invite
    from node.words import isolated
    home = home_of(args)
    config = home.config()
    token = decode_invite(read_token(args.token))
    if token.group.hex() != config.group_id:
        raise CliError(f"this invite admits group {short_id(token.group)}, but this node's group is "
                       f"{short_id(config.group_id)}; ask the inviter to run `solnet invite {config.group_id}`")
    # The network this home was in before its database was lost, if any (a join cut short and taken
    # up again says what it was when it began; a second join is refused by membership.join)
    started = membership.join_under_way(home) if home.db_path.exists() else None
    was_in = config.network_id if started is None else started.get("was_in")
    try:
        log = membership.join(home, token, _keys_to_sign(home, "join"))
    except membership.AlreadyJoined:
        return _joined_before(args, home, token)
    config = home.config()  # a further device learnt its group's name and region from the token
    peers = membership.invite_peers(token)
    inviter = membership.inviter_name(log, token, for_device=not config.holds_group_key)
    who = isolated(config.group_name) if config.holds_group_key else f"This device of {isolated(config.group_name)}"
    human = f"{who} joined the network {isolated(repr(log.genesis.name))} ({short_id(log.network_id)})."
    if was_in == log.network_id.hex():
        human += ("\nIt was in this network before: nothing was signed now, and it publishes only after a "
                  "complete sync (`solnet sync PEER` or `solnet run`) has brought its own events back.")
    elif was_in is not None:  # its database was lost, and this invite is of another network
        human += (f"\nWARNING: this home was in the network {was_in[:12]}… before its database was lost. Its events "
                  "there stay in that network; this home now syncs with this one only. If this invite was not "
                  "meant for it, do not run this node: move the new solnet.db aside and join with an invite of your "
                  "own network.")
    named = log.trust.accepted_by(token.group) if config.holds_group_key else set()
    if named:
        names = group_names(log)
        human += "\nIt names " + ", ".join(f"{isolated(names.get(g, 'group'))} ({short_id(g)})" for g in sorted(named)) + (
            " as the group it joined through: only that group's vouch admits it.")
    elif config.holds_group_key and was_in != log.network_id.hex():
        human += ("\nWARNING: the invite does not say which group made it, and several vouched for yours: run "
                  "`solnet accept GROUP_ID` with the id of the group that invited yours.")
    if peers:
        # An invite's addresses are whatever its maker typed after --peer (another group's node, a relay):
        # nothing here checked whose node answers there, so they are not called the inviter's.
        nodes, them = ("node", "it") if len(peers) == 1 else ("nodes", "them")
        human += (f"\nIt will sync with the {nodes} at {', '.join(peers)} once it runs "
                  f"(`solnet run`): {inviter}'s invite names {them}. `solnet peers` lists {them}, with the group of "
                  "the node that answers there once one has.")
    else:
        human += ("\nThe invite names no node to sync with: ask the inviter for an address and add it with "
                  "`solnet peers add HOST:PORT`, then `solnet run`.")
    # (a seized laptop's invite.txt, beside the wiped home, still said where the inviter's nodes are)
    holds = ("names the nodes it came with (their addresses)" if peers else
             "holds the network's trust chain (which groups vouched for which)")
    human += (f"\nThe invite file {args.token} is of no more use and {holds}: "
              f"destroy it (shred -u {shlex.quote(args.token)}); a wipe of this home cannot reach it.")
    emit(args, {"network_id": log.network_id.hex(), "group_id": config.group_id, "peers": peers,
                "named": sorted(g.hex() for g in named), "already_joined": False,
                "inviter": inviter, "was_in_network": was_in if was_in != log.network_id.hex() else None}, human)
    warn_of_onions(args, peers)
    return 0


def _joined_before(args: argparse.Namespace, home: Home, token: Invite) -> int:
    """`join` of a home whose join finished, with an invite of its network: nothing to do, a success.
    It names the invite's addresses this home does not sync with (the inviter's node moved, say):
    adding them is the user's choice, not done behind their back (one may have been removed)."""
    from crypto.keys import short_id
    from node import membership, render
    log = home.log()
    try:
        kept = {row.address for row in log.store.peer_rows()}
        name, network = log.genesis.name, log.network_id
    finally:
        log.store.close()
    missing = [address for address in membership.invite_peers(token) if address not in kept]
    human = (f"This node has already joined the network {render.isolated(repr(name))} ({short_id(network)}): nothing more to do. Start "
             "it with `solnet run` (`solnet status` says how it stands).")
    if missing:
        human += (f"\nThe invite names {render.plural(len(missing), 'address', 'addresses')} this node does not sync "
                  f"with: {', '.join(missing)}; `solnet peers add ADDRESS` adds one.")
    emit(args, {"network_id": network.hex(), "group_id": home.config().group_id, "already_joined": True,
                "peers_not_kept": missing}, human)
    return 0


# --- commands: events ----------------------------------------------------------------------------
PUBLIC_UPDATE = ("This update is public, as its alert is: it shows under the alert on the public alert page "
                 "(/public/alerts) and in its Atom feed of every node that serves them, where anyone reads it "
                 "without logging in. Put nothing there that identifies anyone; to take it back: solnet redact ID.")


def cmd_publish(args: argparse.Namespace) -> int:
    from events.kinds import YES_NO
    from events.sealed import SEALABLE
    from node.kind_input import CASE_NOTE_KINDS, PRIVATE_FIELD, PublishError, kind_by_name, typed_fields
    from node import stdin_values
    from node.known_regions import NewRegion
    if not args.kind:
        from node import render

        raise UsageError("publish needs a KIND.\nsolnet publish KIND --field value ...: sign and store an event. "
                         "`solnet publish KIND --help` lists a kind's fields. The kinds:\n" + render.kinds_text())
    try:
        kind = kind_by_name(args.kind)
    except PublishError:
        try:
            known_kind(args.kind)
        except argparse.ArgumentTypeError as exc:  # a kind of the wrong form is a usage error (exit 2)
            raise UsageError(str(exc)) from None
        raise
    parser = QuietParser(prog=f"solnet publish {kind.name}", add_help=False)
    for name in typed_fields(kind):
        spec = kind.field(name)
        switch = spec is not None and spec.choices == YES_NO  # `--public` alone says yes
        parser.add_argument("--" + name.replace("_", "-"), dest=name, **({"nargs": "?", "const": "yes"} if switch else {}))
    parser.add_argument("--expires-in", dest="_expires_in")
    parser.add_argument("--as", dest="_signer", default=None)
    parser.add_argument("--json", dest="_json", action="store_true")
    parser.add_argument("--offline", dest="_offline", action="store_true")
    if kind.field("region") is not None:
        parser.add_argument("--new-region", dest="_new_region", action="store_true")
    if kind.name == "support.share":  # it carries the request's own details (node/request_shares.py)
        parser.add_argument("--to", dest="_to", action="append", help=SHARE_TO_HELP)
    elif kind.field(PRIVATE_FIELD) is not None:
        parser.add_argument("--private", dest="_private", help="details that identify anyone: encrypted")
        parser.add_argument("--to", dest="_to", action="append", help=PRIVATE_TO_HELP)
    elif kind.name in SEALABLE:
        parser.add_argument("--to", dest="_to", action="append", help=TO_HELP)
    if kind.name in CASE_NOTE_KINDS:
        parser.add_argument("--public-note", dest="_public_note", action="store_true",
                            help="the --note may be read by every node (case details go in --private)")
    options, unknown = parser.parse_known_args(args.rest)
    args.json = args.json or options._json
    names = typed_fields(kind)
    if unknown:
        flags = ", ".join("--" + name.replace("_", "-") for name in names)
        raise UsageError(f"unknown option {unknown[0][:60]!r} for {kind.name}; its fields are: {flags}")
    home = home_of(args)
    texts = {name: getattr(options, name) for name in names if getattr(options, name) is not None}
    private = getattr(options, "_private", None)
    read_to: list[str] = []
    takes_to = "--to" in parser._option_string_actions
    dashed = [*names, *(["_private"] if kind.field(PRIVATE_FIELD) else []), *(["_to"] if takes_to else [])]
    if order := stdin_values.dashed(args.rest, dashed, parser._option_string_actions):
        # `--private -`, `--place -`, `--to -`: read here, kept off the command line (node/stdin_values.py says why)
        from node.no_core_dump import forbid_core_dumps

        forbid_core_dumps()  # and out of a core file: typed at a prompt for minutes, then held while a node signs
        try:
            read = stdin_values.read_values(order, "_private", sys.stdin, sys.stderr if sys.stdin.isatty() else None,
                                            many=("_to",))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        private = read.pop("_private", private)
        read_to = read.pop("_to", [])
        texts.update(read)
        from node.home import stdin_taken

        stdin_taken()  # (the passphrase, if one is needed, is asked on the terminal: node/home.py)
    to = stdin_values.filled(getattr(options, "_to", None) or [], read_to)
    public_note = getattr(options, "_public_note", False)
    empty_private = private is not None and not private.strip()
    # A node running on this home signs it at once: it holds the unlocked keys (no passphrase here).
    from node.words import local_zone_name

    new_region = getattr(options, "_new_region", False)

    def sign_here(log: EventLog) -> dict[str, Any]:  # no node runs: sign here, after unlocking the keystore
        from node import publishing

        if empty_private:
            raise CliError("the private details (--private) are empty")
        wait_until_caught_up(log, options._offline, node_takes_it=True)
        unlocked: list[Any] = []

        def keys() -> Any:  # unlocked once, when first needed (a typo in the input costs no passphrase)
            if not unlocked:
                unlocked.append(_keys_to_sign(home, "publish"))
            return unlocked[0]

        from node.delivery_twice import twice_recorded
        from node.past_action import as_moved_by

        told: dict[str, Any] = {}  # (the groups `to` named, as resolved for sealing: "readers")
        event = publishing.publish(log, keys, kind.name, texts, expires_in=options._expires_in,
                                   signer=options._signer, private=private, to=to, offline=options._offline,
                                   public_note=public_note, check_region=not new_region,
                                   home_region=lambda: home.config().region, told=told)
        from node import revoked_here

        return {"id": event.id.hex(), "seq": event.seq, "refused_as_revoked": revoked_here.load(log.store),
                "public": kind.name == "alert.update" and publishing.public_alert(log, texts.get("alert")),
                "alert_ends": publishing.alert_end(log, event),
                "peers": int(log.store.has_peers()),
                "referral": publishing.referral_advice(log, kind.name, texts, to, keys),
                "twice": twice_recorded(log, event) if kind.name == "need.fulfil" else None,
                "behind": publishing.behind_a_step_stamped_ahead(log, event),
                "moved": as_moved_by(log, event) if kind.name == "action.update" else None,
                "readers": told.get("readers")}

    def signed() -> tuple[dict[str, Any], bool]:
        return signed_here_or_by_node(home, None if empty_private else {
            "op": "publish", "kind": kind.name, "texts": texts, "expires_in": options._expires_in,
            "signer": options._signer, "private": private, "to": to, "offline": options._offline,
            "public_note": public_note, "time_zone": local_zone_name(), "new_region": new_region}, sign_here)

    try:
        try:
            done, by_node = signed()
        except NewRegion as exc:
            if not new_region_meant(exc, args.json):
                raise
            new_region = True
            done, by_node = signed()
    except NewRegion as exc:  # no terminal to ask at (a script), or not confirmed there
        raise CliError(new_region_refusal(exc)) from None
    except PublishError as exc:
        message = str(exc).replace("confirm that this note may be public", "add --public-note if it may be public")
        message = message.replace("Put case details in the private part", "Put case details in --private")
        message = option_names(message, [*names, "to", "private", "as", "expires_in"])
        if exc.field in names and " needs --" in message:
            message += f" (`solnet publish {kind.name} --help` lists its fields)"
        raise CliError(message) from None
    # (`alert_ends`: when the alert itself ends, ms; None for an all clear)
    public = ({"public": bool(done.get("public")), "alert_ends": done.get("alert_ends")}
              if kind.name == "alert.update" else {})
    emit(args, {"id": done["id"], "kind": kind.name, "seq": done["seq"], **public},
         f"Published {kind.name} {done['id']}" + (f"\n{PUBLIC_UPDATE}" if done.get("public") else ""))
    if done.get("alert_ends") and not args.json:  # (its --expires-in read as the alert's new end)
        from node.publishing import alert_ends_warning
        print(alert_ends_warning(done["alert_ends"]))
    if done.get("readers") and not args.json and (readers := audience_said(kind.name, done["readers"])) is not None:
        print(readers)
    if done.get("referral") and not args.json:  # a referral to a group that cannot read the request
        print(f"Note: {done['referral']}.")
    elif private and not args.json and kind.name in ("support.claim", "support.close"):
        print(f"Its private details are sealed to the groups that can read the request, and to yours"
              f"{' and those named with --to' if to else ''}: `solnet show {done['id'][:12]}` names them.")
    if not by_node and kind.name in ("alert", "alert.update") and not args.json:
        # Signed and stored here only: whoever publishes a raid alert must not think it went out
        print("No node runs on this home: it reaches other nodes once one runs (`solnet run`), or now with "
              + ("`solnet sync PEER` (`solnet peers` lists them)." if done.get("peers", 1) else
                 "`solnet sync ADDRESS` (the address of a node of this network: this home has no peer yet).")
              if not home.node_running() else
              "The node running on this home does not take commands (its local channel is off: its log says "
              "why), so this command signed it by itself: `solnet sync PEER` sends it now.")
    elif done.get("links") == 0 and done.get("peers") == 0 and kind.name in ("alert", "alert.update") and not args.json:
        # No peer at all (none added, none dialled in): `solnet status` says so, and what to do is this
        from node.status_text import NO_PEER

        print(f"The node running on this home has {NO_PEER}; it goes out once one is linked, or now with "
              "`solnet sync PEER`.")
    elif done.get("links") == 0 and kind.name in ("alert", "alert.update") and not args.json:
        # The node holds it, but no peer is linked (a Pi whose peer is down, a Tor that is not running)
        print("The node running on this home has no link to any peer now: it goes out as soon as one is linked "
              "(`solnet status` says why there is none), or with `solnet sync PEER`.")
    warn_of_node_facts(done)  # what the running node's peers say of this machine's clock and key
    if done.get("refused_as_revoked"):  # (a peer's word, kept: the revocation has not come here)
        from node import revoked_here
        from node.words import local_time

        kept = done["refused_as_revoked"]
        print(f"warning: {revoked_here.publish_warning(kept, home.config().group_id, local_time(kept['at']))}.",
              file=sys.stderr)
    if done.get("twice"):  # the other group recorded the same delivery: published all the same
        print(f"warning: {done['twice']}", file=sys.stderr)
    if done.get("behind"):  # another device's step on the item is stamped after this one (its clock ahead)
        print(f"warning: {done['behind']}", file=sys.stderr)
    if kind.name in ("action", "action.update"):  # (its own module: a raid alert through the node loads no rendering)
        from node.clock import now_ms
        from node.past_action import past_action_warning

        if (warning := past_action_warning(kind.name, texts, done["id"], now_ms(), moved=done.get("moved"))) is not None:
            print(f"warning: {warning}", file=sys.stderr)  # published all the same: no list of actions to come shows it
    return 0


def new_region_meant(exc: Exception, json_out: bool) -> bool:
    """At a terminal, whether the person confirms a region no one follows (NewRegion `exc`) is meant:
    'calis' for calais would send a raid alert to no one. Never asked of a script (nor with --json)."""
    if json_out or not sys.stdin.isatty():
        return False
    close = getattr(exc, "close", [])
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    answer = input(f"No group is based in {getattr(exc, 'region', '')!r} and no event is placed there, so no one "
                   f"follows it{hint}. Publish there all the same, as a new region? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def new_region_refusal(exc: Exception) -> str:
    """Why a publish in an unknown region was refused, and what to do: the region as meant, or
    --new-region if it is new on purpose (a group starting in a new town)."""
    close = getattr(exc, "close", [])
    hint = f"; did you mean {' or '.join(close)}?" if close else "."
    return (f"nothing was published: no group is based in the region {getattr(exc, 'region', '')!r} and no event is "
            f"placed in it, so no one follows it{hint} Give --region as meant, or add --new-region if it is a new "
            f"region on purpose (`solnet view regions` lists the known ones)")


def audience_said(kind: str, groups: dict[str, str]) -> str | None:
    """Who can read what was just published with --to, by name, as every view will mark it: the
    author sees at once whether the groups it meant are the ones it sealed to. `groups` ({id hex:
    name}) are those the publish resolved --to to and sealed for, with their names then: nothing is
    looked up again (a profile come since would print "Published ..." and then an error, and the
    person might publish twice)."""
    from events.sealed import SEALABLE
    from node import render

    if kind not in SEALABLE and kind not in ("support.request", "support.share"):
        return None  # a case note's readers are the request's (node/publishing.py): said by show (below)
    readers = render.shared_text([bytes.fromhex(g) for g in groups], {bytes.fromhex(g): n for g, n in groups.items()})
    if kind in SEALABLE:
        return f"Shared with {readers} only: other nodes see only that this device published something."
    if kind == "support.share":
        return (f"Its private details can now be read by {readers}, besides the groups it was sealed to before: "
                "each can take it (support.claim).")
    return f"Its private details can be read by {readers} only."


def warn_of_node_facts(facts: dict[str, Any]) -> None:
    """Say on stderr what a running node's facts say of this machine's clock and key (node/words.py
    node_fact_warnings)."""
    from node.words import node_fact_warnings

    for warning in node_fact_warnings(facts):
        print(f"warning: {warning}", file=sys.stderr)


PRIVATE_TO_HELP = "a group that may read the private details: its name or id (repeatable)"
SHARE_TO_HELP = ("a group to share the request's private details with, which may then take it: its name or id "
                 "(repeatable)")


def publish_options(kind_name: str) -> dict[str, str]:
    """The options `solnet publish KIND` takes besides the kind's fields, with what each does."""
    from events.kinds import KINDS
    from events.sealed import SEALABLE
    from node.kind_input import CASE_NOTE_KINDS, PRIVATE_FIELD
    kind = KINDS[kind_name]
    options = {}
    if kind.expiry != "forbidden":
        default = f" (default {kind.default_expiry_ms // 3_600_000}h)" if kind.default_expiry_ms else ""
        options["expires-in"] = f"when it expires, such as 90m, 6h or 2d{default}"
        if kind_name == "alert.update":  # (read as the alert's new end: nothing moves that)
            options["expires-in"] = (f"how long this update is kept, such as 6h or 2d{default}; the alert's own "
                                     "end does not move: for a raid that goes on past it, publish a new alert")
    if kind_name == "support.share":
        options["to"] = SHARE_TO_HELP
    elif kind.field(PRIVATE_FIELD) is not None:
        options["private"] = ("details that identify anyone: encrypted to the recipients; give them as `-` and "
                              "type them at the prompt (or pipe them in), never on the command line")
        options["to"] = PRIVATE_TO_HELP
    elif kind_name in SEALABLE:
        options["to"] = TO_HELP
    if kind.field("region") is not None:
        options["new-region"] = ("publish in a region no group is based in and no event names yet (a group starting in "
                                 "a new town): without it such a region is refused, as a typo would reach no one")
    if kind_name in CASE_NOTE_KINDS:
        options["public-note"] = "the --note may be read by every node (case details go in --private)"
    options["as"] = "sign as 'device' (the default) or 'group' (needs the group key on this node)"
    options["json"] = "print the new event as JSON"
    options["offline"] = OFFLINE_HELP
    return options


def ask_node(home: Home, request: dict[str, Any],
             looked: Callable[[str | None], None] | None = None) -> dict[str, Any] | None:
    """The answer of the node running on `home` to `request`, through its local channel
    (node/admin_channel.py); None if no node listens there: the command then signs by itself. A
    node just started (`solnet run` a moment ago) is waited for until it serves its channel: signing
    here meanwhile refused a home that had not synced yet ("Start the node"), or said no node ran.
    `looked(state)`: each time it looks whether a node is "running", "starting" or not there (None)."""
    from node.admin_channel import ask_once_served

    def node_state() -> str | None:
        state = "running" if home.node_running() else "starting" if home.node_starting() is not None else None
        if looked is not None:
            looked(state)
        return state

    def say_starting(seconds: float) -> None:
        print(f"waiting for the node starting on this home to serve (at most {seconds:.0f} s)...",
              file=sys.stderr, flush=True)

    return ask_once_served(home.path, request, node_state, on_starting=say_starting,
                           on_wait=lambda waiting: say_waiting(waiting.get("seconds"), waiting.get("stored"), node=True))


def signed_here_or_by_node(home: Home, request: dict[str, Any] | None,
                           sign_here: Callable[[EventLog], dict[str, Any]]) -> tuple[dict[str, Any], bool]:
    """(what was done, whether the node did it): the node running on `home` does `request` (None:
    this command must do it itself), else `sign_here()` does it here. A `solnet run` begun just
    before this command (`systemctl start solnet; solnet publish alert ...`) may not have marked the
    home as starting yet when it looked (its interpreter still loading); on a home that has to
    catch up first (restored from a backup) the command's own signing was then refused, "Start the
    node", with the node starting. So it looks again once it has opened the log, before it asks for
    the passphrase (half a second, more on a Pi: the node marks the home before it opens its own),
    and once more if the home's signing is refused as not caught up; a node found takes `request`.
    `sign_here(log)` signs with the log opened."""
    states: list[str | None] = [None]

    def look_again() -> dict[str, Any] | None:
        if request is None or states[-1] is not None:  # a node there whose channel is off: waited for once
            return None
        return ask_node(home, request, states.append)

    answer = look_again()
    if answer is None:
        log = home.log()
        answer = look_again()  # (opening the log took long enough for such a node to mark the home)
    if answer is None:
        try:
            return sign_here(log), False
        except InvalidEvent as exc:
            from node.chain_gate import NOT_CAUGHT_UP

            if exc.reason != NOT_CAUGHT_UP or (answer := look_again()) is None:
                raise
    return node_result(answer), True


def node_result(answer: dict[str, Any]) -> dict[str, Any]:
    """What the node did ({"id", "seq", ...}), or its refusal raised as the command would have
    raised it had it signed by itself (so the same words follow)."""
    from node.kind_input import PublishError
    from node.admin_channel import ChannelError

    done, error = answer.get("ok"), answer.get("error")
    if isinstance(done, dict) and isinstance(done.get("id"), str) and isinstance(done.get("seq"), int):
        return done
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        raise ChannelError("the node running on this home gave an answer this command does not understand; is it of "
                           "another solnet version? Restart it.")
    if error.get("type") == "new_region" and isinstance(error.get("region"), str):
        from node.known_regions import NewRegion

        close = error.get("close")
        raise NewRegion(error["region"], [c for c in close if isinstance(c, str)] if isinstance(close, list) else [])
    if error.get("type") == "publish":
        raise PublishError(error["message"], error.get("field") if isinstance(error.get("field"), str) else None)
    if error.get("type") == "invalid_event":
        raise InvalidEvent(str(error.get("reason")), error["message"])
    code = error.get("exit_code")
    raise ChannelError(error["message"], code if code in (EXIT_REFUSED, EXIT_USAGE, EXIT_HOME, EXIT_STORAGE)
                       else EXIT_REFUSED)


def say_waiting(seconds: object, stored: object = None, *, node: bool = False) -> None:
    """`node`: the running node waits, as long as its sync stores events (node/first_sync_wait.py),
    `stored` since it began (said again while it goes on)."""
    if isinstance(stored, int):
        from node.words import plural
        print(f"... the sync goes on: {plural(stored, 'event')} stored since this command began waiting; still "
              "waiting...", file=sys.stderr, flush=True)
        return
    at_most = "" if not isinstance(seconds, (int, float)) else \
        f" (at most {seconds:.0f} s{' once it stores nothing more' if node else ''})"
    print(f"waiting for the node running on this home to finish its first sync with a peer{at_most}...",
          file=sys.stderr, flush=True)


def wait_until_caught_up(log: EventLog, offline: bool, *, node_takes_it: bool = False) -> None:
    """Restore without forking (node/chain_gate.py): if a node running on this home has not finished
    its first sync since it started, or one is starting on it, wait for it (bounded); the log refuses
    to sign if it still has not. `node_takes_it`: the command hands its event to a node that is
    starting rather than wait to sign it here (signed_here_or_by_node)."""
    from node import chain_gate

    if not offline:
        chain_gate.wait_for_node(log.store, on_wait=lambda: say_waiting(chain_gate.WAIT_FOR_NODE_S),
                                 coming=not node_takes_it)


def cmd_ls(args: argparse.Namespace) -> int:
    from crypto.keys import short_id
    from events.sealed import SEALED_KIND
    from node import audience, render
    home = home_of(args)
    log = home.log()
    author = parse_key(args.author, "device or group id", log, code=EXIT_USAGE) if args.author else None
    since = None
    if args.since is not None:  # "what changed since yesterday": the API's `since`, as people say it
        from node.field_input import InputError, parse_since
        from node.log import now_ms
        try:
            since = parse_since(args.since, now_ms())
        except InputError as exc:
            raise UsageError(f"--since: {exc}") from None
    # one more than asked: whether the listing is cut, said on stderr (100 needs "since yesterday"
    # read as all of them, the rest left out without a word)
    rows = log.store.list_events(kind=args.kind, author=author, since_ts=since, limit=args.limit + 1)
    if len(rows) > args.limit:
        rows = rows[:args.limit]
        print(f"solnet: {render.listing_cut(args.limit, rows[-1][3])}", file=sys.stderr)
    group_of = {k: m.group for k, m in log.trust.members.items()}
    opener = cli_opener(home, any(r[4] == SEALED_KIND for r in rows))
    if args.json:
        names = group_names(log)
        print(json.dumps([event_json(log, r, group_of, names, opener) for r in rows], indent=2, ensure_ascii=False))
        return 0
    if not rows:
        what = " ".join(filter(None, (args.kind, "events", author and f"by {short_id(author)}")))
        if since is not None:
            print(f"No {what} made since {render.local_time(since)}.")
        else:
            print(f"No {what} yet." if args.kind or author else "No events yet.")
        return 0
    # every text and name set apart where it has right-to-left letters (render.texts_isolated): a
    # title's direction ran over the digits after it, and the short id after a group's name
    names = {g: render.isolated(n) for g, n in group_names(log).items()}
    for r in rows:
        group = names.get(group_of.get(r[1], b""), short_id(r[1]))
        opened = audience.opened_event(log, opener, r)
        if opened is None:
            print(render.event_line(r, group, render.texts_isolated(render.event_fields(r))))
        else:
            inner, author_group = opened
            shared = render.shared_text(audience.shared_with(inner, author_group), names)
            print(render.event_line(r, group, render.texts_isolated(inner.fields), inner_kind=inner.kind,
                                    shared=shared))
    return 0


def cli_opener(home: Home, needed: bool) -> audience.Opener | None:
    """What reads events for chosen groups here: this device's key, if any such event is to be shown
    and the keystore opens (SOLNET_PASSPHRASE, a file, or a prompt); else None: they stay encrypted."""
    from node import audience
    if not needed:
        return None
    keys = _keys_or_said(home)
    return audience.Opener(keys.device_encryption) if keys is not None else None


_KEYS_REFUSED: list[str] = []  # what was said of this command's passphrase, said once


def _keys_or_said(home: Home) -> NodeKeys | None:
    """This device's keys for reading what is sealed to it, or None: the keystore stays locked (no
    passphrase can be had: `view` and `show` say it) or the passphrase given does not open it, said
    as a warning by what is wrong with it, as `publish` refuses it (a wrong or byte-order-marked
    file read as "the keystore is locked ... give the passphrase" to one who had given it)."""
    from node.home import HomeError
    try:
        return home.keys()
    except (HomeError, WrongPassphrase) as exc:
        said = exit_code_of(exc)
        if passphrase_tried() and said is not None and said[0] not in _KEYS_REFUSED:
            _KEYS_REFUSED.append(said[0])
            print(f"warning: this device's keys stay locked, so private details and events for chosen groups are "
                  f"not shown (nor what they change counted): {said[0]}", file=sys.stderr)
        return None


def passphrase_tried() -> bool:
    """Whether this command was given a passphrase ($SOLNET_PASSPHRASE, a file) or can ask for one."""
    from node.home import PASSPHRASE_ENV, PASSPHRASE_FILE_ENV, can_prompt
    return bool(os.environ.get(PASSPHRASE_ENV) or os.environ.get(PASSPHRASE_FILE_ENV)) or can_prompt()


def _private_requests_held(log: EventLog) -> bool:
    from events.projections import SUPPORT
    return any(r.data.get("has_private") for r in log.store.rows(SUPPORT))


def group_names(log: EventLog) -> dict[bytes, str]:
    from node import references

    return references.group_names(log.store)


# Where to look next when a view is empty: an alert that ended (its all clear, or its expiry) left
# `view alerts`, and a member who saw it there must learn what became of it. One that simply ran out
# is dropped with its text at its end (the log keeps no alert past it): the history cannot list it.
EXPIRED_UNLISTED = ("an alert that simply ran out, with no word from its group, is not kept past its end and is "
                    "listed nowhere.")
EMPTY_VIEW_HINTS = {"alerts": " No live alert. Those cleared or updated by their group in the last 7 days are in "
                              "`solnet view alert-history`; " + EXPIRED_UNLISTED,
                    "alert-history": " No alert was cleared or updated by its group in the last 7 days; " + EXPIRED_UNLISTED}


def cmd_show(args: argparse.Namespace) -> int:
    from crypto.keys import short_id
    from events.sealed import SEALED_KIND
    from node import audience, references, render
    home = home_of(args)
    log = home.log()
    row = log.store.event_row(resolve_event_id(log, args.id))
    if row is None:
        raise CliError(f"no event {args.id}")
    group_of = {k: m.group for k, m in log.trust.members.items()}
    opener = cli_opener(home, row[4] == SEALED_KIND and row[8] is not None)
    data = event_json(log, row, group_of, group_names(log), opener)
    fields = render.event_fields(row) or {}
    if "sealed" in fields:
        data["private_details"], data["private_status"], readers = _open_private_part(home, fields["sealed"])
        if readers is not None and row[1] in group_of:  # who can read it: its author's group and those it named
            shares = _share_readers(home, log, row[0]) if row[4] == "support.request" else []
            # a request's shares (support.share) let more groups read it: "only" the first part's
            # readers told the requesting group that fewer hold the people's details than do
            data["private_readers"] = [g.hex() for g in dict.fromkeys(
                [group_of[row[1]], *readers, *(g for s in shares if s is not None for g in s)])]
            if row[4] == "support.request":  # an open request none of them can still read: said (render.show_lines)
                data["private_readers_unknown"] = sum(s is None for s in shares)  # shares this device cannot read
                data["readers_gone"] = _readers_gone(log, row[0], group_of[row[1]], readers, shares)
        # (a damaged own part too: a share its group sealed since may still be read, as for one not for it)
        if row[4] == "support.request" and data["private_status"] in ("not_a_recipient", "readable", "damaged"):
            _shared_details(home, log, row[0], data)
            if readers is None and data["private_status"] == "readable" and row[1] in group_of:
                # read through a share only: its readers are the requesting group and those its shares
                # name; whom the request itself went to this device cannot tell (it named nobody)
                shares = _share_readers(home, log, row[0])
                data["private_readers"] = [g.hex() for g in dict.fromkeys(
                    [group_of[row[1]], *(g for s in shares if s is not None for g in s)])]
                data["private_readers_unknown"] = sum(s is None for s in shares)
                data["private_readers_first_unknown"] = True
    if row[4] == SEALED_KIND and "inner" not in data:
        data["private_status"] = "locked" if opener is None and row[8] is not None else "not_a_recipient"
    opened = audience.opened_event(log, opener, row)
    state_kind = row[4] if opened is None else opened[0].kind
    if state_kind in SEALED_STEP_KINDS and opener is None and log.store.holds_sealed():
        opener = cli_opener(home, True)  # an update for chosen groups may have withdrawn it (as `view` reads it)
    if state_kind == "support.request" and opener is None and "sealed" in fields:
        # who its private part went to (this device's key tells): a claim by a group it was not sent
        # to takes nothing, as `view support` counts it (events.readmodels.support_requests)
        opener = cli_opener(home, True)
    state = _state_now(log, row, state_kind, opener)
    if state is not None:  # what it comes to now (withdrawn, covered, raised), as `view` counts it
        data["state"] = render.view_json(state)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    group = group_of.get(row[1])
    # every name set apart where it has right-to-left letters (node.words.isolated), not the author's
    # alone: a group called "ب" in "shared with", a fulfilment's "by" or the "now:" line turned the
    # line right to left, the words after it first, read as another group's; and every text
    # (render.texts_isolated: a title's direction ran over the digits after it)
    names = {g: render.isolated(n) for g, n in group_names(log).items()}
    name = names.get(group) if group else None
    label = f"{name} (group {short_id(group)})" if name else (f"group {short_id(group)}" if group else None)
    if opened is not None:
        inner, author_group = opened
        shared = render.shared_text(audience.shared_with(inner, author_group), names)
        currency = references.update_currency(log.store, log.trust, inner.kind, inner.fields)
        print("\n".join(render.show_lines(data, row, label, render.texts_isolated(inner.fields), inner_kind=inner.kind,
                                           shared=shared,
                                           currency=currency,
                                           named=_named_listings(log, inner.fields, names) if inner.kind == "need.fulfil"
                                           else None)))
    else:
        currency = references.update_currency(log.store, log.trust, row[4], fields)
        named = _named_listings(log, fields, names) if row[4] == "need.fulfil" else None
        print("\n".join(render.show_lines(data, row, label, render.texts_isolated(fields), names=names,
                                           currency=currency, named=named)))
    if state is not None:
        published = inner.fields if opened is not None else fields
        print(f"  now: {render.state_text(state_kind, render.texts_isolated(state), render.texts_isolated(published))}")
        if opener is None and not passphrase_tried():  # (else said: _keys_or_said)
            # only what an event for chosen groups can change (events.sealed.SEALABLE: an alert's
            # updates, a request's claims and closes are never sealed), or who a request went to
            if state_kind in SEALED_STEP_KINDS and log.store.holds_sealed():
                print(f"warning: {STATE_MAY_BE_INCOMPLETE}", file=sys.stderr)
            elif state_kind == "support.request" and "sealed" in fields:
                print(f"warning: {CLAIMS_MAY_BE_MISREAD}", file=sys.stderr)
    return 0


def _named_listings(log: EventLog, fields: dict[str, Any], names: dict[bytes, str]) -> dict[str, str]:
    """The need and the offer a fulfilment names (`fields`), as `show` says them: what, where and
    whose, with the short id ("20 × tents, in calais, by Calais  9c1f…"); one not held with its
    content is left to its short id."""
    from node import references, render
    said = {}
    for name in ("need", "offer"):
        event_id = fields.get(name)
        held = references.target(log.store, log.trust, event_id) if isinstance(event_id, bytes) else None
        if held is not None and held.kind == name:
            group = names.get(held.group) or render.isolated(references.group_name(log.store, held.group))
            shown = render.texts_isolated(held.fields)
            said[name] = (f"{render.summary(name, shown)}, in {shown.get('region')}, by {group}  "
                          f"{render.short_id(event_id)}")
    return said


# What `show` says the state of now: an alert's all clear, or where an update moved it, and who took
# or closed a support request too (a raid shown where it was first seen, no word of its all clear)
STATE_KINDS = ("need", "offer", "fundraiser", "alert", "support.request", "action", "support.offer")
SEALED_STEP_KINDS = ("need", "offer", "fundraiser", "action")  # whose updates may be for chosen groups
STATE_MAY_BE_INCOMPLETE = ("its state may be incomplete: events for chosen groups are held here and the keystore "
                           "is locked, and one of them may update it. If this device is one of their readers, give "
                           "the passphrase (a terminal, SOLNET_PASSPHRASE or SOLNET_PASSPHRASE_FILE) to read them.")
CLAIMS_MAY_BE_MISREAD = ("who took it may be misread: the keystore is locked, so which groups its private details went "
                         "to is not known here, and a claim by a group they did not go to takes nothing. Give the "
                         "passphrase (a terminal, SOLNET_PASSPHRASE or SOLNET_PASSPHRASE_FILE) to tell.")


def _state_now(log: EventLog, row: tuple, kind: str, opener: audience.Opener | None) -> dict[str, Any] | None:
    """A stored need's, offer's, fundraiser's, alert's or support request's item (`kind`: its own,
    or its inside's if it is for chosen groups) as `view` shows it now: with the events for chosen
    groups `opener` reads, as
    `view` reads them (an update shared with chosen groups withdrew a need that read as open here).
    None for other kinds."""
    from node import audience, references
    from node.log import now_ms
    from node.store import BODY_PRESENT
    from node.views import Held, action_item, fundraiser_item
    if kind == "alert" and row[9] != BODY_PRESENT:  # swept at its expiry: its group's updates still tell it
        return _swept_alert_story(log, row[0], now_ms())
    if row[9] != BODY_PRESENT or kind not in STATE_KINDS:  # (its body gone: nothing to say of it)
        return None
    store = log.store
    if opener is not None and log.store.holds_sealed():
        store = audience.WithOpened(log.store, audience.opened_rows(log, opener))
    if kind in ("need", "offer"):
        return references.listing_state(store, log.trust, row[0], now_ms())
    if kind == "alert":
        from node.alert_feed import alert_now
        story = alert_now(log, row[0])
        if story is not None and story["status"] == "live" and row[5] is not None and row[5] <= now_ms():
            story["status"] = "expired"  # (its body not yet swept)
        return story
    if kind == "support.request":
        from node.views import named, reader_of, support_request_item
        item = support_request_item(reader_of(log, opener=opener), row[0], now_ms(), None)
        return named(item, group_names(log)) if item is not None else None
    if kind == "action":  # moved or cancelled by its group (action.update)
        return action_item(Held(store, log.trust), row[0])
    if kind == "support.offer":  # its places and notes as its group last set them, or withdrawn
        from node.views import support_offer_item
        return support_offer_item(Held(store, log.trust), row[0], now_ms())
    return fundraiser_item(Held(store, log.trust), row[0], now_ms())


def _swept_alert_story(log: EventLog, alert: bytes, now: int) -> dict[str, Any] | None:
    """An alert whose body is gone (expired, redacted) as `view alert-history` tells it: its own
    group's updates (EXPIRED at the place one moved it to, its newest words, or its all clear); None
    when none is left to tell it (the history shows nothing of it either)."""
    from events.projections import ALERT_UPDATE
    from events.readmodels import alert_history
    from node.references import named_alert
    from node.views import Held
    header = named_alert(log.store, log.trust, alert)
    if header is None:
        return None
    told = alert_history([], log.store.rows(ALERT_UPDATE, refs=[alert]), now, Held(log.store, log.trust).gone,
                         {alert: header})
    return next((s for s in told if s["id"] == alert), None)


def event_json(log: EventLog, row: tuple, group_of: dict[bytes, bytes], names: dict[bytes, str],
               opener: audience.Opener | None = None) -> dict[str, Any]:
    """An event as `ls --json` and `show --json` print it: its public form (with its inside, for
    an event for chosen groups this device reads; a fundraiser.update's with the currency of its
    amounts), its group's name, and why it has no effect if it has none (null otherwise)."""
    from node import audience, references, render
    fields = render.event_fields(row)
    data = {**render.event_json(row, group_of, fields),
            **references.amounts_currency(log.store, log.trust, row[4], fields)}
    if "group" in data:
        data["group_name"] = names.get(bytes.fromhex(data["group"]))
    opened = audience.opened_event(log, opener, row)
    if opened is not None:
        data["inner"] = audience.inner_json(log, opened)
    data.update(render.no_effect_json(log.row_no_effect(row)))  # (its words in English, and their key)
    return data


def _share_readers(home: Home, log: EventLog, request: bytes) -> list[list[bytes] | None]:
    """For each share of a support request by its group (node/request_shares.py), the groups it was
    sealed to besides that group, or None where this device cannot read it (who it went to is not known)."""
    from node.request_shares import request_parts
    return [_open_private_part(home, part.sealed)[2] for part in request_parts(log, request)[1:]]


def _readers_gone(log: EventLog, request: bytes, group: bytes, readers: list[bytes],
                  shares: list[list[bytes] | None]) -> list[dict[str, Any]]:
    """Of a support request this device reads (`readers`: those its own part went to; `shares`:
    `_share_readers`), the groups it and its shares were sealed to, when every one besides its own
    `group` is gone and it is not closed (events.readmodels.readers_gone), as `show --json` gives
    them; none when a share cannot be read here (who it went to is not known)."""
    from events.readmodels import readers_gone, request_readers
    from node import references
    state = references.request_state(log.store, log.trust, request)
    if state is None or state["status"] == "closed":
        return []
    sent_to = request_readers(group, [frozenset(readers), *(s if s is None else frozenset(s) for s in shares)])
    return [{**g, "group": g["group"].hex()} for g in readers_gone(group, sent_to, references.departed(log.trust))]


def _shared_details(home: Home, log: EventLog, request: bytes, data: dict[str, Any]) -> None:
    """A support request's details from a share of it to this device's group (node/request_shares.py),
    when the request's own part is not for this device: the first it reads (the same on every node).
    Shares that say something else than the details shown are each in `differing_details` (one share
    id and its text), on the requesting group's node too: a device of the requesting group in other
    hands shares the real case with details of its own, and which of them came first decided what
    was shown, without a word of the other. Who else reads them is not said: a share names only the
    groups it went to."""
    from node.request_shares import request_parts
    read: dict[str, bytes] = {}  # each text, the first share that says it
    for part in request_parts(log, request)[1:]:
        text, status, _readers = _open_private_part(home, part.sealed)
        if status == "not_a_recipient":
            continue
        if "private_details" not in data or data.get("private_status") != "readable":
            data["private_details"], data["private_status"] = text, status
        if status == "readable" and text is not None:
            read.setdefault(text, part.event_id)
    others = [(text, share) for text, share in read.items() if text != data.get("private_details")]
    if others:
        data["differing_details"] = [{"share": share.hex(), "details": text} for text, share in others]


def _open_private_part(home: Home, sealed: bytes) -> tuple[str | None, str, list[bytes] | None]:
    """(text, status, readers): status is readable, not_a_recipient, damaged (sealed to this device but
    altered or padded wrongly, or no envelope any device reads: a line on stderr says so) or locked (no passphrase available); readers are the
    groups it was sealed to besides its author's, when it is readable and says them."""
    from node.private import DAMAGED, DAMAGED_TEXT, READABLE, read_private, readers_of
    if (keys := _keys_or_said(home)) is None:
        return None, "locked", None
    text, status = read_private(sealed, keys.device_encryption)
    if status == DAMAGED:
        print(f"solnet: {DAMAGED_TEXT}", file=sys.stderr)
    return text, status, readers_of(sealed, keys.device_encryption) if status == READABLE else None


def cmd_status(args: argparse.Namespace) -> int:
    from node.status_text import status_text
    home = home_of(args)
    out = status_of_running_node(home)
    if out is None:  # no node runs here: read the home's files
        from node.status import status_from_files

        out = status_from_files(home)
    emit(args, out, status_text(out))
    # Said, with the ids a rebuild needs; and a damaged database is a failure for whoever checks the exit code
    damaged = out.get("database_damaged") or (out.get("node") or {}).get("database_damaged")
    return EXIT_STORAGE if damaged else 0


def status_of_running_node(home: Home) -> dict[str, Any] | None:
    """The status as the node running on `home` computes it (its log is open: the command then
    loads neither the store nor the trust graph); None if no node answers with it (none runs, an
    older one, or it failed: the command computes it itself, and says what went wrong in its words)."""
    if not home.node_running():  # no need to load the channel's client (sockets) to learn that
        return None
    from node.admin_channel import ChannelError, ask

    try:
        answer = ask(home.path, {"op": "status"}, timeout_s=STATUS_TIMEOUT_S)
    except ChannelError:
        return None
    status = answer.get("ok") if answer is not None else None
    return status if isinstance(status, dict) else None


def peers_of_running_node(home: Home) -> list[dict[str, Any]] | None:
    """The peers as the node running on `home` sees them now (node/live_status.py); None if no node
    answers with them (none runs, an older one, or it failed: the command reads what it saved)."""
    if not home.node_running():
        return None
    from node.admin_channel import ChannelError, ask

    try:
        answer = ask(home.path, {"op": "peers"}, timeout_s=STATUS_TIMEOUT_S)
    except ChannelError:
        return None
    peers = (answer.get("ok") or {}).get("peers") if isinstance(answer, dict) else None
    return peers if isinstance(peers, list) else None


def _live_devices(home: Home) -> dict[str, bytes]:
    """The device that answered at each address, as the node running on `home` knows it now (it
    saves that only every 2 s): `peers rm` right after a first link said it knew no device there,
    while `solnet peers` named it. Empty if no node answers."""
    from node.saved_json import saved_key

    peers = peers_of_running_node(home) or []
    known = ((p.get("address"), saved_key(p.get("device"))) for p in peers if isinstance(p, dict))
    return {address: device for address, device in known if isinstance(address, str) and device is not None}


# Views whose items no event for chosen groups makes or changes (events.sealed.SEALABLE: alerts and
# their updates are public by nature): "events for chosen groups are left out" was said of them too
VIEWS_OF_NOTHING_SEALED = ("groups", "alerts", "alert-history")


def cmd_view(args: argparse.Namespace) -> int:
    from node import audience, render
    from node.views import reader_of, view
    from events.fields import REGION_RE, REGION_WORDS
    region = args.region.strip().lower() if args.region is not None else None
    if region is not None and not REGION_RE.fullmatch(region):  # '' listed every region, as if none were given
        raise UsageError(f"--region {args.region!r} is not a region: give {REGION_WORDS}, or leave --region out "
                         "for every region")
    home = home_of(args)
    log = home.log()
    if region is not None:  # a typo ('calis') showed "Nothing to show", as if all were calm: refused in every view
        from node.known_regions import empty_region_words, unknown_region, unread_region_words
        if (close := unknown_region(log, region, lambda: home.config().region)) is not None:
            words = unread_region_words if args.name == "alerts" else empty_region_words
            raise CliError(f"--region {region}: {words(region, close)}")
    # this device's key also tells who a support request's private part went to: a claim by a
    # group it was not sent to takes nothing (events.readmodels.support_requests)
    sealed_held = args.name not in VIEWS_OF_NOTHING_SEALED and log.store.holds_sealed()
    opener = cli_opener(home, sealed_held or args.name in ("support", "regions") and _private_requests_held(log))
    if sealed_held and opener is None and not passphrase_tried():  # (a script, a service with no passphrase)
        print("warning: events for chosen groups are held here and not shown: the keystore is locked. If this "
              "device is one of their readers, give the passphrase (a terminal, SOLNET_PASSPHRASE or "
              "SOLNET_PASSPHRASE_FILE) to list them.", file=sys.stderr)
    opened = audience.opened_rows(log, opener) if opener is not None else None
    peers = None
    if args.name in ("regions", "groups"):  # when each group was last synced with: a peer that only dials in too
        from node.status import peer_list, runtime_info
        info = runtime_info(log.store, home)  # (what the node saved of them, running or not)
        peers = peer_list(log.store, info) + ([] if info.get("running") else info.get("inbound") or [])
    items = view(log, args.name, region=region, reader=reader_of(log, opened, opener=opener), peers=peers)
    if args.name == "groups":  # which device is this node's own: not the one to revoke for a seized phone
        own = bytes.fromhex(home.config().device_id)
        for d in (d for g in items for d in g["device_list"] if d["id"] == own):
            d["this_node"] = True
    if args.name == "support" and any(i.get("has_private") for i in items):
        # whether this group reads each private part (`read_here`), and which groups it could go to
        # can: this device's key tells
        opener = opener or cli_opener(home, True)
        audience.mark_private_readers(log, opener, items, bytes.fromhex(home.config().group_id))
    not_sent = _mark_not_known_sent(log, bytes.fromhex(home.config().device_id), items)
    if args.json:
        print(json.dumps(render.view_json(items), indent=2, ensure_ascii=False))
        return 0
    if args.name == "support" and opener is not None:
        _mark_opened_here(log, opener, items, bytes.fromhex(home.config().group_id))
    if not items:
        print(f"Nothing to show in {args.name}" + (f" for {args.region}." if args.region else ".") + EMPTY_VIEW_HINTS.get(args.name, ""))
    elif any(key in KINDS_WITH_TIMES for key in items[0]):
        print(f"(times in {render.local_zone()})")
    names = group_names(log)
    for item in items:
        print(render.terminal_view_line(args.name, item, names) + ("  NOT KNOWN SENT" if item.get("not_known_sent") else ""))
    if not_sent:
        print(f"warning: {not_sent}.", file=sys.stderr)
    if args.name == "alerts":  # a calm list is worth as much as what this home has heard
        _warn_alerts_may_be_missing(home, log)
    return 0


def _mark_opened_here(log: EventLog, opener: audience.Opener, items: list[dict[str, Any]], own: bytes) -> None:
    """Of the listed support requests this device cannot tell the readers of (`read_here` false),
    mark `opened_here` those whose private details it reads all the same (a part of 0.1 names no
    groups), as `show` gives them, and `own_unread` those of its own group it does not read (sealed
    before it was certified): its group reads them (render.private_mark)."""
    from node.request_shares import request_parts

    for item in items:
        if item.get("has_private") and item.get("read_here") is False:
            item["opened_here"] = any(opener.opens_private(p.sealed) for p in request_parts(log, item["id"]))
            item["own_unread"] = not item["opened_here"] and item.get("group") == own


def _mark_not_known_sent(log: EventLog, device: bytes, items: list[dict[str, Any]]) -> str:
    """Mark `not_known_sent` the listed items this device signed and no peer is known to hold, once no
    node links with it (revoked, or refused so by a peer): a replaced phone listed them as if the
    network had them. Not "not sent": a bundle may have carried them, and they count if signed below
    the seq it is revoked from (what its revocation took out is no longer listed: `solnet status`
    names it). What to do, for people ("" when nothing listed is so)."""
    from node import own_unsent

    span = own_unsent.unsent_span(log.store, device)
    if span is None or not own_unsent.own_cut_off(log.store, log.trust, device):
        return ""
    for item in items:
        if item.get("author") == device and isinstance(item.get("seq"), int) and span[0] <= item["seq"] <= span[1]:
            item["not_known_sent"] = True
    if not any(item.get("not_known_sent") for item in items):
        return ""
    return own_unsent.not_known_held(*span, own_unsent.revoked_from(log.trust, device))


def _warn_alerts_may_be_missing(home: Home, log: EventLog) -> None:
    """Say on stderr why the alerts just listed may not be all (node/words.py alerts_may_be_missing),
    from what the node saved of its last run and its peers' last syncs (no store scan)."""
    from node.heard_before import last_level
    from node.status import runtime_info
    from node.words import alerts_may_be_missing

    info = runtime_info(log.store, home)
    behind = info.get("clock_behind_ms")
    # (a sneakernet home's bundle counts as a sync: the same time a --since bundle is judged by)
    for warning in alerts_may_be_missing(bool(info.get("running")), last_level(log),
                                         info.get("cut_off_since") if info.get("running") else None,
                                         behind if isinstance(behind, int) else None):
        print(f"warning: {warning}.", file=sys.stderr)


KINDS_WITH_TIMES = ("starts_at", "expires", "posted_at", "last_heard", "ts")


def cmd_redact(args: argparse.Namespace) -> int:
    from crypto.keys import short_id
    home = home_of(args)

    def sign_here(log: EventLog) -> dict[str, Any]:  # no node runs: sign here, after unlocking the keystore
        from node import audience, publishing

        unlocked = []

        def own_device() -> bytes:
            if not unlocked:  # (asked once)
                unlocked.append(_keys_to_sign(home, "redact"))
            return bytes(unlocked[0].device.public)

        publishing.redaction(log, args.id, args.reason, own_device)  # refused before any wait
        wait_until_caught_up(log, args.offline, node_takes_it=True)
        told: dict[str, Any] = {}  # (the events another device signed that stay: found in the same pass)
        fields = publishing.redaction(log, args.id, args.reason, own_device, told,  # what was signed meanwhile counts
                                      audience.Opener(unlocked[0].device_encryption))  # (and this device's sealed ones)
        ev = log.append(unlocked[0].device, "redact", fields, offline=args.offline)
        return {"id": ev.id.hex(), "redacted": fields["ids"][0].hex(), "with": [i.hex() for i in fields["ids"][1:]],
                "stay": told["stay"]}

    from node.words import local_zone_name

    done, _ = signed_here_or_by_node(home, {"op": "redact", "id": args.id, "reason": args.reason,
                                            "offline": args.offline, "time_zone": local_zone_name()}, sign_here)
    taken, stay = done.get("with") or [], done.get("stay") or []
    words = [f"Redacted {short_id(done['redacted'])}: its body is gone from this node, and every node that receives "
             f"this redaction ({short_id(done['id'])}) drops it too."]
    if taken:  # its updates, all clears, moves, shares: they would have kept its content readable
        words.append(f"With it, this device's events that named it: {', '.join(map(short_id, taken))}.")
    if stay:
        words.append("Still readable, signed by another device, unless their author redacts them: " + ", ".join(
            f"{s['kind']} {short_id(s['id'])} (device {short_id(s['author'])})" for s in stay) + ".")
    emit(args, {"id": done["id"], "redacted": done["redacted"], "with": taken, "stay": stay}, "\n".join(words))
    return 0


def cmd_export_site(args: argparse.Namespace) -> int:
    """Write the public pages and feeds (node/public_site.py) as static files for any web host."""
    from node import heard_before, render, public_site
    from node.cut_off import after_ms
    from node.dashboard.app import HERE as DASHBOARD, STATIC_LINKS, render_public

    if not args.dir.strip():
        raise UsageError("export-site needs the folder to write into, e.g. solnet export-site ./public-site")
    if args.base_url and not args.base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base-url is the address the site will be at, such as https://example.org/solnet "
                         f"(got {args.base_url[:80]!r})")
    log = home_of(args).log()
    data = public_site.public_data(log)
    # until when this home heard from the network (its node's last run, a sync): a copy left on a host
    # for a week says since when, not "No public alert right now."
    heard = heard_before.last_heard(log)  # (a running node linked to a peer saved it seconds ago)
    as_of = None if heard is None else public_site.as_of(heard if data.now - heard >= after_ms() else None, data.now)
    pages = {"index.html": render_public(data, args.lang, STATIC_LINKS, as_of=as_of),
             "alerts.html": render_public(data, args.lang, {**STATIC_LINKS, "index": "index.html"}, alerts_only=True,
                                          as_of=as_of)}
    files = public_site.site_files(data, pages, args.base_url)
    files["style.css"] = (DASHBOARD / "static" / "style.css").read_bytes()
    try:
        written = public_site.write_site(Path(args.dir), files)
    except OSError as exc:
        raise CliError(f"cannot write into {args.dir}: {exc.strerror}", EXIT_STORAGE if exc.errno == errno.ENOSPC
                       else EXIT_REFUSED) from None
    emit(args, {"dir": str(Path(args.dir).resolve()), "files": [p.name for p in written],
                "alerts": len(data.alerts), "actions": len(data.actions), "fundraisers": len(data.fundraisers)},
         f"Wrote {render.plural(len(written), 'file')} into {args.dir}: {render.plural(len(data.alerts), 'public alert')}, "
         f"{render.plural(len(data.actions), 'action')} and {render.plural(len(data.fundraisers), 'fundraiser')} of "
         "the groups that publish feeds. Copy the folder to any web host; run this again to update it.")
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from node import render
    log = home_of(args).log()
    done = log.rebuild()
    # what it found of the heads index, mended or not: a damage error sent the operator here
    heads = (f"The index of each key's newest event was wrong for {render.plural(done.heads_mended, 'key')} (a byte "
             "changed on the disk, or a bad restore): counted again from the signed events, it is mended."
             if done.heads_mended else
             "The index of each key's newest event was counted again from the signed events: it was right.")
    emit(args, {"projected_events": done.projected, "heads_mended": done.heads_mended},
         f"Rebuilt the read models from {render.plural(done.projected, 'event')}. {heads}")
    return 0


# --- commands: bundles ---------------------------------------------------------------------------
def refuse_output_place(home: Any, path: Path, option: str, example: str) -> None:
    """Refuse a place to write a command's output (a token, a bundle) that would do harm or surprise:
    - inside the home's folder: its keystore, config.json and database live there, and `--out keystore`
      run in the home replaced the group's keys with a join token, without a word;
    - `-`: it wrote a file named `-`, not standard output as other tools read it. Neither is written to
      standard output at all: they name the network and its nodes' addresses and are written readable
      by this user only, which a terminal's scrollback or a pipe is not.
    `example` names a file to give instead."""
    if str(path) == "-":
        raise CliError(f"{option} '-' would write a file named '-': solnet writes this only to a file, readable by "
                       f"you alone, never to the screen; give the path of a file, such as {example}")
    try:
        inside = path.resolve().is_relative_to(Path(home.path).resolve())
    except OSError:
        return
    if inside:
        raise CliError(f"{option} {str(path)!r} is in this home's folder ({home.path}), where its keys and its "
                       "database live: write it somewhere else, such as your home directory or a USB stick")


ADDRESSES_LEFT_OUT = "The nodes' addresses (their announcements) were left out"  # of a bundle not encrypted


def cmd_export(args: argparse.Namespace) -> int:
    from node.home import read_bundle_passphrase
    from crypto.stream import SealedWriter
    from node import render
    from events.kinds import LOCATING_KINDS
    from node.bundle import export_bundle, whole_since
    from node.field_input import InputError, parse_since
    from node.log import now_ms
    home = home_of(args)
    target = Path(args.file)
    if not args.file.strip() or not target.name or target.is_dir():  # ('' and '.' name a folder)
        raise UsageError(f"export needs the file to write the bundle to, not a folder (got {args.file[:80]!r}), "
                         "e.g. solnet export /media/usb/calais.bundle")
    refuse_output_place(home, target, "the bundle file", "calais.bundle")
    if not target.parent.is_dir():
        raise CliError(f"cannot write {args.file}: the folder {target.parent} does not exist")
    # The panic wipe stops it: it holds the keys (till it ends); its mark names the bundle, which the
    # wipe names if it must kill it (in an fsync to a slow stick: FILE.tmp is left)
    # Stopped so (by the wipe), it ends through the writer's cleanup: no half-written bundle left on the stick;
    # stopped once the bundle is whole and in place, it says so (it had said "nothing was exported")
    written: dict[str, int] = {}
    _mark_stoppable(home, "export", lambda: _export_stopped(args, written), os.path.abspath(args.file))
    log = home.log()
    try:
        # read as `ls --since` reads it (1d, 36h, or a date and time): a courier told to carry "the
        # last two days" was refused "'2d' is not a date and time"
        since = parse_since(args.since, now_ms()) if args.since else 0
    except InputError as exc:
        raise UsageError(f"--since: {exc}") from None
    keys = home.keys()
    bundle_passphrase = read_bundle_passphrase(new=True) if args.encrypt else None
    from crypto.keystore import private_file_writer
    from node import own_marks

    own_marks.make_durable(log.store)  # what this home signed is on the disk before a bundle carries it off
    try:
        # Only this user may read it, as the home's files (a bundle holds whatever the log holds);
        # whole and on the disk before "Exported" is said (a USB stick is pulled out then).
        with private_file_writer(Path(args.file)) as out:
            sink = SealedWriter(out, bundle_passphrase) if bundle_passphrase else out
            # In clear, the nodes' addresses are left out: a USB stick is lost or seized at a border, and
            # one in clear must not map where the network's nodes are.
            count = written["events"] = export_bundle(log, keys.device, sink, since_ts=since,
                                                      stubs_of=() if bundle_passphrase else LOCATING_KINDS)
            if bundle_passphrase:
                sink.close()
    except OSError as exc:
        raise CliError(f"cannot write {args.file}: {exc.strerror}; nothing was exported"
                       + (" (the file that was there is unchanged)" if Path(args.file).exists() else "")) from None
    sealed = " sealed with the bundle passphrase" if args.encrypt else ""
    # Sealed, it carries the announcements as this home holds them: those it took from a bundle in
    # clear (stubs, whose content its peers have not filled in yet) go without their addresses.
    stubs = sum(log.store.count_of_kind(kind, body_missing=True) for kind in LOCATING_KINDS) if args.encrypt else 0
    left_out = bool(stubs) if args.encrypt else any(log.store.count_of_kind(kind) for kind in LOCATING_KINDS)
    # A --since before all this home noted of when it stored its events is the whole log: said, or
    # a courier asked for the last two days carries everything without knowing why
    whole = whole_since(log.store, since)
    emit(args, {"file": args.file, "events": count, "encrypted": bool(args.encrypt),
                "addresses_left_out": left_out, "whole": whole},
         f"Exported {render.plural(count, 'event')} to {args.file}{sealed}." + (
             _whole_why(log.store.noted_since(), args.since) if whole else "") + (
             _stubs_carried(stubs) if args.encrypt else
             f" {ADDRESSES_LEFT_OUT}: a bundle not encrypted must not say where the network's nodes are. Export "
             "with --encrypt to carry them." if left_out else ""))
    return 0


def _whole_why(noted: int | None, since: str) -> str:
    """Why a bundle made with `--since` holds the whole log."""
    from node import render

    if noted is None:
        return (" It holds the whole log: this home has no record of when it stored its events (a panic wipe "
                "emptied it), so it cannot tell which came from then on.")
    return (f" It holds the whole log: this home has noted when it stored each event only since "
            f"{render.local_time(noted)} (its upgrade to this solnet, a panic wipe or its making), and counts what "
            f"it held then as stored then; --since {since} is before that.")


def _mark_running(home: Home, command: str, says: str = "", kind: str | None = None) -> None:
    """Mark this `solnet COMMAND` as running on the home till it ends (node/sync_mark.py; its mark's
    `kind`, the command's by default), by which the panic wipe finds it and stops it; refused if the
    mark cannot be made: one the wipe cannot find would outlive it."""
    from node import sync_mark

    try:
        sync_mark.hold(home.path, kind or command, says)
    except sync_mark.WipeUnderway:
        raise CliError(f"a panic wipe of {home.path} is under way (or was cut short: `solnet --home {home.path} "
                       f"status` says which); this {command} did not run") from None
    except OSError as exc:
        raise CliError(f"cannot write the mark of this {command} in {home.path} ({exc.strerror}), by which a panic "
                       f"wipe finds it and stops it; nothing was done. Free some space on that disk and try "
                       "again") from None


def _keys_to_sign(home: Home, command: str) -> NodeKeys:
    """This home's keys, for `solnet COMMAND` to sign with here (no node runs), once this process is
    marked as signing (node/sync_mark.py SIGN): the panic wipe finds it and stops it. Unmarked, a
    command that had unlocked them when a wipe began (a vouch waiting for a node's first sync, a
    publish through its seconds of Argon2id) signed with them after it, into the wiped database."""
    from node import sync_mark

    _mark_stoppable(home, command, "it signs nothing more", command, sync_mark.SIGN)
    return home.keys()


def _mark_stoppable(home: Home, command: str, outcome: str | Callable[[], str], says: str = "",
                    kind: str | None = None) -> None:
    """Mark this `solnet COMMAND` as running (_mark_running), and have the wipe's SIGTERM end it through
    its cleanup, saying so and what it leaves (`outcome`: _stopped_by_wipe), not by the default kill:
    killed at its passphrase prompt, it left the terminal not echoing and said nothing."""
    _mark_running(home, command, says, kind)
    signal.signal(signal.SIGTERM, _stopped_by_wipe(command, outcome))


def _stopped_by_wipe(command: str, outcome: str | Callable[[], str]) -> Callable[[int, object], NoReturn]:
    """A SIGTERM handler that ends `solnet COMMAND` through its cleanup (an exception, not the default
    kill): a half-written bundle removed, the terminal's echo turned back on at a passphrase prompt.
    `outcome` says what it leaves, or is asked when the signal comes (what is true changes as it runs)."""
    def stopped(signum: int, frame: object) -> NoReturn:
        said = outcome() if callable(outcome) else outcome
        raise CliError(f"the {command} was stopped (SIGTERM: a panic wipe of this home stops it); {said}",
                       EXIT_INTERRUPTED)
    return stopped


def _export_stopped(args: argparse.Namespace, written: dict[str, int]) -> str:
    """What an export stopped by the wipe leaves: nothing until its bundle is whole and in place (the
    writer removes its unfinished file on the way out), then that bundle, which no wipe reaches."""
    import shlex
    from crypto.keystore import unfinished_of
    from node import render
    if "events" not in written or unfinished_of(Path(args.file)).exists():
        return "nothing was exported"
    sealed = ", sealed with the bundle passphrase" if args.encrypt else ""
    return (f"the bundle {args.file} was already written whole ({render.plural(written['events'], 'event')}{sealed}) "
            f"and is still there: a wipe does not reach it; destroy it if it must not be found "
            f"(shred -u {shlex.quote(args.file)})")


def _stubs_carried(stubs: int) -> str:
    """What a sealed bundle lacks: the addresses of the announcements this home holds as stubs."""
    from node import render

    if not stubs:
        return ""
    it = "it" if stubs == 1 else "them"
    return (f" {render.plural(stubs, 'announcement')} of a node went without addresses: this home holds {it} "
            f"without content (as a bundle not encrypted brought {it}) until its peers fill {it} in when it syncs.")


def cmd_import(args: argparse.Namespace) -> int:
    from crypto.keys import short_id
    from node.home import read_bundle_passphrase
    from crypto.stream import SealedReader
    from node.bundle import import_bundle, is_sealed, maker_behind
    from node.outcome import PENDING, REJECTED
    from node import chain_gate, words
    home = home_of(args)
    # Held until this process ends, from before the database is opened: the panic wipe stops an import
    _mark_stoppable(home, "import", "it stores nothing more of its bundle")
    log = home.log()
    config = home.config()
    device, own_keys = bytes.fromhex(config.device_id), (bytes.fromhex(config.device_id), bytes.fromhex(config.group_id))
    before = chain_gate.own_heads(log.store, own_keys)  # (for a restored home that syncs with no peer)
    try:
        source = open(args.file, "rb")
        sealed = is_sealed(Path(args.file))
    except IsADirectoryError:
        raise CliError(f"{args.file} is a folder; give the bundle file `solnet export` wrote") from None
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror}") from None
    with source:
        if sealed:
            try:
                reader = SealedReader(source, read_bundle_passphrase())
            except WrongPassphrase:
                raise CliError("wrong bundle passphrase (or the file was altered); nothing was imported") from None
            except DecryptionFailed as exc:
                raise CliError(f"cannot open the sealed bundle: {exc}; nothing was imported") from None
            report = import_bundle(log, reader, own_device=device)
        else:
            report = import_bundle(log, source, own_device=device)
    # A home restored or moved that only ever exported bundles signs again once it holds its newest one
    gate = chain_gate.bundle_imported(log.store, own_keys, before, own_whole=report.exporter == device
                                      and report.signature_ok and report.problem is None)
    # Events of a revoked author are kept aside (in case that revocation stops counting) but, for
    # the person importing, they were refused: say so, with the reason.
    rejected = [o for o in report.outcomes if o.status == REJECTED or (o.status == PENDING and o.reason == "revoked")]
    summary = {s: report.count(s) for s in ("accepted", "duplicate", "pending", "rejected")}
    behind = maker_behind(log, report, bytes.fromhex(config.group_id))
    if args.json:
        # (whose word brought it up to date, as the words below say it: its revocation or block takes it back)
        member = log.trust.member(report.exporter) if report.level_on_word and report.exporter else None
        by = None if member is None else {"device": report.exporter.hex(), "group": member.group.hex()}
        print(json.dumps({**summary, "signature_ok": report.signature_ok, "made_by": report.made_by, "made": report.made,
                          "maker_level": report.maker_level, "maker_behind": behind, "gap": report.gap, "up_to_date_by": by, "restore": gate,
                          "problem": report.problem, "addresses_left_out": report.addresses_left_out > 0,
                          "rejections": [{"id": o.id.hex() if o.id else None, "reason": o.reason, "message": o.message}
                                         for o in rejected]}, indent=2))
    else:
        for o in rejected:
            what = "kept aside" if o.status == PENDING else "rejected"
            print(f"{what} {short_id(o.id) if o.id else 'an unreadable event'}: {o.message} [{o.reason}]",
                  file=sys.stderr)
        if report.problem:
            print(f"warning: {report.problem}", file=sys.stderr)
        made_by = f", made by {report.made_by}" if report.made_by else ""
        print(", ".join(f"{n} {s}" for s, n in summary.items()) + f" (from {args.file}{made_by})")
        if report.addresses_left_out and sealed:  # the node that made it held them so (cmd_export)
            print(f"{ADDRESSES_LEFT_OUT} of this bundle where the node that made it held them without content (as "
                  "a bundle not encrypted brings them): this node asks its peers for them when it syncs.")
        elif report.addresses_left_out:
            print(f"{ADDRESSES_LEFT_OUT} of this bundle, as of every bundle not encrypted: this node asks its "
                  "peers for them when it syncs, or import a bundle exported with --encrypt.")
        if report.gap:
            print(f"This bundle does not bring this home up to date: {report.gap}.")
        elif report.level_on_word and report.made_by:
            print(f"This bundle brings this home up to date as of when it was made ({words.local_time(report.made)}), "
                  f"on the word of its maker, {report.made_by}: it may have left events out. A revocation or block "
                  "of that device or its group takes its word back.")
        if behind and not report.gap:  # (both end "alerts ... may be missing here": the gap says what to ask for)
            print(behind)
        if gate is not None:
            print(chain_gate.BUNDLE_IMPORT_SAYS[gate])
    return EXIT_REFUSED if rejected or report.problem else 0


# --- commands: running a node --------------------------------------------------------------------
def parse_listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError(f"--listen takes HOST:PORT, such as 127.0.0.1:7700 (got {text[:80]!r})")
    return host.strip("[]"), int(port)


def parse_address(text: str) -> str:
    from sync.addresses import AddressError, normalize_address
    try:
        return normalize_address(text)
    except AddressError as exc:
        raise UsageError(str(exc)) from None


def _peer_by_name_hint(log: EventLog, text: str) -> str:
    """For a peer named by its group ('calais', as `solnet peers` shows it) where an address was
    asked: the addresses of the peers of that name, as a sentence to add to the refusal ('' if none)."""
    from node.status import peer_list

    wanted = text.strip().casefold()
    found = sorted({p["address"] for p in peer_list(log.store)
                    if p.get("address") and isinstance(p.get("name"), str) and p["name"].casefold() == wanted})
    if not found:
        return ""
    return (f". {text.strip()!r} is the name of a peer's group; its node's address: {', '.join(found)} "
            f"(`solnet sync {found[0].removeprefix('http://')}`)")


def proxy_of(args: argparse.Namespace, home: Home) -> tuple[Any, bool]:
    """The SOCKS5 proxy for peer connections: --proxy, else $SOLNET_PROXY, else the home's config
    (`solnet proxy`), and whether it came from the config (then a running node follows changes).
    None means direct. There is no option to go direct while one is configured: that takes
    `solnet proxy off`, so a node set up for Tor cannot dial directly by mistake."""
    from node.home import PROXY_ENV
    from sync.proxy import parse_proxy

    given = getattr(args, "proxy", None) or os.environ.get(PROXY_ENV)
    text = given or home.config().proxy
    if not text:
        return None, not given
    try:
        return parse_proxy(text), not given
    except ValueError as exc:
        source = "--proxy" if getattr(args, "proxy", None) else (f"${PROXY_ENV}" if given else "`solnet proxy`")
        raise UsageError(f"{source}: {exc}") from None


def warn_of_onions(args: argparse.Namespace, addresses: list[str]) -> None:
    """Say on stderr, as the peers are kept, that a Tor address among them needs a proxy this home
    has not got (neither --proxy, $SOLNET_PROXY, `solnet proxy` nor a running node started with one):
    else the running node only fails to dial it, into `solnet peers`' last error."""
    from sync.proxy import onions_unreachable

    home = home_of(args)
    if proxy_of(args, home)[0] is not None or (home.node_running() and _runtime_facts(home).get("proxy")):
        return
    if (warning := onions_unreachable(addresses)) is not None:
        print(f"warning: {warning}", file=sys.stderr)


def cmd_proxy(args: argparse.Namespace) -> int:
    from node.home import PROXY_ENV
    home = home_of(args)
    config = home.config()
    if args.url is not None:
        from sync.proxy import parse_proxy

        try:
            config.proxy = None if args.url == "off" else str(parse_proxy(args.url))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        home.save_config(config)
    human = (f"Peer connections go through {config.proxy}." if config.proxy else
             "Peer connections are direct (no proxy).")
    if args.url is not None and home.node_running():
        info = _runtime_facts(home)
        if info.get("proxy_fixed"):
            print(f"warning: the node running on this home was started with --proxy or ${PROXY_ENV}: it keeps "
                  f"using {info.get('proxy') or 'no proxy'} until you restart it.", file=sys.stderr)
        else:
            human += " The running node switches to it within seconds (links it opened are dialled again)."
    emit(args, {"proxy": config.proxy}, human)
    return 0


def _runtime_facts(home: Home) -> dict[str, Any]:
    """What the node running on this home last saved about itself (its address, its proxy)."""
    from node.status import runtime_info
    if not home.db_path.exists():
        return {"running": home.node_running()}
    store = home.store()
    try:
        return runtime_info(store, home)
    finally:
        store.close()


def cmd_run(args: argparse.Namespace) -> int:
    from node.heap_trim import one_heap
    from node.home import passphrase_source_warning
    import asyncio
    import math
    import shlex
    one_heap()  # before any thread starts: the node's threads share one glibc heap (node/heap_trim.py)
    home = home_of(args)
    if home.node_running():  # refused before the passphrase is asked; the node takes the lock for real below
        os.close(home.lock_node())
    if home.exists():  # (a folder that is no home gets no mark: home.log() says what it lacks)
        # Held until this process ends: `status` says "starting" until the node serves, and a
        # `publish` typed just after `solnet run` waits for it. Taken before opening the log (half
        # a second, more on a Pi): until then a publish saw no node and was refused "Start the node".
        home.mark_starting()
    log = home.log()  # fail early, with a clear message, if the node has not joined a network
    listen = parse_listen(args.listen)
    peers = [parse_address(p) for p in args.peer or []]
    announce = list(dict.fromkeys(parse_address(a) for a in args.announce or []))
    if len(announce) > 8:
        raise UsageError("--announce takes at most 8 addresses (a node.announce holds 8)")
    if not (math.isfinite(args.sync_interval) and args.sync_interval > 0):
        raise UsageError("--sync-interval is a number of seconds above 0")
    proxy, follows_config = proxy_of(args, home)
    if proxy is None:  # said at the start, not only as each dial of a Tor peer fails
        from sync.proxy import onions_unreachable

        configured = [row.address for row in log.store.peer_rows() if row.source == "config"]
        if (warning := onions_unreachable(list(dict.fromkeys([*peers, *configured])))) is not None:
            print(f"warning: {warning}", file=sys.stderr)
    hook, unheard = None, []
    if args.on_alert is not None:
        from node.alert_hook import AlertHook, parse_command
        if not (math.isfinite(args.on_alert_timeout) and args.on_alert_timeout > 0):
            raise UsageError("--on-alert-timeout is a number of seconds above 0")
        if args.on_alert_limit < 0:
            raise UsageError("--on-alert-limit is a number of alerts, 0 or more (0: no limit)")
        hook = AlertHook(parse_command(args.on_alert), [r.lower() for r in args.alert_region or ()],
                         timeout_s=args.on_alert_timeout, burst=args.on_alert_limit)
        unheard = _unknown_alert_regions(log, hook.regions, home)
    elif args.alert_region:
        raise UsageError("--alert-region chooses the regions of --on-alert: give the command too")
    log.store.close()
    if (warning := passphrase_source_warning()) is not None:
        print(warning, file=sys.stderr)
    from node.swap import clear_swaps, swap_warning
    if (warning := swap_warning(clear_swaps())) is not None:  # the unlocked keys could be paged out to it
        print(warning, file=sys.stderr)
    # A port that is taken is said before the keys are unlocked (seconds of Argon2id on a Pi, and a
    # service restarted every few seconds paid them at each start); serve() says it again if the
    # port is taken in between.
    if (problem := _listen_problem(listen)) is not None:
        raise CliError(f"cannot listen on {args.listen}: {problem}")
    keys = home.keys()
    from node import log_lines
    log_lines.configure(sys.stderr)  # (a traceback names classes and frames, never a value: the journal outlives a wipe)
    # The network stack loads only for the commands that use it.
    from node.dashboard import AccessOptions, DashboardOptions
    from node.listener import raise_open_files_limit
    from node.net import Node
    from node.webapp import AppOptions, create_app, serve

    node = Node(home, keys, listen=listen, peers=peers, sync_interval_s=args.sync_interval, proxy=proxy,
                proxy_follows_config=follows_config)
    # Silent connections must not exhaust the descriptors (node/listener.py): use all we may have.
    app = create_app(node, AppOptions(DashboardOptions(AccessOptions(public=args.public_dashboard)),
                                      open_files=raise_open_files_limit()))
    if args.dashboard_require_login:
        print("warning: --dashboard-require-login does nothing any more and will go: the dashboard always asks "
              "for a login now; remove the option from your command or service file.", file=sys.stderr)
    if proxy is not None:
        print(f"peer connections go through the proxy at {proxy.where}; never directly.", file=sys.stderr, flush=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            served = await serve(app, listen[0], listen[1])  # starts the node too (one node per home: the lock)
        except OSError as exc:
            raise CliError(f"cannot listen on {args.listen}: {LISTEN_PROBLEMS.get(exc.errno, exc.strerror)}") from None
        from node.long_lived import freeze_started
        freeze_started()  # a full garbage collection no longer walks what the start made (node/long_lived.py)
        config = home.config()
        # Not the group's name: a service's output stays in the system journal past any wipe (its words
        # name the journal), and whose node this machine ran is the one thing a wiped node should not say
        print(f"solnet node running; peers connect to {listen[0]}:{served.port}. Ctrl-C stops it.", flush=True)
        print(f"dashboard: {dashboard_url(listen[0], served.port)}/ — to log in, run `{login_command(args)}` "
              "on this machine and open the link it prints (or use this node's passphrase)", flush=True)
        announcing = checking = None
        if announce:  # signed once the node may sign (a restored home first catches up)
            from node.net.announcer import announce as announce_node
            announcing = asyncio.create_task(announce_node(node, announce), name="announce")
        if hook is not None:
            from node.alert_feed import feed_of
            from node.alert_hook import PassedMemory, TrustRanks
            feed = feed_of(node)
            await feed.start()
            hook.memory = PassedMemory(node)
            hook.ranks = TrustRanks(node, bytes.fromhex(config.group_id))  # held-back alerts of trusted groups first
            await hook.start(feed)
            where = ", ".join(hook.regions) if hook.regions else "every region"
            print(f"on each new alert of {where}: {shlex.join(hook.argv)} (the alert as JSON on its input)", flush=True)
            if unheard:  # a node that knew no region yet: said again in the log once it does
                from node.known_regions import say_if_still_unknown
                checking = asyncio.create_task(say_if_still_unknown(node, unheard), name="alert-regions")
        await stop.wait()
        print("stopping: closing links and finishing the batch being stored...", file=sys.stderr, flush=True)
        if announcing is not None:
            announcing.cancel()
        if hook is not None:
            await hook.stop()
        if checking is not None:
            checking.cancel()
        await served.close()  # the app's shutdown ends the alert feed and the streams, then stops the node

    asyncio.run(main())
    print("stopped cleanly.", file=sys.stderr)
    return 0


def _unknown_alert_regions(log: EventLog, regions: Sequence[str], home: Home) -> list[str]:
    """--alert-region's regions no group is based in and no event is placed in: said at start (a typo,
    'calis': the command would never run, and no one would know), never refused: the node starts all
    the same (it syncs and serves whatever its hook's region). A node that has never synced
    knows its own group's and its sponsor's regions only, so it cannot tell a typo: those are said at
    start and returned, to be said again in the log after its first sync (node/known_regions.py)."""
    from node.known_regions import ever_synced, unknown_region, unread_region_words
    from node.status import peer_list
    unknown = [(r, close) for r in dict.fromkeys(regions)
               if (close := unknown_region(log, r, lambda: home.config().region)) is not None]
    if not unknown:
        return []
    if ever_synced(peer_list(log.store)):
        # Said, not refused: a node that would not start for its hook's region (a camp not yet on the
        # network, or a typo) would sync nothing and serve nothing, a Pi's service restarting forever.
        for region, close in unknown:
            print(f"WARNING: --alert-region {region}: {unread_region_words(region, close)} If it is a typo, stop "
                  "the node and correct it: the command will not run for that region's alerts until then.",
                  file=sys.stderr, flush=True)
        return []
    print(f"warning: no group is based in --alert-region {', '.join(r for r, _ in unknown)} and nothing is "
          "placed in it, as far as this node knows; it has never synced with a peer, so it may not know the "
          "network's regions yet. If no one is in it, the command will never run for its alerts: check its "
          "spelling. The node's log says so again after its first sync if it is still unknown.",
          file=sys.stderr, flush=True)
    return [r for r, _ in unknown]


def _listen_problem(listen: tuple[str, int]) -> str | None:
    """Why `listen` cannot be listened on now (LISTEN_PROBLEMS' words), or None: each of its addresses
    bound and let go at once, with the address reuse asyncio's server sets (a socket of a node that
    just stopped, in TIME_WAIT, does not count)."""
    import socket

    try:
        addresses = socket.getaddrinfo(listen[0] or None, listen[1], type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError):  # a name that does not resolve: serve() says it
        return None
    for family, kind, proto, _, address in addresses:
        try:
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(address)
        except OSError as exc:
            if exc.errno in LISTEN_PROBLEMS:
                return LISTEN_PROBLEMS[exc.errno]
    return None


LISTEN_PROBLEMS = {
    errno.EADDRINUSE: "that port is in use — by another program, or another solnet node; choose another with "
                      "--listen HOST:PORT",
    errno.EACCES: "not allowed (ports below 1024 need root); choose a port from 1024 up",
    errno.EADDRNOTAVAIL: "this machine has no such address; 127.0.0.1 (this machine only) or 0.0.0.0 (every "
                         "address) work",
}


def dashboard_url(host: str, port: int | None) -> str:
    """The dashboard's address on this machine for a node listening on host:port (a wildcard
    address is reached through loopback)."""
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def login_command(args: argparse.Namespace) -> str:
    """The command that prints a login link for this node (its home named when not the default)."""
    import shlex

    from node.home import HOME_ENV
    home = args.home or os.environ.get(HOME_ENV)
    return "solnet " + (f"--home {shlex.quote(home)} " if home else "") + "dashboard-link"


def cmd_dashboard_link(args: argparse.Namespace) -> int:
    """Print a one-time login link for this node's dashboard (node/login_links.py)."""
    from node.field_input import InputError, parse_duration_ms
    from node import login_links

    home = home_of(args)
    config = home.config()
    ttl_s = login_links.TTL_S
    if args.valid_for:
        try:
            ttl_s = parse_duration_ms(args.valid_for) / 1000
        except InputError as exc:
            raise UsageError(f"--valid-for: {exc}") from None
        if not 0 < ttl_s <= login_links.MAX_TTL_S:
            raise UsageError(f"--valid-for is at most {login_links.MAX_TTL_S // 86400} days (e.g. 30m, 12h, 2d)")
    info = _runtime_facts(home)
    if not info.get("running") and not home.db_path.exists():
        # No node can run on this home yet (not joined, or its database gone): a link to the default port,
        # "start it with `solnet run`", led to whatever listens there (on a try-out machine, the inviting
        # group's node, which refused it) and to a command that fails. What to do first instead.
        from node.home import HomeError
        try:
            home.log().store.close()  # (raises HomeError saying it)
        except HomeError as exc:
            raise HomeError(f"there is no dashboard to log in to: {exc}") from None
    if args.base_url:
        if not args.base_url.startswith(("http://", "https://")):
            raise UsageError("--base-url takes the address you open the dashboard at, such as "
                             f"http://localhost:8080 (got {args.base_url[:80]!r})")
        base = args.base_url.rstrip("/")
    else:
        listen = info.get("listen") or ["127.0.0.1", 7700]
        base = dashboard_url(listen[0], info.get("port") or listen[1])
    try:
        token, expires = login_links.create(home.path, ttl_s=ttl_s)
    except OSError as exc:
        raise CliError(f"cannot write the login link into {home.path}: {exc.strerror}; free some space and "
                       "run it again", EXIT_STORAGE) from None
    url = f"{base}/login/link?token={token}"
    if login_links.read_on_the_way(base):
        print(f"warning: {base} is plain HTTP across a network: this link, and the login it opens, can be read on "
              "the way, and whoever uses it first is logged in. Reach the dashboard through an encrypted channel "
              "(`ssh -L` to localhost, an onion address in Tor Browser, or HTTPS) and give that address with "
              "--base-url.", file=sys.stderr)
    within = (f"{ttl_s / 60:.0f} minutes" if ttl_s < 7200 else f"{ttl_s / 3600:.0f} hours" if ttl_s < 172800
              else f"{ttl_s / 86400:.0f} days")
    human = (f"Open this link and press \"Log in\" within {within} to log in to the dashboard of {config.group_name} "
             f"(it works once; whoever presses it first is logged in, so send it only to the person it is for):\n  {url}")
    if info.get("starting") and not info.get("running"):
        human += "\nThe node of this home is starting: the link works once it serves (`solnet status` says when)."
    elif not info.get("running"):
        human += ("\nNo node runs on this home right now: start it with `solnet run`."
                  + ("" if args.base_url else " If you reach its dashboard at another address (ssh -L, an onion "
                                              "service), give that with --base-url."))
        if not args.base_url and not info.get("listen"):  # (never run: the port is `run`'s default, a guess)
            human += (f" Its node has never run, so this link is for `solnet run`'s default address ({base}): "
                      "started with --listen elsewhere (another node of this machine on that port), run "
                      "`solnet dashboard-link` again once it runs.")
    emit(args, {"url": url, "expires": expires}, human)
    return 0


PEER_DONE = {
    "add": "Added peer {0}; a running node dials it within seconds.",
    "rm": "Removed peer {0}: it stays removed, whatever announces it (`solnet peers add` brings it back); a running "
          "node drops its link within seconds.",
    "block": "Blocked {0}: it is never dialled, and the node behind it may not link to this one either way "
             "(`solnet peers unblock` lifts it); a running node applies it within seconds.",
    "unblock": "Unblocked {0}; a running node takes it up within seconds.",
}


def cmd_peers(args: argparse.Namespace) -> int:
    from node import peer_blocks
    from node.status_text import peer_line
    from node.status import peer_list, runtime_info

    log = home_of(args).log()
    store = log.store
    if args.action != "ls":
        if not args.address:
            what = "an ADDRESS (host:port or a URL)" + (" or a device or group id" if "block" in args.action else "")
            raise UsageError(f"`solnet peers {args.action}` needs {what}")
        target = _peer_target(args.action, args.address, log)
        if args.action == "add":
            refuse_own_address(store, target)
        # Asked before the write: an answer may take seconds, the node's own writes waiting on ours meanwhile.
        live = _live_devices(home_of(args)) if args.action in ("rm", "block") and ":" in target else {}
        with store.write():
            try:
                done = _change_peers(store, args.action, target, live)
            except peer_blocks.PeerBlocked as exc:
                raise CliError(str(exc)) from None
        if not done:
            raise CliError(f"{target} is not among this node's peers (`solnet peers ls` lists them)" if args.action == "rm"
                           else f"{target} is not blocked (`solnet peers ls` lists what is)")
        key = "address" if ":" in target else "id"
        out, said = {key: target, "action": args.action}, PEER_DONE[args.action].format(target)
        if args.action == "rm":
            reach, said = _removal_reach(log, target)
            out.update(reach)
            said = PEER_DONE["rm"].format(target) + said
        emit(args, out, said)
        if args.action == "add":
            warn_of_onions(args, [target])
        return 0
    if args.address:
        raise UsageError("`solnet peers` lists the peers; to change them: `solnet peers add|rm|block|unblock ADDRESS`")
    runtime = runtime_info(store, home_of(args))
    # A running node's own view (its links now), else what it last saved (every 2 s: stale at once)
    peers = peers_of_running_node(home_of(args)) or peer_list(store, runtime)
    if any(p.get("source") == "blocked" and p.get("id") for p in peers):
        from node.status import name_blocked

        name_blocked(log, peers)
    if peer_blocks.load(store).damaged:
        print(f"warning: {peer_blocks.DAMAGED}.", file=sys.stderr)
    if args.json:
        print(json.dumps(peers, indent=2))
        return 0
    if not any(p["source"] != "blocked" for p in peers):
        print("No peers yet: `solnet peers add HOST:PORT`." + ("" if runtime.get("running") else
              " (Peers that dial in are listed while the node runs.)"))
    for p in peers:
        print(peer_line(p))
    return 0


def _removal_reach(log: EventLog, address: str) -> tuple[dict[str, Any], str]:
    """A removal holds against the device that answered at the address (node/peer_blocks.py): its
    other addresses go too. What `peers rm` adds to its answer of that, for scripts and in words."""
    from crypto.keys import short_id
    from node import peer_blocks, references

    device, kept_out, dialled = peer_blocks.removal_reach(log.store, address)
    out = {"device": device.hex() if device else None, "also_kept_out": kept_out, "still_dialled": dialled}
    if device is None:
        # Asked of the running node too (`_live_devices`), else what the node saved when it stopped
        return out, " No device has answered there yet: no other address goes with it."
    group = log.trust.group_of(device)
    whose = f"device {short_id(device)}" + (f" of {references.group_name(log.store, group)}" if group else "")
    said = f" The removal holds against the device that answered there ({whose}): "
    one = len(kept_out) == 1
    said += (f"{'its other address' if one else 'its other addresses'} this node knows, {', '.join(kept_out)}, "
             f"{'is' if one else 'are'} kept out too, and any it announces later"
             if kept_out else "any other address it announces is kept out too")
    said += f" (`solnet peers add {address}` brings it all back)."
    if dialled:
        said += (f" {', '.join(dialled)}, where it answered too, {'was' if len(dialled) == 1 else 'were'} added with "
                 f"`solnet peers add` and {'is' if len(dialled) == 1 else 'are'} still dialled: remove "
                 f"{'it' if len(dialled) == 1 else 'them'} too (`solnet peers rm {dialled[0]}`).")
    return out, said


def refuse_own_address(store: Any, target: str) -> None:
    """`peers add` and `sync` of this node's own address: refused in words (a node dialling itself
    only ever refuses itself)."""
    if (own := _own_address(store, target)) is not None:
        raise CliError(f"{target} is this node's own address (it listens on {own}): give the address of "
                       "another group's node")


def _own_address(store: Any, target: str) -> str | None:
    """Where the node of this home listens (HOST:PORT), if `target` is that: a node that dials itself
    only ever refuses itself, and `solnet peers` showed it as never connected, for ever."""
    from node.status import runtime_info
    from sync.addresses import AddressError, is_own_address, normalize_address

    info = runtime_info(store)
    listen, port = info.get("listen"), info.get("port")
    if not listen:
        return None
    where = f"{listen[0]}:{port or listen[1]}"
    try:
        return where if is_own_address(target, {normalize_address(where)}) else None
    except AddressError:
        return None


def _peer_target(action: str, text: str, log: EventLog) -> str:
    """The canonical address, or for block/unblock a device or group id (hex) when it is one."""
    if action in ("block", "unblock") and ":" not in text:
        if action == "unblock" and re.fullmatch(r"[0-9a-fA-F]{64}", text.strip()):
            return text.strip().lower()
        return parse_key(text, "device or group id", log).hex()
    return parse_address(text)


def _change_peers(store: Any, action: str, target: str, live: dict[str, bytes]) -> bool:
    from node import peer_blocks
    from node.log import now_ms

    now = now_ms()
    if action == "add":
        peer_blocks.add(store, target)
    elif action == "rm":
        return peer_blocks.remove(store, target, now, live)
    elif action == "block" and ":" in target:
        peer_blocks.block_address(store, target, now, live)
    elif action == "block":
        peer_blocks.block_key(store, bytes.fromhex(target), now)
    else:
        return peer_blocks.unblock(store, target)
    return True


def cmd_sync(args: argparse.Namespace) -> int:
    from node import render
    import asyncio
    home = home_of(args)
    log = home.log()
    try:
        address = parse_address(args.address)
    except UsageError as exc:
        raise UsageError(f"{exc}{_peer_by_name_hint(log, args.address)}") from None
    refuse_own_address(log.store, address)
    proxy, _ = proxy_of(args, home)
    # Marked before the keys are unlocked (its passphrase read, seconds of Argon2id on a Pi), as export
    # and the signing commands are: marked after, a wipe begun and ended meanwhile never found it, and
    # it ran on the wiped home with the keys. `solnet status` meanwhile says a sync runs; the wipe stops it
    _mark_stoppable(home, "sync", "it syncs nothing more")
    keys = home.keys()
    import aiohttp  # the network stack loads only for the commands that use it

    from node.net import Node
    from node.net.peer_link import RoundCut
    from sync.handshake import HandshakeError
    from sync.proxy import ProxyFailure
    from sync.transport import DialSkipped, LinkClosed

    node = Node(home, keys, proxy=proxy)
    show_progress = not args.json and sys.stderr.isatty()

    width = 0  # of the progress line last shown (a shorter one covers all of it)

    def progress(received: int, expected: int, unknown_authors: int) -> None:
        nonlocal width
        if show_progress:
            # Events of authors this node does not know count in no lag: "of" what is not known then
            line = (f"  stored {received} events ({render.plural(expected, 'event')} behind when the round began, and "
                    f"events of {render.plural(unknown_authors, 'author')} this node does not know yet)..."
                    if unknown_authors else f"  stored {received} of {expected} events...")
            print("\r" + line.ljust(width), end="", file=sys.stderr, flush=True)
            width = len(line)

    async def main() -> Any:
        await node.start(background=False)
        try:
            return await node.sync_once(address, progress)
        finally:
            await node.stop()

    from node import own_marks

    # What this home signed is on the disk before any of it leaves (the node's publishes are not
    # fsynced one by one: node/own_marks.py). Once per command.
    own_marks.make_durable(log.store)
    try:
        result = asyncio.run(main())
    except HandshakeError as exc:
        from node import revoked_here

        if exc.ours and exc.reason == "not_a_member":  # e.g. a stranger at that address: nobody revoked it
            raise CliError(f"this node does not link with that peer: {exc.args[0]}. Check the address; a group "
                           "admitted lately is known once this node has synced with a peer that knows it") from None
        if exc.ours:  # this node refused the peer, not the other way round
            raise CliError(f"this node does not link with that peer: {exc.args[0]} (`solnet view groups` shows who "
                           "revoked it and why)") from None
        if exc.reason == "revoked" and (why := revoked_here.known_revoked(node.log.trust, bytes(keys.device.public))):
            raise CliError(why) from None
        if exc.reason in ("revoked", "frozen", "group_frozen"):
            from node.words import local_time

            kept = node.refused_as_revoked  # kept by the dial if the refusing key is a member here
            if kept is not None:
                raise CliError(revoked_here.warning(kept, home.config().group_id, local_time(kept["at"]))) from None
            device = bytes(keys.device.public)
            if exc.reason == "frozen" and exc.seq is not None and node.log.trust.fork_point(device) == exc.seq:
                raise CliError(revoked_here.frozen(exc.seq, home.config().group_id, device.hex())) from None
            group = bytes.fromhex(home.config().group_id)
            if exc.reason == "group_frozen" and exc.seq is not None and node.log.trust.fork_point(group) == exc.seq:
                raise CliError(revoked_here.group_frozen(exc.seq)) from None
            if exc.reason == "group_frozen":
                raise CliError(f"{exc.args[0]}: this device's group key signed two different events at that seq, if "
                               "the peer says true (its key is not a member this node knows, so this node does not "
                               "take its word for it). If that is news to you, ask your group's coordinators.") from None
            if exc.reason == "frozen":
                raise CliError(f"{exc.args[0]}: this device's key signed two different events at that seq, if the "
                               "peer says true (its key is not a member this node knows, so this node does not take "
                               "its word for it). If that is news to you, ask your group's coordinators.") from None
            raise CliError("the peer refused this device as revoked (its key is not a member this node knows, so "
                           "this node does not take its word for it). If that is news to you, ask your group's "
                           "coordinators.") from None
        if exc.reason in ("duplicate_link", "group_full"):  # a member, but no link slot for it now
            raise CliError(f"the peer refused the link: {exc.args[0]}") from None
        if exc.reason == "unavailable":  # its database failed while it stored our credentials
            raise CliError(f"{exc.args[0]}: sync with another peer, or again once its operator has mended it") from None
        if exc.reason == "not_a_member":  # told by the peer, having read this device's credentials
            raise CliError("the peer refused this device: it does not count it as a member of this network (its "
                           "group may have been revoked from its start, or the peer blocked it). If that is news "
                           "to you, ask your group's coordinators.") from None
        if exc.reason == "inbound_full":
            raise CliError(f"{exc.args[0]}: sync with another peer, or again later") from None
        # Not a member, or not a node of this network: said in words, not by the reason code
        raise CliError(f"cannot sync with {address}: {exc.args[0]}. Check that it is the address of a node of "
                       "this network (`solnet peers` lists the known ones)") from None
    except ProxyFailure as exc:
        raise CliError(f"cannot sync with {address}: {exc}") from None
    except (OSError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise CliError(f"cannot reach {address}: {render.connection_problem(exc)}") from None
    except RoundCut as cut:
        # What was stored is kept and reported; the rest comes with the next sync.
        if show_progress:
            print(file=sys.stderr)
        emit(args, {**sync_summary(address, cut.result), "error": str(cut)},
             f"Sync with {address} cut off after {cut.result.seconds:.1f} s: {render.sync_counts(cut.result)}.")
        if cut.reason == "storage":
            raise CliError(f"{cut}: the sync stopped there (what was stored is kept). Free some space and run "
                           "`solnet sync` again: it resumes where it stopped.", EXIT_STORAGE) from None
        raise CliError(f"the sync was cut off: {cut}; what was stored is kept: run `solnet sync` again "
                       "for the rest") from None
    except LinkClosed as exc:  # before the round began: nothing was received
        raise CliError(f"the connection to {address} ended before the sync began: {exc}") from None
    except DialSkipped as exc:  # where the connection led (sync/dialled_place.py): nothing was sent
        raise CliError(f"did not sync with {address}: {exc}. Check the address (`solnet peers` lists the "
                       "known ones)") from None
    except Exception as exc:  # noqa: BLE001 (what a hostile peer's answer broke, or a bug here)
        # As a node's dial (node/net/links.py): one line by type, never the peer's bytes nor a
        # traceback, and no report of counts: batches stored before it are kept, none is claimed.
        from node.net.links import unreadable_answer

        if show_progress:
            print(file=sys.stderr)
        raise CliError(f"the sync with {address} failed: {unreadable_answer(exc)}. Whatever was stored before that "
                       "is kept; run `solnet sync` again, or with another peer, and if it fails the same way, "
                       "report it to solnet's maintainers") from None
    if show_progress:
        print(file=sys.stderr)
    if result.in_sync:
        human = f"Already in sync with {address} ({result.seconds * 1000:.0f} ms)."
    else:
        human = f"Synced with {address} in {result.seconds:.1f} s: {render.sync_counts(result)}."
    emit(args, sync_summary(address, result), human)
    warn_of_node_facts({"clock_behind_ms": node.clock_behind_ms()})  # what the refused events say: once, at the end
    # Events of a forked key are refused but are no fault of the peer's: the sync did its job.
    return EXIT_REFUSED if result.outcomes.get("rejected", 0) > result.of_forked_keys else 0


def sync_summary(address: str, result: Any) -> dict[str, Any]:
    """`solnet sync --json`: `complete` is false when the link was cut (what was stored is kept);
    `in_sync` is true once the round completed: this node then holds what the peer offered, but for
    the events it refused (`outcomes`); `already_in_sync`: the two held the same events when the round
    began, nothing was exchanged. (`in_sync` said that last thing: false after a complete first
    round, beside `complete: true`, it read as "not in sync" to a member whose node had just
    caught up.) `received` counts what was stored or refused (the outcomes), never events that
    arrived and were not stored; `of_forked_keys` counts the refused events of keys found to have
    forked (no fault of the peer's); `unknown_authors` counts the authors whose events the peer held
    and this node did not know when the round compared heads (as `solnet peers` says): their events
    count in no `lag`."""
    return {"address": address, "in_sync": result.complete, "already_in_sync": result.in_sync,
            "complete": result.complete, "received": result.received,
            "sent": result.sent, "lag": result.lag, "unknown_authors": result.unknown_authors,
            "outcomes": dict(result.outcomes),
            "of_forked_keys": result.of_forked_keys, "seconds": round(result.seconds, 3)}


# --- commands: the rest --------------------------------------------------------------------------
def cmd_wipe(args: argparse.Namespace) -> int:
    from node import render, sync_mark
    from node.store.errors import DiskFailing
    from node.home import HomeError
    from node.wipe import READER_HOLDS, wipe
    home = home_of(args, shared_ok=True)
    try:
        home.config()
    except DiskFailing:
        pass  # a panic wipe still stops the node and destroys what it can (node/wipe.py)
    except HomeError:
        if not home.db_path.exists() and not home.wipe_unfinished():  # (a home wiped before keeps its event log)
            raise
    what = ("the keys, this node's name and ids, the private parts, the peer list AND the whole event log"
            if args.all else "the keys, this node's name and ids, the private parts and the peer list "
            "(public events stay)")
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("wipe destroys this node's keys: confirm with --yes (for scripts) or run it in a terminal")
        answer = input(f"This destroys {what} of {home.path}, for good. Type WIPE to go on: ")
        if answer.strip() != "WIPE":
            print("Nothing was wiped.")
            return EXIT_REFUSED
    report = wipe(home, everything=args.all)
    emit(args, {"home": str(home.path), "stopped_pid": report.stopped_pid,
                **{f"stopped_{c}_pid": report.stopped_pid_of(c) for c in sync_mark.KINDS},
                "stopped_commands": [vars(c) for c in report.stopped_commands],
                "files_destroyed": report.files_destroyed,
                "private_parts_dropped": report.private_parts_dropped, "peers_forgotten": report.peers_forgotten,
                "everything": report.everything, "seconds": round(report.seconds, 3), "failed": report.failed,
                "passphrase_file": report.passphrase_file, "passphrase_file_left": report.passphrase_file_left,
                "passphrase_file_not_deleted": report.passphrase_file_not_deleted, "clear_swap": report.clear_swap},
         render.wipe_text(report, str(home.path)))
    if report.failed:
        held = all(READER_HOLDS in why for why in report.failed)
        print(f"solnet: could not destroy {', '.join(report.failed)}" + (
            "." if held else ": the disk fails. The node is stopped; destroy the card or drive itself (its files may "
            "still be read from it)"), file=sys.stderr)
        return EXIT_REFUSED if held else EXIT_STORAGE
    return 0


def cmd_admin_token(args: argparse.Namespace) -> int:
    """The running node tells it over the local channel (it holds the unlocked key the token is made
    from); with no node running, the passphrase unlocks the keys here."""
    from node.admin_channel import admin_token

    home = home_of(args)
    home.config()
    token = admin_token(home.path)
    if token is None:  # no node runs here
        token = home.admin_token(home.keys())
    emit(args, {"token": token}, token)
    return 0


def cmd_end_sessions(args: argparse.Namespace) -> int:
    """Log out everywhere: a stolen session cookie, a login link sent to someone who left, (with
    --api-token) the HTTP API's token copied from a script, open nothing from now on."""
    from node import login_links
    from node.admin_channel import end_sessions

    home = home_of(args)
    home.config()
    links = login_links.forget_all(home.path)
    if args.api_token:
        home.admin_salt_path.unlink(missing_ok=True)  # the next token is made from a new one
    sessions = end_sessions(home.path)  # (and the running node reads its token again)
    said = [f"Deleted {links} unused login link(s)."]
    if sessions is not None:
        said.append(f"Ended {sessions} dashboard session(s): every browser must log in again.")
    elif home.node_running():  # its channel is off (its log says why)
        raise CliError(f"Deleted {links} unused login link(s), but the node running on {home.path} could not be told "
                       "to end its dashboard sessions: restart it to end them.")
    else:
        said.append("No node runs on this home: no dashboard session is open (they end when the node stops).")
    if args.api_token:
        said.append("The HTTP API's admin token is a new one" + (
            " from now on" if sessions is not None else " once the node starts") +
            ": the old one opens nothing; `solnet admin-token` prints the new one (give it to your scripts).")
    emit(args, {"login_links_deleted": links, "sessions_ended": sessions, "node_running": sessions is not None,
                "api_token_changed": args.api_token}, "\n".join(said))
    return 0


def cmd_passphrase(args: argparse.Namespace) -> int:
    """Seal this home's keys under a new passphrase: the old one (seen typed, known to a coordinator
    who left) opens neither the keystore nor the dashboard's login from then on."""
    from node import login_links
    from node.admin_channel import ChannelError, end_sessions
    from node.home import PASSPHRASE_FILE_RECORD, read_new_passphrase
    from node.home_lock import LOCK_FILE, node_lock_holder

    home = home_of(args)
    with home.changing_keys():  # (one change at a time: node/home.py)
        keys, current = home.unlock()  # the passphrase they are sealed with now
        new = read_new_passphrase(Path(args.new_file) if args.new_file else None, home=home.path)
        if new == current:
            raise CliError("nothing changed: the new passphrase is the one this home's keys are sealed with now. "
                           "Choose another and run the command again")
        home.change_passphrase(keys, new)
    try:
        service_file = (home.path / PASSPHRASE_FILE_RECORD).read_text().strip() or None
    except OSError:
        service_file = None
    running = bool(node_lock_holder(home.path / LOCK_FILE))
    # Whoever the old passphrase, or a link, logged in is out too (the passphrase is changed already: a
    # node that cannot be told, an older one, is said below, not an error)
    links = login_links.forget_all(home.path)
    try:
        sessions = end_sessions(home.path)
    except ChannelError:
        sessions = None
    lines = ["This home's keys are sealed with the new passphrase; the keystore sealed with the old one was "
             "overwritten and deleted. The old passphrase opens nothing here any more, the dashboard's login included.",
             "It still opens every copy of the keystore taken before (a backup, a copied card): if someone who knows "
             "it may hold one, make a new device for your group (`solnet init --device-of GROUP_ID` in a new home) and "
             "revoke this one."]
    if service_file and (args.new_file is None or os.path.abspath(args.new_file) != service_file):
        lines.append(f"A service unlocks this home with the file {service_file}: put the new passphrase in it, in "
                     "place of the old one, before the node starts again" + (
                         f" (or name {args.new_file} in its $SOLNET_PASSPHRASE_FILE)." if args.new_file else "."))
    if sessions is not None:
        lines.append(f"The node running on this home goes on with the keys it holds; its {sessions} dashboard "
                     f"session(s) opened before were ended and {links} unused login link(s) deleted: log in again.")
    elif running:  # (its channel is off: its log says why)
        lines.append("The node running on this home goes on with the keys it holds, and could not be told to end the "
                     "dashboard sessions opened before: restart it to end them.")
    lines.append("The HTTP API's admin token is unchanged (it is made from the device key): `solnet end-sessions "
                 "--api-token` makes a new one.")
    emit(args, {"changed": True, "node_running": running, "service_file": service_file, "sessions_ended": sessions,
                "login_links_deleted": links}, "\n".join(lines))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from node.demo.run import DemoOptions, run_demo  # loads the sample data only when asked

    if args.duration is not None and args.duration < 0:
        raise UsageError("--duration is a number of seconds, 0 or more")
    if args.base_port is not None and not 1024 <= args.base_port <= 65532:
        raise UsageError("--base-port is a port from 1024 to 65532 (the demo uses it and the next three)")
    return run_demo(DemoOptions(folder=Path(args.keep) if args.keep else None, duration=args.duration,
                                base_port=args.base_port, quiet=args.quiet, seed=args.seed))


# --- parser ----------------------------------------------------------------------------------------
class Later:
    """An argument's setting computed only when its command's parser is made (it needs a module the
    other commands do not load, such as the list of kinds)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


class CommandArguments:
    """One command's arguments, written down by `build_parser` and given to a parser only when that
    command is the one run: argparse takes ~0.4 ms to make a parser (most of it gettext looking for
    catalogs that are not there), ~13 ms for all of solnet's, at every start."""

    def __init__(self, **settings: Any) -> None:
        self.settings = settings  # of the parser: parents, description
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def add_argument(self, *names: str, **settings: Any) -> None:
        self.calls.append(("add_argument", names, settings))

    def set_defaults(self, **defaults: Any) -> None:
        self.calls.append(("set_defaults", (), defaults))

    def parser(self, parser_class: type[argparse.ArgumentParser], prog: str) -> argparse.ArgumentParser:
        made = parser_class(prog=prog, **self.settings)
        for method, names, settings in self.calls:
            getattr(made, method)(*names, **{k: v.make() if isinstance(v, Later) else v for k, v in settings.items()})
        return made


class LazyCommands(argparse._SubParsersAction):
    """argparse's subcommands, each command's parser made when that command is chosen. `--help`
    lists them all from their names and help alone, as argparse does."""

    def add_parser(self, name: str, **settings: Any) -> CommandArguments:  # type: ignore[override]
        self._choices_actions.append(self._ChoicesPseudoAction(name, (), settings.pop("help")))
        arguments = CommandArguments(**settings)
        self._name_parser_map[name] = arguments  # its key is what argparse checks the command against
        return arguments

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        arguments = self._name_parser_map.get(values[0])
        if isinstance(arguments, CommandArguments):
            self._name_parser_map[values[0]] = arguments.parser(self._parser_class, f"{self._prog_prefix} {values[0]}")
        super().__call__(parser, namespace, values, option_string)


def kind_names(before: str = "") -> Later:
    """The kinds' names, listed in a help text (after `before`)."""
    def make() -> str:
        from events.kinds import KINDS

        return before + ", ".join(KINDS)
    return Later(make)


def proxy_help() -> str:
    from node.home import PROXY_ENV

    return ("socks5://HOST:PORT: connect to peers only through this SOCKS5 proxy, which also resolves their names "
            f"(.onion works); default ${PROXY_ENV}, else `solnet proxy`. Without one, every node this one dials, "
            "addresses any member announced included, sees this node's IP address: Tor hides it")


class QuietParser(argparse.ArgumentParser):
    """argparse, with its errors raised as UsageError (mapped like every other error) instead of
    printed with the whole usage and an exit of its own."""

    def error(self, message: str) -> NoReturn:
        if message == "the following arguments are required: COMMAND":  # `solnet` alone: a first try
            raise UsageError(f"say what to do: `{self.prog} COMMAND` (`{self.prog} --help` lists the commands). {START}")
        if message.startswith("unrecognized arguments:") and GLOBAL_AFTER_COMMAND.search(message):
            # `solnet status --home calais`: the home is the program's option, not the command's
            raise UsageError(f"{message}: --home goes before the command, as in `solnet --home calais status`")
        if ARGPARSE_OWN.match(message):  # argparse's own wording says what, not how: add where to look
            message += f" (`{self.prog} --help` shows the usage)"
        raise UsageError(message)


# Where a newcomer starts, said by `solnet --help` and by `solnet` alone.
START = ("New here? `solnet demo` runs four example groups on this computer and prints a link to each one's "
         "dashboard, to open in a browser (Ctrl-C stops it). To set up your group: `solnet init --group NAME "
         "--region REGION`, then `solnet join FILE` with the invite file a member group sends you (the first "
         "group of a new network adds --new-network and joins nothing). "
         "`solnet COMMAND --help` explains a command; the README explains the rest.")
GLOBAL_AFTER_COMMAND = re.compile(r"(?:^|\s|:)--home(?:\s|=|$)")
ARGPARSE_OWN = re.compile(r"the following arguments are required|unrecognized arguments|"
                          r"argument [^:]+: (invalid choice|expected|invalid \w+ value|not allowed|ignored)")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
    if not 1 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"it is from 1 to {MAX_COUNT:,} (got {text[:40]})")
    return value


MAX_COUNT = 10**9


# What people call some events, which are not kinds of their own (the README speaks of pledges,
# fulfilments and report-backs): the kind that carries each, and how.
KIND_WORDS = {"pledge": "a pledge is a fundraiser.update with --pledge (money raised: --raised)",
              "donation": "money raised is a fundraiser.update with --raised (a pledge: --pledge)",
              "fulfilment": "a fulfilment is a need.fulfil", "fulfillment": "a fulfilment is a need.fulfil",
              "claim": "a claim is a support.claim", "report": "a report-back is an action.report",
              "report-back": "a report-back is an action.report"}


def known_kind(text: str) -> str:
    from events.kinds import KINDS
    kind = KINDS.get(text) or KINDS.get(text.replace("-", "."))
    if kind is None:
        import difflib

        word = KIND_WORDS.get(text.lower().rstrip("s"))
        close = [k for k in KINDS if k.startswith(text.rstrip("s")[:4])] if text else []
        close = close or difflib.get_close_matches(text, list(KINDS), n=2, cutoff=0.6)  # a typo: 'nede'
        hint = (f"; {word}." if word else f"; did you mean {' or '.join(close)}?" if close else ".")
        raise argparse.ArgumentTypeError(f"unknown kind {text[:40]!r}{hint} The kinds: {', '.join(KINDS)}")
    return kind.name


def solnet_version() -> str:
    from importlib.metadata import PackageNotFoundError, version as package_version  # slow: only for --version

    try:
        return package_version("solnet")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


class VersionAction(argparse.Action):
    """`--version`: the installed package's version, looked up only when asked."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the program's version number and exit", **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> NoReturn:
        print(f"solnet {solnet_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = QuietParser(prog="solnet", description="Node of the solnet solidarity network.", epilog=START)
    parser.add_argument("--home", help="the node's folder (default: $SOLNET_HOME or ~/.solnet)")
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=QuietParser,
                                action=LazyCommands)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print JSON for scripts")

    def add(name: str, handler: Callable[[argparse.Namespace], int], help: str) -> CommandArguments:
        p = sub.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    p = add("init", cmd_init, "create this node's keys (and found a network with --new-network)")
    p.add_argument("--group", help="the group's name, e.g. Calais")
    p.add_argument("--region", help="the group's region, e.g. calais")
    p.add_argument("--new-network", action="store_true", help="found a new network with this group")
    p.add_argument("--network-name", help="name of the new network")
    p.add_argument("--device-of", metavar="GROUP_ID",
                   help="make a further device of an existing group (e.g. a second coordinator's laptop): "
                        "no group key here, no --group or --region needed; the group's main node vouches for it "
                        "with `solnet vouch`")
    p = add("id", cmd_id, "print this node's group id (what another group needs to invite it)")
    p.add_argument("--device", action="store_true", help="print this device's id instead")
    p.add_argument("--request", action="store_true",
                       help="print again the request of a further device that has not joined (`solnet init "
                            "--device-of` printed it; its group's main node vouches for it), or of a device "
                            "solnet 0.1 certified without its consent, to be vouched for again with it; asks the "
                            "passphrase")
    p = add("vouch", cmd_vouch, "certify a further device of this group, or admit another group: write its join token")
    p.add_argument("id", help="a device request (as `solnet init --device-of` printed it) or another group's id")
    p.add_argument("--out", required=True, help="file to write the token to")
    p.add_argument("--peer", action="append", help="address of a node the new member can sync from")
    p.add_argument("--name", help="a label for a device, e.g. \"laptop 2\": PUBLIC, every member sees it for good "
                                  "(and every seized node shows it), so never a person's name")
    p.add_argument("--offline", action="store_true", help=OFFLINE_HELP)
    p = add("invite", cmd_invite, "admit another group: write a join token for it (same as `vouch GROUP_ID`)")
    p.add_argument("group_id", help="the other group's id, as its `solnet init` (or `solnet id`) printed it")
    p.add_argument("--out", required=True, help="file to write the token to")
    p.add_argument("--peer", action="append", help="address of a node the new group can sync from")
    p.add_argument("--offline", action="store_true", help=OFFLINE_HELP)
    p = add("revoke", cmd_revoke, "revoke a device or group key: every node refuses and deletes its events "
                                  "from a seq on, and refuses it as a peer")
    p.add_argument("id", help="the device or group id, or its first characters (`solnet view groups`, `solnet status`)")
    p.add_argument("--from-seq", type=int, help="the first seq refused (default: a device's next event; "
                                                "1 for a group: it and all its devices' events go). A device's "
                                                "chain below it is pinned when this node holds its event at the "
                                                "seq before: what a seized copy of its key signs there is refused, "
                                                "and its past stays")
    p.add_argument("--pin", metavar="EVENT_ID", help="for a device whose key signed two chains (a fork): the "
                                                     "newest event of its own chain (revokes from the seq after "
                                                     "it); `solnet revoke` lists them")
    p.add_argument("--reason", help="a short public reason, e.g. \"phone seized\"")
    p.add_argument("--offline", action="store_true", help=OFFLINE_HELP)
    p.add_argument("--anyway", action="store_true", help="of this node's own device or group: revoke even though "
                                                         "it signed events no peer holds yet, or the group has live "
                                                         "alerts (those events are not sent: only a bundle "
                                                         "`solnet export` makes carries them; those alerts stay live)")
    p = add("accept", cmd_accept, "name the groups this group joined through: from then on only their vouches "
                                  "admit it (`join` names the inviting group; for groups that joined before)")
    p.add_argument("group_id", nargs="*", help="the admitting group's id (default: this group's admitters as this "
                                               "node shows them, `solnet view groups`)")
    p.add_argument("--offline", action="store_true", help=OFFLINE_HELP)
    p = add("join", cmd_join, "join a network with the invite file a member group wrote (`solnet invite`)")
    p.add_argument("token", metavar="FILE", help="the invite file (invite.txt), not the invite's text")
    p = add("publish", cmd_publish, "publish an event: solnet publish KIND --field value ...")
    p.add_argument("kind", nargs="?", help=kind_names())
    p.add_argument("rest", nargs=argparse.REMAINDER,
                   help="the kind's fields as --name value pairs; `solnet publish KIND --help` lists them, "
                        "their types and which are required")
    p = add("ls", cmd_ls, "list events, newest first")
    p.add_argument("--kind", type=known_kind, help=kind_names("only this kind: "))
    p.add_argument("--author", help="only this device or group id (or its first characters)")
    p.add_argument("--since", help=SINCE_HELP)
    p.add_argument("--limit", type=positive_int, default=100, help="at most this many (default 100)")
    p = add("show", cmd_show, "show one event")
    p.add_argument("id", help="event id or a unique prefix of it")
    add("status", cmd_status, "this node's network, group and counts, and whether its node runs")
    p = add("export", cmd_export, "write a signed bundle of events for a USB stick")
    p.add_argument("file")
    p.add_argument("--encrypt", action="store_true",
                   help="seal the bundle with a passphrase ($SOLNET_BUNDLE_PASSPHRASE or a prompt): "
                        "whoever finds the stick learns nothing but its size. Without it, the nodes' addresses "
                        "(their announcements) are left out")
    p.add_argument("--since", help="only events this home stored at or after this time (from the start of its "
                                   "minute), whatever their authors' "
                                   "stamps (a phone's alert posted offline that came later is in): 2026-12-01T18:00, "
                                   "in this machine's time zone unless it carries an offset, or in this last span "
                                   "(90m, 6h, 1d)")
    p = add("import", cmd_import, "verify and ingest a bundle made by `solnet export`")
    p.add_argument("file")
    p = add("run", cmd_run, "run the node: serve peers, sync and gossip until Ctrl-C")
    p.add_argument("--listen", default="127.0.0.1:7700", help="HOST:PORT to accept peers on (default 127.0.0.1:7700)")
    p.add_argument("--peer", action="append", help="a peer to connect to (host:port or URL); repeatable")
    p.add_argument("--announce", action="append", metavar="ADDRESS",
                   help="the address other nodes reach this node at (host:port, URL or onion; up to 8): published to "
                        "every member as a node.announce when it changes, so they link with this node directly and "
                        "the network holds together when any one node is down. Every member reads it. Where members "
                        "must not learn where this node is, announce an onion address or nothing AND give --proxy "
                        "(Tor): without a proxy, every node this one dials, addresses any member announced "
                        "included, sees its address")
    p.add_argument("--sync-interval", type=float, default=30.0, help="seconds between anti-entropy rounds (default 30)")
    p.add_argument("--proxy", help=Later(proxy_help))
    p.add_argument("--public-dashboard", action="store_true",
                   help="serve the public pages (/public/: alerts marked public, feeds of groups that opted in) to "
                        "visitors who have not logged in; the rest of the dashboard always needs a login")
    p.add_argument("--dashboard-require-login", action="store_true", help=argparse.SUPPRESS)  # deprecated: a no-op
    p.add_argument("--on-alert", metavar="CMD",
                   help="run CMD for each new alert (of --alert-region), with the alert's public fields as JSON on its "
                        "input; no shell is involved (see the README for Signal and SMS)")
    p.add_argument("--alert-region", action="append", metavar="REGION",
                   help="only alerts of this region go to --on-alert (repeatable; default every region). A region "
                        "no group is based in and nothing is placed in (a typo?) is said at start as a WARNING (the "
                        "node runs all the same); a node that has never synced (it may not know the network's "
                        "regions yet) says it again in its log after its first sync if the region is still unknown")
    p.add_argument("--on-alert-timeout", type=float, default=10.0, metavar="SECONDS",
                   help="seconds --on-alert's command may take for one alert before it is stopped (default 10); "
                        "it is tried 3 times in all")
    p.add_argument("--on-alert-limit", type=int, default=10, metavar="N",
                   help="a group's alerts passed on in a row before the next ones go at most one a minute (a flood "
                        "by one member costs an SMS gateway little; all stay on the dashboard; default 10, 0: no limit)")
    p = add("peers", cmd_peers, "list the peers (inbound links too), add, remove, block or unblock one")
    p.add_argument("action", choices=("ls", "add", "rm", "block", "unblock"), nargs="?", default="ls")
    p.add_argument("address", nargs="?", help="host:port or URL (block and unblock: or a device or group id)")
    p = add("sync", cmd_sync, "sync once with a peer and print a summary")
    p.add_argument("address", help="host:port or URL of a running node")
    p.add_argument("--proxy", help=Later(proxy_help))
    p = add("proxy", cmd_proxy, "show or set this node's SOCKS5 proxy for peer connections (Tor); a running node "
                                "follows the change")
    p.add_argument("url", nargs="?", help="socks5://HOST:PORT to set it, `off` to connect directly")
    from events.view_names import VIEWS
    p = add("view", cmd_view, "show a read model: " + ", ".join(VIEWS))
    p.add_argument("name", choices=VIEWS)
    p.add_argument("--region", help="only this region (one no group is based in and no event is placed in, a "
                   "typo, is refused, naming the close ones)")
    p = add("redact", cmd_redact, "drop the body of one of this device's events on every node")
    p.add_argument("id", help="event id or a unique prefix of it")
    p.add_argument("--reason", help="a short public reason")
    p.add_argument("--offline", action="store_true", help=OFFLINE_HELP)
    p = add("wipe", cmd_wipe, "panic wipe: destroy this node's keys, name and ids, private parts and peer list, at once")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation (for scripts)")
    p.add_argument("--all", action="store_true", help="also destroy the event log and the whole home folder")
    p = add("passphrase", cmd_passphrase, "seal this node's keys under a new passphrase (the old one seen typed, or "
                                          "known to someone who left): asks the current one, then the new one twice")
    p.add_argument("--new-file", metavar="FILE", help="read the new passphrase from FILE (its first line; readable by "
                                                      "you alone, outside the node's folder), e.g. a service's new "
                                                      "passphrase file")
    p = add("end-sessions", cmd_end_sessions, "log out everywhere: end every dashboard session of the running node "
                                              "and delete the unused login links")
    p.add_argument("--api-token", action="store_true", help="also make a new admin token for the HTTP API (the old "
                                                            "one stops working; give your scripts the new one)")
    add("rebuild", cmd_rebuild, "rebuild the read models (and the index of each key's newest event) from the event log")
    p = add("export-site", cmd_export_site, "write the public pages and feeds (public alerts; actions, fundraisers and "
                                            "calendars of the groups that opt in) as static files into DIR")
    p.add_argument("dir", metavar="DIR", help="the folder to write into (made if new; its files are replaced)")
    p.add_argument("--base-url", metavar="URL", help="the address the site will be served at (for the feeds' own links)")
    p.add_argument("--lang", choices=("en", "fr"), default="en", help="the language of the pages (default en)")
    add("admin-token", cmd_admin_token, "print the local admin token for the HTTP API (the running node tells it; "
                                        "without one, the passphrase is asked)")
    p = add("dashboard-link", cmd_dashboard_link, "print a link that logs someone in to this node's dashboard once, "
                                                  "within 5 minutes (--valid-for: longer, to send it to a coordinator)")
    p.add_argument("--base-url", metavar="URL", help="the address the dashboard is opened at, if not the node's "
                                                     "--listen address (e.g. http://localhost:8080 through ssh -L)")
    p.add_argument("--valid-for", metavar="DURATION", help="how long the link stays usable (default 5m; at most 7d), "
                                                           "e.g. 12h for a link you send to another coordinator")
    p = add("demo", cmd_demo, "run a demo network of four groups on this machine, with sample data, until Ctrl-C")
    p.add_argument("--keep", "--dir", dest="keep", metavar="DIR",
                   help="keep the nodes' homes in DIR (made if new) and reuse them the next time; "
                        "default: a temporary folder, removed at the end")
    p.add_argument("--duration", type=float, metavar="SECONDS", help="stop by itself after this many seconds of activity")
    p.add_argument("--base-port", type=int, help="the nodes listen on this port and the next three (default: free ports)")
    p.add_argument("--quiet", action="store_true", help="print only the dashboard addresses, the passphrase and errors")
    p.add_argument("--seed", type=int, help=argparse.SUPPRESS)  # of the activity's random choices, for tests
    return parser


NETWORK_COMMANDS = ("run", "sync", "demo")


def exit_code_of(exc: BaseException) -> tuple[str, int] | None:
    """The one mapping of errors to what the command says and its exit code; None for a bug
    (which then shows its traceback, to be reported)."""
    mistyped = sys.modules.get("node.home")  # (loaded by whatever asked for the passphrase)
    if mistyped is not None and isinstance(exc, mistyped.MistypedPassphrase):
        from node.passphrase_source import THIS_PASSPHRASE
        return (f"{exc}: nothing was done. Run the command again and type {THIS_PASSPHRASE}; check that Caps Lock "
                "is off and that the keyboard layout is the usual one"), EXIT_HOME
    if isinstance(exc, WrongPassphrase):
        # A flipped bit (an SD card wearing out) fails the same check as a wrong passphrase: say both
        from node.passphrase_source import wrong_passphrase_words  # by where it came from: a variable, a file
        return wrong_passphrase_words(), EXIT_HOME
    if isinstance(exc, InvalidEvent):
        return f"refused: {exc.args[0]}", exc.exit_code
    if isinstance(exc, CryptoError) and type(exc).exit_code == CryptoError.exit_code:
        return f"crypto failure: {exc}", exc.exit_code
    if isinstance(exc, SolnetError):
        return str(exc), exc.exit_code
    # Errors of floors that keep their own classes (the log).
    log_module = sys.modules.get("node.log")  # if not loaded, not these
    if log_module is not None and isinstance(exc, log_module.NotInitialised):
        return str(exc), EXIT_HOME
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", EXIT_INTERRUPTED
    if isinstance(exc, OSError) and exc.filename is not None:  # a file the command was pointed at
        return f"cannot use {exc.filename}: {exc.strerror}", EXIT_REFUSED
    return None


def fail(message: str, code: int) -> NoReturn:
    print(f"solnet: {message}", file=sys.stderr)
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> int:
    from node.terminal_text import shown_as_text

    try:
        with shown_as_text():  # member-written text reaches the terminal as text, never as its controls
            return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C before a command's own handling began (a slow start, a Pi)
        fail("interrupted", EXIT_INTERRUPTED)


def _main(argv: list[str] | None) -> int:
    from events.control_chars import not_text
    from node.environment import no_core_dump_of_a_passphrase

    no_core_dump_of_a_passphrase()  # a passphrase in the environment is in memory from the start
    argv = sys.argv[1:] if argv is None else argv
    for number, arg in enumerate(argv, 1):
        if not_text(arg):  # bytes that are not UTF-8 became surrogates: they fit no field, no file name we write
            fail(f"argument {number} is not UTF-8 text ({ascii(arg)[:60]}); is the terminal set to another "
                 "encoding?", EXIT_USAGE)
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        fail(str(exc), exc.exit_code)
    if args.command not in NETWORK_COMMANDS:
        # `solnet ls | head` ends quietly; network commands keep Python's EPIPE errors, so a dead
        # socket or worker pipe is an exception in one thread, never a killed node.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if args.command == "publish" and args.kind and any(a in ("-h", "--help") for a in args.rest):
        from events.kinds import KINDS

        kind = KINDS.get(args.kind) or KINDS.get(args.kind.replace("-", "."))
        if kind:
            from node import render
            from node.kind_input import typed_fields

            from node.stdin_values import HELP

            print(render.kind_help(kind.name, typed_fields(kind), publish_options(kind.name)))
            print(f"Any field's value, and each --to: {HELP}. Several such values are read a line each, in the order "
                  "given; the private details last, over as many lines as they take.")
            return 0
    try:
        return args.handler(args)
    except (Exception, KeyboardInterrupt) as exc:
        said = exit_code_of(exc)
        if said is None:
            raise
        fail(*said)


if __name__ == "__main__":
    sys.exit(main())
