"""The README's set-up steps for a newcomer on a fresh Debian machine and a Pi, taken as written.

The Pi section used /opt/solnet/.venv and /etc/solnet/passphrase without a step that made either (and
`init` without the passphrase file the unit reads, so the keys could be sealed under another
passphrase than the service's); the first command on a fresh Debian stops without python3-venv,
which was not named; and the test paragraph named every Debian package `.ci/run` installs but jq.
Here the Pi block's passphrase line runs as written (bash, a path of the test's), and the `init`
line's passphrase file seals a home that `solnet` then opens with it."""
from __future__ import annotations

import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PI_PASSPHRASE = "a long passphrase for the pi"


def _pi_block() -> str:
    """The bash block that sets the Pi up (after the unit, before the journal's words)."""
    section = README[README.index("### On a Raspberry Pi at home"):README.index("### Backups, restoring and upgrading")]
    blocks = [b for b in re.findall(r"```bash\n(.*?)```", section, re.S) if "useradd" in b]
    assert len(blocks) == 1, "the Pi section's set-up block"
    return blocks[0]


def _unit() -> dict[str, str]:
    block = re.search(r"```ini\n# /etc/systemd/system/solnet.service\n(.*?)```", README, re.S)
    assert block
    return dict(line.split("=", 1) for line in block[1].splitlines() if "=" in line)


def test_the_pi_block_makes_what_the_unit_uses_before_it_is_started() -> None:
    block, unit = _pi_block(), _unit()
    lines = block.splitlines()
    env = dict(kv.split("=", 1) for kv in shlex.split(unit["Environment"]))
    passphrase_file, home = env["SOLNET_PASSPHRASE_FILE"], env["SOLNET_HOME"]
    program = shlex.split(unit["ExecStart"])[0]
    venv = program.split("/bin/solnet")[0]

    def first(words: str) -> int:
        return next(i for i, line in enumerate(lines) if words in line and not line.lstrip().startswith("#"))

    assert "python3-venv" in lines[first("apt install")]
    made_venv = first(f"python3 -m venv {Path(venv).name}")
    assert f"cd {Path(venv).parent}" in lines[made_venv], lines[made_venv]
    written = first(f"> {passphrase_file}")
    inited = first(" init ")
    assert made_venv < written < inited < first(" join ") < first("systemctl"), block
    # init and join read the unit's passphrase file, for the unit's home, with the unit's program
    for step in (" init ", " join "):
        line = lines[first(step)]
        assert f"SOLNET_PASSPHRASE_FILE={passphrase_file}" in line and f"--home {home}" in line and program in line


def test_the_pi_blocks_passphrase_line_writes_a_file_init_seals_with_and_the_node_opens(cli, tmp_path: Path) -> None:
    block, unit = _pi_block(), _unit()
    passphrase_file = dict(kv.split("=", 1) for kv in shlex.split(unit["Environment"]))["SOLNET_PASSPHRASE_FILE"]
    line = next(x for x in block.splitlines() if f"> {passphrase_file}" in x and not x.startswith("#"))
    script = shlex.split(line.split("bash -c", 1)[1])[0]  # what `sudo -u solnet bash -c` runs, as written
    ours = tmp_path / "passphrase"
    subprocess.run(["bash", "-c", script.replace(passphrase_file, str(ours))], input=PI_PASSPHRASE + "\n", text=True,
                   check=True, timeout=20, capture_output=True)
    assert stat.S_IMODE(ours.stat().st_mode) == 0o600
    env = {"SOLNET_PASSPHRASE": None, "SOLNET_PASSPHRASE_FILE": str(ours)}
    home = tmp_path / "home"
    made = cli.run(home, "init", "--group", "Dover", "--region", "dover", env=env, ok=False)
    assert made.returncode == 0, made.stderr
    opened = cli.run(home, "admin-token", env=env, ok=False)  # unlocks the keystore with the file's passphrase
    assert opened.returncode == 0 and opened.stdout.strip(), opened.stderr


def test_the_first_steps_name_the_debian_packages_they_need() -> None:
    two = README[README.index("## Two commands"):README.index("## A network in five minutes")]
    run_paragraph, tests_paragraph = two.split("Set up and run the tests", 1)
    assert "python3-venv" in run_paragraph  # Debian's python3 has no ensurepip: `python3 -m venv` stops without it
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    installed = set(re.findall(r"missing\+=\((\S+)\)", ci))
    assert installed, "the packages .ci/run installs"
    named = set(re.findall(r"`([^`]+)`", tests_paragraph.split("```", 1)[0]))
    named = {word for group in named for word in group.split()}
    assert installed <= named, f"installed by .ci/run but not named in the README: {installed - named}"


def _compile_lines() -> list[str]:
    return [line.split("#")[0].strip().rstrip("`") for line in README.splitlines() if "-m compileall" in line]


def test_the_pi_set_up_and_the_upgrade_compile_every_module_the_package_installs(tmp_path: Path) -> None:
    """The node's user cannot write /opt/solnet: without compiled files there, the node and each
    examining worker compiled every module at every start (~25 ms of CPU and 1-3 MiB a process here,
    several times that on a Pi). The set-up block and the upgrade sentence compile what pyproject.toml
    installs, and the command as written does (into a folder of the test's, not the repository)."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    modules = re.search(r"py-modules = \[(.*?)\]", pyproject)[1]
    wanted = {f"{m.strip().strip(chr(34))}.py" for m in modules.split(",")}
    wanted |= {p.strip().strip('"').rstrip("*") for p in re.search(r"include = \[(.*?)\]", pyproject)[1].split(",")}
    lines = _compile_lines()
    assert len(lines) == 2 and "useradd" in _pi_block() and lines[0] in _pi_block(), lines
    for line in lines:
        command = shlex.split(line[line.index(".venv/bin/python"):])
        assert set(command[command.index("-q") + 1:]) == wanted, (line, wanted)
    command = shlex.split(lines[0])
    done = subprocess.run([sys.executable, *command[1:]], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={"PYTHONPYCACHEPREFIX": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.rglob("verify_worker*.pyc")) and list(tmp_path.rglob("cli*.pyc")), "compiled nothing"
