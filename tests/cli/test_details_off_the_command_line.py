"""Case details and a sealed action's fields can be kept off the command line, which every local user
reads in /proc/PID/cmdline while the command runs and which the shell's history keeps past a panic
wipe: an option given as `-` reads its value from standard input (each such field a line, in the
order given; the private details the rest, over several lines), asked for by name at a terminal."""
from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time

SECRET = "SECRETMINOR girl 15, named Sara\ncontact via Amira at 12 rue X"


def test_private_details_and_fields_are_read_from_standard_input(network, cli):
    a = network.a
    request = cli.run_json(a, "publish", "support.request", "--region", "calais", "--type", "legal", "--people", "1",
                           "--urgency", "high", "--private", "-", "--to", "Calais", stdin=SECRET + "\n")["id"]
    shown = cli.run_json(a, "show", request[:12])
    assert shown["private_details"] == SECRET, shown
    action = cli.run_json(a, "publish", "action", "--title", "-", "--region", "calais", "--type", "direct_action",
                          "--starts-at", "2031-06-01T05:00", "--place=-", "--to", "Calais",
                          stdin="Blockade 7\nRue des Garennes back door\n")["id"]
    said = cli.run(a, "show", action[:12]).stdout
    assert "title: Blockade 7" in said and "place: Rue des Garennes back door" in said, said
    # a field given as - with no line left for it: nothing published, and the words say why
    short = cli.run(a, "publish", "action", "--title", "-", "--region", "calais", "--type", "direct_action",
                    "--starts-at", "2031-06-01T05:00", "--place", "-", stdin="Blockade 8\n", ok=False)
    assert short.returncode == 2 and "--place - reads a line from standard input" in short.stderr, short
    assert "Blockade 8" not in cli.run(a, "ls").stdout
    assert "`-` reads the value from standard input" in cli.run(a, "publish", "action", "--help").stdout


def test_details_read_that_are_not_utf8_text_are_refused_in_words(network, cli):
    """Bytes that are not UTF-8 on standard input (a file saved in Latin-1) ended on a msgpack
    traceback ("surrogates not allowed"; a critic): refused, said, nothing published."""
    import subprocess

    for args, given in ((("--private", "-"), b"Famille Haddad \x9b 3 enfants\n"),
                        (("--private", "x", "--region", "-"), b"cal\xe9is\n")):
        extra = () if "--region" in args else ("--region", "calais")
        proc = subprocess.run([str(cli.SOLNET), "--home", str(network.a), "publish", "support.request", *extra,
                               "--type", "legal", "--people", "1", "--urgency", "high", *args, "--to", "Calais"],
                              input=given, capture_output=True, timeout=60, env=cli.base_env(), start_new_session=True)
        err = proc.stderr.decode()
        assert proc.returncode == 2 and "read bytes that are not UTF-8 text" in err, err
        assert "Traceback" not in err
    assert cli.run_json(network.a, "ls", "--kind", "support.request") == []


def test_an_abbreviated_option_given_as_dash_reads_standard_input_too(network, cli):
    """argparse takes `--priv` for `--private`: given as `-`, the details were published as a literal
    "-" (and the real ones, piped in, never read)."""
    a = network.a
    request = cli.run_json(a, "publish", "support.request", "--region", "calais", "--type", "legal", "--people", "1",
                           "--urgency", "high", "--priv", "-", "--to", "Calais", stdin=SECRET + "\n")["id"]
    assert cli.run_json(a, "show", request[:12])["private_details"] == SECRET
    action = cli.run_json(a, "publish", "action", "--tit=-", "--region", "calais", "--type", "direct_action",
                          "--starts-at", "2031-06-01T05:00", "--to", "Calais", stdin="Blockade 9\n")["id"]
    assert "title: Blockade 9" in cli.run(a, "show", action[:12]).stdout


def test_the_groups_that_may_read_are_read_from_standard_input_too(network, cli):
    """Who shares with whom is sealed (a seized node, every other node, sees no readers), yet `--to`
    could only be typed on the command line, so `ps` and the shell's history (past a wipe) kept each
    sealed event's readers: `--to -` was taken for a group named "-". Now each `--to -` reads a line."""
    a = network.a
    action = cli.run_json(a, "publish", "action", "--title", "-", "--region", "calais", "--type", "direct_action",
                          "--starts-at", "2031-06-01T05:00", "--to", "-", "--place", "-",
                          stdin="Blockade 10\ncalais\nBack door\n")["id"]
    said = cli.run(a, "show", action[:12]).stdout
    assert "(shared with Calais only)" in said and "title: Blockade 10" in said and "place: Back door" in said, said
    request = cli.run_json(a, "publish", "support.request", "--region", "calais", "--type", "legal", "--people", "1",
                           "--urgency", "high", "--to", "-", "--private", "-", stdin="Calais\n" + SECRET + "\n")["id"]
    assert cli.run_json(a, "show", request[:12])["private_details"] == SECRET
    # the group read is the one judged: a name no group has is refused by that name, nothing published
    wrong = cli.run(a, "publish", "action", "--title", "Blockade 11", "--region", "calais", "--type", "direct_action",
                    "--starts-at", "2031-06-01T05:00", "--to", "-", stdin="Nowhere Collective\n", ok=False)
    assert wrong.returncode != 0 and "'Nowhere Collective'" in wrong.stderr, wrong
    assert "Blockade 11" not in cli.run(a, "ls").stdout


def _read_until(fd: int, wanted: bytes, seen: bytes = b"") -> bytes:
    deadline = time.monotonic() + 30
    while wanted not in seen:
        left = deadline - time.monotonic()
        assert left > 0, seen
        if select.select([fd], [], [], left)[0]:
            seen += os.read(fd, 4096)
    return seen


def test_at_a_terminal_it_asks_for_each_by_name(network, cli):
    parent, child = pty.openpty()
    env = cli.base_env()
    proc = subprocess.Popen([str(cli.SOLNET), "--home", str(network.a), "publish", "support.request", "--region",
                             "calais", "--type", "legal", "--people", "1", "--urgency", "high", "--private", "-",
                             "--to", "Calais", "--json"], stdin=child, stderr=child, stdout=subprocess.PIPE, env=env)
    os.close(child)
    try:
        _read_until(parent, b"Private details (shown as you type; end with Ctrl-D")
        os.write(parent, b"SECRETMINOR at the station\n\x04")
        out, _ = proc.communicate(timeout=30)
        said = _read_until(parent, b"") if proc.returncode else b""
    finally:
        os.close(parent)
        proc.kill()
    assert proc.returncode == 0, (out, said)
    request = json.loads(out)["id"]
    assert cli.run_json(network.a, "show", request[:12])["private_details"] == "SECRETMINOR at the station"


def test_details_piped_in_at_a_terminal_ask_the_passphrase_there(network, cli):
    """`cat details | solnet publish ... --private -` typed at a terminal with no node running: the
    passphrase is asked on the terminal (getpass uses /dev/tty), not refused as if no one were there."""
    parent, child = pty.openpty()
    name = os.ttyname(child)

    def own_terminal() -> None:  # a new session whose controlling terminal is the pty, as a shell's command
        os.setsid()
        os.close(os.open(name, os.O_RDWR))

    env = {k: v for k, v in cli.base_env().items() if k != "SOLNET_PASSPHRASE"}
    proc = subprocess.Popen([str(cli.SOLNET), "--home", str(network.a), "publish", "support.request", "--region",
                             "calais", "--type", "legal", "--people", "1", "--urgency", "high", "--private", "-",
                             "--to", "Calais", "--json"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=child, env=env, preexec_fn=own_terminal)
    os.close(child)
    try:
        proc.stdin.write(SECRET.encode())
        proc.stdin.close()
        _read_until(parent, b"Passphrase for this node's keys")
        os.write(parent, cli.PASSPHRASE.encode() + b"\n")
        out = proc.stdout.read()
        proc.wait(timeout=60)
    finally:
        os.close(parent)
        proc.kill()
    assert proc.returncode == 0, out
    request = json.loads(out)["id"]
    assert cli.run_json(network.a, "show", request[:12])["private_details"] == SECRET


def test_a_command_in_the_background_of_a_terminal_is_refused_not_asked(network, cli, tmp_path):
    """`solnet publish ... --private - < details &`: what a person types at that terminal goes to the
    shell (echoed, kept in its history), not to the command: no passphrase is asked there; it is
    refused at once, as a command with no terminal is."""
    parent, child = pty.openpty()
    name = os.ttyname(child)

    def own_terminal() -> None:
        os.setsid()
        os.close(os.open(name, os.O_RDWR))

    details = tmp_path / "details.txt"
    details.write_text(SECRET)
    env = {k: v for k, v in cli.base_env().items() if k != "SOLNET_PASSPHRASE"}
    line = (f"set -m; '{cli.SOLNET}' --home '{network.a}' publish support.request --region calais --type legal "
            f"--people 1 --urgency high --private - --to Calais < '{details}' > '{tmp_path / 'out'}' 2>&1 & wait $!")
    proc = subprocess.Popen(["bash", "-c", line], stdin=child, stdout=child, stderr=child, env=env,
                            preexec_fn=own_terminal)
    os.close(child)
    try:
        code = proc.wait(timeout=60)
    finally:
        os.close(parent)
        proc.kill()
    said = (tmp_path / "out").read_text()
    assert code == 3 and "this command needs the node's passphrase" in said, (code, said)
    assert "Passphrase for this node's keys" not in said


def test_a_prompt_whose_terminal_goes_away_is_refused_in_words(network, cli):
    """The terminal taken away while the passphrase prompt waits (a script that put the command in
    the background ended, the window closed): getpass failed with a termios error, and the command
    ended on a traceback."""
    parent, child = pty.openpty()
    name = os.ttyname(child)

    def own_terminal() -> None:  # (its terminal kept open in the command, as a shell's would be)
        os.setsid()
        os.set_inheritable(os.open(name, os.O_RDWR), True)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup: it outlives its terminal

    env = {k: v for k, v in cli.base_env().items() if k != "SOLNET_PASSPHRASE"}
    proc = subprocess.Popen([str(cli.SOLNET), "--home", str(network.a), "publish", "support.request", "--region",
                             "calais", "--type", "legal", "--people", "1", "--urgency", "high", "--private", "-",
                             "--to", "Calais"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, preexec_fn=own_terminal, text=True,
                            close_fds=False)  # (only what is inheritable: the terminal opened in own_terminal)
    os.close(child)
    try:
        proc.stdin.write(SECRET)
        proc.stdin.close()
        _read_until(parent, b"Passphrase for this node's keys")
        os.close(parent)  # the terminal goes away
        parent = -1
        err = proc.stderr.read()
        proc.wait(timeout=60)
    finally:
        if parent >= 0:
            os.close(parent)
        proc.kill()
    assert proc.returncode == 3 and "the passphrase prompt lost its terminal" in err, (proc.returncode, err)
    assert "Traceback" not in err
