"""An IPv4 address written in hexadecimal (0x7f000001, 0x7f.1, 127.0.0.0x1) is no peer address: the
system's resolver dials it as the dotted address, but every check by place (this node's own
address, an address `solnet peers rm` took out) read it as a host name, so a member's announcement
in that spelling made a node dial itself, or brought back an address its user had removed."""
from __future__ import annotations

import random
import socket

import pytest

from sync.addresses import AddressError, dialable, normalize_address
from sync.overlay import Overlay
from sync.peers import PeerBook

HEX_SPELLINGS = ["0x7f000001:7700", "0x7f.1:7700", "0x7f.0.0.1:7700", "127.0.0.0x1:7700", "http://0X7F000001:7700"]


@pytest.mark.parametrize("spelling", HEX_SPELLINGS)
def test_an_ipv4_address_in_hexadecimal_is_refused_in_words(spelling: str) -> None:
    host = spelling.split("://")[-1].rsplit(":", 1)[0]
    assert socket.getaddrinfo(host, 7700, type=socket.SOCK_STREAM)[0][4][0] == "127.0.0.1"  # what a dial reaches
    with pytest.raises(AddressError, match="hexadecimal"):
        normalize_address(spelling)
    assert dialable([spelling, "127.0.0.1:7701"]) == ["http://127.0.0.1:7701"]


def test_an_announced_hex_spelling_of_this_node_or_of_a_removed_address_is_not_dialled() -> None:
    overlay = Overlay(PeerBook(random.Random(1)), random.Random(1), own={"127.0.0.1:7700"})
    overlay.learn("192.0.2.7:80", "announce")
    overlay.remove("192.0.2.7:80")  # `solnet peers rm`
    # an announcement's addresses, as node/net/peer_directory.py hands them on (`dialable`)
    for address in dialable([*HEX_SPELLINGS, "0xc0000207:80", "0xc0.0x00.0x02.0x07:80"]):
        overlay.learn(address, "announce")
    assert overlay.book.all() == []


def test_host_names_that_only_look_numeric_are_still_names() -> None:
    for name in ("deadbeef", "0xcafe.example", "1password.example", "x0x7f.example"):
        assert normalize_address(f"{name}:7700") == f"http://{name}:7700"
