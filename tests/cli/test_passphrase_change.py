"""`solnet passphrase`: a home's keys sealed under a new passphrase, and the keystore sealed under the
old one destroyed (overwritten in place before it is freed). Until 2026-12-06 a passphrase seen
typed (at the dashboard's login, in a meeting) or known to a coordinator who left could not be
changed at all: it opened the keystore of any card imaged later, and the dashboard, for good."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from crypto.errors import WrongPassphrase
from crypto.keystore import read_keystore
from node.home import Home

NEW = "seven blankets for the port"


def _secret_file(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "new-passphrase"
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    return path


def test_a_new_passphrase_seals_the_keys_and_the_old_keystore_is_overwritten(network, cli, tmp_path):
    keystore = network.a / "keystore"
    before = keystore.read_bytes()
    held = os.open(keystore, os.O_RDONLY)  # the old keystore's own file, as its blocks on the disk
    try:
        done = cli.run_json(network.a, "passphrase", "--new-file", _secret_file(tmp_path, NEW))
        old_bytes_now = os.pread(held, len(before) + 1, 0)
    finally:
        os.close(held)
    assert done["changed"] is True and done["node_running"] is False, done
    # The old keystore's bytes are gone from its file (random now), not merely unlinked
    assert len(old_bytes_now) == len(before) and old_bytes_now != before
    # The old passphrase opens nothing, the new one opens the same keys
    refused = cli.run(network.a, "admin-token", ok=False)
    assert refused.returncode == 3 and "wrong passphrase" in refused.stderr, refused.stderr
    assert cli.run(network.a, "admin-token", env={"SOLNET_PASSPHRASE": NEW}).stdout.strip()
    keys = read_keystore(keystore, NEW)
    assert keys.device.public.hex() == network.device_a
    with pytest.raises(WrongPassphrase):
        read_keystore(keystore, cli.PASSPHRASE)
    assert stat.S_IMODE(keystore.stat().st_mode) == 0o600
    assert sorted(p.name for p in network.a.iterdir() if "keystore" in p.name) == ["keystore"]


@pytest.mark.parametrize("text, says", [
    ("short one", "at least 12 are needed"),
    (" seven blankets for the port", "begins or ends with spaces"),
])
def test_a_new_passphrase_no_one_could_type_or_too_short_changes_nothing(network, cli, tmp_path, text, says):
    before = (network.a / "keystore").read_bytes()
    refused = cli.run(network.a, "passphrase", "--new-file", _secret_file(tmp_path, text), ok=False)
    assert refused.returncode == 3 and says in refused.stderr and "nothing was changed" in refused.stderr, refused.stderr
    assert (network.a / "keystore").read_bytes() == before


def test_a_new_passphrase_file_inside_the_home_is_refused(network, cli):
    before = (network.a / "keystore").read_bytes()
    refused = cli.run(network.a, "passphrase", "--new-file", _secret_file(network.a, NEW), ok=False)
    assert refused.returncode == 3 and "inside the node's folder" in refused.stderr, refused.stderr
    assert (network.a / "keystore").read_bytes() == before


def test_without_a_file_or_a_terminal_nothing_is_changed(network, cli):
    before = (network.a / "keystore").read_bytes()
    refused = cli.run(network.a, "passphrase", ok=False)
    assert refused.returncode == 3 and "--new-file FILE" in refused.stderr, refused.stderr
    assert (network.a / "keystore").read_bytes() == before


def test_a_change_cut_short_after_its_link_keeps_the_keys(network, cli):
    """A power cut between linking the old keystore aside and writing the new one leaves both names
    on one file: the next change must not overwrite it (the keys themselves)."""
    home = Home(network.a)
    keystore = network.a / "keystore"
    os.link(keystore, network.a / "keystore.old.tmp")
    keys = home.keys(cli.PASSPHRASE)
    home.change_passphrase(keys, NEW)
    assert read_keystore(keystore, NEW).device.public == keys.device.public
    assert not (network.a / "keystore.old.tmp").exists()


def test_a_running_node_that_cannot_end_its_sessions_is_said_and_the_change_stands(network, cli, tmp_path):
    """A node of an older version answers `end_sessions` as a request it does not take: the new
    passphrase is in place all the same, and the words say to restart the node to end the sessions."""
    import fcntl
    import json
    import socket
    import threading

    home = network.a
    lock = os.open(home / "node.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)  # a node runs here
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(home / "node.sock"))
    server.listen(1)
    server.settimeout(30)

    def older_node() -> None:
        with server.accept()[0] as conn:
            conn.makefile("rb").readline()
            conn.sendall(json.dumps({"error": {"type": "usage", "message": "unknown request 'end_sessions'",
                                               "exit_code": 2}}).encode() + b"\n")

    answering = threading.Thread(target=older_node, daemon=True)
    answering.start()
    try:
        done = cli.run(home, "passphrase", "--new-file", _secret_file(tmp_path, NEW))
    finally:
        answering.join(30)
        server.close()
        os.close(lock)
    assert "could not be told to end the dashboard sessions" in done.stdout and "restart it" in done.stdout, done.stdout
    assert read_keystore(home / "keystore", NEW).device.public.hex() == network.device_a


def test_a_service_restarted_with_its_old_passphrase_file_is_told_of_the_change(network, cli, tmp_path):
    """After `solnet passphrase`, a service's file still holding the old passphrase was told to write
    init's passphrase there, then to restore a backup of the home: one made before the change brings
    back the keystore sealed under the old passphrase (known perhaps to someone who left)."""
    old = tmp_path / "old-passphrase"
    old.write_text(cli.PASSPHRASE + "\n")
    old.chmod(0o600)
    service = {"SOLNET_PASSPHRASE": None, "SOLNET_PASSPHRASE_FILE": str(old)}
    cli.run(network.a, "passphrase", "--new-file", _secret_file(tmp_path, NEW), env=service)
    refused = cli.run(network.a, "admin-token", env=service, ok=False)
    said = " ".join(refused.stderr.split())
    assert refused.returncode == 3, said
    assert "the passphrase chosen at `solnet init`, or the newer one set with `solnet passphrase`" in said, said
    assert "a backup made before a `solnet passphrase` opens with the passphrase of then, the old one" in said, said
    typed = cli.run(network.a, "admin-token", env={"SOLNET_PASSPHRASE": "not the passphrase at all"}, ok=False)
    assert "or the newer one set with `solnet passphrase`" in typed.stderr, typed.stderr


def test_the_current_passphrase_as_the_new_one_changes_nothing(network, cli, tmp_path):
    """It was "sealed with the new passphrase ... The old passphrase opens nothing here any more":
    untrue, the one given was the one in use."""
    before = (network.a / "keystore").read_bytes()
    refused = cli.run(network.a, "passphrase", "--new-file", _secret_file(tmp_path, cli.PASSPHRASE), ok=False)
    assert refused.returncode != 0 and "nothing changed" in refused.stderr, refused.stderr
    assert "opens nothing" not in refused.stdout + refused.stderr
    assert (network.a / "keystore").read_bytes() == before


def test_a_full_disk_changes_nothing_and_says_so(network, cli, tmp_path):
    """The new keystore cannot be written (a full disk: here a file size limit, EFBIG, as ENOSPC goes
    the same way): it ended in a traceback, with keystore.old.tmp left beside the keystore."""
    import resource
    import subprocess

    before = (network.a / "keystore").read_bytes()
    env = {**cli.base_env()}
    done = subprocess.run([str(cli.SOLNET), "--home", str(network.a), "passphrase", "--new-file",
                           str(_secret_file(tmp_path, NEW))], capture_output=True, text=True, timeout=60, env=env,
                          stdin=subprocess.DEVNULL, start_new_session=True,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64)))
    said = " ".join(done.stderr.split())
    assert done.returncode == 3 and "Traceback" not in said, said
    assert "nothing was changed: the old passphrase still opens the keys" in said, said
    assert (network.a / "keystore").read_bytes() == before
    assert sorted(p.name for p in network.a.iterdir() if "keystore" in p.name) == ["keystore"]


def test_two_changes_at_once_the_second_is_refused(network, cli, tmp_path):
    """Two `solnet passphrase` interleaved: one's overwrite of the old keystore it had linked aside
    could hit the live keystore (the other's aside, same name); stopped during Argon2id then, the other
    left no keys. The first now holds the home while it changes it (here waiting for its new
    passphrase, read from a pipe), and the second changes nothing."""
    import errno
    import subprocess
    import time

    pipe = tmp_path / "pipe"  # the service's passphrase file, as a pipe: the first waits on it, holding the home
    os.mkfifo(pipe, 0o600)
    env = {**cli.base_env(), "SOLNET_PASSPHRASE_FILE": str(pipe)}
    del env["SOLNET_PASSPHRASE"]
    first = subprocess.Popen([str(cli.SOLNET), "--home", str(network.a), "passphrase", "--new-file",
                              str(_secret_file(tmp_path, NEW))], env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:  # the pipe's other end, once the first opens it to read its passphrase
            try:
                waiting = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as exc:
                assert exc.errno == errno.ENXIO and time.monotonic() < deadline and first.poll() is None, \
                    first.communicate(timeout=10)
                time.sleep(0.02)
        second = cli.run(network.a, "passphrase", "--new-file", _secret_file(tmp_path / "B", "another long passphrase"),
                         ok=False)
        os.write(waiting, (cli.PASSPHRASE + "\n").encode())
        os.close(waiting)
        out, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate(timeout=10)
    said = " ".join(second.stderr.split())
    assert second.returncode == 3 and "another `solnet passphrase` is changing" in said, said
    assert "nothing was changed" in said, said
    assert first.returncode == 0, err
    assert read_keystore(network.a / "keystore", NEW).device.public.hex() == network.device_a
