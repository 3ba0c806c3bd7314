"""How little a sync link's TCP connection may hold in the kernel, so an alert does not wait behind a round.

A link sends alerts ahead of everything else from its own queue (sync/transport.py), but that queue
ends at the socket: what the kernel already holds goes first. Left to themselves, Linux's buffers
grow with the stream (send buffer up to 4 MiB, receive buffer up to 6 MiB and more: autotuning),
so during a large round a slow receiver had megabytes of the round in its socket and in the
sender's, queued before any alert. On a Pi Zero 2 W stand-in (1/8 of a core) taking its first sync
of 30,000 events, 5.5 MB waited in the Pi's socket and 3 MB unsent in the source's at the moment a
raid alert was published: the alert was read 31 s later, with the round's last batch.

So on each link's socket:
  - TCP_NOTSENT_LOWAT: the kernel takes more from this side only while less than NOT_SENT bytes of
    it are still unsent; the rest waits in the link's queue, where an alert passes it;
  - SO_RCVBUF: the receive buffer is fixed at RECEIVE bytes (no autotuning), which bounds what the
    peer can have in flight towards this side, so what waits unread is about a second of a Pi's ingest.
The cost: a connection carries at most a receive buffer per round trip, ~3 MB/s at 100 ms (a
desktop's ingest is ~8k events/s of ~400 B, 3.3 MB/s); over Tor, the circuit's own window is smaller.
"""
from __future__ import annotations

import socket

NOT_SENT = 64 * 1024  # bytes unsent in the kernel before it takes more from this side
RECEIVE = 256 * 1024  # the receive buffer asked for (Linux doubles it for its bookkeeping)


def keep_short(sock: socket.socket | None) -> None:
    """Set both bounds on a link's socket; a socket (or a system) without them is left as it is."""
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    lowat = getattr(socket, "TCP_NOTSENT_LOWAT", None)
    try:
        if lowat is not None:
            sock.setsockopt(socket.IPPROTO_TCP, lowat, NOT_SENT)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE)
    except OSError:  # not supported here: the link works as before, alerts may wait behind a round
        pass
