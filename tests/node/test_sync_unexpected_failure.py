"""`solnet sync` with a hostile listener on 127.0.0.1 whose answer breaks this node in a way nobody
foresaw. The node's dial path turns any such failure into a failed dial with one line
(node/net/links.py `unreadable_answer`); `solnet sync` had no such catch-all, and printed a
Python traceback. Now it says in one line what failed and what to do, exits non-zero, and reports
no counts (nothing said received that was not stored).

The listener refuses with "frozen:²" (a fork's seq in superscript digits). Reading that raised
ValueError until 2026-12-05 (tests/node/test_unreadable_refusals.py); the reader is put back as it
was, in this process, to stand for the next such bug on the path of a hostile answer.
"""
from __future__ import annotations

import asyncio

import sync.transport
from cli_in_process import run as _run, sigpipe_kept  # noqa: F401 (the fixture)
from node.home import PASSPHRASE_ENV
from refusing_peer import know_bristols_device, refusing_peer
from served_nodes import PASSPHRASE, network  # noqa: F401 (the fixture)
from sync.handshake import FORKS, TOLD_REFUSALS, HandshakeError


def _reader_as_it_was(text: str, peer_device: bytes | None) -> HandshakeError | None:
    """sync.handshake.told_refusal before 2026-12-05: int() of any str.isdigit() seq."""
    code, _, seq = text.partition(":")
    if code in FORKS and seq.isdigit():
        return HandshakeError(code, f"{TOLD_REFUSALS[code]} at seq {int(seq)}", peer_device, seq=int(seq))
    return None


async def test_an_unexpected_failure_of_solnet_sync_is_one_line_and_no_counts(network, monkeypatch, capsys):
    calais, bristol = network
    know_bristols_device(network)  # a member's refusal is read
    monkeypatch.setattr(sync.transport, "told_refusal", _reader_as_it_was)
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "0")
    network_id = calais.home.log().network_id
    async with refusing_peer(network_id, bristol.keys.device, "frozen:²") as (port, dials):
        code = await asyncio.wait_for(asyncio.to_thread(_run, "--home", str(calais.home.path), "sync",
                                                        f"127.0.0.1:{port}"), 60)
    assert len(dials) == 1  # the listener did answer, with its hostile words
    assert code not in (0, None)
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "failed" in lines[0] and "cannot read (ValueError)" in lines[0] and "solnet sync` again" in lines[0], err
    assert "²" not in err  # never the peer's bytes
    assert "received" not in out + err and "Synced" not in out, (out, err)
