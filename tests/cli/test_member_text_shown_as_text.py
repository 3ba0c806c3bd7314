"""What members wrote reaches the reader's terminal as text, never as its control codes: a sealed
support request's private details (checked by nobody before they are opened) were printed raw by
`solnet show`, so a hostile member's ESC sequences retitled the reader's window, cleared the screen,
coloured text, and a carriage return or a cleared line let them fake a line such as "readable by
... only" (until 2026-12-06). Every control character but newline and tab is now written as its
escape (`\\u001b`, node/terminal_text.py), and `--json` stays JSON with the same values."""
from __future__ import annotations

import json
import re
import signal

import cli as solnet_cli
from node import render

# ESC sequences (window title, clear screen, colour), BEL, CR, a C1 CSI, a bidi override
HOSTILE = "Haddad \x1b]0;OWNED\x07\x1b[2J\x1b[31mfake\rreadable by Bristol only \x9b2J \u202eevil"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # what a terminal acts on


def test_show_prints_hostile_private_details_as_text(network, cli) -> None:
    made = cli.run_json(network.a, "publish", "support.request", "--region", "calais", "--type", "housing",
                        "--people", "2", "--urgency", "high", "--private", "-", "--to", "Calais", stdin=HOSTILE + "\n")
    shown = cli.run(network.a, "show", made["id"]).stdout
    assert not RAW.search(shown), repr(shown)
    # (a carriage return is a line break to `show`: a continuation line, indented)
    assert "Haddad \\u001b]0;OWNED\\u0007\\u001b[2J\\u001b[31mfake\n    readable by Bristol only \\u009b2J" in shown, shown
    as_json = cli.run(network.a, "show", made["id"], "--json").stdout
    assert not RAW.search(as_json.replace("\n", "")), repr(as_json)
    assert HOSTILE in _texts(json.loads(as_json)), "the same text, escaped as JSON does"


def _texts(value: object) -> list[str]:
    """Every text inside a JSON value."""
    if isinstance(value, str):
        return [value]
    inside = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [text for item in inside for text in _texts(item)]


def test_ls_prints_member_text_as_text(network, monkeypatch, capsys) -> None:
    """Whatever a line of `solnet ls` holds (member-written fields: public ones refuse controls when
    they arrive, so a line is made to hold them here), it leaves as text; the process's streams are
    given back afterwards."""
    shown = render.event_line
    monkeypatch.setattr(render, "event_line", lambda *a, **k: shown(*a, **k) + " " + HOSTILE)
    monkeypatch.setenv("SOLNET_PASSPHRASE", "nine tents for the jungle")
    pipe = signal.getsignal(signal.SIGPIPE)
    try:
        assert solnet_cli.main(["--home", str(network.a), "ls"]) == 0
    finally:  # `ls` takes SIGPIPE's default (`solnet ls | head`): this test process keeps Python's EPIPE
        signal.signal(signal.SIGPIPE, pipe)  # errors, or a later test writing to a killed child's pipe dies
    out = capsys.readouterr().out
    assert "Haddad \\u001b]0;OWNED\\u0007" in out and "fake\\u000dreadable" in out and "\\u202eevil" in out and not RAW.search(out.replace("\n", "")), out
    print("\x1b[0m after")  # the test's own stdout is no longer wrapped
    assert capsys.readouterr().out == "\x1b[0m after\n"
