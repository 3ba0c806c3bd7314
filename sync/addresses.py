"""Peer addresses: the one canonical form of an address to dial (`normalize_address`), where it
leads (`place_of`: every spelling of one host and port) and whether it is this node's own.

Apart from the peer book (sync/peers.py, which re-exports these) because `solnet status` checks
the addresses it lists against the removals kept (node/peer_blocks.py) and loads nothing it can
do without: no dataclasses, no peer book.
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from solnet_errors import EXIT_USAGE, KeyedError

EXPECTED_FORM = ("expected host:port, http://host:port or https://host:port "
                 "(ws://, wss:// and [ipv6]:port are accepted too)")
_SCHEMES = {"http": "http", "https": "https", "ws": "http", "wss": "https"}
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_LABEL_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_PORT_RE = re.compile(r"[0-9]{1,5}")
# A part of an IPv4 address as the system's resolver also reads one (inet_aton: 0x7f000001, 0x7f.1 and
# 127.0.0.0x1 are 127.0.0.1), which the host-name rule lets through: see `_hostname`.
_INET_ATON_PART = re.compile(r"0x[0-9a-f]*|[0-9]+")


class AddressError(KeyedError, ValueError):
    """A peer address solnet cannot dial; the message names the problem and the expected form, its
    key and values how a page says it (KeyedError)."""

    reason, http_status, exit_code = "bad_address", 422, EXIT_USAGE


def _bad(text: str, problem: str) -> AddressError:
    return AddressError(f"bad peer address {text!r}: {problem}; {EXPECTED_FORM}", "peer_address", address=text[:80])


def normalize_address(text: str) -> str:
    """The one canonical form of a peer address, `http://host:port` or `https://host:port`."""
    if not isinstance(text, str) or not text:
        raise _bad(str(text), "it is empty")
    if any(c.isspace() for c in text):
        raise _bad(text, "it contains whitespace")
    scheme, rest = "http", text
    match = _SCHEME_RE.match(text)
    if match:
        given = match.group(1).lower()
        if given not in _SCHEMES:
            raise _bad(text, f"scheme {given}:// is not supported")
        scheme, rest = _SCHEMES[given], text[match.end():]
    elif "://" in text:
        raise _bad(text, "the scheme is malformed")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]  # any path, query or fragment is dropped
    if "@" in authority:
        raise _bad(text, "user names and passwords are not allowed")
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            raise _bad(text, "the IPv6 address has no closing ']'")
        host, after = _ipv6_host(text, authority[1:end]), authority[end + 1:]
        if not after.startswith(":"):
            raise _bad(text, "there is no port")
        port_text = after[1:]
    else:
        if ":" not in authority:
            raise _bad(text, "there is no port")
        if authority.count(":") > 1:
            raise _bad(text, "an IPv6 address must be written in brackets, like [::1]:8080")
        host_text, port_text = authority.split(":")
        host = _hostname(text, host_text)
    return f"{scheme}://{host}:{_port(text, port_text)}"


# This machine, as an address to dial or to listen on (0.0.0.0 and [::]: every address, this one too)
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]", "0.0.0.0", "[::]"})
THIS_MACHINE = "localhost"  # how `place_of` names every one of them


def dialable(texts: Iterable[str]) -> list[str]:
    """Addresses from elsewhere (an invite, a node's announcement) in canonical form, each once, in
    their order; one that does not read as an address is left out (they are not trusted to be good)."""
    out: list[str] = []
    for text in texts:
        try:
            address = normalize_address(text)
        except AddressError:
            continue
        if address not in out:
            out.append(address)
    return out


def place_of(address: str) -> tuple[str, int]:
    """Where a normalised address leads: its host and port, whatever the scheme, every spelling of
    this machine (localhost, 127.0.0.1, [::1], 0.0.0.0, [::]) as THIS_MACHINE and an IPv4 address
    written as IPv6 ([::ffff:192.0.2.7]) as that IPv4 address. Two addresses of one place reach one
    listening socket: what one of them is refused, the other is too."""
    host, _, port = address.split("://", 1)[-1].rpartition(":")
    if host.startswith("["):
        try:
            mapped = ipaddress.IPv6Address(host[1:-1]).ipv4_mapped
        except ValueError:
            mapped = None
        host = str(mapped) if mapped is not None else host
    return (THIS_MACHINE if host in _LOOPBACK_NAMES else host), int(port)


def is_own_address(address: str, own: set[str] | frozenset[str]) -> bool:
    """Whether the normalised `address` reaches a node listening at one of `own` (normalised) on this
    machine: the same address, or another spelling of its place (`place_of`: localhost, 0.0.0.0,
    [::1] for a node on 127.0.0.1 or on every address). A member announcing those made a node dial
    itself, refuse itself, and list itself among its peers."""
    return address in own or place_of(address) in {place_of(mine) for mine in own}


def _ipv6_host(text: str, inner: str) -> str:
    if "%" in inner:
        raise _bad(text, "IPv6 zone ids are not supported")
    try:
        return f"[{ipaddress.IPv6Address(inner).compressed}]"
    except ValueError:
        raise _bad(text, "the bracketed host is not an IPv6 address") from None


def _hostname(text: str, host: str) -> str:
    if not host:
        raise _bad(text, "the host is empty")
    host = host.lower()
    if re.fullmatch(r"[0-9.]+", host):
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            raise _bad(text, "the host is not a valid IPv4 address") from None
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL_RE.fullmatch(label) for label in labels):
        raise _bad(text, "the host is not a valid host name (ASCII letters, digits, '-' and '.')")
    if len(labels) <= 4 and all(_INET_ATON_PART.fullmatch(label) for label in labels):
        # Dialled, it is an IPv4 address, which none of the checks by place saw (`place_of`): a member
        # announcing 0x7f000001:7700 had every node on that port dial itself, and one announcing
        # 0x0a000005:80 brought back 10.0.0.5:80 after `solnet peers rm`.
        raise _bad(text, "the host is an IPv4 address written in hexadecimal; write it as four decimal numbers, "
                         "like 192.0.2.7")
    return host


def _port(text: str, port_text: str) -> int:
    if not _PORT_RE.fullmatch(port_text):
        raise _bad(text, "the port must be a number from 1 to 65535")
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise _bad(text, f"port {port} is out of range 1..65535")
    return port
