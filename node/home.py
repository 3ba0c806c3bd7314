"""A node's home directory: its config, keystore and database, and how the passphrase is obtained.

Layout:  config.json (group and device ids, name, region)  keystore (encrypted keys)
         solnet.db (+ -wal, -shm)  — the database exists once the node has founded or joined a network.
         admin-token  — the HTTP API's local-admin bearer token, made on first need.
Every file is readable by this user only (0600), in a folder only this user can enter (0700).
"""
from __future__ import annotations

import getpass
import json
import os
import secrets
import stat
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from crypto.errors import KeystoreError
from crypto.keystore import NodeKeys, read_keystore, write_keystore, write_private_file
from node.log import EventLog, NotInitialised
from node.store import Store

PASSPHRASE_ENV = "SOLNET_PASSPHRASE"
PASSPHRASE_FILE_ENV = "SOLNET_PASSPHRASE_FILE"
HOME_ENV = "SOLNET_HOME"
BUNDLE_PASSPHRASE_ENV = "SOLNET_BUNDLE_PASSPHRASE"
PROXY_ENV = "SOLNET_PROXY"


class HomeError(Exception):
    """The home directory is missing, incomplete or not usable; the message says what to run."""


@dataclass
class Config:
    group_id: str
    device_id: str
    device_encryption_key: str
    group_name: str
    region: str
    holds_group_key: bool = True
    # socks5://HOST:PORT: every outbound peer connection of this node goes through it (Tor). Kept
    # here, not only on the command line, so a node set up for Tor never dials directly by mistake.
    proxy: str | None = None


def default_home() -> Path:
    return Path(os.environ.get(HOME_ENV) or Path.home() / ".solnet")


def read_passphrase(*, confirm: bool = False) -> str:
    """The keystore passphrase: $SOLNET_PASSPHRASE, else the file named by $SOLNET_PASSPHRASE_FILE
    (for a headless Pi), else a prompt on the terminal."""
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if os.environ.get(PASSPHRASE_FILE_ENV):
        path = Path(os.environ[PASSPHRASE_FILE_ENV])
        try:
            return path.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise HomeError(f"cannot read the passphrase file {path}: {exc.strerror}") from None
    if not sys.stdin.isatty():
        raise HomeError(f"this command needs the node's passphrase: set {PASSPHRASE_ENV} (or "
                        f"{PASSPHRASE_FILE_ENV}) or run it in a terminal")
    first = getpass.getpass("Passphrase for this node's keys: ")
    if confirm and getpass.getpass("Same passphrase again: ") != first:
        raise HomeError("the two passphrases differ; nothing was written, run the command again")
    return first


def read_bundle_passphrase(*, confirm: bool = False) -> str:
    """The passphrase of a sealed bundle: $SOLNET_BUNDLE_PASSPHRASE, else a prompt. It is not the
    node's passphrase: it is shared with whoever imports the bundle."""
    if os.environ.get(BUNDLE_PASSPHRASE_ENV):
        return os.environ[BUNDLE_PASSPHRASE_ENV]
    if not sys.stdin.isatty():
        raise HomeError(f"a sealed bundle needs its passphrase: set {BUNDLE_PASSPHRASE_ENV} or run in a terminal")
    first = getpass.getpass("Bundle passphrase (share it with the importer by another channel): ")
    if confirm and getpass.getpass("Same bundle passphrase again: ") != first:
        raise HomeError("the two passphrases differ; nothing was written")
    return first


def passphrase_source_warning() -> str | None:
    if os.environ.get(PASSPHRASE_ENV):
        return (f"warning: the passphrase comes from ${PASSPHRASE_ENV}; anyone who can read this process's "
                "environment can read it. Prefer the prompt, or a root-only file in $SOLNET_PASSPHRASE_FILE.")
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
    def admin_token_path(self) -> Path:
        return self.path / "admin-token"

    def admin_token(self) -> str:
        """The local admin's bearer token for the HTTP API: made at random on first need, kept in
        `admin-token` readable by this user only (0600). Whoever holds it can publish as this node."""
        self.config()
        path = self.admin_token_path
        try:
            token = path.read_text(encoding="ascii").strip()
            if len(token) >= 32:
                return token
        except FileNotFoundError:
            pass
        # Written whole to a private temporary file, then linked into place: a node and a CLI command
        # asking at the same moment never see a half-written token, and the first one wins.
        tmp = path.with_name(f".admin-token.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_urlsafe(32) + "\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError:  # e.g. the disk is full: leave no half-written file behind
            tmp.unlink(missing_ok=True)
            raise
        try:
            os.link(tmp, path)
        except FileExistsError:
            if len(path.read_text(encoding="ascii").strip()) < 32:  # damaged by hand: replace it
                os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return path.read_text(encoding="ascii").strip()

    def exists(self) -> bool:
        return self.config_path.exists()

    def create(self, config: Config, keys: NodeKeys, passphrase: str) -> None:
        if self.exists():
            raise HomeError(f"{self.path} already holds a node (group {config.group_name!r} or another); "
                            "choose another --home, or remove that folder if you mean to start over")
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not any(self.path.iterdir()):  # a folder made for it beforehand (mkdir): only this user may enter
            os.chmod(self.path, 0o700)
        write_keystore(self.keystore_path, keys, passphrase)
        self.save_config(config)

    def save_config(self, config: Config) -> None:
        """Write config.json whole or not at all, readable by this user only (it names the group)."""
        write_private_file(self.config_path, (json.dumps(asdict(config), indent=2) + "\n").encode("utf-8"))

    @property
    def private_files(self) -> tuple[Path, ...]:
        """The files of a home; each is made mode 0600 (the home itself 0700)."""
        db = self.db_path
        return (self.config_path, self.keystore_path, self.admin_token_path,
                db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"))

    def _tighten_modes(self) -> None:
        """Homes made by earlier versions have files others may read (0644): make them 0600."""
        for path in self.private_files:
            try:
                st = os.lstat(path)
                if stat.S_ISREG(st.st_mode) and st.st_mode & 0o077:
                    os.chmod(path, 0o600)
            except OSError:  # absent, or not ours to change
                continue

    def config(self) -> Config:
        self._tighten_modes()
        try:
            return Config(**json.loads(self.config_path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise HomeError(f"no solnet node in {self.path}: run `solnet --home {self.path} init --group NAME "
                            "--region REGION` first") from None
        except (ValueError, TypeError) as exc:
            raise HomeError(f"{self.config_path} is damaged ({exc})") from None

    def keys(self, passphrase: str | None = None) -> NodeKeys:
        self.config()
        if not self.keystore_path.exists():
            raise HomeError(f"{self.path} has no keys (wiped, or copied without its keystore): this node cannot sign "
                            "or read private parts. Make a new node with `solnet init` and ask for an invite.")
        try:
            return read_keystore(self.keystore_path, passphrase if passphrase is not None else read_passphrase())
        except KeystoreError as exc:
            raise HomeError(str(exc)) from None

    def store(self) -> Store:
        self.config()
        return Store(self.db_path)

    def log(self) -> EventLog:
        """The node's event log; HomeError if it has not founded or joined a network."""
        if not self.db_path.exists():
            self.config()
            raise HomeError(f"this node has not joined a network yet: run `solnet --home {self.path} join TOKEN` "
                            "with an invite from a member group, or found one with `init --new-network`")
        try:
            return EventLog(Store(self.db_path))
        except NotInitialised as exc:
            raise HomeError(str(exc)) from None
