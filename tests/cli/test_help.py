"""`solnet publish --help` says where a kind's fields are listed, and `solnet publish KIND --help`
lists them: every field a person types, its type, which are required and the allowed values."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from events.kinds import KINDS
from events.sealed import SEALABLE
from node.publishing import typed_fields


def test_publish_help_points_to_the_help_of_each_kind(cli):
    out = cli.run(None, "publish", "--help").stdout
    assert "solnet publish KIND --help" in " ".join(out.split())
    assert "DESIGN" not in out


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_publish_kind_help_lists_its_fields(cli, kind):
    out = cli.run(None, "publish", kind, "--help").stdout
    spec = KINDS[kind]
    assert out.startswith(f"solnet publish {kind}: {spec.summary}")
    listed = dict(re.findall(r"^  --([a-z-]+)\s+(.*)$", out, re.MULTILINE))
    for name in typed_fields(spec):
        field = spec.field(name)
        described = listed.pop(name.replace("_", "-"))
        assert described.startswith(field.type)
        assert ("required" in described.split()) == field.required
        for choice in field.choices:
            assert choice in described
    # What is left are publish's own options, never a field the kind does not have.
    assert "offline" in listed
    assert {"offline", "as", "json"} <= set(listed) <= {"offline", "private", "to", "expires-in", "as", "json",
                                                         "public-note", "new-region"}, sorted(listed)
    assert ("expires-in" in listed) == (spec.expiry != "forbidden")
    assert ("new-region" in listed) == (spec.field("region") is not None)
    # (a share carries its request's own details: it names groups only)
    assert ("private" in listed) == (spec.field("sealed") is not None and kind != "support.share")
    assert ("to" in listed) == ("private" in listed or kind in SEALABLE or kind == "support.share")  # for chosen groups: the whole event


def test_help_loads_neither_the_home_nor_the_network_stack(cli, tmp_path):
    """`solnet --help` is read on a Pi, where each module costs: it loads neither the home's module
    nor the network stack (with no passphrase in the environment: see node/home.py
    no_core_dump_of_a_passphrase for a command that holds one)."""
    out = tmp_path / "modules.json"
    driver = ("import atexit, json, sys\nout = sys.argv.pop(1)\n"
              "atexit.register(lambda: open(out, 'w').write(json.dumps(sorted(sys.modules))))\n"
              "import cli\nsys.exit(cli.main(sys.argv[1:]))\n")
    env = {k: v for k, v in cli.base_env().items() if k not in ("SOLNET_PASSPHRASE", "SOLNET_BUNDLE_PASSPHRASE")}
    proc = subprocess.run([sys.executable, "-c", driver, str(out), "--help"], capture_output=True, text=True,
                          timeout=60, env=env, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0 and "usage" in proc.stdout, proc.stderr
    modules = json.loads(out.read_text())
    loaded = [m for m in modules if m.split(".")[0] in ("aiohttp", "sqlite3") or m in ("node.home", "node.net")]
    assert loaded == [], loaded
