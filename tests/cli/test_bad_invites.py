"""Every way an invite can be wrong (cut short, altered, garbage, made of another network's parts, a
Tor peer with no proxy here) is said in a sentence about the invite and what to do: never the
text of the library that choked on it (base64, msgpack, a codec, a KeyError), never a traceback.
The home is left unjoined, so the right invite still works."""
from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

import pytest

from events.canonical import pack, unpack
from fast_keystores import reseal_cheaply

PREFIX = "solnet-invite-v1:"
ONION = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz2345.onion:7700"
# What Python and its libraries say, and people should never have to read.
LIBRARY_WORDS = re.compile(r"Error|Traceback|padding|msgpack|codec|ordinal|ExtraData|base64|Expecting value|"
                           r"multiple of 4|\\x|b'|unexpected content")


def fields(text: str) -> dict:
    return unpack(base64.urlsafe_b64decode(text.strip()[len(PREFIX):]), what="invite")


def token_of(value: dict) -> str:
    return PREFIX + base64.urlsafe_b64encode(pack(value)).decode("ascii") + "\n"


_MADE: dict[str, Path] = {}  # the homes below, made once for the module's tests


@pytest.fixture
def invites(network_template, tmp_path_factory, cli) -> Path:
    """A network, a prepared group Cardiff (not joined) and good invites for it: one from this
    network, one naming a Tor peer, one from another network founded by Lyon. (Made once: `cli`
    is per test, so this is too, and keeps what it made.)"""
    if "root" in _MADE:
        return _MADE["root"]
    root = tmp_path_factory.mktemp("bad_invites")
    net = network_template.copied_to(root)
    cardiff = root / "Cardiff"
    group = cli.run_json(cardiff, "init", "--group", "Cardiff", "--region", "cardiff")["group_id"]
    lyon = root / "Lyon"
    cli.run_json(lyon, "init", "--group", "Lyon", "--region", "lyon", "--new-network")
    for home in (cardiff, lyon):
        reseal_cheaply(home / "keystore", cli.PASSPHRASE)
    cli.run(net.a, "invite", group, "--out", root / "good")
    cli.run(lyon, "invite", group, "--out", root / "other")
    cli.run(net.a, "invite", group, "--out", root / "onion", "--peer", ONION)
    _MADE["root"] = root
    return root


def damaged(good: str, other: str) -> dict[str, str]:
    text, value, theirs = good.strip(), fields(good), fields(other)
    return {
        "cut short": text[:100],
        "cut short by one": text[:-1],
        "cut short by three": text[:-3],
        "only the prefix": PREFIX,
        "garbage": PREFIX + "hello world!!",
        "valid base64 of no msgpack": PREFIX + "aGVsbG8=",
        "not ascii": PREFIX + "héllo",
        "json": PREFIX + '{"genesis": 1}',
        "fields of the wrong type": token_of({"genesis": 1, "group": 2, "events": 3, "peers": 4}),
        "a group id too short": token_of({**value, "group": b"short"}),
        "a damaged genesis": token_of({**value, "genesis": value["genesis"][:-5]}),
        "a genesis of zeros": token_of({**value, "genesis": b"\0" * 100}),
        "events cut short": token_of({**value, "events": [e[:-3] for e in value["events"]]}),
        "events of text": token_of({**value, "events": ["text"]}),
        "no events": token_of({**value, "events": []}),
        "the first event missing": token_of({**value, "events": value["events"][1:]}),
        "another network's genesis": token_of({**value, "genesis": theirs["genesis"]}),
        "another network's events": token_of({**value, "events": theirs["events"]}),
    }


CASES = list(damaged(token_of({"genesis": b"", "group": b"", "events": [], "peers": []}),
                     token_of({"genesis": b"", "group": b"", "events": [], "peers": []})))


@pytest.mark.parametrize("case", CASES)
def test_a_bad_invite_is_said_in_words_and_leaves_the_home_unjoined(invites, case, cli, tmp_path):
    home = tmp_path / "Cardiff"
    shutil.copytree(invites / "Cardiff", home)
    token = tmp_path / "token"
    token.write_text(damaged((invites / "good").read_text(), (invites / "other").read_text())[case])
    result = cli.run(home, "join", token, ok=False)
    said = result.stderr
    assert result.returncode == 1, said
    assert said.startswith("solnet: ") and "invite" in said and "ask the inviter for a new one" in said.lower(), said
    assert not LIBRARY_WORDS.search(said), said
    assert cli.run_json(home, "status")["network_id"] is None
    joined = cli.run_json(home, "join", invites / "good")  # nothing of the bad one was kept
    assert joined["network_id"]


def test_a_cut_invite_says_to_check_it_was_copied_whole(invites, cli, tmp_path):
    home = tmp_path / "Cardiff"
    shutil.copytree(invites / "Cardiff", home)
    token = tmp_path / "token"
    token.write_text((invites / "good").read_text()[:-4])
    said = cli.run(home, "join", token, ok=False).stderr
    assert "copied whole" in said, said


def test_an_invite_naming_a_tor_peer_says_a_proxy_is_needed_and_how_to_set_it(invites, cli, tmp_path):
    home = tmp_path / "Cardiff"
    shutil.copytree(invites / "Cardiff", home)
    joined = cli.run(home, "join", invites / "onion")
    assert "warning: http://" + ONION + " is a Tor (.onion) address" in joined.stderr, joined.stderr
    assert "`solnet proxy socks5://127.0.0.1:9050`" in joined.stderr, joined.stderr
    # With a proxy set, adding another Tor peer says nothing of it.
    cli.run(home, "proxy", "socks5://127.0.0.1:9050")
    assert cli.run(home, "peers", "add", "x" * 56 + ".onion:7701").stderr == ""


def test_peers_add_of_a_tor_address_without_a_proxy_says_how_to_set_one(network, cli):
    added = cli.run(network.b, "peers", "add", ONION)
    assert "Added peer http://" + ONION in added.stdout
    assert ("warning: http://" + ONION + " is a Tor (.onion) address: a node reaches it only through a Tor proxy, "
            "and none is set") in added.stderr, added.stderr
    assert "`solnet proxy socks5://127.0.0.1:9050`" in added.stderr and "--proxy" in added.stderr
    # $SOLNET_PROXY counts as a proxy: no warning then.
    quiet = cli.run(network.b, "peers", "add", "y" * 56 + ".onion:7701", env={"SOLNET_PROXY": "socks5://127.0.0.1:9050"})
    assert quiet.stderr == "", quiet.stderr
    # An ordinary address needs no proxy.
    assert cli.run(network.b, "peers", "add", "127.0.0.1:7702").stderr == ""


def test_an_invite_pasted_in_place_of_its_file_name_says_to_save_it_in_a_file(invites, cli, tmp_path):
    """An invite sent as text (by Signal) pasted after `solnet join`: said as such, and the text
    not echoed back (it was "cannot read the invite solnet-invite-v1:...: File name too long")."""
    home = tmp_path / "Cardiff"
    shutil.copytree(invites / "Cardiff", home)
    text = (invites / "good").read_text()
    for pasted in (text.strip(), text, f"Invite: {text.strip()}", f"<{text.strip()}>"):  # with the message's words
        result = cli.run(home, "join", pasted, ok=False)
        said = result.stderr
        assert result.returncode == 1, said
        assert "that is the invite itself, not the name of its file" in said and "`solnet join invite.txt`" in said, said
        assert text.strip()[len(PREFIX):][:20] not in said and not LIBRARY_WORDS.search(said), said
    long_name = "x" * 5000  # no invite in it, but never echoed whole either ("File name too long")
    said = cli.run(home, "join", long_name, ok=False).stderr
    assert "x" * 200 not in said and len(said) < 1000, said
    assert cli.run_json(home, "status")["network_id"] is None
