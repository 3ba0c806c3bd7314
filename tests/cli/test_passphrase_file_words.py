"""A service's passphrase that does not open the keystore is said by where it came from: the file
$SOLNET_PASSPHRASE_FILE names, with what in it is easy to miss in an editor (a byte-order mark, a
space after the words, a second line, nothing at all), or $SOLNET_PASSPHRASE; never "try again (or
set SOLNET_PASSPHRASE correctly)" to a Pi's service that reads a file and cannot try again."""
from __future__ import annotations

import getpass
import os
import shutil
import stat
import subprocess
import tempfile

import pytest

SAYS = ("Write in that file, alone on its first line, the passphrase chosen at `solnet init`, or the newer one set "
        "with `solnet passphrase`")


@pytest.mark.parametrize("written, slip", [
    ("\ufeff{p}\n", "begins with an invisible byte-order mark"),  # Notepad's UTF-8
    ("{p} \n", "begins or ends with spaces or tabs"),
    ("{p}\nanother line\n", "it holds 2 lines"),
    ("not the passphrase at all\n", None),
])
def test_a_passphrase_file_that_does_not_open_the_keystore_is_named_with_its_slip(network, cli, tmp_path, written,
                                                                                    slip):
    secret = tmp_path / "passphrase"
    secret.write_text(written.format(p=cli.PASSPHRASE), encoding="utf-8")
    secret.chmod(stat.S_IRUSR | stat.S_IWUSR)
    result = cli.run(network.a, "admin-token", env={"SOLNET_PASSPHRASE": None, "SOLNET_PASSPHRASE_FILE": str(secret)},
                     ok=False)
    said = result.stderr
    assert result.returncode == 3 and "Traceback" not in said, said
    assert f"the one in the file {secret} (named by $SOLNET_PASSPHRASE_FILE) does not open it" in said, said
    assert SAYS in said and "SOLNET_PASSPHRASE correctly" not in said and "try again" not in said, said
    if slip is None:
        assert "(" not in said.split("does not open it")[1].split(".")[0], said  # nothing made up
    else:
        assert slip in said, said


def test_an_empty_passphrase_file_is_said_as_empty(network, cli, tmp_path):
    secret = tmp_path / "passphrase"
    secret.write_text("\n", encoding="utf-8")
    secret.chmod(stat.S_IRUSR | stat.S_IWUSR)
    result = cli.run(network.a, "admin-token", env={"SOLNET_PASSPHRASE": None, "SOLNET_PASSPHRASE_FILE": str(secret)},
                     ok=False)
    assert result.returncode == 3, result.stderr
    assert f"the passphrase file {secret} is empty: write this node's passphrase in it" in result.stderr, result.stderr


def test_a_wrong_passphrase_in_the_environment_names_the_variable(network, cli):
    result = cli.run(network.a, "admin-token", env={"SOLNET_PASSPHRASE": "not the passphrase at all"}, ok=False)
    assert result.returncode == 3, result.stderr
    assert "the one in $SOLNET_PASSPHRASE does not open it. Set it to the passphrase chosen at `solnet init`, or the " \
        "newer one set with `solnet passphrase`" in result.stderr, result.stderr


@pytest.mark.parametrize("written, slip", [
    ("\ufeffa long passphrase\n", "begins with an invisible byte-order mark"),
    # a space may end a passphrase (typed at the prompt): from a file it would have to be typed at every
    # login, which is said (it was "not what anyone would type", untrue)
    ("a long passphrase \n", "begins or ends with spaces or tabs, which would be part of it and would have to be "
                             "typed at every login"),
    ("a long passphrase\nand more\n", "holds 2 lines, and a passphrase is one line"),
    ("\n", "is empty: write the passphrase you choose for this node in it"),  # none was chosen yet
])
def test_new_keys_are_not_sealed_with_a_passphrase_no_one_would_type(cli, tmp_path, written, slip):
    """`init` reading its passphrase from a file with a byte-order mark sealed the keys with it: no
    prompt and no login page could open them after."""
    secret = tmp_path / "passphrase"
    secret.write_text(written, encoding="utf-8")
    secret.chmod(stat.S_IRUSR | stat.S_IWUSR)
    home = tmp_path / "Leeds"
    result = cli.run(home, "init", "--group", "Leeds", "--region", "leeds",
                     env={"SOLNET_PASSPHRASE": None, "SOLNET_PASSPHRASE_FILE": str(secret)}, ok=False)
    said = result.stderr
    assert result.returncode == 3 and slip in said and "nothing was written" in said, said
    assert "chosen at `solnet init`" not in said and ("byte-order" in slip or "anyone would type" not in said), said
    assert not (home / "keystore").exists()


def test_a_passphrase_file_the_command_may_not_read_says_whose_it_must_be(network, cli, tmp_path):
    """A Pi's /etc/solnet/passphrase made by root and read by the service's user: "Permission denied"
    alone did not say which user must own it. (Run as root, the command runs without the capabilities
    that let root read any file, so that it meets the refusal a service's user meets.)"""
    secret = tmp_path / "passphrase"
    secret.write_text(cli.PASSPHRASE + "\n")
    secret.chmod(0)
    env = {k: v for k, v in cli.base_env().items() if k != "SOLNET_PASSPHRASE"}
    env["SOLNET_PASSPHRASE_FILE"] = str(secret)
    as_root = ["setpriv", "--bounding-set=-all", "--inh-caps=-all"] if os.geteuid() == 0 else []
    if as_root and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv (util-linux): root would read the file")
    result = subprocess.run([*as_root, str(cli.SOLNET), "--home", str(network.a), "admin-token"], capture_output=True,
                            text=True, timeout=60, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    user = getpass.getuser()
    assert result.returncode == 3, result.stderr
    assert f"This command runs as the user {user}" in result.stderr and f"sudo chown {user} {secret}" in result.stderr, \
        result.stderr


def test_the_byte_order_mark_advice_mends_the_file_and_keeps_the_passphrase_off_the_command_line(tmp_path):
    """The advice was `printf '%s\\n' 'PASSPHRASE' > FILE`: the passphrase typed in a command stays in the
    shell's history (it outlives `solnet wipe`). The command given now, run as given, removes the mark."""
    from node.passphrase_source import file_slip
    secret = tmp_path / "pass phrase"  # (a space: the command quotes the path)
    secret.write_text("\ufeffa long passphrase\n", encoding="utf-8")
    secret.chmod(stat.S_IRUSR | stat.S_IWUSR)
    said = file_slip(secret)
    command = said.split("`")[1]
    assert "PASSPHRASE" not in command.upper() and "printf" not in command and "echo" not in command, said
    subprocess.run(["bash", "-c", command], check=True, timeout=10)
    assert secret.read_bytes() == b"a long passphrase\n" and stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert file_slip(secret) == ""


def test_a_view_given_a_passphrase_that_fails_says_what_is_wrong_with_it(network, cli, tmp_path):
    """`view` with a byte-order-marked, wrong or missing passphrase file said "the keystore is locked ...
    give the passphrase" to one who had given it: it says what is wrong with it, and shows the public part."""
    cli.run(network.b, "export", tmp_path / "b.bundle")  # Calais learns Bristol's device
    cli.run(network.a, "import", tmp_path / "b.bundle")
    cli.publish(network.a, "need", "--category", "shoes", "--quantity", "4", "--region", "calais", "--to", network.group_b)
    public = cli.publish(network.a, "need", "--category", "tents", "--quantity", "2", "--region", "calais")
    marked = tmp_path / "passphrase"
    marked.write_text(f"\ufeff{cli.PASSPHRASE}\n", encoding="utf-8")
    marked.chmod(stat.S_IRUSR | stat.S_IWUSR)
    for named, why in ((marked, "begins with an invisible byte-order mark"),
                       (tmp_path / "nowhere", "cannot read the passphrase file")):
        shown = cli.run(network.a, "view", "needs", env={"SOLNET_PASSPHRASE": None, "SOLNET_PASSPHRASE_FILE": str(named)})
        assert public[:12] in shown.stdout, shown.stdout
        assert why in shown.stderr and "keystore is locked" not in shown.stderr, shown.stderr
        assert shown.stderr.count("warning:") == 1, shown.stderr
    nothing = cli.run(network.a, "view", "needs", env={"SOLNET_PASSPHRASE": None})  # none given: said as before
    assert "the keystore is locked" in nothing.stderr, nothing.stderr


def test_an_unreadable_passphrase_file_names_a_user_with_no_passwd_entry_by_uid(tmp_path):
    """A container's user with no /etc/passwd entry (`docker run --user 54321`) met a KeyError
    traceback from getpass.getuser() where the refusal names the user the file must belong to."""
    import pwd
    import sys
    uid = next(u for u in range(54321, 54400) if u not in {entry.pw_uid for entry in pwd.getpwall()})
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv (util-linux) to run as a uid with no passwd entry")
    private = tmp_path / "private"  # root's, mode 700: the file in it cannot be read by that uid
    private.mkdir(mode=0o700)
    (private / "passphrase").write_text("a long passphrase\n")
    # The command's code where that uid can read it: CI runs from a clone in a folder only root may enter.
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    root = tempfile.mkdtemp(prefix="solnet-code-")
    os.chmod(root, 0o755)
    for name in ("node", "crypto", "events", "sync"):
        shutil.copytree(os.path.join(repo, name), os.path.join(root, name),
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(os.path.join(repo, "solnet_errors.py"), root)
    for folder, dirs, files in os.walk(root):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    code = ("import sys; from pathlib import Path; from node.home import HomeError, _read_passphrase_file\n"
            f"try: _read_passphrase_file(Path({str(private / 'passphrase')!r}))\n"
            "except HomeError as exc: print(exc)")
    result = subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--bounding-set=-all",
                             sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=root,
                            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": root,
                                 "PYTHONDONTWRITEBYTECODE": "1"})
    shutil.rmtree(root)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    said = result.stdout
    assert f"This command runs as the user {uid}" in said and f"sudo chown {uid} " in said, said
