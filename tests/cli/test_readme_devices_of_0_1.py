"""The README's step for devices solnet 0.1 certified (without their consent), run as pasted.

Its block marked `<!-- README devices of 0.1 -->` runs here line by line in bash, as the tutorial's
blocks run in test_readme.py, on Calais's home as solnet 0.1.0 left it (tests/fixtures; its own
device certified without consent) and a laptop its main node certified as 0.1 did (a request
without consent): REQUEST is what the laptop's line printed. Afterwards both devices are certified
with their consent, on the main node and, after a bundle across, on the laptop."""
from __future__ import annotations

import os
import re
import shlex
import shutil

from test_legacy_device_vouched_again import FIXTURE, FIXTURE_PASSPHRASE, LEGACY_PREFIX, _consented
from test_readme import README, commands, run_line

BLOCK = re.compile(r"<!-- README devices of 0\.1 -->\n```bash\n(?P<body>.*?)```", re.S)


def test_the_readme_step_for_devices_of_0_1_runs_as_pasted(tmp_path, cli):
    marked = BLOCK.findall(README.read_text(encoding="utf-8"))
    assert len(marked) == 1, "the README's block for devices of 0.1 is marked once"
    calais, laptop = tmp_path / "calais", tmp_path / "laptop"
    shutil.copytree(FIXTURE, calais)
    calais.chmod(0o700)
    for f in calais.iterdir():
        f.chmod(0o600)
    env = {k: v for k, v in cli.base_env().items() if not k.startswith("SOLNET_")}
    env["PATH"] = f"{cli.SOLNET.parent}{os.pathsep}{env.get('PATH', '')}"
    env["SOLNET_PASSPHRASE"] = FIXTURE_PASSPHRASE
    overrides = {"SOLNET_PASSPHRASE": FIXTURE_PASSPHRASE}
    group = cli.run_json(calais, "id", env=overrides)["group_id"]
    made = cli.run_json(laptop, "init", "--device-of", group, env=overrides)
    cli.run(calais, "vouch", f"{LEGACY_PREFIX}{made['device_id']}:{made['encryption_key']}",
            "--out", tmp_path / "device.txt", env=overrides)
    cli.run(laptop, "join", tmp_path / "device.txt", env=overrides)
    own = cli.run_json(calais, "id", "--device", env=overrides)["device_id"]
    assert _consented(calais, own) is False and _consented(calais, made["device_id"]) is False

    lines = commands(marked[0])
    request = run_line(lines[0], env, tmp_path).stdout.strip()
    assert request.startswith("solnet-device-v2:"), request
    said = run_line(re.sub(r"\bREQUEST\b", shlex.quote(request), lines[1]), env, tmp_path).stdout
    assert "this vouch carries it" in said and "needs no token" in said, said
    said = run_line(lines[2], env, tmp_path).stdout
    assert "It is this node's own device: nothing more to do." in said, said
    assert _consented(calais, own) is True and _consented(calais, made["device_id"]) is True

    cli.run(calais, "export", tmp_path / "carry.bundle", env=overrides)  # the laptop's next sync
    cli.run(laptop, "import", tmp_path / "carry.bundle", ok=False, env=overrides)
    assert _consented(laptop, made["device_id"]) is True
