"""An ingest worker: `python -m node.verify_worker`, run by node/verify_pool.py.

Reads requests on stdin and answers on stdout, each framed as a 4-byte big-endian length and a
payload. Its first frame, before any request, is READY (an empty one), written once its imports are
done: the node ships it no chunk before (node/verify_pool.py). A request is a msgpack array of
events in wire form, as a peer sent them; the answer is a msgpack array with one record per event
(events/examine.py): decoded and checked, its signature verified, its body judged by its kind's
rules and its read-model row worked out. It imports only the pure event modules and the crypto
binding, and it ends when its stdin closes (the node stopped, or died), or when nobody reads its
answer any more (the node died)."""
from __future__ import annotations

import os
import signal
import sys

import msgpack

from events.examine import examine_records, pack_records

MAX_REQUEST = 64 << 20  # far above a chunk of the largest events; a bad length ends the worker
READY = bytes(4)  # an empty frame, sent once the imports above are done: the worker can answer now


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
