"""`solnet publish` and `redact` hand their event to the node running on the home (node/admin_channel.py):
no passphrase is needed while it runs; refusals read exactly as when the command signs by itself;
with no node (stopped, or killed leaving a dead socket) the command unlocks the keystore as before."""
from __future__ import annotations

import json
import os
import signal
import stat
import subprocess

import pytest

from local_cluster import (CLI_TIMEOUT_S, PASSPHRASE, cli, cli_env, cli_json, holds, log_text, publish_action,
                           query)
from node.admin_channel import socket_path
from node.demo import localnet

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ALERT = ("publish", "alert", "--region", "calais", "--type", "raid", "--text", "vans at the bridge")


def without_passphrase(node, *args: str) -> subprocess.CompletedProcess[str]:
    """A command as a coordinator types it: no passphrase anywhere, and no terminal to ask one on."""
    env = {k: v for k, v in cli_env().items() if not k.startswith("SOLNET_PASSPHRASE")}
    return subprocess.run([*localnet.solnet_command(), "--home", str(node.home.path), *args], capture_output=True,
                          text=True, timeout=CLI_TIMEOUT_S, env=env, stdin=subprocess.DEVNULL,
                          start_new_session=True)  # (no terminal either: node/home.py asks there)


def test_publish_and_redact_need_no_passphrase_while_the_node_runs(cluster):
    [node] = cluster.network([("Calais", "calais")])
    cluster.start(node)
    mode = os.stat(socket_path(node.home.path)).st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
    assert stat.S_IMODE(os.stat(node.home.path).st_mode) == 0o700

    done = without_passphrase(node, *ALERT, "--json")
    assert done.returncode == 0, done.stderr
    event_id = json.loads(done.stdout)["id"]
    assert holds(node, bytes.fromhex(event_id))
    redacted = without_passphrase(node, "redact", event_id[:12], "--reason", "wrong bridge", "--json")
    assert redacted.returncode == 0, redacted.stderr
    assert json.loads(redacted.stdout)["redacted"] == event_id

    assert localnet.stop(node) == 0
    assert not socket_path(node.home.path).exists()  # the channel goes with the node
    alone = without_passphrase(node, *ALERT)
    assert alone.returncode == 3 and "needs the node's passphrase" in alone.stderr  # as before: it must unlock


REFUSALS = [
    ("publish", "alert", "--region", "calais", "--type", "raid"),
    ("publish", "alert", "--region", "calais", "--type", "picnic", "--text", "x"),
    ("publish", "alert", "--region", "calais", "--type", "raid", "--text", "x", "--expires-in", "9d"),
    ("publish", "need", "--category", "water", "--region", "calais", "--quantity", "0"),
    ("publish", "support.claim", "--request", "ab" * 32),
    ("publish", "support.close", "--request", "cd" * 32, "--note", "all fine"),
    ("publish", "group.profile", "--name", "Calais", "--region", "calais", "--as", "nobody"),
    ("redact", "0123456789ab"),
    ("redact", "zz"),
]


def test_refusals_read_the_same_through_the_node_as_without_it(cluster):
    [node] = cluster.network([("Calais", "calais")])
    cluster.start(node)
    through_node = [without_passphrase(node, *args) for args in REFUSALS]  # no passphrase: only the node can answer
    assert localnet.stop(node) == 0
    alone = [cli(node, *args, ok=False) for args in REFUSALS]
    for args, a, b in zip(REFUSALS, through_node, alone):
        assert (a.returncode, a.stderr, a.stdout) == (b.returncode, b.stderr, b.stdout), args
        assert a.returncode in (1, 2) and a.stderr.startswith("solnet: "), (args, a.stderr)
    assert "needs --text" in through_node[0].stderr and "picnic" in through_node[1].stderr


def test_a_node_killed_leaves_a_dead_socket_that_changes_nothing(cluster):
    [node] = cluster.network([("Calais", "calais")])
    cluster.start(node)
    cluster.kill(node)
    assert socket_path(node.home.path).exists()  # nobody removed it, and nobody listens on it
    assert without_passphrase(node, *ALERT).returncode == 3  # no node: it must unlock, as before
    published = cli(node, *ALERT, "--json")  # with the passphrase it signs by itself
    assert holds(node, bytes.fromhex(json.loads(published.stdout)["id"]))
    cluster.start(node)  # the restarted node replaces the dead socket
    again = without_passphrase(node, *ALERT, "--json")
    assert again.returncode == 0, again.stderr


def test_a_publish_while_the_node_starts_waits_for_it_and_goes_through_it(cluster, tmp_path):
    """Publishing right after `solnet run` (after a power cut): while the node was starting (unlocking
    its keys) the command signed by itself, and was refused with "Start the node (`solnet run`)" on a
    home that had not synced, or said "No node runs on this home". It waits for the node to serve,
    saying so, and hands it the event. The node is held at its start by a passphrase file that is a
    pipe nobody has written to yet; the command has no passphrase: only the node can sign."""
    [node] = cluster.network([("Calais", "calais")])
    fifo = tmp_path / "passphrase"
    os.mkfifo(fifo, 0o600)
    cluster.start(node, wait=False, extra_env={"SOLNET_PASSPHRASE": "", "SOLNET_PASSPHRASE_FILE": str(fifo)})
    cluster.wait(lambda: node.home.node_starting() is not None, 20, "the node's starting mark")
    env = {k: v for k, v in cli_env().items() if not k.startswith("SOLNET_PASSPHRASE")}
    proc = subprocess.Popen([*localnet.solnet_command(), "--home", str(node.home.path), *ALERT, "--json"], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        said = proc.stderr.readline()  # blocks until the command says it waits (or ends)
        assert said == "waiting for the node starting on this home to serve (at most 60 s)...\n", said
        # (once the node reads the pipe: it may not be there yet) it unlocks its keys and serves
        cluster.wait(lambda: _give_passphrase(fifo), 20, "the node reading its passphrase")
        out, err = proc.communicate(timeout=CLI_TIMEOUT_S)
    finally:
        _give_passphrase(fifo)  # (a failed test leaves no node blocked on the pipe: it stops at teardown)
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert proc.returncode == 0, err
    assert holds(node, bytes.fromhex(json.loads(out)["id"]))


def _give_passphrase(fifo) -> bool:
    """Write the passphrase to the node reading the pipe `fifo`, if one reads it now (never blocks):
    whether it was written."""
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:  # no reader (ENXIO): not reading yet, given already, or the node is gone
        return False
    try:
        os.write(fd, PASSPHRASE.encode())
    finally:
        os.close(fd)
    return True


def _ctrl_c_as_in_a_terminal() -> None:
    """In the command's process before it starts: Ctrl-C (SIGINT) does what it does in a terminal.
    A suite started in the background by a script (`cmd &`, no job control) inherits SIGINT
    ignored, and so did the command: it never saw the test's Ctrl-C and was refused 30 s later."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _alert_waiting_for_first_sync(node: localnet.LocalNode) -> subprocess.Popen:
    """`solnet publish alert` on `node`'s home, without the passphrase: only the node can sign it."""
    env = {k: v for k, v in cli_env().items() if not k.startswith("SOLNET_PASSPHRASE")}
    return subprocess.Popen([*localnet.solnet_command(), "--home", str(node.home.path), *ALERT[:3], "bristol",
                             *ALERT[4:], "--json"], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_ctrl_c_as_in_a_terminal)


def test_a_command_waits_through_the_node_for_its_first_sync(cluster):
    """A node that has peers signs nothing before its first round with one (restore without forking):
    `solnet publish` says it waits, as without the node, and publishes once the round is done."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    bristol.peers.append(calais.port)
    cluster.start(bristol)  # its peer is not up yet
    proc = _alert_waiting_for_first_sync(bristol)
    try:
        said = proc.stderr.readline()  # blocks until the node says it waits (or the command ends)
        assert said.startswith("waiting for the node running on this home to finish its first sync with a peer "
                               "(at most 30 s once it stores nothing more)"), said
        cluster.start(calais)
        out, err = proc.communicate(timeout=CLI_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert proc.returncode == 0, err
    event_id = bytes.fromhex(json.loads(out)["id"])
    cluster.wait(lambda: holds(calais, event_id), 20, "the alert on Calais")


def test_a_publish_interrupted_while_it_waits_is_not_published(cluster):
    """Ctrl-C while `solnet publish` waits for the node's first sync: the command says it was
    interrupted, and the node must not sign the event later behind its user's back (they would
    type it again: two raid alerts)."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    bristol.peers.append(calais.port)
    cluster.start(bristol)  # its peer is not up yet
    proc = _alert_waiting_for_first_sync(bristol)
    try:
        said = proc.stderr.readline()
        assert said.startswith("waiting for the node running on this home to finish its first sync"), said
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=CLI_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert proc.returncode == 130 and "interrupted" in err, err
    cluster.wait(lambda: "a command went away (interrupted)" in log_text(bristol), 20, "Bristol dropping the request")
    marker = publish_action(calais, "Published before Calais starts")
    cluster.start(calais)
    cluster.wait(lambda: holds(bristol, marker), 30, "Bristol's first round with Calais")
    assert query(bristol, "SELECT count(*) FROM events WHERE kind='alert'") == [(0,)]


def test_times_typed_are_read_in_the_commands_zone_not_the_nodes(cluster):
    """The node may run in another zone than the person typing (a service started with its own TZ):
    a time without an offset means what it would mean without a node, the command's zone."""
    node, = cluster.network([("Calais", "calais")])
    cluster.start(node)
    typed = subprocess.run([*localnet.solnet_command(), "--home", str(node.home.path), "publish", "action", "--title",
                            "Vigil", "--region", "calais", "--type", "protest", "--starts-at", "2031-06-01T18:00",
                            "--json"], env={**cli_env(), "TZ": "America/New_York"}, capture_output=True, text=True,
                           timeout=CLI_TIMEOUT_S, stdin=subprocess.DEVNULL)
    assert typed.returncode == 0, typed.stderr
    shown = cli_json(node, "show", json.loads(typed.stdout)["id"])
    assert shown["starts_at"] in ("2031-06-01T22:00:00Z", "2031-06-01T22:00:00.000Z", 1938117600000), shown
