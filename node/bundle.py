"""Signed bundles of events for carrying on a USB stick (sneakernet).

File layout: the magic line, then a msgpack stream:
    {"network", "exporter", "created", "since"}   the bundle header
    bin ...                                       one wire event per item
    {"count", "digest", "signature"}               the trailer
`digest` is BLAKE2b-256 over the encoded header and every encoded item; the exporter's device
key signs it. Each event is also verified on its own at import, through the same ingest path as
events from a peer, so a damaged or tampered bundle can never get a tampered event stored:
at worst it loses the events it damaged, and import says so and exits non-zero.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import msgpack

from crypto.counted import Counted
from crypto.errors import BadSignature, DecryptionFailed
from crypto.keys import SigningKey, short_id, verify_signature
from crypto.stream import MAGIC as SEALED_MAGIC
from events import errors as E
from events.format import MAX_EVENT_BYTES, bodiless_kind
from events.kinds import LOCATING_KINDS
from events.trust import DEVICE_ROLE, GROUP_ROLE
from node import heard_before, references
from node.log import MAX_CLOCK_SKEW_MS, EventLog, now_ms
from node.outcome import PENDING, Outcome
from node.store import Store
from solnet_errors import SolnetError

MAGIC = b"solnet-bundle-v1\n"
SIGN_CONTEXT = b"solnet/bundle/v1\x00"
IMPORT_BATCH = 500
# Header fields a bundle of this version adds (an older solnet's importer reads past them):
# WINDOW: STORED, its `since` counts by when its maker stored each event (an older solnet's chose by
# the authors' stamps, and left out what was stamped before its start and came later);
# LEVEL: when its maker last held all another node held (`heard_before.last_level`, ms; 0: never):
# how current it was, which its importer is told when that was well before the bundle was made.
WINDOW, STORED, LEVEL = "window", "stored", "level"


class _Unexpected(ValueError):
    """An item a bundle never holds where it stands (said as it is, unlike a decoder's error)."""


_ASK_AGAIN = ("The file was damaged on the way (a bad USB stick, a copy cut short): "
              "ask whoever made it for a new copy (`solnet export`).")


class BundleError(SolnetError):
    """The file is not a bundle of this network; nothing was imported."""

    reason = "bad_bundle"


@dataclass
class ImportReport:
    outcomes: list[Outcome] = field(default_factory=list)
    exporter: bytes | None = None
    signature_ok: bool = False  # whole, and signed by a device of a member group (not revoked)
    problem: str | None = None  # why the bundle as a whole is not intact, if it is not
    made_by: str | None = None  # the member device that signed it, as people are shown it ("Calais · laptop")
    addresses_left_out: int = 0  # nodes' announcements it carried without their bodies (a bundle in clear)
    made: int | None = None  # when it was made, by this machine's clock (a maker's clock ahead: no later than now;
    # None when it is further ahead than a node lets a stamp be: when it was made cannot be told)
    maker_level: int | None = None  # when its maker had last held all another node held, by this clock (0: never)
    gap: str | None = None  # why a bundle made with `--since` does not bring this home level, as people are told
    level_on_word: bool = False  # it brought this home up to date as of `made`, on its maker's word (`made_by`)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def _item(value: object) -> bytes:
    return msgpack.packb(value, use_bin_type=True)


def whole_since(store: Store, since_ts: int) -> bool:
    """Whether a bundle since `since_ts` holds the whole log: every event stored here from the start of
    its minute on, and nothing is noted as stored before it (the home's upgrade to noting when it
    stored events, a panic wipe, or its making came after it)."""
    return bool(since_ts) and not store.stored_before(since_ts)


def export_bundle(log: EventLog, key: SigningKey, out: BinaryIO, *, since_ts: int = 0,
                  stubs_of: tuple[str, ...] = ()) -> int:
    """Write every stored event (or those from `since_ts`) as a signed bundle, those of the kinds
    `stubs_of` without their bodies (stubs, which an importer stores as missing and fills from its
    peers); return the count."""
    # Every event stored here from `since_ts` on (its row number after those stored before), whatever
    # its author's stamp: an offline phone's alert stamped before then that came after is in it. (Those
    # stored from the start of its minute: `arrived` tells no finer, schema.ARRIVED_SPAN.)
    if whole_since(log.store, since_ts):
        since_ts = 0  # it leaves nothing out: it says it is whole (an importer counts it as a sync)
    after_n = log.store.stored_before(since_ts) if since_ts else 0
    digest = hashlib.blake2b(digest_size=32)
    header = _item({"network": log.network_id, "exporter": bytes(key.public), "created": now_ms(), "since": since_ts,
                    WINDOW: STORED, LEVEL: heard_before.last_level(log) or 0})
    out.write(MAGIC)
    out.write(header)
    digest.update(header)
    count = 0
    for wire in log.store.iter_wire(since_ts=since_ts, after_n=after_n, stubs_of=stubs_of):
        item = _item(wire)
        out.write(item)
        digest.update(item)
        count += 1
    signature = key.sign(SIGN_CONTEXT + digest.digest())
    out.write(_item({"count": count, "digest": digest.digest(), "signature": signature}))
    return count


def _items(source: BinaryIO) -> Iterator[tuple[int, object]]:
    """(offset, value) for each msgpack item of the stream, with sizes bounded; raises ValueError
    (or a msgpack exception) where the stream stops making sense."""
    # Each item holds one map at most (the header, the trailer; each event is bytes), and a list or
    # map in one of its fields is judged by what reads it (a trailer's signature that is a list is
    # "altered"): more are refused as they are built (TooMany, a ValueError). The caps alone let a
    # stranger's item of 60 lists of 64 lists of 64 empty maps, 257 KB, build 18 MB before its type
    # was looked at (until 2026-12-07).
    hook = Counted(_ITEM_CONTAINERS)
    unpacker = msgpack.Unpacker(raw=False, max_buffer_size=4 * MAX_EVENT_BYTES, max_bin_len=MAX_EVENT_BYTES,
                                max_str_len=1024, max_array_len=64, max_map_len=16, max_ext_len=0,
                                object_hook=hook, list_hook=hook)
    while True:
        chunk = source.read(64 * 1024)
        if not chunk:
            return
        unpacker.feed(chunk)
        for value in unpacker:
            hook.left = _ITEM_CONTAINERS  # (the next item's count; one cut by a chunk's end counts on)
            yield unpacker.tell(), value


_ITEM_CONTAINERS = 2


def is_sealed(path: Path) -> bool:
    """True if the file is a passphrase-sealed bundle (`solnet export --encrypt`)."""
    with open(path, "rb") as f:
        return f.read(len(SEALED_MAGIC)) == SEALED_MAGIC


def import_bundle(log: EventLog, source: BinaryIO, *, progress: Callable[[int], None] | None = None,
                  own_device: bytes | None = None) -> ImportReport:
    """Ingest every event of a bundle through the normal batch path and check the bundle signature.

    `source` is the file, or a SealedReader over it for a sealed bundle; `own_device`, this home's
    device key: a bundle it made says nothing of the network (`_note_caught_up`). Raises BundleError
    (before storing anything) if it is not a bundle of this network.
    """
    report = ImportReport()
    try:
        magic = source.read(len(MAGIC))
    except DecryptionFailed as exc:  # a sealed bundle of one part, and bytes after its end (or a change)
        raise BundleError(f"the sealed bundle is damaged ({exc}); nothing was imported. {_ASK_AGAIN}") from None
    if magic != MAGIC:
        raise BundleError("this file is not a solnet bundle (made by `solnet export`)")
    state = _BundleReader(source)
    for outcomes in log.ingest_stream(state.batches(log.network_id)):
        report.outcomes.extend(outcomes)
        if progress:
            progress(len(report.outcomes))
    report.exporter = state.exporter
    report.addresses_left_out = state.addresses_left_out
    report.problem = state.problem or _check_trailer(state.trailer, state.digest.digest(), report)
    if report.problem is None and state.trailer.get("count") != state.count:
        report.problem = f"the bundle says it holds {state.trailer.get('count')!r} events but {state.count} were read"
        report.signature_ok = False
    if report.signature_ok:  # after the ingest: a bundle may carry its own maker's vouch
        report.problem = _check_exporter(log, report)
    ahead = 0
    if state.created is not None:
        # A maker's clock seen ahead of this one (a bundle made "later" than now) is ahead by at least
        # that much: its times are taken back by as much (never into the future here). One behind
        # cannot be told from a bundle carried for a while: _note_caught_up allows for it.
        ahead = max(0, state.created - now_ms())
        if ahead <= MAX_CLOCK_SKEW_MS:
            report.made = state.created - ahead
            report.maker_level = min(report.made, max(0, state.level - ahead)) if state.level else state.level
    if (report.signature_ok and report.problem is None and state.created is not None
            and report.exporter != own_device):  # (its own bundle, re-imported after a restore: nothing heard)
        assert report.exporter is not None  # (signature_ok: it verified against it)
        if report.count(PENDING):  # (it brought this home short of what its maker held: never level)
            report.gap = _waiting_gap(log, report, max(0, (state.since or 0) - ahead))
        elif report.made is None:
            # Further ahead than a node lets a stamp be: taken as made now, it said this home caught
            # up this very moment however long it was carried (a day, a week). It was made at some time
            # this clock cannot tell: it brings its events, and nothing of when this home was level.
            from node import words  # (said by `solnet import` alone)

            report.gap = (f"its maker's clock was at least {words.span(ahead)} ahead of this machine's (or this one is "
                          "behind), so when it was made cannot be told here: alerts posted since then may be missing. "
                          "Compare both clocks with a time you trust (a phone's); once they agree, a new bundle or "
                          "a sync brings this home up to date")
        else:
            since = max(0, (state.since or 0) - ahead) if state.since else 0
            report.gap, report.level_on_word = _note_caught_up(log, report.made, since, state.window == STORED,
                                                               report.exporter)
    return report


def _waiting_gap(log: EventLog, report: ImportReport, since: int) -> str | None:
    """What the importer is told when events of a bundle made with `--since` wait here for earlier
    ones of their authors (an earlier seq, the vouch of a new member) that its maker stored before
    its start and this home never got: surely a gap, and import said only "1 pending" (None: a bundle
    of the whole log, whose maker lacked them too, or what waits is only what a revocation keeps aside)."""
    waiting = sum(1 for o in report.outcomes if o.status == PENDING and o.reason in (E.BAD_CHAIN, E.NOT_A_MEMBER))
    if not since or not waiting:
        return None
    from node import words  # (said by `solnet import` alone)

    level = heard_before.last_level(log) or 0
    these = (f"{words.plural(waiting, 'event')} of it waits here for earlier events of its author" if waiting == 1 else
             f"{words.plural(waiting, 'event')} of it wait here for earlier events of their authors")
    ask = (f", or with a `--since` at least {words.span(MAX_CLOCK_SKEW_MS)} before {words.local_time(level)}"
           if level else "")
    return (f"it holds what its maker stored from {words.local_time(since)} on, and {these} that neither it nor "
            f"this home holds: alerts posted in between may be missing here. Ask for a bundle made without "
            f"`--since`{ask}")


def _note_caught_up(log: EventLog, created: int, since: int, by_stored: bool, exporter: bytes
                    ) -> tuple[str | None, bool]:
    """A bundle signed by a device whose word this home takes (heard_before.word_counts: a member's,
    neither revoked nor frozen, nor its group, nor blocked here) and leaving nothing pending here
    brought what its maker held when it made it: as a sync would have then (`solnet view alerts` says a home with no node is behind
    only since then). One made with `--since` leaves out what its maker stored before that time: it
    brings this home level only if it was level by then (a complete round with a peer, a bundle; not a
    link alone, which may have ended before it brought anything), else what came in between may be
    missing. `since` is by the maker's clock, which may be behind this one: by as much as a node lets
    a stamp be ahead of its own (MAX_CLOCK_SKEW_MS), it must reach back further. One an older solnet
    made (`by_stored` False) chose by the authors' stamps: it lacks an event stamped before its start
    that reached its maker later (an offline phone's alert), so it never counts.
    Returns what the importer is told when a `--since` bundle does not count (None: it counts, or this
    home does not take its maker's word), and whether it counts (on its maker's word: the importer is told whose)."""
    counts = heard_before.word_counts(log)
    if not counts(exporter):
        return None, False  # a device (or group) this home will not sync with says nothing of what it lacks
    if since and not by_stored:
        return ("it was made with `--since` by an older solnet, which leaves out what was stamped before its "
                "start and reached its maker later (a phone's alert posted offline): alerts may be missing here. "
                "Ask for a bundle made without `--since`, or by an upgraded solnet"), False
    level = heard_before.last_level(log) or 0
    if since and since + MAX_CLOCK_SKEW_MS > level:
        from node import words  # (said by `solnet import` alone)

        last = (f"this home last held all another node held at {words.local_time(level)}" if level else
                "this home has never held all another node held (no sync, no bundle made without `--since`)")
        ask = (f"made with a `--since` at least {words.span(MAX_CLOCK_SKEW_MS)} before {words.local_time(level)} "
               "(its maker's clock may "
               "be behind)" if level else "made without `--since`")
        return (f"it holds what its maker stored from {words.local_time(since)} on, and {last}: alerts posted in "
                f"between may be missing here. Ask for a bundle {ask}"), False
    if created > heard_before.caught_up_by_bundle(log.store, counts):
        with log.store.write():
            # with whose word it is: a revocation or a block of that device takes it back (node.heard_before)
            log.store.set_meta(heard_before.CAUGHT_UP_KEY, f"{created} {exporter.hex()}".encode())
    return None, True


def maker_behind(log: EventLog, report: ImportReport, own_group: bytes) -> str | None:
    """What the importer is told when the bundle's maker had heard from no other node for a while
    before making it (a node cut off for days, a home kept by bundles): it brings what its maker
    held, which lacks what other groups posted since (a sync counts the same, but a bundle is made
    where there is no network, and said nothing of it). None when its maker was level shortly before
    (the cut-off banner's 2 minutes), or no group but the importer's and the maker's is known here."""
    from node import cut_off, render, words  # (said by `solnet import` alone)

    made, level = report.made, report.maker_level
    member = log.trust.member(report.exporter) if report.exporter is not None else None
    if (not report.signature_ok or made is None or level is None or member is None
            or (level and made - level <= cut_off.after_ms())):
        return None
    names = references.group_names(log.store)
    others = sorted(words.isolated(names.get(m.group) or f"group {short_id(m.group)}")
                    for m in log.trust.members.values()
                    if m.role == GROUP_ROLE and m.revoked_from is None and m.group not in (own_group, member.group))
    if not others:
        return None
    who = render.and_list(others) if len(others) <= 3 else f"{len(others)} other groups"
    if level:
        behind = made - level  # past two days, in days (as the dashboard's cut-off banner says it)
        ago = words.plural(behind // 86_400_000, "day") if behind >= 2 * 86_400_000 else words.span(behind)
        when = (f"its node had last been up to date with another node {ago} before "
                f"({words.local_time(level)}): alerts {who} posted since then")
    else:
        when = (f"its node had never synced with another node nor imported a bundle that brought it level: "
                f"alerts {who} posted")
    return (f"When {report.made_by} made this bundle ({words.local_time(made)}), {when} may be missing here. A sync, "
            "or a bundle from a node that has heard from them since, brings them.")


def _check_exporter(log: EventLog, report: ImportReport) -> str | None:
    """The bundle is whole as its signer made it; whether that signer is a member's device (named
    in `report.made_by`). Anyone can sign a bundle with a key of their own: a courier could leave
    out a revocation or an alert and sign again, and the bundle would look whole."""
    assert report.exporter is not None
    member = log.trust.member(report.exporter)
    if member is None or member.role != DEVICE_ROLE:
        report.signature_ok = False
        return ("the bundle is signed by a key that is no member's device here (anyone can sign a bundle): it may "
                "lack events its maker put in; the events it holds were checked one by one. Ask the group that "
                "gave it for a bundle made with `solnet export` on their node")
    group = references.name_of_group(log.store, member.group) or f"group {short_id(member.group)}"
    device = references.device_labels(log.store, log.trust).get(report.exporter)
    from node.words import isolated  # (said by `solnet import` alone)

    # member-written names set apart from the sentences that name the maker (node.words.isolated)
    report.made_by = (f"{isolated(group)} · {isolated(device)}" if device else
                      f"{isolated(group)} (device {short_id(report.exporter)})")
    if member.revoked_from is not None:
        report.signature_ok = False
        revocation = log.trust.revocations.get(report.exporter)
        if revocation is not None and revocation.fork:  # nobody revoked it: its key signed twice at one seq
            return (f"the bundle is signed by a device of {group} whose key has since signed two different events at "
                    f"seq {revocation.from_seq} (a copy of it is in other hands: a copied home or an old backup), so "
                    "every node has frozen it: whoever holds that key could have left events out; the events it "
                    "holds were checked one by one")
        return (f"the bundle is signed by a device of {group} that has been revoked since: whoever holds that key "
                "could have left events out; the events it holds were checked one by one")
    return None


class _BundleReader:
    """Reads a bundle stream into batches, keeping the running digest; where the stream stops
    making sense it records the problem and ends the batches (what was read stays valid)."""

    def __init__(self, source: BinaryIO) -> None:
        self.items = _items(source)
        self.digest = hashlib.blake2b(digest_size=32)
        self.exporter: bytes | None = None
        self.created: int | None = None  # when its maker made it (ms), by the header it signed
        self.since: int | None = None  # from when it holds what its maker held (ms; 0: all of it)
        self.window: str | None = None  # STORED: `since` counts by when its maker stored each event
        self.level: int | None = None  # when its maker last held all another node held (ms; 0: never; None: not said)
        self.trailer: dict | None = None
        self.problem: str | None = None
        self.count = 0
        self.addresses_left_out = 0

    def header(self, network_id: bytes) -> None:
        try:
            first = next(self.items, None)
        except (ValueError, TypeError, msgpack.UnpackException, DecryptionFailed):
            # One changed byte in the header map (a key of another type, a string that is not
            # UTF-8, a length past the end): the bundle cannot be trusted to say which network it is of.
            # (What the decoder said, "'utf-8' codec can't decode byte 0xc1", helps no one.)
            raise BundleError(f"the bundle header is damaged (unreadable); nothing was imported. {_ASK_AGAIN}") from None
        header = first[1] if first else None
        if not isinstance(header, dict) or not isinstance(header.get("network"), bytes):
            raise BundleError(f"the bundle header is missing or damaged; nothing was imported. {_ASK_AGAIN}")
        if header["network"] != network_id:
            theirs, ours = short_id(header["network"]), short_id(network_id)
            if theirs == ours:  # the same start: a changed byte further on, never two networks told apart
                theirs, ours = header["network"].hex(), network_id.hex()
            raise BundleError(f"this bundle is from network {theirs}, this node is in {ours}; nothing was imported. "
                              "If it should be of this network, it was damaged on the way: ask whoever made it "
                              "for a new copy (`solnet export`).")
        exporter = header.get("exporter")
        self.exporter = exporter if isinstance(exporter, bytes) else None
        created, since = header.get("created"), header.get("since", 0)
        # (a bundle made with --since says what its maker held from then on: `since`, ms; 0 for a whole log)
        self.since = since if isinstance(since, int) and not isinstance(since, bool) and since >= 0 else None
        valid = self.since is not None and isinstance(created, int) and not isinstance(created, bool)
        self.created = created if valid else None
        self.window = header.get(WINDOW) if header.get(WINDOW) == STORED else None
        level = header.get(LEVEL)
        self.level = level if isinstance(level, int) and not isinstance(level, bool) and level >= 0 else None
        self.digest.update(_item(header))

    def batches(self, network_id: bytes) -> Iterator[list[bytes]]:
        self.header(network_id)
        batch: list[bytes] = []
        offset = 0
        try:
            for offset, value in self.items:
                if self.trailer is not None:
                    raise _Unexpected("data after the trailer")
                if isinstance(value, dict):
                    self.trailer = value
                    continue
                if not isinstance(value, bytes):
                    raise _Unexpected("an item that is not an event")
                self.digest.update(_item(value))
                self.count += 1
                if bodiless_kind(value) in LOCATING_KINDS:  # export leaves them out of a bundle in clear
                    self.addresses_left_out += 1
                batch.append(value)
                if len(batch) >= IMPORT_BATCH:
                    yield batch
                    batch = []
        except (ValueError, TypeError, msgpack.UnpackException, DecryptionFailed) as exc:
            # What this reader found, or else that nothing there can be read: never the decoder's own
            # words ("'utf-8' codec can't decode byte 0x93", or nothing at all)
            what = str(exc) if isinstance(exc, _Unexpected) else "unreadable data"
            self.problem = (f"the file is damaged near byte {len(MAGIC) + offset}: {what}; "
                            "the events after it were not read")
        if batch:
            yield batch


def _check_trailer(trailer: dict | None, digest: bytes, report: ImportReport) -> str | None:
    if trailer is None:
        return "the bundle ends early (no trailer): it was cut short; the events it holds were checked one by one"
    signature = trailer.get("signature")
    if trailer.get("digest") != digest or report.exporter is None or not isinstance(signature, bytes):
        return "the bundle does not match its signed digest: it was altered after export"
    try:
        verify_signature(report.exporter, SIGN_CONTEXT + digest, signature)
    except BadSignature:
        return "the bundle signature does not verify: it was altered after export"
    report.signature_ok = True
    return None
