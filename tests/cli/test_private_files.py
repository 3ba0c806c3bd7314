"""Every file of a node's home is readable by its user only (0600, the home 0700): after init, join,
publish and a real `solnet run` (the database, its -wal and -shm, config.json, the keystore, the
salt of the admin token); and a home made by an earlier version (0644 files) is tightened by the next command."""
from __future__ import annotations

import os
import signal
import stat
import subprocess
from pathlib import Path

from node.demo import progress
from node.demo.localnet import free_ports, is_listening

EXPECTED = {"config.json", "keystore", "solnet.db", "solnet.db-wal", "solnet.db-shm", "admin-token.salt"}


def modes(home: Path) -> dict[str, int]:
    return {str(p.relative_to(home)): stat.S_IMODE(p.lstat().st_mode) for p in home.rglob("*")}


def assert_private(home: Path) -> None:
    assert stat.S_IMODE(home.stat().st_mode) == 0o700, f"{home} is {stat.S_IMODE(home.stat().st_mode):o}"
    found = modes(home)
    loose = {name: f"{mode:o}" for name, mode in found.items() if mode != 0o600}
    assert not loose, f"files of {home.name} others may read: {loose}"


def test_every_file_of_a_home_is_private_after_init_join_publish_and_run(cli, tmp_path):
    net = cli.found_and_join(tmp_path)
    cli.publish(net.a, "need", "--category", "tents", "--quantity", "4", "--region", "calais")
    cli.run(net.b, "admin-token")
    for home in (net.a, net.b):
        assert_private(home)

    port, = free_ports(1)
    with open(tmp_path / "run.log", "wb") as log:
        node = subprocess.Popen([str(cli.SOLNET), "--home", str(net.a), "run", "--listen", f"127.0.0.1:{port}"],
                                env=cli.base_env(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        started = progress.wait_progressing(lambda: is_listening(port) or node.poll() is not None,
                                            lambda: (progress.cpu_seconds(node.pid), progress.file_size(tmp_path / "run.log")))
        assert started is None, f"the node did not start: {started}"
        assert node.poll() is None, (tmp_path / "run.log").read_text()
        cli.publish(net.a, "offer", "--category", "blankets", "--quantity", "20", "--region", "calais")
        assert EXPECTED <= set(modes(net.a)), sorted(modes(net.a))  # -wal and -shm exist while it runs
        assert_private(net.a)
    finally:
        node.send_signal(signal.SIGTERM)
        node.wait(20)
    assert_private(net.a)


def test_a_home_with_files_others_may_read_is_tightened(cli, network):
    home = network.a
    cli.run(home, "admin-token")
    for path in home.iterdir():
        os.chmod(path, 0o644)
    cli.run(home, "status")
    assert_private(home)


def test_a_folder_made_beforehand_for_the_home_is_closed_to_others(cli, tmp_path):
    home = tmp_path / "calais"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    cli.run(home, "init", "--group", "Calais", "--region", "calais")
    assert_private(home)


def test_a_home_others_may_write_to_is_refused_with_what_to_do(cli, network):
    """Another user who can write into the home can put files there (a login link, a socket, a
    database of their own) to become the dashboard's admin or read what is published: every
    command refuses such a home, and says how to close it."""
    home = network.a
    for loose in (0o770, 0o757):
        os.chmod(home, loose)
        for args in (("status",), ("run", "--listen", "127.0.0.1:0")):
            said = cli.run(home, *args, ok=False)
            assert said.returncode == 3, (args, said)
            assert f"can be written by other users" in said.stderr and f"chmod 700 {home}" in said.stderr, said.stderr
    os.chmod(home, 0o700)
    cli.run(home, "status")


def test_an_empty_folder_others_may_write_to_still_takes_a_new_home(cli, tmp_path):
    """`mkdir` under a umask of 002 (Ubuntu's for users): the empty folder is closed by `init`."""
    home = tmp_path / "calais"
    home.mkdir()
    os.chmod(home, 0o775)
    cli.run(home, "init", "--group", "Calais", "--region", "calais")
    assert_private(home)


def test_a_panic_wipe_goes_on_in_a_home_others_may_write_to(cli, network):
    """The police at the door is no time to be told to chmod the home first: `wipe` destroys the
    keys wherever they are."""
    home = network.a
    os.chmod(home, 0o777)
    cli.run(home, "wipe", "--yes")
    assert not (home / "keystore").exists()


def test_an_invite_written_to_a_file_is_readable_by_this_user_only(cli, tmp_path):
    """`solnet invite --out FILE` wrote the join token (the network id, the bootstrap peers'
    addresses) with mode 0644, as the umask left it: others on the machine could read where the
    network's nodes are. It is 0600, as the home's files and export bundles, even over a file
    that was there before with a wider mode."""
    net = cli.found_and_join(tmp_path)
    token = tmp_path / "token"  # (found_and_join's invite)
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    again = tmp_path / "again"
    again.write_text("an older token\n")
    os.chmod(again, 0o644)
    cli.run(net.a, "invite", net.group_b, "--out", again, "--peer", "127.0.0.1:7000")
    assert stat.S_IMODE(again.stat().st_mode) == 0o600 and "older" not in again.read_text()


def test_a_token_or_bundle_is_never_written_over_the_homes_own_files(network, cli):
    """`solnet --home . invite ID --out keystore`, run in the home's folder, replaced the group's keys
    with a join token and said it wrote the token; `export keystore` did the same. Nothing is
    written inside the home's folder, and what was there is unchanged."""
    a = network.a
    keystore = a / "keystore"
    before = keystore.read_bytes()
    said = cli.run(a, "invite", "ab" * 32, "--out", str(keystore), ok=False)
    assert said.returncode != 0 and "where its keys and its database live" in said.stderr, said.stderr
    said = cli.run(a, "export", str(a / "solnet.db"), ok=False)
    assert said.returncode != 0 and "where its keys and its database live" in said.stderr, said.stderr
    assert keystore.read_bytes() == before


def test_a_dash_for_the_output_is_refused_in_words_and_writes_no_file_named_dash(network, cli, tmp_path):
    """`solnet invite ID --out -` (as `vouch --out -` and `export -`) wrote a file named `-` in the
    folder it ran in, where one expected standard output. A token or bundle goes only to a file,
    readable by this user alone: `-` is refused, saying what to give instead, and nothing is written."""
    runs = {"invite": ["invite", "ab" * 32, "--out", "-"], "vouch": ["vouch", "ab" * 32, "--out", "-"],
            "export": ["export", "-"]}
    for name, args in runs.items():
        said = subprocess.run([str(cli.SOLNET), "--home", str(network.a), *args], cwd=tmp_path, env=cli.base_env(),
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert said.returncode != 0, (name, said.stdout)
        assert "give the path of a file, such as" in said.stderr, (name, said.stderr)
        assert not (tmp_path / "-").exists(), name
