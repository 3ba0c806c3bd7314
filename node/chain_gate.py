"""Restore without forking: a home signs new events only once it has caught up with the network.

Why. A key's events form one chain (seq 1, 2, 3, ...). A home restored from an old backup (a
copy of the folder taken earlier) believes its chains end where the backup ended. Signing its
next event then makes a second, different event at a seq the network already holds from that
key: a fork, which freezes the key on every node (node/log.py), device or group key alike. The
network still holds the newer events, so the cure is to fetch them before signing anything: after
one complete anti-entropy round with a peer, the home holds every event that peer has of its own
keys (they are ordinary, valid events: ingest just advances the local chain), and the next
`EventLog.append` continues after them.

Nothing inside a restored home tells it is a restore (the copy is exact), so the rule holds for
every home that talks to peers (it has peers configured, or it has synced before):
  - a running node holds its own publishing (EventLog.append refuses) from its start until its
    first complete anti-entropy round with any peer, dialled or dialling. A `solnet publish` in
    another terminal waits for that round (bounded) rather than failing at once;
  - with no node running, publishing needs a complete round (`solnet sync`, or a node that ran)
    within the last CONFIRM_FRESH_MS: a backup is normally older than that;
  - a home that never synced and has no peers (a lone node, sneakernet only) has no peer to catch up
    from, but its events may have left it in bundles (`solnet export`, carried on a USB stick): a
    backup taken before its last export holds less than that bundle. Nothing in a backup says
    whether a bundle was made after it, so such a home is held once its database is not the file
    its keys last signed in (`signs_in`, the file part of `copy` below, written by every signature:
    a restore, a copy, a move to a new Pi), until it imports a whole bundle its own device made that
    brings events of its keys it lacked (`bundle_imported`: it now holds what its bundles held), or
    `--offline` signs once (this is the newest copy: it signs on from here). A reboot does not hold
    it (the file alone counts: a lone home has no round to open it again), so a cloned SD card is
    not told apart from the original here. Why an import may open it, where one peer's round may not
    for a home with two peers: the program cannot know that any bundle is the newest its home made,
    and a person who writes --offline knows no more than one who imports the bundle they were told
    to, while --offline also passes every other check (a crash's lost writes); an import that brings
    nothing newer (a bundle older than the copy) does not open it;
  - an explicit override (`--offline`) lets a person who knows this home is the newest copy of
    its keys publish anyway, e.g. an alert during a blackout right after a power cut.
A round counts only on the copy of the home that made it. Its record lives in the database, and a
backup or a copy carries it: restored minutes after its last round, a copy could otherwise sign at
seqs the original used since (restored on a new machine, or the old home restored after the
original kept publishing elsewhere; a thief's `cp -r`). So the record names the copy it was made
on (`copy`): the database file's identity (device, inode and birth time: a restore, a `cp -r`, a
move to another disk make a new file, which may get a freed inode number again but never the birth
time) and this boot of the machine (a cloned SD card or disk image keeps
the inode; it starts on another machine, or after a reboot). A record of another copy says only
that the home synced before: it signs nothing before a round of its own. The original keeps its
own once its node stops (same file, same boot: a publish with no node running is signed within
CONFIRM_FRESH_MS); after a reboot, such a publish needs `solnet sync` first (a reboot and a cloned
card look alike). A node that starts on a copy says so in its log (`restored`, kept until its first round).

One peer's word is not enough for a restored or copied home when it has more: the peer reachable
first may not have received the newest events yet (they were published to another peer only), and
the restored home then signs at a seq the network holds (a fork). So a restored home opens signing
once complete rounds with two distinct peers (devices) have ended, when two or more distinct peers
are configured (`needed`); with one configured peer, that peer's round is enough (a two-node
network). Which peers have answered since the restore is kept (`peers`), across stops and the
one-shot `solnet sync PEER`, until enough have; the refusal names the configured peers still awaited.
A peer counts only while this home takes its device's word (node/heard_before.py `word_counts`: a
member's device, its group neither revoked nor blocked here), judged at each round: a seized phone's
round, which may leave out the device's newest event, is no longer one of the two once its revocation
or a block comes in, as when these came first (it completes no round then). Once enough have and the
home signs on, a later revocation takes nothing back: the gate guards this home's own chain, and it
continued after the events those rounds brought.
No bounded wait opens it: a peer that cannot be reached is the case where a fork is likeliest, and
`--offline` (its risk said) is the way out for a person who knows better. An ordinary restart of a
home is not held more than before: one round with any peer.

What is left: a backup copied back over the same database file (`cp` into it: same inode and birth
time, same boot) within
CONFIRM_FRESH_MS of its last round, a virtual machine's snapshot restored with the node running,
and rounds with two peers neither of which had yet received the newest events. The fork is then still
detected, kept as proof and shown, as for any fork.

A database that lost its newest writes (a kill -9 or a power cut, then a changed bit in its
write-ahead log, or that file gone) rolls back this record with the events: it may then say a
fresh round while events this home signed and sent are gone from it. So `check` also compares
the newest seqs signed here, kept in a file outside SQLite (node/own_marks.py), with what the
database holds, and refuses to sign until a sync brings them back (or --offline). That file is not
fsynced per publish: a kill -9 leaves it whole, a power cut may cut its newest marks too. So a node
puts its start on the disk (`node_started`, fsynced once) and its clean stop (`node_stopped`: its pid
is cleared, fsynced), and a record whose node is gone without a clean stop (killed, crashed, a
power cut) is CLOSED however fresh its last round: it may have lost its newest writes.

State: one meta row, `own_chain` = {"pid", "started", "confirmed", "caught_up", "copy", "restored", "peers", "by"}:
the running node's pid and start time (None after `solnet sync`), when a round last completed,
whether one has completed since that node started, the copy of the home that wrote it (above), and
whether that node started on a restored or copied home, and the peers (device ids) that completed a
round with it since the restore (while they are fewer than `needed`), and the peer whose round `confirmed` is
(`by`). The pid counts only while that node holds
the home's node lock: a copy of the home names a pid that may be alive, even a solnet node's running
another home, and the lock of a copy is held by nobody.

Why `caught_up` is said and not worked out from the times: a wall clock can be stepped back while
the node runs. A laptop whose hardware clock keeps local time (beside Windows) boots an hour or two
ahead in France; the node starts, then the time server sets the clock back. Its first round then
ends "before" it started, and comparing the two held every publish of the node, alerts included,
for as long as the clock went back. (A state written by an earlier version names no copy: it says
only that the home synced before, as another copy's does; `decide` still compares the times of a
state without `caught_up`, as the versions before that did.)
"""
from __future__ import annotations

import ctypes
import functools
import hashlib
import json
import os
import struct
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from events.errors import InvalidEvent
from node import own_marks
from node.clock import now_ms
from node.home_lock import LOCK_FILE, STARTING_FILE, node_lock_holder

if TYPE_CHECKING:  # (`solnet status` reads the wait from its snapshot: it loads neither the store nor dataclasses)
    from node.store import Store
    from node.store.status_read import StatusSnapshot

META_KEY = "own_chain"
CONFIRM_FRESH_MS = 10 * 60 * 1000
REFRESH_MS = 60 * 1000  # a running node rewrites `confirmed` at most this often (few SD-card writes)
WAIT_FOR_NODE_S = 30.0
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")  # Linux: new at every boot
NOT_CAUGHT_UP = "not_caught_up"  # the reason code of the refusal
SIGNS_KEY = "signs_in"  # meta: the database file (`_file_copy`, no device) this home's keys last signed in

OPEN, WAIT, CLOSED = "open", "wait", "closed"


class ChainState(NamedTuple):
    pid: int | None = None  # the running node that wrote this (None: `solnet sync`)
    started: int | None = None  # when that node started (ms)
    confirmed: int | None = None  # when a complete round with a peer last ended (ms)
    caught_up: bool | None = None  # a round completed since that node started (None: not said, see above)
    copy: str | None = None  # the copy of the home that wrote this (this_copy; None: an earlier version)
    restored: bool = False  # that node started on a restored or copied home (said until it has caught up)
    peers: tuple[str, ...] = ()  # devices (hex) that completed a round since the restore ("?": not said)
    by: str | None = None  # the peer (device, hex) whose round `confirmed` is (None: not said, an earlier version):
    # its word that this home then held all it held, taken back if it is revoked or blocked (node/heard_before.py)


def this_copy(path: str | Path) -> str | None:
    """This copy of the home whose database is `path`: "FILE:BOOT", its database file and this boot
    of the machine (None: the file cannot be looked at). Hashed: the record says which copy wrote
    it, not the inode or the machine's boot id."""
    file = _file_copy(path)
    return None if file is None else f"{file}:{_digest(_boot_id())}"


def _file_copy(path: str | Path, *, device: bool = True) -> str | None:
    """The database file at `path`, hashed; None if it cannot be looked at. Without `device`, the
    file as it stays across boots (for `signs_in`): Linux numbers devices as it finds them (USB disks
    sda/sdb by probe order, device-mapper and btrfs minors), so st_dev may change at a reboot, where
    it would hold a lone home's every publish, a raid alert included, as restored. The inode and the
    birth time in ns tell a restored or copied file without it. `copy` keeps st_dev: it holds the
    boot as well (a round counts on this boot only), and within a boot st_dev does not change."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    # The inode alone is not this file: a restore that deletes the home and copies the backup back
    # in its place gets the freed inode number again, often (a CI run restored a backup that way and
    # signed on the original's round). The file's birth time is new with every file made.
    return _digest(f"{st.st_dev}/{st.st_ino}/{_birth_time(path)}" if device else f"{st.st_ino}/{_birth_time(path)}")


_OPENED_FILE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _here(store: Store) -> str | None:
    """this_copy of the database `store` has open, its file looked at once per opening: every publish
    asks, and the stat, statx and hashes were a tenth of a publish's own work. The open file stays
    the one that was opened whatever is later put at its path, so the first look holds for it."""
    file = _here_file(store)
    return None if file is None else f"{file}:{_digest(_boot_id())}"


def _here_file(store: Store | StatusSnapshot, *, device: bool = True) -> str | None:
    """The database file of `_here`, without the boot (without `device`: as `signs_in` names it)."""
    files = _OPENED_FILE.get(store)
    if files is None:
        files = _file_copy(store.path), _file_copy(store.path, device=False)
        if files[0] is None or files[1] is None:
            return None
        _OPENED_FILE[store] = files
    return files[0] if device else files[1]


_STATX_BTIME = 0x800  # statx(2): ask for, and check that it gave, the file's birth time
_BTIME_AT = 80  # where stx_btime (tv_sec s64, tv_nsec u32) lies in struct statx (256 bytes, fixed)


@functools.lru_cache(maxsize=1)
def _statx() -> Callable[..., int] | None:
    """libc's statx (glibc 2.28 and later), or None."""
    try:
        return ctypes.CDLL(None, use_errno=True).statx
    except (AttributeError, OSError):
        return None


def _birth_time(path: str | Path) -> str:
    """When the file was made ("sec.nsec", by statx(2) through libc), or "" where the system or the
    file system does not say (then the inode alone tells copies apart, as before)."""
    statx = _statx()
    if statx is None:
        return ""
    out = ctypes.create_string_buffer(256)
    try:
        if statx(-100, os.fsencode(path), 0, _STATX_BTIME, out) != 0:  # -100: AT_FDCWD
            return ""
    except (OSError, TypeError, ValueError):
        return ""
    if not struct.unpack_from("=I", out, 0)[0] & _STATX_BTIME:
        return ""
    seconds, nanoseconds = struct.unpack_from("=qI", out, _BTIME_AT)
    return f"{seconds}.{nanoseconds:09d}"


@functools.lru_cache(maxsize=16)  # every publish asks this_copy: the boot's digest, hashed once
def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@functools.lru_cache(maxsize=1)
def _boot_id() -> str:
    """This boot of the machine (a process does not outlive one); "" where the system does not say:
    then the database file alone tells copies apart."""
    try:
        return BOOT_ID.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def decide(state: ChainState | None, *, has_peers: bool, node_alive: bool, this_process: bool, now: int,
           same_copy: bool, moved: bool = False) -> str:
    """OPEN: may sign now; WAIT: a running node has not finished its first round yet; CLOSED: sync first.

    `node_alive`: the process `state.pid` is a running solnet node; `this_process`: we are it;
    `same_copy`: `state` was written on this copy of the home (its `copy` is this_copy); `moved`: this
    home's keys last signed in another database file (`signs_in`)."""
    state = state or ChainState()
    if not same_copy:  # another copy's record (the original's, before the backup): it synced before, no more
        state = ChainState(confirmed=None if state.confirmed is None else 0)
    if not has_peers and state.confirmed is None:  # never synced, no peer to sync with: only bundles to catch up from
        return CLOSED if moved else OPEN
    if state.pid is not None and state.started is not None and (node_alive or this_process):
        if state.caught_up is not None:
            return OPEN if state.caught_up else WAIT
        if state.confirmed is not None and state.confirmed >= state.started:
            return OPEN
        return WAIT
    if state.pid is not None and state.started is not None:
        return CLOSED  # its node did not stop cleanly (killed, crashed, a power cut): it may have lost writes
    if state.confirmed is not None and 0 <= now - state.confirmed <= CONFIRM_FRESH_MS:
        return OPEN
    return CLOSED


def load(store: Store) -> ChainState | None:
    raw = store.get_meta(META_KEY)
    return None if raw is None else _parse(raw)


@functools.lru_cache(maxsize=4)
def _parse(raw: bytes) -> ChainState:
    """The state a meta value says (every publish asks; the value changes about once a minute)."""
    try:
        data = json.loads(raw)
        caught_up, copy, peers, by = data.get("caught_up"), data.get("copy"), data.get("peers"), data.get("by")
        return ChainState(data.get("pid"), data.get("started"), data.get("confirmed"),
                          caught_up if isinstance(caught_up, bool) else None,
                          copy if isinstance(copy, str) else None, data.get("restored") is True,
                          tuple(p for p in peers if isinstance(p, str)) if isinstance(peers, list) else (),
                          by if isinstance(by, str) else None)
    except (ValueError, AttributeError):
        return ChainState()  # damaged: treated as never confirmed


def _save(store: Store, state: ChainState) -> None:
    """Write `state` as made on this copy of the home (its `copy` is ignored)."""
    copy = _here(store)
    with store.write():
        store.set_meta(META_KEY, json.dumps({"pid": state.pid, "started": state.started, "confirmed": state.confirmed,
                                              "caught_up": state.caught_up, "copy": copy,
                                              "restored": state.restored, "peers": list(state.peers),
                                              "by": state.by}).encode())


def copied(store: Store, state: ChainState | None) -> bool:
    """`state` is another copy's record of a round: this home was restored from a backup, copied,
    or moved to another disk since (its database is not the file that round was recorded in)."""
    if state is None or state.confirmed is None:
        return False
    here, there = _here(store), state.copy
    return here is not None and there is not None and _file_of(here) != _file_of(there)


def node_started(store: Store, now: int) -> bool:
    """A node starts on this home: its own publishing waits for its first complete round (if it has
    peers or ever synced); when it last synced is kept, the running node's start is what counts.
    True if this home was restored or copied since its last round (copied): the node says so."""
    previous = load(store)
    restored = _still_restored(store, previous)  # (until it has caught up)
    confirmed = previous.confirmed if previous else None
    if previous is not None and confirmed is not None and not _same_copy(store, previous):
        confirmed = 0  # another copy's round (or another boot's): this one synced before, long ago
    _save(store, ChainState(os.getpid(), now, confirmed, False, restored=restored,
                            peers=_heard(store, previous), by=previous.by if confirmed else None))
    own_marks.make_durable(store, compact=True)  # (a power cut from now on finds this start on record)
    return restored


def node_stopped(store: Store) -> None:
    """The node running in this process stops cleanly: what it wrote is put on the disk and its pid is
    cleared, so a publish with no node running may sign within CONFIRM_FRESH_MS of its last round. A
    node that never gets here (killed, crashed, a power cut) leaves its pid: `decide` then says CLOSED."""
    state = load(store)
    if state is None or state.pid != os.getpid() or not _same_copy(store, state):
        return
    _save(store, state._replace(pid=None, started=None, caught_up=None))
    own_marks.make_durable(store)  # (the marks before the log that holds the stop: never a stop without them)


def has_history(store: Store) -> None:
    """This home's keys signed events that the network holds and this store lacks (a home that
    joined again after its database was lost): it counts as synced long ago, so it signs nothing
    before a complete round with a peer, with or without configured peers."""
    _save(store, ChainState(None, None, 0))


def round_completed(store: Store, now: int, started: int | None, peer: bytes | None = None,
                    counts: Callable[[bytes], bool] | None = None) -> None:
    """A complete anti-entropy round with a peer ended: this home now holds that peer's events of its
    keys. `started`: when the node running in this process started (None: a one-shot `solnet sync`);
    `peer`: that peer's device. A restored home is caught up once enough distinct peers have (`needed`),
    counting only those whose word it still takes (`counts`: node/heard_before.py word_counts), judged
    now: a seized phone's round (it may leave out this device's newest event) does not count once it is
    revoked or blocked (until 2026-12-08 it counted when its revocation or block came after its round;
    now it is judged at each round)."""
    previous = load(store)
    by = peer.hex() if peer else None
    if _still_restored(store, previous):
        heard = tuple(sorted(p for p in {*_heard(store, previous), by or "?"} if _taken(p, counts)))
        if len(heard) < needed(store):  # one peer's word: still restored, signing still held
            assert previous is not None
            if started is not None:
                keep: tuple[int | None, int | None, bool | None] = (os.getpid(), started, False)
            elif _same_copy(store, previous):  # (a node's start on record stays, held as it was)
                keep = (previous.pid, previous.started, False if previous.pid is not None else None)
            else:
                keep = (None, None, None)
            _save(store, ChainState(*keep[:2], 0, keep[2], restored=True, peers=heard))
            return
    if started is not None:
        state = load(store)
        if state is not None and (state.pid, state.started, state.caught_up) == (os.getpid(), started, True) \
                and state.confirmed and 0 <= now - state.confirmed < REFRESH_MS \
                and _same_copy(store, state):  # (a clock set back since: written again)
            # (`by` stays the peer of the round on record: another peer's round within REFRESH_MS is not
            # written, so a revocation of that first peer drops a round another confirmed: on the safe
            # side, and each peer's own last sync is kept apart; a write a round would cost a sync each)
            return
        _save(store, ChainState(os.getpid(), started, now, True, by=by))
        if state is None or state.pid != os.getpid():  # (its start first on record here: on the disk, as node_started)
            own_marks.make_durable(store)
    else:
        _save(store, ChainState(None, None, now, by=by))


def _taken(peer: str, counts: Callable[[bytes], bool] | None) -> bool:
    """Whether a heard peer (device, hex; "?": not said) still counts (`counts`; None: every one)."""
    if counts is None or peer == "?":
        return True
    try:
        return counts(bytes.fromhex(peer))
    except ValueError:
        return False


def _still_restored(store: Store, state: ChainState | None) -> bool:
    """This home was restored or copied and has not caught up since (kept across a reboot)."""
    if state is None:
        return False
    if copied(store, state):
        return True
    here = _here(store)
    return state.restored and here is not None and _file_of(state.copy) == _file_of(here)


def _file_of(copy: str | None) -> str | None:
    return None if copy is None else copy.partition(":")[0]


def _heard(store: Store, state: ChainState | None) -> tuple[str, ...]:
    """The peers that completed a round on this copy since it was restored (none on a new copy)."""
    return state.peers if state is not None and _still_restored(store, state) and not copied(store, state) else ()


def configured_peers(store: Store) -> dict[str, str]:
    """The distinct configured peers (not removed or blocked): device (hex), or the address while no
    device answered there, to its address."""
    from node import peer_blocks  # (loaded only when a restored home asks)
    from node.saved_json import saved_facts, saved_key

    blocks = peer_blocks.load(store)
    out: dict[str, str] = {}
    for address, source, facts in store.peer_rows():
        if source == "config" and not blocks.keeps_out(address):
            device = saved_key((saved_facts(facts) or {}).get("device"))
            out.setdefault(device.hex() if device else address, address)
    return out


def needed(store: Store) -> int:
    """How many distinct peers a restored home completes a round with before it signs: two when it
    has two or more configured, else one (a two-node network publishes after its peer's round)."""
    return _needed(configured_peers(store))


def _needed(configured: dict[str, str]) -> int:
    return 2 if len(configured) >= 2 else 1


def awaited(store: Store | StatusSnapshot, state: ChainState | None = None) -> tuple[int, int, list[str]] | None:
    """For a restored home not caught up yet: (how many distinct peers must complete a round, how
    many have, the addresses of the configured peers that have not); None otherwise."""
    state = load(store) if state is None else state
    if not _still_restored(store, state):
        return None
    heard = set(_heard(store, state))
    configured = configured_peers(store)  # (peer rows and removals read once)
    need = _needed(configured)
    if len(heard) >= need:
        return None
    return need, len(heard), sorted(address for peer, address in configured.items() if peer not in heard)


def awaited_text(store: Store, state: ChainState | None = None) -> str:
    """The restored home's wait for its peers in words ("" if it waits for none)."""
    wait = awaited(store, state)
    if wait is None or wait[0] < 2:  # (one peer: RESTORED says it all)
        return ""
    return peers_text(*wait)


def peers_text(need: int, done: int, addresses: list[str]) -> str:
    """The peers a restored home awaits (`awaited`), in words."""
    if need < 2:
        return (f"It needs a complete sync with its peer first. Still awaited: {', '.join(addresses) or 'a peer'}"
                f" (`solnet sync {addresses[0] if addresses else 'PEER'}` once it is reachable)")
    return (f"It needs a complete sync with {need} distinct peers, not just one (the first one reached may "
            f"not have the newest events yet); done: {done}. Still awaited: {', '.join(addresses) or 'another peer'}"
            f" (`solnet sync {addresses[0] if addresses else 'PEER'}` once it is reachable)")


def _has_peers(store: Store) -> bool:
    return store.has_peers()


def _node_runs(store: Store, pid: int) -> bool:
    """Is `pid` the node running on this home now? It holds the home's node lock, beside the
    database (node/home.py), and wrote its pid there. A pid alone is not enough: in an old copy of
    the home (a backup restored, a home copied beside the one running) it may name a live process,
    even a solnet one, that runs another home; the lock of a copy is held by nobody."""
    return node_lock_holder(Path(store.path).parent / LOCK_FILE) in (pid, 0)  # 0: held, its pid unwritten (full disk)


def node_coming(store: Store) -> bool:
    """Another process is a `solnet run` on this home (it holds the starting mark from its first
    moments to its end: node/home_lock.py), which has not put its start on record yet (`state_now`
    would say WAIT then): at its passphrase prompt, unlocking its keys, or opening its database.
    It will sign nothing before its first complete round, and a command waits for it rather than
    be told to start a node that is starting."""
    return node_lock_holder(Path(store.path).parent / STARTING_FILE) not in (None, os.getpid())


def crashed(store: Store, state: ChainState | None) -> bool:
    """`state` names a node of this copy that is gone without a clean stop (`node_stopped`)."""
    return state is not None and state.pid is not None and state.started is not None \
        and state.pid != os.getpid() and _same_copy(store, state) and not _node_runs(store, state.pid)


def _same_copy(store: Store, state: ChainState) -> bool:
    """`state` was written on this copy of the home: this database file, this boot."""
    here = _here(store)
    return here is not None and state.copy == here


def state_now(store: Store, now: int) -> str:
    return verdict_of(store, load(store), now)


def verdict_of(store: Store | StatusSnapshot, state: ChainState | None, now: int) -> str:
    """`state_now` of `state`, read already (`load`) by a caller that reads it for more."""
    same = state is not None and _same_copy(store, state)
    pid = state.pid if state and same else None
    this_process = pid == os.getpid()
    alive = pid is not None and not this_process and _node_runs(store, pid)
    has_peers = _has_peers(store)
    return decide(state, has_peers=has_peers, node_alive=alive, this_process=this_process, now=now,
                  same_copy=same, moved=not has_peers and _signed_elsewhere(store))


def signed_here(store: Store) -> None:
    """This home's keys sign in this database now (inside the publish's write): the copy that signs
    from here on (`signs_in`; written only when it changes: once in a home's life, or after a move)."""
    file = _here_file(store, device=False)
    if file is not None and store.get_meta(SIGNS_KEY) != file.encode():
        store.set_meta(SIGNS_KEY, file.encode())


def _signed_elsewhere(store: Store | StatusSnapshot) -> bool:
    """This home's keys last signed in another database file: it was restored, copied or moved since."""
    raw, file = store.get_meta(SIGNS_KEY), _here_file(store, device=False)
    # (a record written with st_dev, before the boot-stable name: the same file if it is this boot's)
    return raw is not None and file is not None and raw not in (file.encode(), (_here_file(store) or "").encode())


def moved(store: Store | StatusSnapshot, state: ChainState | None = None) -> bool:
    """A home that never synced and has no peers, restored, copied or moved since its keys last signed:
    it signs nothing before it has imported the newest bundle it made (or --offline: see above)."""
    state = load(store) if state is None else state
    return (state is None or state.confirmed is None) and not store.has_peers() and _signed_elsewhere(store)


def own_heads(store: Store, keys: tuple[bytes, ...]) -> tuple[int, ...]:
    """The newest seq this store holds of each of `keys` (for `bundle_imported`)."""
    return tuple(store.head(key)[0] for key in keys)


CAUGHT_UP_BY_BUNDLE, NOTHING_NEWER, NOT_ITS_OWN, GAP = "caught_up", "nothing_newer", "not_its_own", "gap"


def _own_gap(store: Store, keys: tuple[bytes, ...]) -> bool:
    """This store keeps aside events of `keys` above their head: it lacks the events before them (a
    bundle made with `export --since` after the backup), so its next seq is one such a bundle holds."""
    heads = dict(zip(keys, own_heads(store, keys)))
    return any(author in heads and lowest > heads[author] for author, lowest in store.pending_authors())


def bundle_imported(store: Store, keys: tuple[bytes, ...], before: tuple[int, ...], *, own_whole: bool) -> str | None:
    """After an import into a `moved` home (None for any other): CAUGHT_UP_BY_BUNDLE if the bundle was
    whole, made by this home's own device (`own_whole`) and brought events of its keys (`keys`, whose
    newest seqs were `before`) that it lacked: it holds what that bundle held and signs on from it.
    Else it stays held: GAP (it keeps aside newer events of its keys without those before them: a
    bundle made with --since; never told to use --offline, which would sign at a seq they hold),
    NOTHING_NEWER (its own bundle, older than this copy) or NOT_ITS_OWN."""
    if not moved(store):
        return None
    if _own_gap(store, keys):  # whoever made the bundle: this copy lacks events of its keys, whichever
        return GAP
    if not own_whole:
        return NOT_ITS_OWN
    if not any(after > then for after, then in zip(own_heads(store, keys), before)):
        return NOTHING_NEWER
    with store.write():
        signed_here(store)
    return CAUGHT_UP_BY_BUNDLE


BUNDLE_IMPORT_SAYS = {  # what `solnet import` says to a `moved` home (`bundle_imported`)
    CAUGHT_UP_BY_BUNDLE: "This home now holds the events of its keys that this bundle, made by its own device, held: it "
        "may publish again (if it made a bundle newer than this one, import that one before publishing).",
    NOTHING_NEWER: "This home, restored or copied, still publishes nothing: it already held every event of its keys "
        "that this bundle holds, so this bundle is older than this copy. Import the newest bundle this "
        "home made; if this one is the newest, this copy is newer than any bundle: publish with --offline.",
    GAP: "This home, restored or copied, still publishes nothing: this bundle holds newer events of its keys "
        "without the events before them (a bundle made with `export --since`?), so they wait aside and this copy "
        "still lacks events its device signed: whatever it signed now would take a seq its device already used, "
        "a fork that freezes this device on every node. Import a whole bundle this home made (exported without --since), then "
        "publish again.",
    NOT_ITS_OWN: "This home, restored or copied, still publishes nothing: this bundle was not made by this home's "
        "own device (or it is not whole). Import the newest bundle this home made, then publish again; or "
        "add --offline if no bundle was made after this copy.",
}

MOVED = ("this home was restored from a backup, copied or moved to another machine (its database is not the file its "
         "keys last signed in), and it syncs with no peer: its events left it only in bundles (`solnet export`), and "
         "one made after this copy may hold events of its keys that this copy lacks. Signing now could make a second "
         "event at a seq such a bundle holds, a fork that freezes this device on every node")
MOVED_TODO = ("Import the newest bundle this home made (`solnet import FILE`), then publish again; or, if no bundle "
              "was made after this copy (it is the newest copy of this home, moved rather than restored), add "
              "--offline: it signs, and this copy signs on from then")


RESTORED = ("this home was restored from a backup or copied (its database is not the file its last sync with a "
            "peer was recorded in), so the network may hold newer events of its keys, signed by the home it was "
            "copied from. It syncs with a peer before publishing, so as not to reuse a sequence number that home "
            "already used: a second event at one seq is a fork, which freezes this device on every node")
CRASHED = ("the node that ran on this home did not stop cleanly (it was killed, it crashed, or the machine lost "
           "power), so its newest writes may be lost, events it signed and already sent to peers among them: "
           "publishing now could sign a second event at a seq already used, a fork that freezes this device on "
           "every node")
OFFLINE_RISK = ("If no peer can be reached, --offline signs anyway: only if you are sure that no other copy of this "
                "home has published since this one was made. If one has, every node freezes this device, and your "
                "group must revoke it and make a new one")


def check(store: Store, now: int) -> None:
    """Raise InvalidEvent(not_caught_up) unless this home may sign its own events now."""
    state = load(store)
    verdict = verdict_of(store, state, now)
    if verdict == OPEN:
        _check_nothing_lost(store)
        return
    restored = _still_restored(store, state)
    peers = f"{text}. " if (text := awaited_text(store, state)) else ""
    if verdict == WAIT:
        if restored:
            raise InvalidEvent(NOT_CAUGHT_UP, f"{RESTORED}. The node running on it has not finished that sync yet; "
                                              f"nothing was published. {peers}Try again once it has (`solnet peers` "
                                              f"shows last syncs). {OFFLINE_RISK}")
        raise InvalidEvent(NOT_CAUGHT_UP, "the node running on this home has not finished its first sync with a "
                                          "peer since it started; nothing was published. Try again once it has "
                                          "(`solnet peers` shows last syncs), or add --offline if you are sure this "
                                          "home holds the newest events of its keys")
    if moved(store, state):  # (no peer, no node start to wait for: only a bundle or --offline opens it)
        raise InvalidEvent(NOT_CAUGHT_UP, f"{MOVED}. Nothing was published. {MOVED_TODO}")
    if node_coming(store):  # told to start it, a person would start a second one (refused: one is starting)
        raise InvalidEvent(NOT_CAUGHT_UP, f"{RESTORED if restored else 'this home has not synced with a peer recently'}"
                                          ". The node starting on this home syncs with a peer before it publishes "
                                          f"anything; nothing was published. {peers}Try again once `solnet status` "
                                          "says it runs and it has synced (`solnet peers` shows last syncs). "
                                          f"{OFFLINE_RISK}")
    if restored:
        raise InvalidEvent(NOT_CAUGHT_UP, f"{RESTORED}. Nothing was published. {peers}Start the node (`solnet "
                                          "run`: it publishes once it has synced) or run `solnet sync PEER` "
                                          "(`solnet peers` lists them), then publish again. "
                                          f"{OFFLINE_RISK}")
    if crashed(store, state):
        _check_nothing_lost(store)  # (the more precise words, when the marks say what was lost)
        raise InvalidEvent(NOT_CAUGHT_UP, f"{CRASHED}. Nothing was published. Let the node sync with a peer first "
                                          "(start it with `solnet run`: it publishes once it has synced; or run "
                                          "`solnet sync PEER`: `solnet peers` lists them), then publish again. Add "
                                          "--offline only if you are sure none of this home's events ever left "
                                          "this device since the node started")
    if state is None or state.confirmed is None:  # a home that joined and has not synced since
        raise InvalidEvent(NOT_CAUGHT_UP, "this home has not synced with a peer since it joined: nothing was "
                                          "published. Start the node (`solnet run`) or run `solnet sync PEER` with "
                                          "the peer its invite named (`solnet peers` lists it), then publish again")
    raise InvalidEvent(NOT_CAUGHT_UP, "this home has not synced with a peer recently (nor since this machine "
                                      "started): if it was restored from a backup or copied, the network may hold "
                                      "newer events of its keys, and publishing now would fork them (a fork freezes "
                                      "this device on every node). Nothing was published. Start the node (`solnet "
                                      "run`) or run `solnet sync PEER` first; add --offline only if you are sure "
                                      "this home holds the newest events of its keys")


def check_nothing_aside_above(store: Store, author: bytes, seq: int) -> None:
    """Raise InvalidEvent(not_caught_up) if this store keeps aside events of `author` above `seq`, the
    seq its next event would follow: they are this key's own, signed on another copy of this home (a
    bundle made with `export --since`, a sync cut short) after events this copy lacks, so the next
    seq is one this device already used. Not even --offline signs then: it would be a fork, for sure."""
    if all(pending != author for pending, _lowest in store.pending_authors()):  # (kept: no statement)
        return
    _head, kept = store.known_seqs(author)
    above = [k for k in kept if k > seq]
    if not above:
        return
    raise InvalidEvent(NOT_CAUGHT_UP, f"this home keeps aside events its own key signed, from seq {min(above)}, "
                                      f"without the events before them: it lacks events this device signed after seq "
                                      f"{seq} (a bundle made with `export --since`, or a sync cut short, brought the "
                                      "newer ones), so signing now would take a seq this device already used, a fork "
                                      "that freezes this device on every node. Nothing was published, with or without "
                                      "--offline. Import a whole bundle this home made (exported without --since), or "
                                      "let the node sync with a peer that holds them, then publish again")


def _check_nothing_lost(store: Store) -> None:
    """Raise InvalidEvent(not_caught_up) if this home's keys signed events its database no longer
    holds (node/own_marks.py): a crash or a damaged card lost its newest writes, and with them,
    maybe, the record of its last round that let this publish through. They may be on the network."""
    lost = own_marks.lost(store)
    if not lost:
        return
    _author, signed, held = max(lost, key=lambda one: one[1] - one[2])
    raise InvalidEvent(NOT_CAUGHT_UP, f"this home's database lost its newest events: its keys signed events up to "
                                      f"seq {signed}, and it holds them only up to seq {held} (a crash or a power cut, "
                                      "or a damaged SD card or disk, lost its last writes). Peers that received them "
                                      "still hold them: signing now would make a second event at a seq already used, "
                                      "a fork that freezes this device on every node. Nothing was published. Let the "
                                      "node sync with a peer first (a running node does so by itself; else start it "
                                      "with `solnet run`, or run `solnet sync PEER`: `solnet peers` lists them), then "
                                      "publish again. Add --offline only if you are sure no peer ever received them "
                                      "(they never left this device)")


def wait_for_node(store: Store, timeout_s: float = WAIT_FOR_NODE_S,
                  on_wait: Callable[[], None] | None = None, *, coming: bool = True) -> str:
    """If a node running on this home has not finished its first round yet, or (with `coming`) one
    is starting on it (`node_coming`), wait for it (bounded). For second writers (`solnet publish`
    in another terminal); returns the final verdict. Without `coming`, for a command that hands its
    event to a starting node instead (`check` refuses it at once, and it looks for the node again).
    StorageFull at once, rather than after the wait, if this home's database cannot be written."""
    deadline = time.monotonic() + timeout_s
    state = load(store)
    if state is not None and state.pid == os.getpid():
        return state_now(store, now_ms())  # never block the node itself (a web form): answer at once

    def held() -> bool:  # (a node starting: held until it runs and puts its start on record, then WAIT)
        return verdict == WAIT or (coming and verdict == CLOSED and node_coming(store))

    verdict = state_now(store, now_ms())
    if held():
        # A node whose writes fail (a full disk: its start not even on record) finishes no round:
        # waiting for it, then "try again once it has synced", hid the one thing to do. Said at once.
        store.write_check()
    if held() and on_wait is not None:
        on_wait()
    while held() and time.monotonic() < deadline:
        time.sleep(0.2)
        verdict = state_now(store, now_ms())
    return verdict

