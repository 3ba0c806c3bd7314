"""An event id or a key typed by its start needs the short id every view prints (12 hex characters,
48 bits), as a group in `to` does. With 6 (24 bits) a member could make an event whose id starts as
another's (sign it again with another time: ~16 million tries) or a device of its own whose key
does (~2 minutes of one core), and while the real one had not arrived here its own was the only
match: `--fundraiser 1a2b3c` pledged to the mole's fundraiser, `revoke`, `accept`, `peers block`
and `ls --author` named the mole's key. Fewer characters are refused with what to type."""
from __future__ import annotations

from pathlib import Path

import pytest

from cli import CliError, parse_key
from crypto.short_ids import SHORT_ID_HEX, short_id
from node.field_input import InputError
from node.publishing import resolve_event_id
from node_fixtures import Net, wires


def test_an_event_id_or_a_key_needs_its_first_12_hex_characters(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made))
    event, key = net.group.made[-1].id, bytes(net.group.key.public)

    for n in (6, 8, SHORT_ID_HEX - 1):
        with pytest.raises(InputError) as refused:
            resolve_event_id(log, event.hex()[:n])
        assert f"at least {SHORT_ID_HEX}" in str(refused.value), refused.value
        with pytest.raises(CliError) as refused_key:
            parse_key(key.hex()[:n], "group id", log)
        assert f"at least its first {SHORT_ID_HEX}" in str(refused_key.value), refused_key.value

    for typed in (short_id(event), event.hex()[:SHORT_ID_HEX], event.hex()[:20].upper(), event.hex()):
        assert resolve_event_id(log, typed) == event, typed
    for typed in (short_id(key), key.hex()[:SHORT_ID_HEX], key.hex()):
        assert parse_key(typed, "group id", log) == key, typed
