"""Where a dial to an announced address actually connected, checked against this node's own listener
and the addresses its user removed (pure: the caller reads the socket's addresses).

The spelling checks (sync/addresses.py `is_own_address`, sync/overlay.py `keeps_out`) compare what
an address says, not where it leads: a host name a member announced that resolves to this node's own
listener, or to an address the user took out with `solnet peers rm`, got past them. The node dialled
itself at every backoff, or reached the removed node again. The address the socket connected to
(its peername) is what is checked here, before the handshake begins.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from sync.addresses import THIS_MACHINE, place_of

OWN_LISTENER = "it leads to this node's own listener"
REMOVED = "it leads to an address removed from this node's peers"

_ANY = ("", "0.0.0.0", "::", "[::]")


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address `text` spells (IPv4 inside IPv6, brackets and a zone dropped), None for a name."""
    try:
        ip = ipaddress.ip_address(text.strip("[]").split("%")[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _same_host(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, host: str) -> bool:
    """Whether `host` (an address's host: an IP, or THIS_MACHINE for the loopback spellings) is `ip`."""
    if host == THIS_MACHINE:
        return ip.is_loopback
    return _ip(host) == ip


def skipped(peer: tuple[str, int], local: tuple[str, int], listening: tuple[str, int] | None,
            removed: Iterable[str]) -> str | None:
    """Why a connection to `peer` (ip, port: the socket's peername) from `local` (its sockname) is not
    to be used, or None. `listening`: this node's listener (host, bound port; None: it has none);
    `removed`: the normalised addresses the user removed or blocked."""
    ip, port = _ip(peer[0]), peer[1]
    if ip is None:
        return None
    if listening is not None and port == listening[1]:
        host = listening[0]
        if host in _ANY:  # every address of this machine: a loopback one, or the one it dialled from
            if ip.is_loopback or ip == _ip(local[0]):
                return OWN_LISTENER
        elif (ip.is_loopback and host == "localhost") or _ip(host) == ip:
            return OWN_LISTENER
    for address in removed:
        host, removed_port = place_of(address)
        if removed_port == port and _same_host(ip, host):
            return REMOVED
    return None
