"""Panic wipe: destroy a node's keys and private data in seconds.

What goes: the keystore, the config (it names the group and holds its ids) and the API's admin
token and unused dashboard login links (each overwritten with random bytes, synced, then deleted),
every private part (the bodies that hold a sealed part: support requests, case notes; the events
for chosen groups), the peer list and the bodies of the node.announce events (peer addresses say
where other members are: their signed headers stay, so the chains stay whole), which peers
answered this node, when it stored each event (`arrived`), and runtime facts; with `everything`,
the whole home, database included. Public events stay by default: every other node holds them too, and without the keys nobody can add to them in this
node's name. A running node on the same home, which holds the keys in memory, is stopped before anything is destroyed: signalled together with the commands holding the keys, right after them (stop_one_shot_commands), and waited for with them.

The passphrase file: a service reads its passphrase from the file named by $SOLNET_PASSPHRASE_FILE
(the README says so), outside the home. Left in plaintext, it opens any copy of the keystore taken
before the wipe (a backup, a card imaged at a border). When the wiping process has that variable
(`solnet wipe` run with the service's environment, or the node's own dashboard wipe), the file it
names is destroyed as the keystore is; when it has not, the wipe's words say to destroy it if there
is one.

Swap: a swap area on a disk in the clear (Raspberry Pi OS's /var/swap) may hold pages of the node's
memory, its keys and the private details it showed among them; only root may touch it, so the wipe
names it (node/swap.py) and says how to clear it.

Flash storage (SD cards, SSDs) may keep old copies of overwritten blocks in spare areas: the
overwrite makes recovery harder, it cannot make it impossible. The keystore was encrypted
under the passphrase all along; the wipe removes even that ciphertext.

On a disk that fails (node/disk.py) the wipe still does what it can, in order of what matters: it
stops the node holding the keys in memory (found by its runtime record, else its lock, else its
command line), then destroys each file it can, and says which it could not (`failed`): those are
left for the card itself to be destroyed.
"""
from __future__ import annotations

import json
import os
import select
import shutil
import signal
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from events.kinds import KINDS, LOCATING_KINDS
from events.sealed import SEALED_KIND
from node import own_marks, sync_mark
from node.home import HOME_ENV, PASSPHRASE_FILE_ENV, PASSPHRASE_FILE_RECORD, WIPE_UNFINISHED, Home
from node.home_lock import LOCK_FILE, STARTING_FILE, node_lock_holder
from node.shred import overwrite as _overwrite, shred as _shred
from node.login_links import FOLDER as LOGIN_LINKS
from node.swap import clear_swaps
from node.store import Store, StoreError
from node.store.errors import DiskFailing, StorageFull
from node.store.local import forget_private_raw


@dataclass
class StoppedCommand:
    command: str  # sync_mark.SYNC, IMPORT, EXPORT or SIGN
    pid: int
    # It did not end within STOP_PATIENCE_S of SIGTERM (an export in an fsync to a slow USB stick
    # cannot act on it) and was SIGKILLed: its own cleanup never ran
    killed: bool
    file: str | None = None  # the bundle file an export was writing (its FILE.tmp is left if killed)
    signing: str | None = None  # SIGN: the command that held the keys to sign (publish, vouch, ...)


@dataclass
class WipeReport:
    stopped_pid: int | None = None
    # The one-shot `solnet sync`, `import` and `export` commands and those signing (sync_mark.SIGN) on
    # the home, stopped too (each of them)
    stopped_commands: list[StoppedCommand] = field(default_factory=list)
    files_destroyed: list[str] = field(default_factory=list)
    private_parts_dropped: int = 0
    peers_forgotten: int = 0
    everything: bool = False
    seconds: float = 0.0
    failed: list[str] = field(default_factory=list)  # what could not be destroyed, and why (a failing disk)
    passphrase_file: str | None = None  # the $SOLNET_PASSPHRASE_FILE destroyed, its full path
    passphrase_file_left: str | None = None  # the one named but not destroyed, and why
    # Why the destroyed passphrase file could not be deleted once overwritten (its folder is not this
    # user's: /etc/solnet/ as the README sets it up): it holds random bytes, no longer the passphrase
    passphrase_file_not_deleted: str | None = None
    disk_was_full: bool = False  # the private parts could not be dropped for lack of space: the database went whole
    # Swap areas on a disk in the clear (node/swap.py): the node's memory, its keys and the private
    # details it showed, may have been paged out there, out of the wipe's reach
    clear_swap: list[str] = field(default_factory=list)

    def stopped_pid_of(self, command: str) -> int | None:
        """The first stopped `command`'s pid (`solnet wipe --json`'s stopped_sync_pid and others)."""
        return next((c.pid for c in self.stopped_commands if c.command == command), None)



STOP_PATIENCE_S = 5.0
KILL_WAIT_S = 1.0
LOOKS = 5  # how many times the wipe looks for one-shot commands, at most, while it finds new ones
RECLAIM_PATIENCE_S = 5.0
READER_HOLDS = "another program reads the database"


def _reclaimed(store: Store) -> bool:
    """Give back the freed pages and empty the WAL, trying again for RECLAIM_PATIENCE_S while
    another connection (a command reading the database) holds an older state of it."""
    deadline = time.monotonic() + RECLAIM_PATIENCE_S
    while not store.reclaim():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _wiped_raw(home: Home, private_kinds: list[str], report: WipeReport) -> bool:
    """The private parts and peer list of a database this solnet cannot open as a store (a newer
    schema: a newer solnet ran on this home), deleted table by table. True if done."""
    try:
        report.private_parts_dropped, report.peers_forgotten = forget_private_raw(
            home.db_path, private_kinds, (SEALED_KIND,), LOCATING_KINDS)
    except StoreError:
        return False
    return True


def _pid_recorded(home: Home) -> int | None:
    if not home.db_path.exists():
        return None
    store = Store(home.db_path)
    try:
        raw = store.get_meta("runtime")
    finally:
        store.close()
    return json.loads(raw).get("pid") if raw else None


def _pid_locking(home: Home) -> int | None:
    return node_lock_holder(home.path / LOCK_FILE) or None


def _pid_starting(home: Home) -> int | None:
    """The `solnet run` holding this home's starting mark: from its first moment, before it takes the
    node lock (its keystore read, Argon2id, the database opened: seconds on a Pi), to its end."""
    return node_lock_holder(home.path / STARTING_FILE) or None


def _pid_by_command_line(home: Home) -> int | None:
    """A `solnet ... run` process naming this home (what is left when its files cannot be read)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _runs_home(int(entry.name), home, run=True):
            return int(entry.name)
    return None


def _runs_home(pid: int, home: Home, *, run: bool = False) -> bool:
    """Is `pid` a solnet command (`run` only, with `run`) on this home, by its command line and
    environment? Read from /proc, never from the home: its disk may fail."""
    if pid == os.getpid():
        return False
    try:
        args = [a.decode(errors="replace") for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")]
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return False
    solnet = any("solnet" in a for a in args[:3]) or args[1:3] == ["-m", "cli"]  # the script, or `python -m cli`
    if not solnet or run and "run" not in args:
        return False
    given = next((a.split("=", 1)[1] for a in args if a.startswith("--home=")), None)
    if given is None and "--home" in args[:-1]:
        given = args[args.index("--home") + 1]
    if given is None:  # as node/home.py finds it: $SOLNET_HOME, else ~/.solnet
        try:
            env = dict(e.decode(errors="replace").split("=", 1)
                       for e in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") if b"=" in e)
        except OSError:
            return False
        given = env.get(HOME_ENV) or (os.path.join(env["HOME"], ".solnet") if "HOME" in env else None)
    return given is not None and os.path.normpath(os.path.join(cwd, given)) == os.path.abspath(home.path)


def _running_node(home: Home) -> tuple[int, int] | None:
    """The `solnet run` serving this home, if one is alive: its pid and a pidfd pinning it. Found by
    the lock it holds, else by the starting mark (a node still starting holds no lock yet, and may hold the keys
    already), else by its runtime record, else by its command line: a failing disk may deny the first
    three. The holders of the lock and the mark are the node (their flock is held now: no reused pid); the others are
    checked against /proc, which a node that forbids core dumps (node/no_core_dump.py) hides from
    other processes of its user: found by the lock, it is stopped all the same."""
    for find, held in ((_pid_locking, True), (_pid_starting, True), (_pid_recorded, False),
                       (_pid_by_command_line, False)):
        try:
            pid = find(home)
        except (OSError, ValueError, StoreError):
            continue
        if not pid or not (held or _runs_home(pid, home)):
            continue  # (a recorded pid that runs something else now: reused, not our node)
        # Pinned while it is still found the same way (its lock held, its command line ours): a pid
        # reused after that is never signalled
        pinned = _pin(pid, lambda: _found_again(find, home, pid, held))
        return None if pinned is None else (pid, pinned)
    return None


def _stop_running_node(home: Home) -> int | None:
    """SIGTERM the `solnet run` serving this home (`_running_node`), if one is alive; its pid."""
    node = _running_node(home)
    return None if node is None else _stop(*node)


def _found_again(find, home: Home, pid: int, held: bool) -> bool:
    try:
        return find(home) == pid and (held or _runs_home(pid, home))
    except (OSError, ValueError, StoreError):
        return False


def stop_one_shot_commands(home: Home, report: WipeReport, node: tuple[int, int] | None = None) -> None:
    """SIGTERM the one-shot commands running on this home, if any, by their marks (node/sync_mark.py:
    the holders of their flocks, so no reused pid). Each may run beside a running node, so a running
    node's dashboard wipe calls this too, before the database's part:
    - `solnet sync` holds the unlocked keys and stores what the wipe is destroying (the dashboard's
      wipe stopped only the node);
    - `solnet import` holds the database open and stores a bundle's events (sealed parts, nodes'
      addresses) for as long as it runs: at its bundle passphrase prompt, or through a large bundle
      for minutes, it stored them into the database after the wipe had dropped its private parts and
      peer list;
    - `solnet export` holds the unlocked keys from before its prompt to its end, and signed a bundle
      with them after the wipe;
    - `publish` and `redact` signing with no node running, and `join`, `vouch`, `revoke` and `accept` always
      (they sign in their own process, beside a running node too, once it has made its first sync)
      hold the unlocked keys from their unlocking to their end (a vouch waiting for a node's first
      sync: up to 30 s), and signed with them after the wipe.
    `node` (`_running_node`: its pid and pidfd): stopped with the first look's commands, signalled
    right after them and waited for together (`report.stopped_pid`)."""
    # Looked for again after each round until a look finds none new (bounded): one that made its mark
    # as the wipe began is stopped too (a command marks itself before it unlocks the keys)
    for _ in range(LOOKS):
        found, node = _stop_found(home, report, node), None
        if not found:
            break
    for kind in sync_mark.KINDS:  # (the marks of commands that ended: an export's names its bundle file)
        try:
            sync_mark.clear_left(home.path, kind)
        except OSError:
            pass


def _stop_found(home: Home, report: WipeReport, node: tuple[int, int] | None = None) -> bool:
    """Stop the one-shot commands found on this home not stopped already, and `node` with them (its
    pid and pidfd); whether there were any commands."""
    done = {c.pid for c in report.stopped_commands}
    found = []
    for kind in sync_mark.KINDS:
        try:
            found += [(kind, h) for h in sync_mark.holders(home.path, kind) if h.pid not in done]
        except OSError:  # a failing disk: the node's part of the wipe goes on
            continue
    # Each pinned while its mark is still held by it (a pid reused once it ended is never signalled);
    # every one of them stopped at once (several exports of one home may run): STOP_PATIENCE_S in all
    pinned = {}
    for kind, h in found:
        fd = _pin(h.pid, lambda: _still_holds(home, kind, h))
        if fd is not None:
            pinned[h.pid] = fd
    if node is not None:  # (signalled after the commands: see wipe)
        pinned[node[0]] = node[1]
    stopped = _stop_all(pinned)
    if node is not None:
        report.stopped_pid = node[0] if node[0] in stopped else None
    report.stopped_commands += [StoppedCommand(kind, h.pid, stopped[h.pid], h.says if kind == sync_mark.EXPORT else None,
                                               h.says if kind == sync_mark.SIGN else None)
                                for kind, h in found if h.pid in stopped]
    return bool(found)


def _still_holds(home: Home, kind: str, holder: sync_mark.Holder) -> bool:
    try:
        return any(h.pid == holder.pid and h.path == holder.path for h in sync_mark.holders(home.path, kind))
    except OSError:
        return False


def _pin(pid: int, still_ours) -> int | None:
    """A pidfd for `pid`, if `still_ours()` says so once it is open: then the pidfd is the process
    found (alive, holding its lock), not one that took its pid after it ended. None if it ended,
    or is not ours."""
    try:
        fd = os.pidfd_open(pid)
    except OSError:  # ended (ESRCH)
        return None
    if still_ours():
        return fd
    os.close(fd)
    return None


def _stop(pid: int, pidfd: int) -> int | None:
    """SIGTERM the process of `pidfd`, SIGKILL it if it has not ended within STOP_PATIENCE_S; `pid`,
    or None if it had ended or is another user's process."""
    return pid if pid in _stop_all({pid: pidfd}) else None


def _stop_all(pidfds: dict[int, int]) -> dict[int, bool]:
    """SIGTERM each process of `pidfds` (pid: its pidfd, closed here), then SIGKILL those that have
    not ended within STOP_PATIENCE_S. Signalled through its pidfd, never its pid: a command that ended
    at once and whose pid another process took meanwhile is not that process (the wipe SIGKILLed it,
    as "killed"). For each one signalled (not ended before, not another user's process): whether it
    had to be killed."""
    signalled = {}
    try:
        for pid, fd in pidfds.items():
            try:
                signal.pidfd_send_signal(fd, signal.SIGTERM)
            except ProcessLookupError:  # ended meanwhile
                continue
            except PermissionError:  # another user's process: not a command of this home's (the wipe goes on)
                continue
            signalled[pid] = fd
        ended = _wait_ended(list(signalled.values()), STOP_PATIENCE_S)
        killed = {}
        for pid, fd in signalled.items():
            killed[pid] = fd not in ended and not _ended(fd)
            if killed[pid]:
                try:
                    signal.pidfd_send_signal(fd, signal.SIGKILL)
                except ProcessLookupError:  # it ended at last
                    killed[pid] = False
        # Waited for (briefly: a process in an uninterruptible write ends when the disk answers): its
        # mark, which an export's bundle path is in, is destroyed once it no longer holds it
        _wait_ended([fd for pid, fd in signalled.items() if killed[pid]], KILL_WAIT_S)
        return killed
    finally:
        for fd in pidfds.values():
            os.close(fd)


def _wait_ended(pidfds: list[int], timeout: float) -> set[int]:
    """Those of `pidfds` whose process ends within `timeout` seconds (waited together). A pidfd reads
    as ready once its process has ended (a zombie its parent has not reaped yet included: a shell
    script busy with something else). poll, not select: the dashboard's wipe runs in the node, whose
    descriptors (a socket a peer) may be numbered past select's 1023."""
    poller = select.poll()
    for fd in pidfds:
        poller.register(fd, select.POLLIN)
    ended: set[int] = set()
    deadline = time.monotonic() + timeout
    while len(ended) < len(pidfds):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        for fd, _ in poller.poll(left * 1000):
            ended.add(fd)
            poller.unregister(fd)
    return ended


def _ended(pidfd: int) -> bool:
    """Whether the process of `pidfd` has ended (gone, or a zombie)."""
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    return bool(poller.poll(0))


def wipe(home: Home, *, everything: bool = False) -> WipeReport:
    started = time.monotonic()
    report = WipeReport(everything=everything)
    # Marked begun before the commands are looked for: one starting from now on sees it and does not
    # run (node/sync_mark.py), one started before is found by its mark
    mark_unfinished(home)
    # The node and the commands in one moment, each command signalled before the node: a vouch waiting
    # for the node's first sync, its keys unlocked, signed the moment that node stopped cleanly if its
    # last round was fresh (node/chain_gate.py), when the node went first and the wipe came to the
    # commands after; and when the commands went first and were waited for (up to STOP_PATIENCE_S
    # each look: a vouch in its Argon2id acts on SIGTERM only once it ends), the node went on signing
    # what its API, dashboard and local channel asked, with the keys, after the wipe had begun.
    stop_one_shot_commands(home, report, _running_node(home))
    destroy_keys(home, report)
    stop_one_shot_commands(home, report)  # (again, once the keys are gone: see stop_one_shot_commands)
    wipe_data(home, report)
    report.seconds = time.monotonic() - started
    return report


def _destroy(path: Path, report: WipeReport, listed: bool = True) -> None:
    try:
        if _shred(path) and listed:
            report.files_destroyed.append(path.name)
    except OSError as exc:  # a failing disk: go on with the rest
        report.failed.append(f"{path.name} ({exc.strerror})")


def mark_unfinished(home: Home) -> None:
    """Mark this home's wipe begun (WIPE_UNFINISHED): a command starting now does not run
    (node/sync_mark.py), and a wipe cut short leaves the home saying so (Home.wiped_text)."""
    try:
        (home.path / WIPE_UNFINISHED).touch()
    except OSError:  # a failing or full disk: the keys go all the same
        pass


def destroy_keys(home: Home, report: WipeReport, *, marks: bool = True) -> None:
    """The first part of a wipe, which needs no database: the keystore, the config, the admin
    token's salt and unused login links. A running node's panic wipe does this part at once, not
    behind the work queued on its database thread (a disk that hangs must not keep the keys).
    It marks the wipe unfinished first (WIPE_UNFINISHED, removed by `wipe_data` once done): cut
    short after this part, the home says so, not "wiped" (Home.wiped_text). (Not synced: the
    keystore's overwrite syncs the file system right after; a sync of its own would come before it.)
    `marks` False (a running node's wipe): the marks of what the home signed are left to `wipe_data`, on the
    database thread, which writes them: destroyed here, a publish under way there wrote its mark into the
    file between its overwrite and its unlink (into freed blocks of the disk), or made it anew."""
    mark_unfinished(home)
    # (the marks of the newest seqs signed name this home's keys among the log's: node/own_marks.py)
    for path in (home.keystore_path, home.config_path, home.admin_salt_path, home.old_admin_token_path,
                 *([own_marks.path_for(home.db_path)] if marks else [])):
        _destroy(path, report)
    try:
        # Leftovers of interrupted writes (keystore.tmp, config.json.tmp, .admin-token.PID.tmp).
        for leftover in sorted(home.path.glob("*.tmp")) + sorted(home.path.glob(".admin-token*.tmp")):
            _destroy(leftover, report, listed=False)
        for link in sorted((home.path / LOGIN_LINKS).glob("*")):  # unused dashboard login links
            _destroy(link, report, listed=False)
    except OSError as exc:
        report.failed.append(f"the home's folders ({exc.strerror})")
    shutil.rmtree(home.path / LOGIN_LINKS, ignore_errors=True)
    _destroy_passphrase_file(home, report)
    report.clear_swap = clear_swaps()  # (said, not wiped: only root may touch a swap area)


def destroy_marks(home: Home, report: WipeReport) -> None:
    """The marks of what this home signed (node/own_marks.py): they name its keys among the log's."""
    _destroy(own_marks.path_for(home.db_path), report)


def _destroy_passphrase_file(home: Home, report: WipeReport) -> None:
    """The passphrase file that unlocked this home's keys (its path recorded in the home:
    Home._note_passphrase_file), overwritten and deleted if it is a plain file (a pipe a service
    manager feeds holds nothing to overwrite), and the record with it. One that $SOLNET_PASSPHRASE_FILE
    names in this process but that never unlocked this home is left, and said: it may be another
    home's (a shell set up for the real node, wiping a test home), and losing it could lose that
    home's keys."""
    record = home.path / PASSPHRASE_FILE_RECORD
    try:
        recorded = record.read_text().strip() or None
    except OSError:
        recorded = None
    named = os.environ.get(PASSPHRASE_FILE_ENV)
    if named and os.path.abspath(named) != recorded:
        report.passphrase_file_left = (f"{os.path.abspath(named)} (named by ${PASSPHRASE_FILE_ENV} here, but it never "
                                       "unlocked this home's keys: another home's? left as it is)")
    if recorded is not None:
        path = Path(recorded)
        try:
            if stat.S_ISREG(path.stat().st_mode) and _overwrite(path):
                report.passphrase_file = str(path)
                # A file of this user's in a folder of root's (/etc/solnet/, as the README has it) is
                # overwritten but not deleted: said so, not as a passphrase left whole (it was)
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    report.passphrase_file_not_deleted = exc.strerror or str(exc)
        except FileNotFoundError:
            pass
        except OSError as exc:  # not ours to overwrite (root's): said, never a failing disk
            report.passphrase_file_left = f"{path} ({exc.strerror})"
    try:
        _shred(record)
    except OSError:
        pass


def wipe_data(home: Home, report: WipeReport) -> None:
    """The second part: the private parts and the peer list in the database; with
    `report.everything`, the database and the whole home."""
    private_kinds = [k.name for k in KINDS.values() if k.field("sealed") is not None]
    try:
        if home.db_path.exists():
            store = Store(home.db_path)
            try:
                with store.write():
                    report.private_parts_dropped, report.peers_forgotten = store.forget_private_and_local(
                        private_kinds, sealed_kinds=(SEALED_KIND,), located_kinds=LOCATING_KINDS)
                if not _reclaimed(store):
                    report.failed.append(f"{home.db_path.name}-wal, which still holds what was deleted: "
                                         f"{READER_HOLDS} (`solnet status` or `ls` running, a backup); stop it and "
                                         "run `solnet wipe` again")
            finally:
                store.close()
    except StorageFull:
        if not report.everything:
            # A full disk (a node's sync fills a Pi's card): dropping rows needs room in the write-ahead
            # log, and the private parts stayed. Overwriting the files in place needs none: the whole
            # database goes. Its public events are of no more use here (the keys are gone; every other
            # node holds them), and leaving people's private details on the card is not an option.
            report.everything = report.disk_was_full = True
    except (OSError, StoreError) as exc:
        # A database this solnet cannot open as a store (a newer one) is wiped table by table.
        other_schema = isinstance(exc, StoreError) and not isinstance(exc, DiskFailing)
        if not (other_schema and _wiped_raw(home, private_kinds, report)):
            why = (exc.strerror if isinstance(exc, OSError) else "cannot be opened" if isinstance(exc, DiskFailing)
                   else exc)
            report.failed.append(f"{home.db_path.name}'s private parts and peer list ({why})")
    # The marks of what the home signed (node/own_marks.py), on the thread that writes them (a running
    # node's database thread, which signs nothing more once its wipe has begun: node/net/node.py).
    destroy_marks(home, report)
    if report.everything:
        try:
            for f in sorted(home.path.glob("solnet.db*")):
                if report.disk_was_full and f.name.endswith("-shm"):
                    # (the log's index: page numbers, no content; a sparse file, whose holes need room to overwrite)
                    f.unlink(missing_ok=True)
                    continue
                _destroy(f, report)
        except OSError as exc:
            report.failed.append(f"the database ({exc.strerror})")
        shutil.rmtree(home.path, ignore_errors=True)
    if not report.failed:  # (a part left for a later `solnet wipe`: the home keeps saying so)
        try:
            (home.path / WIPE_UNFINISHED).unlink(missing_ok=True)
        except OSError:
            pass
