"""A signature worker: `python -m node.verify_worker CONTEXT_HEX`, run by node/verify_pool.py.

Reads requests on stdin and answers on stdout, each framed as a 4-byte big-endian length and a
payload. A request holds records of author (32 bytes), signature (64), message length (2, big
endian) and the signed message without its context prefix (given once, on the command line); the
answer is one byte per record, 1 if the signature verifies. It imports only the crypto binding,
so it stays small, and it ends when its stdin closes (the node stopped, or died)."""
from __future__ import annotations

import sys

from crypto.errors import BadSignature
from crypto.keys import verify_signature


def verify_records(payload: bytes | memoryview, context: bytes) -> bytes:
    """One byte per record of `payload`: 1 if its signature verifies, else 0."""
    out = bytearray()
    view = memoryview(payload)
    at = 0
    while at < len(view):
        author, signature = bytes(view[at: at + 32]), bytes(view[at + 32: at + 96])
        size = int.from_bytes(view[at + 96: at + 98], "big")
        message = context + bytes(view[at + 98: at + 98 + size])
        at += 98 + size
        try:
            verify_signature(author, message, signature)
            out.append(1)
        except BadSignature:
            out.append(0)
    return bytes(out)


def _read_exact(stream, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def main() -> None:
    context = bytes.fromhex(sys.argv[1])
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while (head := _read_exact(stdin, 4)) is not None:
        payload = _read_exact(stdin, int.from_bytes(head, "big"))
        if payload is None:
            return
        answer = verify_records(payload, context)
        stdout.write(len(answer).to_bytes(4, "big") + answer)
        stdout.flush()


if __name__ == "__main__":
    main()
