"""A node's home directory: its config, keystore and database, and how the passphrase is obtained.

Layout:  config.json (group and device ids, name, region)  keystore (encrypted keys)
         solnet.db (+ -wal, -shm)  — the database exists once the node has founded or joined a network.
         admin-token.salt  — what the HTTP API's local-admin token is made from, with the device
                             key (not the token: a copy of the home does not open the API).
         node.lock  — held (flock) by the node running on this home, for as long as it runs.
         node.sock  — the running node's channel for this user's commands (node/admin_channel.py).
Every file is readable by this user only (0600), in a folder only this user can enter (0700).
"""
from __future__ import annotations

import contextlib
import getpass
import json
import os
import stat
import sys
import termios
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from crypto.errors import KeystoreError, WrongPassphrase
from node import disk, own_marks
from node.environment import (BUNDLE_PASSPHRASE_ENV, HOME_ENV, PASSPHRASE_ENV, PASSPHRASE_FILE_ENV,  # noqa: F401
                              PROXY_ENV)
from node.home_lock import LOCK_FILE, STARTING_FILE, hold_exclusive, node_lock_holder
from solnet_errors import EXIT_HOME, SolnetError, UsageError

if TYPE_CHECKING:
    from crypto.keystore import NodeKeys
    from node.log import EventLog
    from node.store import Store

# The keystore (Argon2id), the log and the store are imported where they are used: a command that
# hands its work to the running node (`solnet publish`, `status`; node/admin_channel.py) or only
# reads the config loads none of them (nor dataclasses: Config is a plain class).

# In the home: where the passphrase file that last unlocked its keys is (its path, never its
# content), so that the panic wipe destroys that file and no other (node/wipe.py)
PASSPHRASE_FILE_RECORD = "passphrase-file.where"
# Made as a wipe begins, removed once its database part is done (node/wipe.py)
WIPE_UNFINISHED = "wipe.unfinished"
# The unused dashboard login links (node/login_links.py): named here, as every file of a home is, so that
# each command's home check does not load the links' hashing and randomness (13 modules, a `status`'s ~10 %)
LOGIN_LINKS = "login-links"
MIN_PASSPHRASE = 12  # characters of a new keystore's passphrase (three short words are more)
PROMPT_TRIES = 3  # a mistyped passphrase at the prompt is asked again, up to this many times in all


class HomeError(SolnetError):
    """The home directory is missing, incomplete or not usable; the message says what to run."""

    reason, exit_code, http_status = "home", EXIT_HOME, 503


class Config:
    """A home's config.json: this node's group and device, and how it reaches peers."""

    __slots__ = ("group_id", "device_id", "device_encryption_key", "group_name", "region", "holds_group_key", "proxy",
                 "network_id")

    def __init__(self, group_id: str, device_id: str, device_encryption_key: str, group_name: str, region: str,
                 holds_group_key: bool = True, proxy: str | None = None, network_id: str | None = None) -> None:
        self.group_id = group_id
        self.device_id = device_id
        self.device_encryption_key = device_encryption_key
        self.group_name = group_name
        self.region = region
        self.holds_group_key = holds_group_key
        # socks5://HOST:PORT: every outbound peer connection of this node goes through it (Tor). Kept
        # here, not only on the command line, so a node set up for Tor never dials directly by mistake.
        self.proxy = proxy
        # The network this home founded or joined. Kept beside the keys, not only in the database:
        # a home whose database was lost knows that its keys signed events the network holds, so
        # joining again signs nothing over them (node/membership.py `join`).
        self.network_id = network_id

    def as_dict(self) -> dict[str, str | bool | None]:
        """Every field by name, in the order of config.json."""
        return {name: getattr(self, name) for name in self.__slots__}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Config) and self.as_dict() == other.as_dict()

    def __repr__(self) -> str:
        return f"Config({', '.join(f'{k}={v!r}' for k, v in self.as_dict().items())})"


def default_home() -> Path:
    return Path(os.environ.get(HOME_ENV) or Path.home() / ".solnet")


def read_passphrase(*, confirm: bool = False, home: Path | None = None) -> str:
    """The keystore passphrase: $SOLNET_PASSPHRASE, else the file named by $SOLNET_PASSPHRASE_FILE
    (for a headless Pi; a warning if it lies inside `home`), else a prompt on the terminal.
    `confirm`: a new keystore's, chosen now: typed twice, and long enough (`too_short`)."""
    from node.no_core_dump import forbid_core_dumps

    forbid_core_dumps()  # a passphrase read is in memory until the process ends: `init`'s, before any unlock
    given = None
    if os.environ.get(PASSPHRASE_ENV):
        given = os.environ[PASSPHRASE_ENV]
    elif os.environ.get(PASSPHRASE_FILE_ENV):
        path = Path(os.environ[PASSPHRASE_FILE_ENV])
        if home is not None and os.path.abspath(path).startswith(os.path.join(os.path.abspath(home), "")):
            print(f"warning: the passphrase file {path} is inside the node's folder: a copy of the folder (a backup) "
                  "carries it, and it opens the keystore beside it. Keep it outside the folder, e.g. "
                  "/etc/solnet/passphrase (mode 600)", file=sys.stderr)
        given = _read_passphrase_file(path, new=confirm)
        if confirm:  # sealing new keys: a passphrase no one could type would lock out the prompt and the dashboard
            from node.passphrase_source import new_keystore_refusal
            if (refusal := new_keystore_refusal(path)) is not None:
                raise HomeError(refusal)
    if given is not None:
        if confirm and (problem := too_short(given)) is not None:
            raise HomeError(f"{problem}; nothing was written: choose a longer one and run the command again")
        return given
    if not can_prompt():
        raise HomeError(f"this command needs the node's passphrase: set {PASSPHRASE_ENV} (or "
                        f"{PASSPHRASE_FILE_ENV}) or run it in a terminal")
    if confirm:  # a new keystore: the passphrase is chosen now, so it is typed twice and long enough
        return _chosen_at_prompt("Passphrase for this node's keys: ")
    return _ask("Passphrase for this node's keys: ")


def _chosen_at_prompt(prompt: str) -> str:
    """A passphrase chosen now at the terminal: typed twice, and long enough (`too_short`)."""
    first = _ask(prompt)
    for _ in range(PROMPT_TRIES - 1):
        if (problem := too_short(first)) is not None:
            print(problem[0].upper() + problem[1:] + ".", file=sys.stderr)
        elif _ask("Same passphrase again: ") == first:
            return first
        else:
            print("The two differ.", file=sys.stderr)
        first = _ask(prompt)
    if (problem := too_short(first)) is not None:
        raise HomeError(f"{problem}; nothing was written, run the command again and choose another")
    if _ask("Same passphrase again: ") != first:
        raise HomeError("the two passphrases differ; nothing was written, run the command again")
    return first


def read_new_passphrase(file: Path | None, *, home: Path) -> str:
    """The passphrase chosen to seal this home's keys from now on (`solnet passphrase`): the first
    line of `file` (a service's new passphrase file, written before), else typed twice at the
    terminal; held to what `init` holds a new one to. Never from $SOLNET_PASSPHRASE or the file
    $SOLNET_PASSPHRASE_FILE names: those give the passphrase the keys are sealed with now."""
    from node.no_core_dump import forbid_core_dumps
    from node.passphrase_source import new_keystore_refusal

    forbid_core_dumps()
    if file is not None:
        if os.path.abspath(file).startswith(os.path.join(os.path.abspath(home), "")):
            raise HomeError(f"nothing was changed: {file} is inside the node's folder, and a copy of the folder (a "
                            "backup) would carry it beside the keystore it opens. Keep it outside, e.g. "
                            "/etc/solnet/passphrase (mode 600)")
        given = _read_passphrase_file(file, new=True)
        if (refusal := new_keystore_refusal(file)) is not None:
            raise HomeError(refusal.replace("nothing was written", "nothing was changed"))
        if (problem := too_short(given)) is not None:
            raise HomeError(f"{problem}; nothing was changed: choose a longer one and run the command again")
        return given
    if not _terminal():
        raise HomeError("the new passphrase is typed at a terminal (twice), or read from a file with --new-file FILE "
                        "(readable by you alone, outside the node's folder); nothing was changed")
    return _chosen_at_prompt("New passphrase for this node's keys: ")


def _ask(prompt: str) -> str:
    """A passphrase typed at the terminal, without echo. The terminal taken away while it waits (a
    script that put the command in the background ended, the terminal closed: getpass fails with a
    termios error or an end of file) is refused in words, not a traceback."""
    try:
        return getpass.getpass(prompt)
    except EOFError:  # (Ctrl-D at the prompt)
        raise HomeError("no passphrase was typed (the input ended); nothing was done") from None
    except (OSError, termios.error):
        raise HomeError(f"the passphrase prompt lost its terminal; nothing was done. Run the command again in the "
                        f"terminal's foreground, or set {PASSPHRASE_ENV} (or {PASSPHRASE_FILE_ENV})") from None


def too_short(passphrase: str) -> str | None:
    """Why a new keystore's passphrase is too weak, or None. The keystore is all that stands
    between a copy of the home (a backup, a seized card) and the keys: whoever holds the copy can
    try passphrases offline, each costing them an Argon2id run, as many as they like."""
    if len(passphrase) >= MIN_PASSPHRASE:
        return None
    return (f"the passphrase is {len(passphrase)} characters long, and at least {MIN_PASSPHRASE} are needed: whoever "
            "holds a copy of this node's folder (a backup, a seized card) can try passphrases against it "
            "offline. A few words are easy to remember")


class MistypedPassphrase(WrongPassphrase):
    """The passphrase typed at the prompt did not open the keystore, PROMPT_TRIES times: said as a
    typing matter (the environment variable is not in play, and a backup restored for it risks a fork)."""


def can_prompt() -> bool:
    """Whether a passphrase can be asked for: no passphrase in the environment, and a terminal."""
    return not os.environ.get(PASSPHRASE_ENV) and not os.environ.get(PASSPHRASE_FILE_ENV) and _terminal()


_STDIN_TAKEN: list[bool] = []  # set once standard input held a command's values (`--private -`)


def stdin_taken() -> None:
    """Standard input held this command's values (`... | solnet publish --private -`): a person at
    the terminal the command was typed at is asked for the passphrase there (`_terminal`)."""
    _STDIN_TAKEN.append(True)


def _terminal() -> bool:
    """Whether a person is at a terminal to type a passphrase: standard input is one, or it held the
    command's values (details piped in: getpass then asks on the controlling terminal, as sudo does)
    and the command runs in that terminal's foreground. Not a command in the background (`solnet
    run ... &`: what is typed would go to the shell, echoed and kept in its history), nor one whose
    input was sent elsewhere on purpose (`< /dev/null`, a script's loop reading a file): those are
    refused at once, as before."""
    if sys.stdin.isatty():
        return True
    if not _STDIN_TAKEN:
        return False
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:  # (a service, cron, CI: no controlling terminal)
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)


def _read_passphrase_file(path: Path, *, new: bool = False) -> str:
    """The passphrase in $SOLNET_PASSPHRASE_FILE (the line breaks at its end dropped), with a warning if other
    users may read that file; `new`: one being chosen (`solnet init`)."""
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except PermissionError as exc:  # a service's file made by root, read by the node's own user
        user = _user_name()
        raise HomeError(f"cannot read the passphrase file {path}: {exc.strerror}. This command runs as the user "
                        f"{user}: make the file theirs, readable only by them (`sudo chown {user} {path} && sudo "
                        f"chmod 600 {path}`), or run the command as the user it belongs to") from None
    except OSError as exc:
        raise HomeError(f"cannot read the passphrase file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise HomeError(f"the passphrase file {path} is not text (UTF-8)") from None
    if mode & 0o077:
        print(f"warning: the passphrase file {path} can be read by other users of this machine (mode "
              f"{mode & 0o777:o}); make it private with `chmod 600 {path}`", file=sys.stderr)
    if not text.strip():  # else said as a wrong passphrase (an empty one opens nothing)
        if new:
            raise HomeError(f"the passphrase file {path} is empty: write the passphrase you choose for this node in "
                            "it, alone on its first line, and run the command again; nothing was written")
        from node.passphrase_source import THIS_PASSPHRASE
        raise HomeError(f"the passphrase file {path} is empty: write this node's passphrase in it, alone on its "
                        f"first line ({THIS_PASSPHRASE})")
    return text.rstrip("\r\n")


def _user_name() -> str:
    """The name of the user this command runs as, or its uid (a container's user with no passwd entry)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # (getpwuid finds no entry: a `docker run --user 54321`)
        return str(os.getuid())


def read_bundle_passphrase(*, new: bool = False) -> str:
    """The passphrase of a sealed bundle: $SOLNET_BUNDLE_PASSPHRASE, else a prompt. It is not the
    node's passphrase: it is shared with whoever imports the bundle. A `new` one (sealing a bundle)
    is asked twice and must be as long as a node's: a bundle on a lost USB stick can be tried
    offline as a copied home can."""
    from node.no_core_dump import forbid_core_dumps

    forbid_core_dumps()  # (as read_passphrase: what the bundle holds and its passphrase stay out of core files)
    if os.environ.get(BUNDLE_PASSPHRASE_ENV):
        passphrase = os.environ[BUNDLE_PASSPHRASE_ENV]
    elif not sys.stdin.isatty():
        raise UsageError(f"a sealed bundle needs its passphrase: set {BUNDLE_PASSPHRASE_ENV} or run this in a "
                         "terminal")
    else:
        passphrase = getpass.getpass("Bundle passphrase (share it with the importer by another channel): ")
        if new and getpass.getpass("Same bundle passphrase again: ") != passphrase:
            raise UsageError("the two bundle passphrases differ; nothing was written, run the command again")
    if new and len(passphrase) < MIN_PASSPHRASE:
        raise UsageError(f"the bundle passphrase is {len(passphrase)} characters long, and at least {MIN_PASSPHRASE} "
                         "are needed: whoever finds the bundle (a lost USB stick) can try passphrases against it "
                         "offline. Nothing was written")
    return passphrase


def passphrase_source_warning() -> str | None:
    """For a long-running node: its environment stays readable (by this user and root) for as long
    as it runs, so a passphrase in it is exposed that long. One-off commands do not warn."""
    if os.environ.get(PASSPHRASE_ENV):
        return (f"warning: the passphrase comes from ${PASSPHRASE_ENV}; while this node runs, whoever can read "
                "its environment (this user, root) can read it. For a service, prefer a file only this user "
                f"can read, named in ${PASSPHRASE_FILE_ENV}.")
    return None


class Home:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @property
    def config_path(self) -> Path:
        return self.path / "config.json"

    @property
    def keystore_path(self) -> Path:
        return self.path / "keystore"

    @property
    def db_path(self) -> Path:
        return self.path / "solnet.db"

    @property
    def admin_salt_path(self) -> Path:
        return self.path / "admin-token.salt"

    @property
    def old_admin_token_path(self) -> Path:
        """Where versions before 2026-12-03 kept the token itself (a copy of the home carried it)."""
        return self.path / "admin-token"

    def admin_token(self, keys: NodeKeys) -> str:
        """The local admin's bearer token for the HTTP API of the node running on this home: this
        device key's secret for a random salt kept in `admin-token.salt` (made on first need). Only
        a process holding the unlocked keys can tell it: the running node (`solnet admin-token` asks
        it) or one given the passphrase. A copy of the home (a backup, a seized card) carries the
        salt, never the token; a new salt (delete the file, restart the node) makes a new token.
        Whoever holds the token can publish as this node and read what it can decrypt."""
        import base64

        secret = keys.device.derive(b"solnet-admin-api", self._admin_salt())
        return base64.urlsafe_b64encode(secret).rstrip(b"=").decode("ascii")

    def forget_old_admin_token(self) -> bool:
        """Delete the token file of earlier versions (whoever copied the home held the token); True
        if there was one."""
        try:
            self.old_admin_token_path.unlink()
            return True
        except FileNotFoundError:
            return False

    def _admin_salt(self) -> bytes:
        self.config()
        path = self.admin_salt_path
        try:
            salt = bytes.fromhex(path.read_text(encoding="ascii").strip())
            if len(salt) >= 16:
                return salt
        except FileNotFoundError:
            pass
        except ValueError:  # damaged by hand: made again below (a new token)
            path.unlink(missing_ok=True)
        # Written whole to a private temporary file, then linked into place: a node and a CLI command
        # asking at the same moment never see a half-written salt, and the first one wins.
        tmp = path.with_name(f".admin-token.salt.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(os.urandom(32).hex() + "\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError:  # e.g. the disk is full: leave no half-written file behind
            tmp.unlink(missing_ok=True)
            raise
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        return bytes.fromhex(path.read_text(encoding="ascii").strip())

    def exists(self) -> bool:
        return self.config_path.exists()

    def create(self, config: Config, keys: NodeKeys, passphrase: str) -> None:
        if self.exists():
            raise HomeError(f"{self.path} already holds a node (group {config.group_name!r} or another); "
                            "choose another --home, or remove that folder if you mean to start over")
        from crypto.keystore import write_keystore

        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not any(self.path.iterdir()):  # a folder made for it beforehand (mkdir): only this user may enter
            os.chmod(self.path, 0o700)
        write_keystore(self.keystore_path, keys, passphrase)
        self.save_config(config)
        # The starting mark has its page from here on (`mark_starting` writes its pid over it): a
        # node's first moments on a nearly full disk (an SD card) then take no new room.
        from crypto.keystore import write_private_file

        write_private_file(self.path / STARTING_FILE, b"0\n")

    def save_config(self, config: Config) -> None:
        """Write config.json whole or not at all, readable by this user only (it names the group)."""
        from crypto.keystore import write_private_file

        write_private_file(self.config_path, (json.dumps(config.as_dict(), indent=2) + "\n").encode("utf-8"))

    def refuse_if_shared(self) -> None:
        """HomeError if other users may write into the home: one of them could put files there (a
        login link, a socket for `solnet publish` to talk to, a database or keystore of their own)
        to become the dashboard's admin, read what is published, or feed the node a membership of
        their making. Said rather than mended: what they may have put there is for the owner to see."""
        try:
            mode = stat.S_IMODE(os.stat(self.path).st_mode)
        except OSError:  # not there yet, or unreadable: the command says so itself
            return
        if mode & 0o022 and self.exists():  # (a folder made beforehand for `init`, empty, is closed by it)
            raise HomeError(f"{self.path} can be written by other users of this machine (mode {mode:o}): one of them "
                            "could have put files there to act as this node's admin or read what it publishes. "
                            f"Make it yours alone with `chmod 700 {self.path}`, check that every file in it is "
                            f"yours (`ls -la {self.path}`), and run the command again.")

    @property
    def private_files(self) -> tuple[Path, ...]:
        """The files of a home; each is made mode 0600 (the home itself 0700)."""
        db = self.db_path
        # (the lock, the starting mark and the passphrase file's record too: a restored 0644 one kept
        # its mode, os.open's mode counting only for a new file, and the record names where the
        # passphrase is kept)
        return (self.config_path, self.keystore_path, self.admin_salt_path,
                db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"), own_marks.path_for(db),
                self.path / STARTING_FILE, self.lock_path, self.path / PASSPHRASE_FILE_RECORD)

    def _tighten_modes(self) -> None:
        """Homes made by earlier versions, or copied back from a backup, a USB stick's FAT or `rsync`
        without its modes, have files others may read (0644): make them 0600, and the folder 0700
        (one others may enter lists them all: a solnet node's keystore, database and socket, by
        name, to every user of the machine; one they may write to is refused: `refuse_if_shared`)."""
        try:
            st = os.lstat(self.path)
            if stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and st.st_mode & 0o055 and not st.st_mode & 0o022:
                os.chmod(self.path, 0o700)
        except OSError:  # absent yet, or not ours to change
            pass
        links = self.path / LOGIN_LINKS
        try:
            st = os.lstat(links)
            if stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and st.st_mode & 0o077:
                os.chmod(links, 0o700)  # (one others may write to is refused by login_links, not mended)
            closing = [links / name for name in os.listdir(links)] if stat.S_ISDIR(st.st_mode) else []
        except OSError:  # none made yet, or not ours
            closing = []
        for path in (*self.private_files, *closing):
            try:
                st = os.lstat(path)
                if stat.S_ISREG(st.st_mode) and st.st_mode & 0o077:
                    os.chmod(path, 0o600)
            except OSError:  # absent, or not ours to change
                continue

    def wiped_text(self) -> str:
        """What a home holding an event log but no keys or config (a panic wipe's work) says: not
        "init here", which would make keys that its old log then refuses to join with. A wipe cut short
        after the keys went (a power cut, the plug pulled, a kill: its database part takes longest on a
        Pi) left the private parts and the peer list on the disk, and this said "wiped" all the same."""
        if self.wipe_unfinished():
            return (f"a wipe of {self.path} was cut short (the power went, or it was stopped) after its keys were "
                    "destroyed: its private parts (support requests, case notes, events for chosen groups) and its "
                    f"peer list may still be on this disk. Run `solnet --home {self.path} wipe` again now to finish "
                    "it (`wipe --all` removes the event log too)")
        return (f"{self.path} was wiped: its keys and config are gone, its event log of public events is left. To "
                "take part again, make a new node in a new folder (`solnet --home NEW_FOLDER init --group NAME "
                f"--region REGION`), or here once `solnet --home {self.path} wipe --all` has removed the event log, "
                "and ask a member group for an invite")

    def wipe_unfinished(self) -> bool:
        """Was a wipe of this home begun and not finished (node/wipe.py)?"""
        return (self.path / WIPE_UNFINISHED).exists()

    def config(self) -> Config:
        self._tighten_modes()
        if self.wipe_unfinished():  # its config may be whole, random bytes or gone, its keys too: not "restore it"
            raise HomeError(self.wiped_text())
        try:
            return Config(**json.loads(self.config_path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            if self.db_path.exists():  # the event log without keys or config: a panic wipe left it
                raise HomeError(self.wiped_text()) from None
            raise HomeError(f"no solnet node in {self.path}: run `solnet --home {self.path} init --group NAME "
                            "--region REGION` first") from None
        except (ValueError, TypeError) as exc:
            raise HomeError(f"{self.config_path} is damaged ({exc}). It holds no secret (this node's names and "
                            "ids): restore it from a backup of the home; the keys are in `keystore` beside it, "
                            "untouched") from None
        except OSError as exc:  # a file given as the home, a name too long, no permission, a failing disk...
            if disk.is_failing(exc):
                from node.store.errors import DiskFailing
                raise DiskFailing.at(self.path, exc.strerror) from None
            raise HomeError(f"cannot use {self.path} as a node's home: {exc.strerror}") from None

    def keys(self, passphrase: str | None = None) -> NodeKeys:
        return self.unlock(passphrase)[0]

    def unlock(self, passphrase: str | None = None) -> tuple[NodeKeys, str]:
        """This home's keys, and the passphrase that opened them (given, or read: $SOLNET_PASSPHRASE,
        the file, the prompt): `solnet passphrase` refuses that one as the new one."""
        from crypto.keystore import read_keystore
        from node.no_core_dump import forbid_core_dumps

        forbid_core_dumps()  # before the passphrase is read: neither it nor the keys may reach a core file
        config = self.config()
        if not self.keystore_path.exists():
            raise HomeError(f"{self.path} has no keys (wiped, or copied without its keystore): this node cannot sign "
                            "or read private parts. Make a new node with `solnet init` and ask for an invite.")
        prompting = passphrase is None and can_prompt()
        for attempt in range(1, PROMPT_TRIES + 1 if prompting else 2):
            try:
                given = passphrase if passphrase is not None else read_passphrase(home=self.path)
                keys = read_keystore(self.keystore_path, given)
                self._mend_ids(config, keys)
                if passphrase is None:
                    self._note_passphrase_file()
                return keys, given
            except WrongPassphrase:
                if attempt == PROMPT_TRIES:  # typed at the prompt each time: the words are for a person there
                    raise MistypedPassphrase(f"wrong passphrase, {PROMPT_TRIES} times") from None
                if not prompting:
                    raise
                print("Wrong passphrase, try again.", file=sys.stderr)
            except KeystoreError as exc:
                raise HomeError(f"{exc}. It holds this node's keys, sealed by the passphrase: restore it from a backup of "
                                "this home. Without one this device cannot sign again: make a new device of your group "
                                "(`solnet init --device-of GROUP_ID` in a new home; `solnet id` prints the group id) "
                                "and revoke this one with your group key") from None
        raise AssertionError("unreachable")

    def change_passphrase(self, keys: NodeKeys, new: str) -> None:
        """Seal `keys` (this home's, unlocked) under the passphrase `new` in place of the keystore,
        and destroy the keystore sealed under the old one (overwritten in place, then deleted):
        replaced by a rename alone, its bytes stayed in the freed blocks of the disk, where whoever
        images the card and knows the old passphrase (seen typed, a coordinator who left) opened
        them. At every moment `keystore` holds a whole keystore, the old or the new: the old one is
        first linked aside (`keystore.old.tmp`, which a wipe destroys if a power cut leaves it)."""
        from crypto.keystore import write_keystore
        from node.shred import shred

        aside = self.keystore_path.with_name(self.keystore_path.name + ".old.tmp")
        try:
            try:  # one an earlier change cut short left: the old keystore, or the very one in place (unlinked only)
                if os.path.samefile(aside, self.keystore_path):
                    aside.unlink()
                else:
                    shred(aside)
            except FileNotFoundError:
                pass
            os.link(self.keystore_path, aside)
            try:
                write_keystore(self.keystore_path, keys, new)
            except BaseException:  # (its temporary file is gone) the keystore in place is the old one, also aside
                aside.unlink(missing_ok=True)  # a second name of the live keystore: unlinked, never overwritten
                raise
        except OSError as exc:  # a full disk (ENOSPC, EFBIG past a size limit), a failing card: a traceback before
            raise HomeError(f"the keystore sealed with the new passphrase could not be written in {self.path} "
                            f"({exc.strerror or exc}); nothing was changed: the old passphrase still opens the keys. "
                            "Free some space on the disk (or mend it) and run the command again") from None
        try:
            shred(aside)
        except OSError as exc:  # the change stands; the old keystore is still whole beside it
            print(f"warning: the keystore sealed with the old passphrase could not be overwritten ({exc.strerror or exc})"
                  f": it is still in {aside}, and the old passphrase opens it. Run `solnet passphrase` again once the "
                  "disk is mended (it destroys that file first), or delete it", file=sys.stderr)

    @contextlib.contextmanager
    def changing_keys(self) -> Iterator[None]:
        """Held by `solnet passphrase` from the unlock to the end of the change: an exclusive flock
        on the home folder itself. Two changes at once, interleaved, had one overwrite the live
        keystore as the other's old one (linked aside under the same name); the keys were lost if
        the other was then stopped before its new keystore was in place."""
        fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            if not hold_exclusive(fd):
                raise HomeError(f"another `solnet passphrase` is changing the passphrase of {self.path} now; nothing "
                                "was changed: run the command again once it has ended, if it is still needed")
            yield
        finally:
            os.close(fd)  # (releases the lock)

    def _note_passphrase_file(self) -> None:
        """The file $SOLNET_PASSPHRASE_FILE names has just unlocked this home's keys: say where it is
        in the home (PASSPHRASE_FILE_RECORD), so a wipe destroys that file, and not the one another
        home's variable names in the wiping shell. Best effort: a home that cannot be written
        unlocks all the same (the wipe then says to destroy the file by hand)."""
        named = os.environ.get(PASSPHRASE_FILE_ENV)
        if os.environ.get(PASSPHRASE_ENV) or not named:
            return
        where, record = os.path.abspath(named), self.path / PASSPHRASE_FILE_RECORD
        try:
            if record.read_text() == where:
                return
        except OSError:
            pass
        try:
            fd = os.open(record, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            try:
                os.write(fd, where.encode())
            finally:
                os.close(fd)
        except OSError:
            pass

    def _mend_ids(self, config: Config, keys: NodeKeys) -> None:
        """config.json's ids are copies of the keys' public halves, read without the passphrase
        (`solnet id` prints the group id another group invites): a flipped byte there (a worn SD
        card, an edit) would hand out a wrong id. The keys, sealed and authenticated, say which are
        right: config.json is mended and the change said. (A further device holds no group key:
        its group id is the one it was given.)"""
        right = {"device_id": keys.device.public.hex(), "device_encryption_key": keys.device_encryption.public.hex()}
        if keys.group is not None:
            right["group_id"] = keys.group.public.hex()
        wrong = {name: value for name, value in right.items() if getattr(config, name) != value}
        if not wrong:
            return
        for name, value in wrong.items():
            setattr(config, name, value)
        said = ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in wrong.items())
        try:
            self.save_config(config)
        except OSError as exc:
            print(f"warning: {self.config_path} does not match this node's keys ({said} is right); it could not be "
                  f"mended ({exc.strerror or exc}): restore it from a backup of the home", file=sys.stderr)
            return
        print(f"warning: {self.config_path} did not match this node's keys (damaged or edited): mended to what the "
              f"keys say ({said})", file=sys.stderr)

    @property
    def lock_path(self) -> Path:
        return self.path / LOCK_FILE

    def lock_node(self) -> int:
        """Hold this home's node lock for as long as the returned file descriptor stays open (close
        it to release; the kernel releases it when the process ends, even after kill -9). HomeError
        if another node runs on this home: two nodes on one keystore and database would sign and
        store behind each other's backs."""
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        if not hold_exclusive(fd):
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            raise HomeError(f"a node is already running on {self.path}"
                            + (f" (pid {holder})" if holder.isdigit() else "")
                            + ": stop it first (Ctrl-C in its terminal, or `kill` that pid), or use "
                              "another --home") from None
        try:  # who holds it, for the message above; the lock itself is what counts
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:  # a full disk must not keep a node from starting (it serves, and says so)
            pass
        return fd

    def node_running(self) -> bool:
        """Whether a node runs on this home now (it holds the node lock)."""
        return node_lock_holder(self.lock_path) is not None

    def node_starting(self) -> int | None:
        """The pid of a `solnet run` on this home that does not serve yet (at its passphrase prompt,
        unlocking its keys, opening its database; 0 if it did not say), else None."""
        holder = node_lock_holder(self.path / STARTING_FILE)
        return None if holder is None or self.node_running() else holder

    def mark_starting(self) -> int | None:
        """Hold this home's starting mark for as long as this process lives (the fd, never closed:
        `solnet run` keeps it until it ends; None if the file cannot be made: a read-only or failing
        disk, which the node's start then says in its own words). HomeError if another `solnet run`
        holds it."""
        try:
            fd = os.open(self.path / STARTING_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            return None
        if not hold_exclusive(fd):  # (taken in the first instant of `solnet run`: see hold_exclusive)
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            raise HomeError(f"a node is starting on {self.path}" + (f" (pid {holder})" if holder.isdigit() else "")
                            + ": it serves within seconds (`solnet status` says when); or stop it (Ctrl-C in its "
                              "terminal, or `kill` that pid), or use another --home") from None
        try:  # who holds it, for `status` and the message above
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:  # a full disk must not keep a node from starting
            pass
        return fd

    def store(self) -> Store:
        from node.store import Store

        self.config()
        return Store(self.db_path)

    def log(self) -> EventLog:
        """The node's event log; HomeError if it has not founded or joined a network."""
        from node.log import EventLog, NotInitialised
        from node.store import Store
        from node.store.join_meta import JOIN_META, cut_short_advice

        if not self.db_path.exists():
            network_id = self.config().network_id
            if network_id is not None:
                from node.store.errors import REBUILD_STEPS

                raise HomeError(f"this home was in network {network_id[:12]}..., but its database {self.db_path} "
                                f"is gone (moved aside?). To rebuild it, {REBUILD_STEPS}")
            raise HomeError(f"this node has not joined a network yet: run `solnet --home {self.path} join invite.txt` "
                            "with the invite file a member group wrote for it (`solnet id` prints the group id they need), or found one with `init --new-network`")
        store = Store(self.db_path)
        if (cut_short := cut_short_advice(store.get_meta(JOIN_META))) is not None:  # no certified device, maybe
            store.close()
            raise HomeError(cut_short)
        try:
            log = EventLog(store)
        except NotInitialised as exc:
            store.close()
            raise HomeError(str(exc)) from None
        self._remember_network(log.network_id.hex())
        self._drop_expired(log)
        return log

    def _drop_expired(self, log: EventLog) -> None:
        """With no node running (its timer drops expired bodies every 30 s), drop them now: a command
        on a stopped home read them as they were, and `export` carried an expired alert's text onto a
        USB stick, `show` printed it. While none has expired, a short write transaction that writes
        nothing."""
        from node.store import StoreError

        if self.node_running():
            return
        try:
            log.purge_expired()
        except StoreError:  # (a read-only copy, a full disk): the command still reads; the node drops them
            pass

    def _remember_network(self, network_id: str) -> None:
        """Homes made before config.json named their network learn it once, from their database."""
        config = self.config()
        if config.network_id is None:
            config.network_id = network_id
            self.save_config(config)
