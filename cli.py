"""The `solnet` command: parses arguments, calls the node, prints for people or (--json) for scripts.

Exit codes: 0 done; 1 refused (bad input, rejected events, damaged file); 2 usage error;
3 the home or keystore is not usable (not set up, not joined, wrong passphrase); 4 storage
failure (disk full, damaged database).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shlex
import signal
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from crypto.errors import CryptoError, DecryptionFailed, InvalidKey, WrongPassphrase
from crypto.stream import SealedReader, SealedWriter
from crypto.keys import PublicId
from events.errors import InvalidEvent
from events.format import decode_event
from events.kinds import KINDS, check_fields
from node import render
from node.bundle import BundleError, export_bundle, import_bundle, is_sealed
from node.field_input import InputError, parse_time
from node.home import (HOME_ENV, PROXY_ENV, Home, HomeError, default_home, passphrase_source_warning,
                       read_bundle_passphrase, read_passphrase)
from node import chain_gate, membership, publishing
from node.invite import InviteError, decode_invite
from node.log import EventLog
from node.outcome import PENDING, REJECTED
from node.private import open_private
from node.status import node_status, peer_list
from node.store import StoreError
from node.views import VIEWS, view
from node.wipe import wipe
from sync.peers import AddressError, normalize_address

EXIT_REFUSED, EXIT_USAGE, EXIT_HOME, EXIT_STORAGE = 1, 2, 3, 4
OFFLINE_HELP = ("sign even though this home has not synced with a peer since its node started (or for 10 min): "
                "only if you are sure it holds the newest events of its keys (not restored from an older backup)")


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.code = code


def emit(args: argparse.Namespace, data: Any, human: str) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else human)


def home_of(args: argparse.Namespace) -> Home:
    return Home(Path(args.home) if args.home else default_home())


def resolve_event_id(log: EventLog, text: str) -> bytes:
    try:
        return publishing.resolve_event_id(log, text)
    except InputError as exc:
        raise CliError(str(exc)) from None


def parse_key(text: str, what: str) -> bytes:
    try:
        return bytes(PublicId.from_hex(text))
    except InvalidKey:
        raise CliError(f"{text!r} is not a {what} (64 hex characters, as printed by `solnet init`)") from None


# --- commands ---------------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> int:
    home = home_of(args)
    if home.exists():
        raise HomeError(f"{home.path} already holds a node; choose another --home, or remove that folder if you "
                        "mean to start over")
    check_fields(KINDS["group.profile"], {"name": args.group, "region": args.region.strip().lower()})
    if args.device_of:
        return _init_device(args, home)
    config, keys = membership.prepare_group(home, args.group, args.region, read_passphrase(confirm=True))
    out: dict[str, Any] = {"group_id": config.group_id, "device_id": config.device_id,
                           "encryption_key": config.device_encryption_key, "home": str(home.path)}
    if args.new_network:
        log = membership.found_network(home, config, keys, args.network_name or f"{args.group} network")
        out["network_id"] = log.network_id.hex()
        human = (f"Founded the network {log.genesis.name!r} with {args.group} as its first group.\n"
                 f"  network id: {out['network_id']}\n  group id:   {config.group_id}\n"
                 f"Next: give another group an invite with `solnet invite THEIR_GROUP_ID --out invite.txt`.")
    else:
        human = (f"Prepared {args.group} ({config.region}). Send this group id to a member group and ask for an "
                 f"invite:\n  {config.group_id}\nThen run `solnet join invite.txt`.")
    emit(args, out, human)
    return 0


def _init_device(args: argparse.Namespace, home: Home) -> int:
    """`init --device-of GROUP_ID`: a further device of an existing group (no group key here)."""
    if args.new_network:
        raise CliError("--device-of makes a further device of an existing group; it cannot found a network")
    group = parse_key(args.device_of, "group id")
    config, keys = membership.prepare_device(home, group, args.group, args.region, read_passphrase(confirm=True))
    request = membership.device_request(config, keys)
    emit(args, {"group_id": config.group_id, "device_id": config.device_id,
                "encryption_key": config.device_encryption_key, "device_request": request, "home": str(home.path)},
         f"Prepared a new device of {args.group} (device id {config.device_id[:16]}…). On your group's main node "
         f"(the one holding the group key) run:\n  solnet vouch {request} --out device.txt\n"
         f"then bring device.txt here and run `solnet join device.txt`.")
    return 0


def cmd_vouch(args: argparse.Namespace) -> int:
    """Certify a further device of this group (a device request) or admit a group (a group id)."""
    home = home_of(args)
    log = home.log()
    out = Path(args.out)
    if not out.parent.is_dir():
        raise CliError(f"cannot write the token to {out}: the folder {out.parent} does not exist")
    request = membership.parse_device_request(args.id, bytes.fromhex(home.config().group_id))
    if request is None:
        subject = parse_key(args.id, "group id or device request")
        own_group = bytes.fromhex(home.config().group_id)
        keys = home.keys() if membership.admission_needed(log, own_group, subject) else None
        if keys is not None:
            wait_until_caught_up(log, args.offline)
        token, already = membership.invite(log, keys, subject, list(args.peer or []), own_group,
                                           offline=args.offline)
        what, note = f"group {subject.hex()[:16]}…", "That group is already a member; this is a fresh copy of its invite."
    else:
        subject = request.device
        keys = home.keys()
        wait_until_caught_up(log, args.offline)
        token, already = membership.vouch_device(log, keys, request, list(args.peer or []),
                                                 name=args.name, offline=args.offline)
        what, note = f"device {subject.hex()[:16]}… of your group", "That device is already certified; this is a fresh copy of its token."
    try:
        out.write_text(token.encode(), encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write the token to {out}: {exc.strerror}; the vouch is made, run the "
                       "same command again with another --out") from None
    emit(args, {"out": args.out, "subject": subject.hex(), "role": "group" if request is None else "device",
                "group_id": subject.hex() if request is None else token.group.hex(),
                "network_id": log.network_id.hex(), "already_member": already},
         (note + "\n" if already else "") + f"Vouched for {what}: wrote its join token to {args.out}.\n"
         f"Take it there; they run `solnet join {args.out}`.")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    home = home_of(args)
    log = home.log()
    subject = parse_key(args.id, "device or group id")
    if args.from_seq is not None and args.from_seq < 1:
        raise CliError("--from-seq is 1 or more (1: everything the key ever signed)")
    keys = home.keys()
    wait_until_caught_up(log, args.offline)
    done = membership.revoke(log, keys, subject, from_seq=args.from_seq, reason=args.reason, offline=args.offline)
    names = _group_names(log)
    if done.role == "device":
        what = f"device {subject.hex()[:16]}… of {names.get(done.group, done.group.hex()[:16] + '…')}"
        effect = f"its events from seq {done.from_seq} on are refused and deleted"
    else:
        what = f"group {names.get(subject, '')} {subject.hex()[:16]}…".replace("  ", " ")
        effect = (f"its events from seq {done.from_seq} on, and those of the devices it certified from then on, are "
                  "refused and deleted; its devices can no longer connect to any node")
    emit(args, {"id": done.event.id.hex(), "subject": subject.hex(), "role": done.role, "group": done.group.hex(),
                "from_seq": done.from_seq, "signed_by": done.signed_by, "purged_here": done.purged},
         f"Revoked {what} from seq {done.from_seq} (signed by this node's {done.signed_by} key): {effect}.\n"
         f"This node deleted {done.purged} of its events and refuses it as a peer; every node that receives this "
         f"revocation ({done.event.id.hex()[:12]}) does the same, and drops its links.")
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    """`invite GROUP_ID`: the older name of `vouch GROUP_ID` (admit a group)."""
    args.id, args.name = args.group_id, None
    return cmd_vouch(args)


def cmd_join(args: argparse.Namespace) -> int:
    home = home_of(args)
    config = home.config()
    if home.db_path.exists():
        raise CliError("this node is already in a network; use another --home to join a second one")
    try:
        text = Path(args.token).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read the invite {args.token}: {exc.strerror}") from None
    token = decode_invite(text)
    if token.group.hex() != config.group_id:
        raise CliError(f"this invite admits group {token.group.hex()[:16]}…, but this node's group is "
                       f"{config.group_id[:16]}…; ask the inviter to run `solnet invite {config.group_id}`")
    log = membership.join(home, token, home.keys())
    emit(args, {"network_id": log.network_id.hex(), "group_id": config.group_id, "peers": token.peers},
         f"{config.group_name} joined the network {log.genesis.name!r} ({log.network_id.hex()[:16]}…).")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    try:
        kind = publishing.kind_by_name(args.kind)
    except publishing.PublishError as exc:
        raise CliError(str(exc)) from None
    parser = argparse.ArgumentParser(prog=f"solnet publish {kind.name}", add_help=False)
    for name in publishing.typed_fields(kind):
        parser.add_argument("--" + name.replace("_", "-"), dest=name)
    parser.add_argument("--expires-in", dest="_expires_in")
    parser.add_argument("--as", dest="_signer", choices=publishing.SIGNERS, default=None)
    parser.add_argument("--json", dest="_json", action="store_true")
    parser.add_argument("--offline", dest="_offline", action="store_true")
    if kind.field(publishing.PRIVATE_FIELD) is not None:
        parser.add_argument("--private", dest="_private", help="details that identify anyone: encrypted")
        parser.add_argument("--to", dest="_to", action="append", help="a recipient group id (repeatable)")
    if kind.name in publishing.CASE_NOTE_KINDS:
        parser.add_argument("--public-note", dest="_public_note", action="store_true",
                            help="the --note may be read by every node (case details go in --private)")
    options, unknown = parser.parse_known_args(args.rest)
    args.json = args.json or options._json
    if unknown:
        names = ", ".join("--" + name.replace("_", "-") for name in publishing.typed_fields(kind))
        raise CliError(f"unknown option {unknown[0]!r} for {kind.name}; its fields are: {names}")
    home = home_of(args)
    log = home.log()
    texts = {name: getattr(options, name) for name in publishing.typed_fields(kind) if getattr(options, name) is not None}
    private = getattr(options, "_private", None)
    if private is not None and not private.strip():
        raise CliError("the private details (--private) are empty")
    wait_until_caught_up(log, options._offline)
    try:
        event = publishing.publish(log, home.keys, kind.name, texts, expires_in=options._expires_in,
                                   signer=options._signer, private=private, to=getattr(options, "_to", None) or (),
                                   offline=options._offline, public_note=getattr(options, "_public_note", False))
    except publishing.PublishError as exc:
        raise CliError(_cli_option_names(str(exc))) from None
    emit(args, {"id": event.id.hex(), "kind": kind.name, "seq": event.seq},
         f"Published {kind.name} {event.id.hex()}")
    return 0


def wait_until_caught_up(log: EventLog, offline: bool) -> None:
    """Restore without forking (node/chain_gate.py): if a node running on this home has not finished
    its first sync since it started, wait for it (bounded); the log refuses to sign if it still has not."""
    if not offline:
        chain_gate.wait_for_node(log.store, on_wait=lambda: print(
            "waiting for the node running on this home to finish its first sync with a peer "
            f"(at most {chain_gate.WAIT_FOR_NODE_S:.0f} s)...", file=sys.stderr, flush=True))


def _cli_option_names(message: str) -> str:
    """Publishing names its inputs as the API does ('to', 'private'); say them as options here."""
    message = message.replace("confirm that this note may be public", "add --public-note if it may be")
    message = message.replace("Put case details in the private part", "Put case details in --private")
    for name in ("to", "private", "as"):
        message = message.replace(f"('{name}'", f"(--{name}").replace(f"'{name}' ", f"--{name} ")
    return message


def cmd_ls(args: argparse.Namespace) -> int:
    log = home_of(args).log()
    author = parse_key(args.author, "device or group id") if args.author else None
    rows = log.store.list_events(kind=args.kind, author=author, limit=args.limit)
    group_of = {k: m.group for k, m in log.trust.members.items()}
    if args.json:
        print(json.dumps([_event_json(log, r, group_of) for r in rows], indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("No events yet." if not args.kind else f"No {args.kind} events.")
        return 0
    names = _group_names(log)
    for r in rows:
        group = names.get(group_of.get(r[1], b""), r[1].hex()[:8])
        fields = render.event_fields(r)
        region = (fields or {}).get("region", "")
        print(f"{render.local_time(r[3])}  {r[4]:<17} {region:<12} {group:<12} {r[0].hex()[:12]}  "
              f"{render.summary(r[4], fields)}")
    return 0


def _group_names(log: EventLog) -> dict[bytes, str]:
    return {row.key: row.data["name"] for row in log.store.rows("profile")}


def cmd_show(args: argparse.Namespace) -> int:
    log = home_of(args).log()
    row = log.store.event_row(resolve_event_id(log, args.id))
    if row is None:
        raise CliError(f"no event {args.id}")
    group_of = {k: m.group for k, m in log.trust.members.items()}
    data = _event_json(log, row, group_of)
    fields = render.event_fields(row) or {}
    if "sealed" in fields:
        data["private"], data["private_status"] = _open_private_part(home_of(args), fields["sealed"])
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    names = _group_names(log)
    print(f"{row[4]} {data['id']}")
    print(f"  by group {names.get(group_of.get(row[1], b''), '?')}, device {data['author'][:16]}…, seq {row[2]}")
    print(f"  made {render.local_time(row[3])}" + (f", expires {render.local_time(row[5])}" if row[5] else ""))
    if data["body"] != "present":
        print(f"  body: {data['body']}")
    if data["no_effect"]:
        print(f"  no effect: {data['no_effect']}")
    for key, value in render.public_fields(row[4], fields).items():
        print(f"  {key}: {value}")
    if "sealed" in fields:
        status = data["private_status"]
        if status == "readable":
            print("  private details (decrypted in memory, not stored):")
            for line in data["private"].splitlines():
                print(f"    {line}")
        elif status == "locked":
            print("  private details: encrypted; unlock with the passphrase (terminal or SOLNET_PASSPHRASE) to read")
        else:
            print("  private details: encrypted to other groups; this device is not a recipient")
    return 0


def _event_json(log: EventLog, row: tuple, group_of: dict[bytes, bytes]) -> dict[str, Any]:
    """An event as `ls --json` and `show --json` print it: its public form, and why it has no
    effect if it has none (null otherwise)."""
    data = render.event_json(row, group_of)
    data["no_effect"] = log.no_effect(decode_event(log.store.wire((row[6], row[7], row[8]))))
    return data


def _open_private_part(home: Home, sealed: bytes) -> tuple[str | None, str]:
    """(text, status): status is readable, not_a_recipient or locked (no passphrase available)."""
    try:
        keys = home.keys()
    except HomeError:
        return None, "locked"
    text = open_private(sealed, keys.device_encryption)
    return text, "readable" if text is not None else "not_a_recipient"


def cmd_status(args: argparse.Namespace) -> int:
    home = home_of(args)
    config = home.config()
    out = node_status(home, home.log() if home.db_path.exists() else None)
    if out["network_id"] is not None:
        human = (f"{config.group_name} ({config.region}) in network {out['network_name']!r} {out['network_id'][:16]}…\n"
                 f"  events: {out['events']} from {out['authors']} authors; pending {out['pending']}; "
                 f"forks {out['forks']}\n  members: {out['groups']} groups, {out['devices']} devices\n"
                 f"  group id: {config.group_id}\n  device id: {config.device_id}")
        for r in out["revoked"]:
            human += (f"\n  revoked {r['role']} {r['id'][:16]}… from seq {r['from_seq']}"
                      + (f" by {r['by'][:8]}… on {render.local_time(r['at'])}" if r["by"] else "")
                      + (f" ({r['reason']})" if r["reason"] else ""))
        problem = out.get("node", {}).get("storage_problem") if out.get("node", {}).get("running") else None
        if problem:
            human += f"\n  WARNING: {problem}: the running node cannot store what peers send; free some space"
    else:
        human = f"{config.group_name} ({config.region}) has not joined a network yet.\n  group id: {config.group_id}"
    emit(args, out, human)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    home = home_of(args)
    log = home.log()
    since = parse_time(args.since) if args.since else 0
    keys = home.keys()
    bundle_passphrase = read_bundle_passphrase(confirm=True) if args.encrypt else None
    try:
        out = open(args.file, "wb")
    except OSError as exc:
        raise CliError(f"cannot write {args.file}: {exc.strerror}") from None
    with out:
        sink = SealedWriter(out, bundle_passphrase) if bundle_passphrase else out
        count = export_bundle(log, keys.device, sink, since_ts=since)
        if bundle_passphrase:
            sink.close()
    sealed = " sealed with the bundle passphrase" if args.encrypt else ""
    emit(args, {"file": args.file, "events": count, "encrypted": bool(args.encrypt)},
         f"Exported {count} events to {args.file}{sealed}.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    log = home_of(args).log()
    try:
        source = open(args.file, "rb")
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror}") from None
    with source:
        if is_sealed(Path(args.file)):
            try:
                reader = SealedReader(source, read_bundle_passphrase())
            except WrongPassphrase:
                raise CliError("wrong bundle passphrase (or the file was altered); nothing was imported") from None
            except DecryptionFailed as exc:
                raise CliError(f"cannot open the sealed bundle: {exc}; nothing was imported") from None
            report = import_bundle(log, reader)
        else:
            report = import_bundle(log, source)
    # Events of a revoked author are kept aside (in case that revocation stops counting) but, for
    # the person importing, they were refused: say so, with the reason.
    rejected = [o for o in report.outcomes if o.status == REJECTED or (o.status == PENDING and o.reason == "revoked")]
    summary = {s: report.count(s) for s in ("accepted", "duplicate", "pending", "rejected")}
    if args.json:
        print(json.dumps({**summary, "signature_ok": report.signature_ok, "problem": report.problem,
                          "rejections": [{"id": o.id.hex() if o.id else None, "reason": o.reason, "message": o.message}
                                         for o in rejected]}, indent=2))
    else:
        for o in rejected:
            what = "kept aside" if o.status == PENDING else "rejected"
            print(f"{what} {o.id.hex()[:16] if o.id else 'an unreadable event'}: {o.message} [{o.reason}]",
                  file=sys.stderr)
        if report.problem:
            print(f"warning: {report.problem}", file=sys.stderr)
        print(", ".join(f"{n} {s}" for s, n in summary.items()) + f" (from {args.file})")
    return EXIT_REFUSED if rejected or report.problem else 0


def cmd_view(args: argparse.Namespace) -> int:
    log = home_of(args).log()
    data = view(log, args.name, region=args.region.lower() if args.region else None)
    if args.json:
        print(json.dumps(render.view_json(data), indent=2, ensure_ascii=False))
        return 0
    names = _group_names(log)
    items = [i for region_items in data.values() for i in region_items] if isinstance(data, dict) else data
    if not items:
        print(f"Nothing to show in {args.name}" + (f" for {args.region}." if args.region else "."))
    for item in items:
        print(render.view_line(args.name, item, names))
    return 0


def parse_listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise CliError(f"--listen takes HOST:PORT, such as 127.0.0.1:7700 (got {text!r})")
    return host.strip("[]"), int(port)


def proxy_of(args: argparse.Namespace, home: Home) -> Any:
    """The SOCKS5 proxy for peer connections: --proxy, else $SOLNET_PROXY, else the home's config
    (`solnet proxy`). None means direct. There is no option to go direct while one is configured:
    that takes `solnet proxy off`, so a node set up for Tor cannot dial directly by mistake."""
    from sync.proxy import parse_proxy

    text = getattr(args, "proxy", None) or os.environ.get(PROXY_ENV) or home.config().proxy
    if not text:
        return None
    try:
        return parse_proxy(text)
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def cmd_proxy(args: argparse.Namespace) -> int:
    home = home_of(args)
    config = home.config()
    if args.url is not None:
        from sync.proxy import parse_proxy

        try:
            config.proxy = None if args.url == "off" else str(parse_proxy(args.url))
        except ValueError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        home.save_config(config)
    human = (f"Peer connections go through {config.proxy}." if config.proxy else
             "Peer connections are direct (no proxy).")
    if args.url is not None:
        human += " A running node uses this after a restart."
    emit(args, {"proxy": config.proxy}, human)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    home = home_of(args)
    home.log()  # fail early, with a clear message, if the node has not joined a network
    listen = parse_listen(args.listen)
    try:
        peers = [normalize_address(p) for p in args.peer or []]
    except AddressError as exc:
        raise CliError(str(exc)) from None
    if (warning := passphrase_source_warning()) is not None:
        print(warning, file=sys.stderr)
    proxy = proxy_of(args, home)
    keys = home.keys()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    # The network stack loads only for the commands that use it.
    from node.dashboard import AccessOptions, DashboardOptions
    from node.listener import raise_open_files_limit
    from node.net import Node
    from node.webapp import AppOptions, create_app, serve

    node = Node(home, keys, listen=listen, peers=peers, sync_interval_s=args.sync_interval, proxy=proxy)
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
        served = await serve(app, listen[0], listen[1])
        config = home.config()
        print(f"solnet node of {config.group_name} running; peers connect to {listen[0]}:{served.port}. "
              f"Ctrl-C stops it.", flush=True)
        print(f"dashboard: {dashboard_url(listen[0], served.port)}/ — to log in, run `{login_command(args)}` "
              "on this machine and open the link it prints (or use this node's passphrase)", flush=True)
        await stop.wait()
        print("stopping: closing links and finishing the batch being stored...", file=sys.stderr, flush=True)
        await served.close()

    asyncio.run(main())
    print("stopped cleanly.", file=sys.stderr)
    return 0


def dashboard_url(host: str, port: int | None) -> str:
    """The dashboard's address on this machine for a node listening on host:port (a wildcard
    address is reached through loopback)."""
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def login_command(args: argparse.Namespace) -> str:
    """The command that prints a login link for this node (its home named when not the default)."""
    home = args.home or os.environ.get(HOME_ENV)
    return "solnet " + (f"--home {shlex.quote(home)} " if home else "") + "dashboard-link"


def cmd_dashboard_link(args: argparse.Namespace) -> int:
    """Print a one-time login link for this node's dashboard (node/login_links.py)."""
    from node import login_links
    from node.status import runtime_info

    home = home_of(args)
    config = home.config()
    info: dict[str, Any] = {}
    if args.base_url:
        if not args.base_url.startswith(("http://", "https://")):
            raise CliError("--base-url takes the address you open the dashboard at, such as "
                           f"http://localhost:8080 (got {args.base_url!r})", EXIT_USAGE)
        base = args.base_url.rstrip("/")
    else:
        if home.db_path.exists():
            store = home.store()
            try:
                info = runtime_info(store)
            finally:
                store.close()
        listen = info.get("listen") or ["127.0.0.1", 7700]
        base = dashboard_url(listen[0], info.get("port") or listen[1])
    try:
        token, expires = login_links.create(home.path)
    except OSError as exc:
        raise CliError(f"cannot write the login link into {home.path}: {exc.strerror}; free some space and "
                       "run it again", EXIT_STORAGE) from None
    url = f"{base}/login/link?token={token}"
    human = (f"Open this link within {login_links.TTL_S // 60} minutes to log in to the dashboard of "
             f"{config.group_name} (it works once):\n  {url}")
    if not args.base_url and not info.get("running"):
        human += ("\nNo node seems to run on this home right now: start it with `solnet run`. If you reach its "
                  "dashboard at another address (ssh -L, an onion service), give that with --base-url.")
    emit(args, {"url": url, "expires": expires}, human)
    return 0


def cmd_peers(args: argparse.Namespace) -> int:
    log = home_of(args).log()
    store = log.store
    if args.action in ("add", "rm"):
        if not args.address:
            raise CliError(f"`solnet peers {args.action}` needs an ADDRESS (host:port or a URL)")
        try:
            address = normalize_address(args.address)
        except AddressError as exc:
            raise CliError(str(exc)) from None
        with store.write():
            if args.action == "add":
                store.save_peer(address, "config")
            elif not store.remove_peer(address):
                raise CliError(f"{address} is not among this node's peers (`solnet peers ls` lists them)")
        emit(args, {"address": address, "action": args.action},
             f"{'Added' if args.action == 'add' else 'Removed'} peer {address}; a running node picks this up within seconds.")
        return 0
    peers = peer_list(store)
    if args.json:
        print(json.dumps(peers, indent=2))
        return 0
    if not peers:
        print("No peers yet: `solnet peers add HOST:PORT`.")
    for p in peers:
        state = "connected" if p.get("connected") else ("banned" if p.get("banned") else "not connected")
        last = render.local_time(p.get("last_sync")) if p.get("last_sync") else "never"
        err = f", last error: {p['last_error']}" if p.get("last_error") and not p.get("connected") else ""
        print(f"{p['address']:<28} {p.get('label', ''):<10} {p['source']:<8} {state:<13} last sync {last}, "
              f"lag {p.get('lag') if p.get('lag') is not None else '?'}{err}")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    home = home_of(args)
    home.log()
    try:
        address = normalize_address(args.address)
    except AddressError as exc:
        raise CliError(str(exc)) from None
    proxy = proxy_of(args, home)
    keys = home.keys()
    import aiohttp  # the network stack loads only for the commands that use it

    from node.net import Node
    from node.net.peer_link import RoundCut
    from sync.handshake import HandshakeError
    from sync.proxy import ProxyFailure
    from sync.transport import LinkClosed

    node = Node(home, keys, proxy=proxy)
    show_progress = not args.json and sys.stderr.isatty()

    def progress(received: int, expected: int) -> None:
        if show_progress:
            print(f"\r  stored {received} of {expected} events...", end="", file=sys.stderr, flush=True)

    async def main() -> Any:
        await node.start(background=False)
        try:
            return await node.sync_once(address, progress)
        finally:
            await node.stop()

    try:
        result = asyncio.run(main())
    except HandshakeError as exc:
        me = node.log.trust.member(bytes(keys.device.public))
        if exc.reason == "revoked" and me is not None and me.revoked_from is not None:
            raise CliError("this device is revoked: the peer refused it (and learned the revocation from its "
                           "credentials). Make a new device for your group (`solnet init --device-of GROUP_ID`) "
                           "to sync again.") from None
        if exc.reason == "revoked":
            raise CliError(f"the peer refused this device as revoked: {exc}. If that is news to you, ask your "
                           "group's coordinators.") from None
        raise CliError(f"the peer refused us or is not a member of this network ({exc.reason})") from None
    except ProxyFailure as exc:
        raise CliError(f"cannot sync with {address}: {exc}") from None
    except (OSError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise CliError(f"cannot reach {address} ({type(exc).__name__}: {exc}); is `solnet run` listening there?") from None
    except RoundCut as cut:
        # What was stored is kept and reported; the rest comes with the next sync.
        if show_progress:
            print(file=sys.stderr)
        emit(args, {**sync_summary(address, cut.result), "error": str(cut)},
             f"Sync with {address} cut off after {cut.result.seconds:.1f} s: {sync_counts(cut.result)}.")
        if cut.reason == "storage":
            raise CliError(f"{cut}: the sync stopped there (what was stored is kept). Free some space and run "
                           "`solnet sync` again: it resumes where it stopped.", EXIT_STORAGE) from None
        raise CliError(f"the sync was cut off: {cut}; what was stored is kept: run `solnet sync` again "
                       "for the rest") from None
    except LinkClosed as exc:  # before the round began: nothing was received
        raise CliError(f"the connection to {address} ended before the sync began: {exc}") from None
    if show_progress:
        print(file=sys.stderr)
    if result.in_sync:
        human = f"Already in sync with {address} ({result.seconds * 1000:.0f} ms)."
    else:
        human = f"Synced with {address} in {result.seconds:.1f} s: {sync_counts(result)}."
    emit(args, sync_summary(address, result), human)
    return EXIT_REFUSED if result.outcomes.get("rejected") else 0


def sync_summary(address: str, result: Any) -> dict[str, Any]:
    """`solnet sync --json`: `received` counts what was stored or refused (the outcomes), never
    events that arrived and were not stored; `complete` is false when the link was cut."""
    return {"address": address, "in_sync": result.in_sync, "complete": result.complete, "received": result.received,
            "sent": result.sent, "lag": result.lag, "outcomes": dict(result.outcomes),
            "seconds": round(result.seconds, 3)}


def sync_counts(result: Any) -> str:
    o = result.outcomes
    return (f"received {result.received} ({o.get('accepted', 0)} new, {o.get('duplicate', 0)} duplicate, "
            f"{o.get('pending', 0)} pending, {o.get('rejected', 0)} rejected), sent {result.sent}")


def cmd_redact(args: argparse.Namespace) -> int:
    home = home_of(args)
    log = home.log()
    event_id = resolve_event_id(log, args.id)
    row = log.store.event_row(event_id)
    if row is None:
        raise CliError(f"no event {args.id}")
    keys = home.keys()
    if row[1] != bytes(keys.device.public):
        raise CliError("only the device that published an event can redact it; this one was published by device "
                       f"{row[1].hex()[:16]}…")
    fields: dict[str, Any] = {"ids": [event_id]}
    if args.reason:
        fields["reason"] = args.reason
    wait_until_caught_up(log, args.offline)
    ev = log.append(keys.device, "redact", fields, offline=args.offline)
    emit(args, {"id": ev.id.hex(), "redacted": event_id.hex()},
         f"Redacted {event_id.hex()[:16]}…: its body is gone from this node, and every node that receives this "
         f"redaction ({ev.id.hex()[:12]}) drops it too.")
    return 0


def cmd_wipe(args: argparse.Namespace) -> int:
    home = home_of(args)
    home.config()
    what = ("the keys, this node's name and ids, the private parts, the peer list AND the whole event log"
            if args.all else "the keys, this node's name and ids, the private parts and the peer list "
            "(public events stay)")
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("wipe destroys this node's keys: confirm with --yes (for scripts) or run it in a terminal")
        answer = input(f"This destroys {what} of {home.path}, for good. Type WIPE to go on: ")
        if answer.strip() != "WIPE":
            print("Nothing was wiped.")
            return EXIT_REFUSED
    report = wipe(home, everything=args.all)
    lines = [f"Wiped {home.path} in {report.seconds:.1f} s:"]
    if report.stopped_pid:
        lines.append(f"  stopped the node that was running on it (pid {report.stopped_pid})")
    lines.append("  keystore: overwritten and deleted" if "keystore" in report.files_destroyed else
                 "  keystore: there was none")
    lines.append("  config (group name and ids) and admin token: overwritten and deleted")
    lines.append(f"  private parts dropped: {report.private_parts_dropped}; peers forgotten: {report.peers_forgotten}")
    if args.all:
        lines.append("  the whole home folder, event log included, is gone")
    else:
        lines.append("  public events were kept (other nodes hold them too); `solnet wipe --all` removes them as well")
    lines.append("To take part again, make a new node (`solnet init`) and ask a member group for an invite.")
    emit(args, {"home": str(home.path), "stopped_pid": report.stopped_pid, "files_destroyed": report.files_destroyed,
                "private_parts_dropped": report.private_parts_dropped, "peers_forgotten": report.peers_forgotten,
                "everything": report.everything, "seconds": round(report.seconds, 3)}, "\n".join(lines))
    return 0


def cmd_admin_token(args: argparse.Namespace) -> int:
    home = home_of(args)
    token = home.admin_token()
    emit(args, {"token": token, "file": str(home.admin_token_path)}, token)
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    log = home_of(args).log()
    count = log.rebuild()
    emit(args, {"projected_events": count}, f"Rebuilt the read models from {count} events.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from node.demo.run import DemoError, DemoOptions, run_demo  # loads the sample data only when asked

    if args.duration is not None and args.duration < 0:
        raise CliError("--duration is a number of seconds, 0 or more")
    try:
        return run_demo(DemoOptions(folder=Path(args.keep) if args.keep else None, duration=args.duration,
                                    base_port=args.base_port, quiet=args.quiet, seed=args.seed))
    except DemoError as exc:
        raise CliError(str(exc)) from None


# --- parser -----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="solnet", description="Node of the solnet solidarity network.")
    parser.add_argument("--home", help="the node's folder (default: $SOLNET_HOME or ~/.solnet)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print JSON for scripts")

    def add(name: str, handler: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    p = add("init", cmd_init, "create this node's keys (and found a network with --new-network)")
    p.add_argument("--group", required=True, help="the group's name, e.g. Calais")
    p.add_argument("--region", required=True, help="the group's region, e.g. calais")
    p.add_argument("--new-network", action="store_true", help="found a new network with this group")
    p.add_argument("--network-name", help="name of the new network")
    p.add_argument("--device-of", metavar="GROUP_ID",
                   help="make a further device of an existing group (e.g. a second coordinator's laptop): "
                        "no group key here; the group's main node vouches for it with `solnet vouch`")
    p = add("vouch", cmd_vouch, "certify a further device of this group, or admit another group: write its join token")
    p.add_argument("id", help="a device request (as `solnet init --device-of` printed it) or another group's id")
    p.add_argument("--out", required=True, help="file to write the token to")
    p.add_argument("--peer", action="append", help="address of a node the new member can sync from")
    p.add_argument("--name", help="a label for a device, e.g. \"Amira's laptop\"")
    p.add_argument("--offline", action="store_true", help=OFFLINE_HELP)
    p = add("invite", cmd_invite, "admit another group: write a join token for it (same as `vouch GROUP_ID`)")
    p.add_argument("group_id", help="the other group's id, as its `solnet init` printed it")
    p.add_argument("--out", required=True, help="file to write the token to")
    p.add_argument("--peer", action="append", help="address of a node the new group can sync from")
    p.add_argument("--offline", action="store_true", help=OFFLINE_HELP)
    p = add("revoke", cmd_revoke, "revoke a device or group key: every node refuses and deletes its events "
                                  "from a seq on, and refuses it as a peer")
    p.add_argument("id", help="the device or group id (`solnet view groups`, `solnet status`)")
    p.add_argument("--from-seq", type=int, help="the first seq refused (default: a device's next event; "
                                                "1 for a group: it and all its devices' events go)")
    p.add_argument("--reason", help="a short public reason, e.g. \"phone seized\"")
    p.add_argument("--offline", action="store_true", help=OFFLINE_HELP)
    p = add("join", cmd_join, "join a network with a token from a member group")
    p.add_argument("token", help="the invite file")
    p = add("publish", cmd_publish, "publish an event: solnet publish KIND --field value ...")
    p.add_argument("kind", help=", ".join(KINDS))
    p.add_argument("rest", nargs=argparse.REMAINDER,
                   help="the kind's fields as --name value pairs; `solnet publish KIND --help` lists them, "
                        "their types and which are required")
    p = add("ls", cmd_ls, "list events, newest first")
    p.add_argument("--kind", help="only this kind")
    p.add_argument("--author", help="only this device or group id")
    p.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    p = add("show", cmd_show, "show one event")
    p.add_argument("id", help="event id or a unique prefix of it")
    add("status", cmd_status, "this node's network, group and counts")
    p = add("export", cmd_export, "write a signed bundle of events for a USB stick")
    p.add_argument("file")
    p.add_argument("--encrypt", action="store_true",
                   help="seal the bundle with a passphrase ($SOLNET_BUNDLE_PASSPHRASE or a prompt): "
                        "whoever finds the stick learns nothing but its size")
    p.add_argument("--since", help="only events made at or after this time (ISO 8601)")
    p = add("import", cmd_import, "verify and ingest a bundle made by `solnet export`")
    p.add_argument("file")
    p = add("run", cmd_run, "run the node: serve peers, sync and gossip until Ctrl-C")
    p.add_argument("--listen", default="127.0.0.1:7700", help="HOST:PORT to accept peers on (default 127.0.0.1:7700)")
    p.add_argument("--peer", action="append", help="a peer to connect to (host:port or URL); repeatable")
    p.add_argument("--sync-interval", type=float, default=30.0, help="seconds between anti-entropy rounds (default 30)")
    p.add_argument("--proxy", help=PROXY_HELP)
    p.add_argument("--public-dashboard", action="store_true",
                   help="let remote visitors read the dashboard's public pages without logging in (no forms, no private details)")
    p.add_argument("--dashboard-require-login", action="store_true", help=argparse.SUPPRESS)  # deprecated: a no-op
    p = add("peers", cmd_peers, "list, add or remove peers")
    p.add_argument("action", choices=("ls", "add", "rm"), nargs="?", default="ls")
    p.add_argument("address", nargs="?", help="host:port or URL")
    p = add("sync", cmd_sync, "sync once with a peer and print a summary")
    p.add_argument("address", help="host:port or URL of a running node")
    p.add_argument("--proxy", help=PROXY_HELP)
    p = add("proxy", cmd_proxy, "show or set this node's SOCKS5 proxy for peer connections (Tor)")
    p.add_argument("url", nargs="?", help="socks5://HOST:PORT to set it, `off` to connect directly")
    p = add("view", cmd_view, "show a read model: " + ", ".join(VIEWS))
    p.add_argument("name", choices=VIEWS)
    p.add_argument("--region", help="only this region")
    p = add("redact", cmd_redact, "drop the body of one of this device's events on every node")
    p.add_argument("id", help="event id or a unique prefix of it")
    p.add_argument("--reason", help="a short public reason")
    p.add_argument("--offline", action="store_true", help=OFFLINE_HELP)
    p = add("wipe", cmd_wipe, "panic wipe: destroy this node's keys, name and ids, private parts and peer list, at once")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation (for scripts)")
    p.add_argument("--all", action="store_true", help="also destroy the event log and the whole home folder")
    add("rebuild", cmd_rebuild, "rebuild the read models from the event log")
    add("admin-token", cmd_admin_token, "print the local admin token for the HTTP API (made on first use)")
    p = add("dashboard-link", cmd_dashboard_link, "print a link that logs you in to this node's dashboard once, "
                                                  "within 5 minutes")
    p.add_argument("--base-url", metavar="URL", help="the address you open the dashboard at, if not the node's "
                                                     "--listen address (e.g. http://localhost:8080 through ssh -L)")
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
PROXY_HELP = ("socks5://HOST:PORT: connect to peers only through this SOCKS5 proxy, which also resolves "
              f"their names (.onion works); default ${PROXY_ENV}, else `solnet proxy`")


def fail(message: str, code: int) -> NoReturn:
    print(f"solnet: {message}", file=sys.stderr)
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command not in NETWORK_COMMANDS:
        # `solnet ls | head` ends quietly; network commands keep Python's EPIPE errors, so a dead
        # socket or worker pipe is an exception in one thread, never a killed node.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if args.command == "publish" and any(a in ("-h", "--help") for a in args.rest):
        kind = KINDS.get(args.kind)
        if kind:
            print(f"solnet publish {kind.name}: {kind.summary}")
            typed = publishing.typed_fields(kind)
            for f in kind.fields:
                if f.name in typed:
                    extra = f" ({', '.join(f.choices)})" if f.choices else ""
                    print(f"  --{f.name.replace('_', '-'):<14} {f.type}{' required' if f.required else ''}{extra}")
            print(f"  --{'offline':<14} {OFFLINE_HELP}")
            return 0
    if args.command in ("init",) and (warning := passphrase_source_warning()) and not args.json:
        print(warning, file=sys.stderr)
    try:
        return args.handler(args)
    except CliError as exc:
        fail(str(exc), exc.code)
    except WrongPassphrase:
        fail("wrong passphrase for this node's keystore; try again (or set SOLNET_PASSPHRASE correctly)", EXIT_HOME)
    except HomeError as exc:
        fail(str(exc), EXIT_HOME)
    except InvalidEvent as exc:
        fail(f"refused: {exc.args[0]}", EXIT_REFUSED)
    except (InputError, InviteError, BundleError, membership.MembershipError) as exc:
        fail(str(exc), EXIT_REFUSED)
    except CryptoError as exc:
        fail(f"crypto failure: {exc}", EXIT_REFUSED)
    except StoreError as exc:
        fail(str(exc), EXIT_STORAGE)
    except sqlite3.OperationalError as exc:
        if "full" in str(exc).lower():
            fail("the disk is full: nothing was stored from this command. Free some space and run it again.", EXIT_STORAGE)
        fail(f"database error: {exc}. Nothing was stored from this command.", EXIT_STORAGE)
    except sqlite3.DatabaseError as exc:
        fail(f"the database is damaged ({exc}). Move solnet.db aside (keep it as evidence) and fetch the "
             "events again from another node or a bundle.", EXIT_STORAGE)
    except KeyboardInterrupt:
        fail("interrupted", 130)


if __name__ == "__main__":
    sys.exit(main())
