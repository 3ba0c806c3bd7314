"""An ingest worker: `python -m node.verify_worker`, run by node/verify_pool.py.

Reads requests on stdin and answers on stdout, each framed as a 4-byte big-endian length and a
payload. Its first frame, before any request, is READY (an empty one), written once its imports are
done: the node ships it no chunk before (node/verify_pool.py). A request is a msgpack array of
events in wire form, as a peer sent them; the answer is a msgpack array with one record per event
(events/examine.py): decoded and checked, its signature verified, its body judged by its kind's
rules and its read-model row worked out. It imports only the pure event modules and the crypto
binding, and it ends when its stdin closes (the node stopped, or died), or when nobody reads its
answer any more (the node died).

Its argument, if any, is the fingerprint of the code the node runs (`code_fingerprint`, taken when
the node loaded it). A worker whose own differs was started from code changed on disk under the
running node (`git pull && pip install`, a package upgrade, without a restart): it says CODE_CHANGED
instead of READY and ends. Examining with newer code than the node's, it could misread the node's
requests, or judge events by other rules than the node's own: one node, two verdicts."""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import msgpack
import nacl

from crypto.hashing import blake2b  # (not hashlib's: that loads OpenSSL, 3.4 MiB resident here for nothing)
from events.examine import examine_records, pack_records

MAX_REQUEST = 64 << 20  # far above a chunk of the largest events; a bad length ends the worker
READY = bytes(4)  # an empty frame, sent once the imports above are done: the worker can answer now
CODE_CHANGED = b"\xff" * 4  # said instead of READY: this worker's code is not the node's (a length no frame has)
_ROOT = Path(__file__).resolve().parents[1]
# The source a worker runs: every module it imports from the project is in these (a whole package,
# so a module added by an upgrade counts too).
_SOURCES = ("events", "crypto", "node/__init__.py", "node/verify_worker.py")


def code_fingerprint(root: Path = _ROOT) -> str:
    """A hash of the code a worker runs, as it is on disk under `root` now: its project source files
    (names and content) and the versions of Python and of the libraries it uses. ~1-5 ms (370 kB of
    source); "" if a file could not be read (one removed during an upgrade: no match)."""
    digest = blake2b(digest_size=16)
    digest.update(f"{sys.version}\0{msgpack.version}\0{nacl.__version__}\0".encode())
    try:
        files = sorted(path for name in _SOURCES
                       for path in ((root / name).rglob("*.py") if (root / name).is_dir() else [root / name]))
        for path in files:
            data = path.read_bytes()
            digest.update(f"{path.relative_to(root)}\0{len(data)}\0".encode() + data)
    except OSError:
        return ""
    return digest.hexdigest()


def answer(payload: bytes) -> bytes:
    """The answer to one request (the records of its events, msgpack)."""
    wires = msgpack.unpackb(payload, raw=False, use_list=True)
    return pack_records(examine_records(wires, verify=True))


def _read_exact(stream, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def _send(stdout, data: bytes) -> bool:
    """Write `data` to the node; False if the node is gone (killed mid-sync: nobody reads it)."""
    try:
        stdout.write(data)
        stdout.flush()
        return True
    except BrokenPipeError:
        # Quietly: its traceback went into the node's log. stdout points at nothing now, so the
        # flush at exit finds no broken pipe either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())
        return False


def main() -> None:
    # Ctrl-C in a terminal reaches the whole process group: the node stops its workers itself (it
    # closes their stdin), and a worker killed by it mid-start printed a traceback over the node's words.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    if len(sys.argv) > 1 and sys.argv[1] != code_fingerprint():
        _send(stdout, CODE_CHANGED)
        return
    if not _send(stdout, READY):
        return
    while (head := _read_exact(stdin, 4)) is not None:
        size = int.from_bytes(head, "big")
        payload = _read_exact(stdin, size) if size <= MAX_REQUEST else None
        if payload is None:
            return
        out = answer(payload)
        if not _send(stdout, len(out).to_bytes(4, "big") + out):
            return


if __name__ == "__main__":
    main()
