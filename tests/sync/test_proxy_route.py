"""The proxy setting and the route rule, without sockets: what a proxy address may be, and that a
Tor address is never dialled directly."""
from __future__ import annotations

import pytest

from sync.addresses import normalize_address
from sync.proxy import ProxyAddress, ProxyFailure, check_route, is_onion, parse_proxy


@pytest.mark.parametrize("text, expected", [
    ("socks5://127.0.0.1:9050", ProxyAddress("127.0.0.1", 9050)),
    ("socks5h://127.0.0.1:9150/", ProxyAddress("127.0.0.1", 9150)),
    ("SOCKS5://tor:9050", ProxyAddress("tor", 9050)),
    ("socks5://[::1]:9050", ProxyAddress("::1", 9050)),
])
def test_proxy_addresses_accepted(text: str, expected: ProxyAddress) -> None:
    assert parse_proxy(text) == expected
    assert parse_proxy(str(expected)) == expected  # the saved form reads back the same


@pytest.mark.parametrize("text, says", [
    ("127.0.0.1:9050", "socks5://HOST:PORT"),
    ("http://127.0.0.1:8080", "socks5://HOST:PORT"),
    ("socks4://127.0.0.1:9050", "socks5://HOST:PORT"),
    ("socks5://127.0.0.1", "socks5://HOST:PORT"),
    ("socks5://127.0.0.1:0", "out of range"),
    ("socks5://127.0.0.1:70000", "out of range"),
    ("socks5://user:secret@127.0.0.1:9050", "passwords are not supported"),
    ("", "socks5://HOST:PORT"),
])
def test_bad_proxy_addresses_say_what_is_expected(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says) as info:
        parse_proxy(text)
    assert "secret" not in str(info.value)  # a password typed into the setting is not printed back


def test_onion_addresses_never_go_direct() -> None:
    onion = normalize_address("calais.onion:7700")
    assert is_onion(onion) and not is_onion(normalize_address("calais.example.org:7700"))
    assert not is_onion(normalize_address("127.0.0.1:7700"))
    with pytest.raises(ProxyFailure, match="--proxy") as info:
        check_route(onion, None)
    assert info.value.reason == "onion_needs_proxy"
    check_route(onion, ProxyAddress("127.0.0.1", 9050))  # through a proxy: fine
    check_route(normalize_address("127.0.0.1:7700"), None)  # ordinary address, no proxy: fine
