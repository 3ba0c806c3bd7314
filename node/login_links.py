"""One-time dashboard login links: a secret only someone who can read the node's home holds.

Why. Where a request comes from proves nothing: a Tor onion service, socat, stunnel or `ssh -L`
delivers every remote visitor from 127.0.0.1, and the client writes the Host and forwarding
headers itself. So the dashboard trusts no address; a visitor becomes the admin only with the
node's passphrase or with a link made by `solnet dashboard-link`, which needs the home (mode 0700).

How. `create` makes a random token, writes a file named by its hash into HOME/login-links/
(folder 0700, file 0600) holding when it expires, and returns the token; the CLI prints it inside
a URL. The running node reads that folder only when a link is visited: `redeem` hashes the token
given, reads the file of that name and deletes it. Deleting is the claim: of two visits racing with
one link, only the one whose unlink succeeds logs in, so a link works once. A link past its expiry
is refused (and its file deleted), and so is one the clock says was made later than now (the
clock was set back since: it would have lived that much longer). Only hashes are on disk, so a
copy of the home (a backup) holds no usable link, and the file lookup by name leaks nothing of the
token through timing. Only a folder and a file this user made count: in a home others may write to
(a shared group's folder, a restored backup), another user could make them with a token of their
own, and became the dashboard's admin by it until 2026-12-04.
Blocking file I/O: inside a running node, call `redeem` off the event loop.
"""
from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import stat
from pathlib import Path

from node import clock
from node.home import LOGIN_LINKS as FOLDER  # (the home's layout says it)
from solnet_errors import EXIT_HOME, SolnetError

TTL_S = 300  # a printed link is used within minutes, or a new one is made
MAX_TTL_S = 7 * 86400  # `dashboard-link --valid-for`: a link sent to another coordinator, who opens it later
MAX_OUTSTANDING = 16  # unused links kept at once; making one more drops the oldest
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
CLOCK_SLACK_MS = 60_000  # a link redeemed this much "before" it was made is taken: clocks read in turn


class ForeignFolder(SolnetError):
    """The home's link folder is another user's (the home is writable by others): no link is made."""

    reason, exit_code = "home_not_private", EXIT_HOME


def _folder(home: Path) -> Path:
    return Path(home) / FOLDER


def _name(token: str) -> str:
    return hashlib.blake2b(token.encode("ascii"), digest_size=32, person=b"solnet-login").hexdigest()


def create(home: Path, *, ttl_s: float = TTL_S, now_ms: int | None = None) -> tuple[str, int]:
    """A new single-use token for the node in `home` and when it expires (Unix ms). The home
    must exist. Old links are tidied away first: expired ones, and the oldest beyond the limit."""
    now = clock.now_ms() if now_ms is None else now_ms
    expires = now + int(ttl_s * 1000)
    folder = _folder(home)
    folder.mkdir(mode=0o700, exist_ok=True)
    st = os.lstat(folder)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
        raise ForeignFolder(f"{folder} was not made by you: another user can write to {home}. Remove that folder, "
                            f"make the home yours alone (`chmod 700 {home}`) and run this again.")
    os.chmod(folder, 0o700)  # mkdir's mode is reduced by the umask; this folder is for this user only
    _tidy(folder, now, keep=MAX_OUTSTANDING - 1)
    token = secrets.token_urlsafe(32)
    path = folder / _name(token)
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    # Written whole, then renamed into place: the node never reads half a file.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(f"{expires} {now}\n")
        os.replace(tmp, path)
    except OSError:  # e.g. a full disk: leave nothing half-written behind
        tmp.unlink(missing_ok=True)
        raise
    return token, expires


def well_formed(token: str | None) -> bool:
    """Whether `token` has the form of a token `create` makes: one without it (a link cut short or
    broken when copied from a terminal that wrapped it) was never made here, so nobody used it."""
    return bool(token) and TOKEN_RE.fullmatch(token) is not None


def redeem(home: Path, token: str | None, *, now_ms: int | None = None) -> bool:
    """True once for a token made by `create` for this home and not yet expired; False for
    anything else (used, expired, unknown, malformed). The link is gone afterwards either way."""
    if not well_formed(token):
        return False
    assert token is not None
    name = _name(token)
    try:
        folder = _open_own_folder(home)
    except OSError:  # no link made yet, or a folder this user did not make
        return False
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
        with os.fdopen(fd, "r", encoding="ascii") as f:
            if os.fstat(f.fileno()).st_uid != os.geteuid():
                return False  # written by another user (into a home others may write to): no login
            text = f.read()
        os.unlink(name, dir_fd=folder)  # the claim: only one visitor's unlink can succeed
    except (OSError, UnicodeDecodeError):  # unknown, already used, or unreadable
        return False
    finally:
        os.close(folder)
    now = clock.now_ms() if now_ms is None else now_ms
    try:
        expires, made = _times(text)
    except ValueError:  # damaged by hand: refuse
        return False
    # Made "after now": the clock was set back since, and the link would live that much longer.
    return now < expires and (made is None or made - CLOCK_SLACK_MS <= now)


def forget_all(home: Path) -> int:
    """Delete every unused link of this home (`solnet end-sessions`, a new passphrase): one sent to a
    coordinator who left, or read over a shoulder, logs no one in from now on. How many there were."""
    try:
        folder = _open_own_folder(home)
    except FileNotFoundError:  # no link was ever made here
        return 0
    except PermissionError:  # not this user's: `redeem` takes none of its links either
        return 0
    forgotten = 0
    try:
        for name in os.listdir(folder):
            try:
                os.unlink(name, dir_fd=folder)
            except FileNotFoundError:  # used or tidied away meanwhile
                continue
            forgotten += not name.startswith(".")
    finally:
        os.close(folder)
    return forgotten


def _open_own_folder(home: Path) -> int:
    """A descriptor of the home's link folder, if this user made it and no other may write to it;
    OSError otherwise. In a home others may write to, another user could make the folder and put a
    link file of a token of their own in it: the file names a token by its hash, nothing more. Held
    open, the folder checked is the folder read (not one swapped in between)."""
    fd = os.open(_folder(home), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    st = os.fstat(fd)
    if st.st_uid != os.geteuid() or st.st_mode & 0o022:
        os.close(fd)
        raise PermissionError(errno.EPERM, f"{_folder(home)} was not made by this user, or others may write to it")
    return fd


def _times(text: str) -> tuple[int, int | None]:
    """When a link file says its link expires, and when it was made (None: a file of an earlier version)."""
    parts = text.split()
    if len(parts) not in (1, 2):
        raise ValueError("not a link file")
    return int(parts[0]), int(parts[1]) if len(parts) == 2 else None


def _tidy(folder: Path, now: int, keep: int) -> None:
    """Delete expired or damaged links, then the oldest until at most `keep` are left."""
    alive: list[tuple[int, Path]] = []
    for path in folder.iterdir():
        if path.name.startswith("."):
            continue
        try:
            expires = _times(path.read_text(encoding="ascii"))[0]
        except (OSError, ValueError, UnicodeDecodeError):
            expires = 0
        if expires <= now:
            path.unlink(missing_ok=True)
        else:
            alive.append((expires, path))
    alive.sort()
    for _, path in alive[:max(0, len(alive) - keep)]:
        path.unlink(missing_ok=True)


def read_on_the_way(base_url: str) -> bool:
    """Whether a link at `base_url` crosses a network readable: plain HTTP to a host that is not this
    machine's loopback nor an onion service (whose Tor circuit is encrypted end to end). Whoever
    reads such a link first is logged in, and the login cookie crosses in the clear after it."""
    from ipaddress import ip_address
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme != "http" or host == "localhost" or host.endswith((".localhost", ".onion")):
        return False
    try:
        return not ip_address(host).is_loopback
    except ValueError:  # a name: a LAN's (raspberrypi.local) or the internet's
        return True
