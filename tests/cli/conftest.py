"""Fixtures for end-to-end tests of the `solnet` command: real processes, one home folder per node.

`run(home, *args)` runs `solnet --home HOME ARGS...` with the test passphrase in the environment;
`network` founds network A (Calais) and admits group B (Bristol) with an invite token;
`populated` is such a pair where A has published one event of every kind. Both are built once
per session and copied into each test's tmp_path (a home is a plain folder), which keeps the
suite fast; a test may change its copy freely. Test modules reach the helpers through the
`cli` fixture.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nacl.public
import nacl.signing
import pytest

from fast_keystores import reseal_cheaply
from made_here import as_made_here

SOLNET = Path(sys.executable).with_name("solnet")
PASSPHRASE = "nine tents for the jungle"
TIMEOUT_S = 60


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
    env["SOLNET_PASSPHRASE"] = PASSPHRASE
    env["TZ"] = "UTC"  # times typed without an offset are read in local time
    return env


def run(home: Path | None, *args: str, ok: bool = True, env: dict[str, str | None] | None = None,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `solnet --home HOME ARGS...`; with ok=True, fail the test unless it exits 0.

    `env` entries override the test environment; a value of None removes the variable. `stdin`:
    what is piped in (else nothing).
    """
    full_env = base_env()
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    cmd = [str(SOLNET), *(["--home", str(home)] if home is not None else []), *map(str, args)]
    # A session of its own: no controlling terminal, as a script or a service runs it (run from a
    # developer's terminal, a command with no passphrase would ask for one there: node/home.py)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, env=full_env, start_new_session=True,
                          **({"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}))
    if ok:
        assert proc.returncode == 0, (
            f"`solnet {' '.join(cmd[1:])}` exited {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )
    return proc


def run_json(home: Path | None, *args: str, env: dict[str, str | None] | None = None, stdin: str | None = None) -> Any:
    """Run a command with --json (it must succeed) and return the parsed output."""
    proc = run(home, *args, "--json", env=env, stdin=stdin)
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"`solnet {' '.join(args)} --json` printed no JSON:\n{proc.stdout}\n{proc.stderr}")


# Runs each command given on stdin (a JSON list of argv) with cli.main, in this one process, and
# prints the exit code and output of each: a command's output is what `solnet ARGS` prints
_MANY = """
import contextlib, io, json, sys
import cli
said = []
for argv in json.loads(sys.stdin.read()):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            code = cli.main(argv)
        except SystemExit as ended:
            code = ended.code
    said.append([code or 0, out.getvalue()])
print(json.dumps(said))
"""


def run_json_many(*commands: tuple[Path, tuple[str, ...]]) -> list[Any]:
    """The --json output of each `solnet --home HOME ARGS` in `commands`, all run in one process
    (each by cli.main, as the `solnet` script runs it), in this environment: for a test that
    reads many views, each process's start (its imports) cost more than the view it read."""
    argvs = [["--home", str(home), *map(str, args), "--json"] for home, args in commands]
    proc = subprocess.run([sys.executable, "-c", _MANY], input=json.dumps(argvs), capture_output=True, text=True,
                          timeout=TIMEOUT_S, env=base_env(), start_new_session=True)
    assert proc.returncode == 0, f"the commands {argvs} failed:\n{proc.stdout}\n{proc.stderr}"
    said = json.loads(proc.stdout.splitlines()[-1])
    for argv, (code, out) in zip(argvs, said):
        assert code == 0, f"`solnet {' '.join(argv)}` exited {code}\n{out}\n{proc.stderr}"
    return [json.loads(out) for _, out in said]


@dataclass(frozen=True)
class Net:
    """Two homes in one network: A founded it (Calais), B joined with A's invite (Bristol)."""

    a: Path
    b: Path
    network_id: str
    group_a: str
    device_a: str
    group_b: str
    device_b: str
    published: dict[str, str] = field(default_factory=dict)  # label -> id of events A published

    def copied_to(self, root: Path) -> Net:
        """The same network in fresh folders under `root`, for a test that changes it: each as if made
        there (A syncs with no peer: a copy of it would be held as restored, node/chain_gate.py)."""
        for home in (self.a, self.b):
            shutil.copytree(home, root / home.name)
            as_made_here(root / home.name)
        return replace(self, a=root / self.a.name, b=root / self.b.name)


def found_and_join(root: Path) -> Net:
    a, b = root / "A", root / "B"
    founded = run_json(a, "init", "--group", "Calais", "--region", "calais", "--new-network")
    prepared = run_json(b, "init", "--group", "Bristol", "--region", "bristol")
    token = root / "token"
    run(a, "invite", prepared["group_id"], "--out", token)
    joined = run_json(b, "join", token)
    assert joined["network_id"] == founded["network_id"]
    return Net(a, b, founded["network_id"], founded["group_id"], founded["device_id"],
               prepared["group_id"], prepared["device_id"])


def publish(home: Path, kind: str, *args: str) -> str:
    """Publish through the CLI and return the new event's id (from --json)."""
    out = run_json(home, "publish", kind, *args)
    assert set(out) >= {"id"} and len(out["id"]) == 64 and int(out["id"], 16) >= 0, out
    return out["id"]


def publish_every_kind(home: Path, *, group_b: str) -> dict[str, str]:
    """One or more events of every kind but member.revoke, with realistic values; label -> id.

    `group_b` is another member group (a need is fulfilled by it, in words)."""
    ids: dict[str, str] = {}
    ids["action"] = publish(home, "action", "--title", "Rally at the prefecture", "--region", "calais",
                            "--starts-at", "2026-12-01T18:00", "--type", "protest", "--place", "Place d'Armes",
                            "--languages", "fr,en,ar", "--link", "https://example.org/rally")
    ids["info_night"] = publish(home, "action", "--title", "Asylum rights info night", "--region", "calais",
                                "--starts-at", "2026-12-03T19:00", "--ends-at", "2026-12-03T21:30",
                                "--type", "info night", "--description", "Lawyers answer questions.\nTea provided.")
    ids["alert"] = publish(home, "alert", "--region", "calais", "--type", "raid", "--location", "Loon-Plage",
                           "--text", "Police clearing the camp near the canal, bring blankets", "--expires-in", "6h")
    ids["fundraiser"] = publish(home, "fundraiser", "--title", "Winter tents", "--goal", "2000",
                                "--currency", "EUR", "--region", "calais", "--how-to-give", "IBAN FR76 ...")
    ids["fundraiser.update"] = publish(home, "fundraiser.update", "--fundraiser", ids["fundraiser"][:12],
                                       "--raised", "150", "--note", "first week")
    ids["need"] = publish(home, "need", "--category", "sleeping bags", "--quantity", "40", "--region", "calais",
                          "--notes", "adult sizes")
    ids["offer"] = publish(home, "offer", "--category", "tents", "--quantity", "12", "--region", "calais")
    ids["need.fulfil"] = publish(home, "need.fulfil", "--need", ids["need"][:12], "--quantity", "15",
                                 "--by", f"Bristol ({group_b[:8]})")
    ids["need.update"] = publish(home, "need.update", "--need", ids["need"][:12], "--quantity", "50",
                                 "--urgency", "high")
    ids["bags"] = publish(home, "offer", "--category", "sleeping bags", "--quantity", "20", "--region", "calais")
    ids["fulfil_from_offer"] = publish(home, "need.fulfil", "--need", ids["need"][:12], "--quantity", "5",
                                       "--offer", ids["bags"][:12])
    ids["offer.update"] = publish(home, "offer.update", "--offer", ids["offer"][:12], "--quantity", "10")
    ids["support.offer"] = publish(home, "support.offer", "--region", "calais", "--type", "activist trauma support",
                                   "--capacity", "3", "--languages", "fr,en")
    ids["support.offer.update"] = publish(home, "support.offer.update", "--offer", ids["support.offer"][:12],
                                          "--capacity", "2")
    ids["alert.update"] = publish(home, "alert.update", "--alert", ids["alert"][:12], "--status", "all clear")
    ids["past_action"] = publish(home, "action", "--title", "Detention centre visit", "--region", "calais",
                                 "--starts-at", (datetime.now() - timedelta(days=3)).strftime("%Y-%m-%dT14:00"),
                                 "--type", "detention visit")
    ids["action.update"] = publish(home, "action.update", "--action", ids["info_night"][:12], "--starts-at",
                                   "2026-12-04T19:00", "--place", "Salle Brassens", "--note", "the hall was double booked")
    ids["action.report"] = publish(home, "action.report", "--action", ids["past_action"][:12], "--people", "6",
                                   "--outcome", "Visited four people; one released", "--photos",
                                   "https://example.org/p/1.jpg https://example.org/p/2.jpg")
    ids["resource"] = publish(home, "resource", "--title", "حقوقك عند الحدود", "--languages", "ar,fr",
                              "--summary", "Vos droits à la frontière", "--topic", "know your rights",
                              "--link", "https://example.org/rights-ar.pdf")
    ids["support.request"] = publish(home, "support.request", "--region", "calais", "--type", "housing",
                                     "--people", "2", "--urgency", "high")
    ids["support.claim"] = publish(home, "support.claim", "--request", ids["support.request"][:12],
                                   "--note", "we have a room", "--public-note")
    ids["support.close"] = publish(home, "support.close", "--request", ids["support.request"],
                                   "--outcome", "resolved")
    ids["typo_offer"] = publish(home, "offer", "--category", "bikes", "--quantity", "3", "--region", "calais",
                                "--notes", "wrong number, will redact")
    ids["redact"] = publish(home, "redact", "--ids", ids["typo_offer"][:12], "--reason", "typo")
    ids["node.announce"] = publish(home, "node.announce", "--addresses", "127.0.0.1:7000")
    ids["group.profile"] = publish(home, "group.profile", "--name", "Calais", "--region", "calais",
                                   "--description", "Solidarity with people on the move", "--languages", "fr,en",
                                   "--contact", "calais@example.org")
    # For the group's own devices only (B's devices are not known here yet): named as people type it.
    ids["sealed"] = publish(home, "offer", "--category", "tents", "--quantity", "4", "--region", "calais",
                            "--notes", "for the squat on rue Mollien", "--to", "calais")
    laptop = nacl.signing.SigningKey.generate().verify_key.encode().hex()
    laptop_box = nacl.public.PrivateKey.generate().public_key.encode().hex()
    ids["member.vouch"] = publish(home, "member.vouch", "--subject", laptop, "--role", "device",
                                  "--encryption-key", laptop_box, "--name", "Calais laptop", "--as", "group")
    return ids


@pytest.fixture
def cli() -> SimpleNamespace:
    """The helpers of this module, for test modules (a conftest is not importable by a stable name)."""
    return SimpleNamespace(run=run, run_json=run_json, run_json_many=run_json_many, publish=publish,
                           publish_every_kind=publish_every_kind,
                           found_and_join=found_and_join, base_env=base_env, SOLNET=SOLNET, PASSPHRASE=PASSPHRASE)


@pytest.fixture(scope="session")
def network_template(tmp_path_factory: pytest.TempPathFactory) -> Net:
    """Made by the real commands, then its keystores re-sealed at the minimum Argon2id cost: each
    command a test runs on a copy unlocks it (tests/fast_keystores.py)."""
    net = found_and_join(tmp_path_factory.mktemp("network"))
    for home in (net.a, net.b):
        reseal_cheaply(home / "keystore", PASSPHRASE)
    return net


@pytest.fixture
def network(network_template: Net, tmp_path: Path) -> Net:
    """A freshly founded and joined network, in this test's own folders."""
    return network_template.copied_to(tmp_path)


@pytest.fixture(scope="session")
def populated_template(network_template: Net, tmp_path_factory: pytest.TempPathFactory) -> Net:
    net = network_template.copied_to(tmp_path_factory.mktemp("populated"))
    return replace(net, published=publish_every_kind(net.a, group_b=net.group_b))


@pytest.fixture
def populated(populated_template: Net, tmp_path: Path) -> Net:
    """A network where A has published every kind (B has not imported them yet)."""
    return populated_template.copied_to(tmp_path)
