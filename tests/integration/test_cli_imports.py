"""What the everyday commands load (a behaviour, checked on the module set, not on a clock): `solnet
--help`, `status` and `ls` load no network stack and no key derivation; `--help` loads none of
solnet's layers; a `status` or a `publish` the running node answers loads not even the database.
On a Raspberry Pi every module is tens of milliseconds between Enter and an alert leaving. And a
running node that syncs and answers the API loads no dashboard (Jinja2, its pages) until a page is
asked for: 3.6 MiB of a Pi's 80 (issue 15)."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
from pathlib import Path

import pytest

from local_cluster import CLI_TIMEOUT_S, api, cli_env, dashboard_pages, holds, publish
from node.demo import localnet

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Runs one command in a fresh interpreter, then writes the names of every module it loaded.
DRIVER = """
import atexit, json, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
import cli
sys.exit(cli.main(sys.argv[1:]))
"""

NETWORK_STACK = ("aiohttp", "aiohttp_socks", "yarl", "multidict", "asyncio", "jinja2", "multiprocessing",
                 "node.net", "node.webapp", "node.api", "node.dashboard", "sync.transport", "sync.link",
                 "sync.handshake", "sync.gossip", "sync.proxy", "sync.peer_session", "sync.channel")
KEY_DERIVATION = ("nacl.pwhash", "crypto.keystore", "crypto.passphrase")  # Argon2id: the slow unlock
DATABASE = ("sqlite3", "node.store", "node.log")
# What a command needs only to read or make events: libsodium, the wire format, the kinds, the renderer
EVENT_LAYERS = ("nacl", "msgpack", "crypto.keys", "events.format", "events.kinds", "events.trust", "node.render")
ALWAYS_OUT = ("cryptography", "jinja2", "feedgen", "icalendar", "lxml", "node.verify_pool", "sync.messages",
              "logging")  # the test tool's crypto, the dashboard's templates, the feeds; ingest; the wire
# Writes the names of every module a `solnet run` loaded when it ends (a sitecustomize on its PYTHONPATH)
RUN_MODULES = """
import atexit, json, os, sys
out = os.environ.get("SOLNET_TEST_MODULES_OUT")
if out:
    atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
"""
DASHBOARD = ("jinja2", "markupsafe", "node.dashboard.app", "node.dashboard.pages", "node.dashboard.i18n",
             "node.public_site")
PROXY_CONNECTOR = ("aiohttp_socks", "python_socks", "sync.socks_connector")  # a node with a proxy set only (1 MiB)
PUBLISH_INPUT = ("zoneinfo", "difflib")  # a time zone typed, a region not known (0.5 MiB)
# The dashboard's login links (hashing, randomness): node.home loaded them for their folder's name, 13
# modules at every command (a `status` the node answers took ~10 % more CPU)
LOGIN_LINKS = ("node.login_links", "secrets", "hmac")


def loaded(home: Path, tmp_path: Path, *args: str, passphrase: bool = True) -> tuple[set[str], str]:
    out = tmp_path / "modules.json"
    env = cli_env()
    if not passphrase:
        env = {k: v for k, v in env.items() if not k.startswith("SOLNET_PASSPHRASE")}
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(out), "--home", str(home), *args], capture_output=True,
                          text=True, timeout=CLI_TIMEOUT_S, env=env, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(out.read_text())), proc.stdout


def among(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_help_status_and_ls_load_no_network_stack_and_no_key_derivation(cluster, tmp_path):
    [node] = cluster.network([("Calais", "calais")])
    home = node.home.path
    modules, out = loaded(home, tmp_path, "--help")
    assert "publish" in out
    assert among(modules, NETWORK_STACK + KEY_DERIVATION + DATABASE + ("sync", "node.login_links")) == []
    for command in (["status"], ["ls"], ["status", "--json"]):
        modules, _ = loaded(home, tmp_path, *command)
        assert among(modules, NETWORK_STACK + KEY_DERIVATION + ALWAYS_OUT) == [], command


def test_help_loads_none_of_solnets_layers(cluster, tmp_path):
    """`solnet --help` and a command's own `--help` (but those that list the kinds: publish, ls)."""
    [node] = cluster.network([("Calais", "calais")])
    for command in (["--help"], ["status", "--help"], ["view", "--help"], ["peers", "--help"]):
        modules, out = loaded(node.home.path, tmp_path, *command)
        assert "usage: solnet" in out, command
        assert among(modules, NETWORK_STACK + KEY_DERIVATION + DATABASE + EVENT_LAYERS + ALWAYS_OUT
                     + ("sync", "node.home", "dataclasses")) == [], command


def test_status_of_a_running_node_is_its_answer_and_loads_no_database(cluster, tmp_path):
    [node] = cluster.network([("Calais", "calais")])
    cluster.start(node)
    modules, out = loaded(node.home.path, tmp_path, "status", "--json")
    assert among(modules, NETWORK_STACK + KEY_DERIVATION + DATABASE + EVENT_LAYERS + ALWAYS_OUT
                 + ("sync", "dataclasses")) == []
    answered = json.loads(out)
    assert answered["node"]["running"] is True and answered["node"]["pid"] == cluster.started[-1][1].pid
    # The same facts as read from the home's files (what `status` computes when no node runs).
    from node.status import node_status

    log = node.home.log()
    try:
        computed = node_status(node.home, log)
    finally:
        log.store.close()
    assert {k: v for k, v in answered.items() if k != "node"} == {k: v for k, v in computed.items() if k != "node"}
    assert answered["node"].keys() == computed["node"].keys()
    modules, text = loaded(node.home.path, tmp_path, "status")
    assert "  node: running (pid " in text and "1 group, 1 device" in text, text
    assert among(modules, DATABASE + EVENT_LAYERS + LOGIN_LINKS) == []


def test_publish_through_the_running_node_loads_neither_database_nor_keystore(cluster, tmp_path):
    [node] = cluster.network([("Calais", "calais")])
    cluster.start(node)
    modules, out = loaded(node.home.path, tmp_path, "publish", "alert", "--region", "calais", "--type", "raid",
                          "--text", "vans at the bridge", passphrase=False)
    assert out.startswith("Published alert ")
    assert among(modules, NETWORK_STACK + KEY_DERIVATION + DATABASE + ("sync", "node.login_links")) == []


def run_modules(cluster, node, tmp_path: Path, serve) -> set[str]:
    """The modules `solnet run` of `node` loaded, from its start to its clean stop after `serve()`."""
    hook = tmp_path / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(RUN_MODULES)
    out = tmp_path / "run-modules.json"
    out.unlink(missing_ok=True)
    cluster.start(node, extra_env={"PYTHONPATH": str(hook), "SOLNET_TEST_MODULES_OUT": str(out)})
    serve()
    assert localnet.stop(node) == 0
    return set(json.loads(out.read_text()))


def test_a_running_node_loads_the_dashboard_at_the_first_page_asked_for(cluster, tmp_path):
    """A node that syncs and answers the API (a refusal too) loads no Jinja2 and no dashboard page
    module (nor, with no proxy set, the SOCKS connector, nor what reads a person's input); the first
    page asked for loads them, and is served."""
    calais, lille = cluster.network([("Calais", "calais"), ("Lille", "lille")])
    lille.peers = [calais.port]
    cluster.start(calais)

    def sync_and_api() -> None:
        alert = publish(calais, "alert", region="calais", type="raid", text="vans at the bridge")
        cluster.wait(lambda: holds(lille, alert), 30, "Calais's alert on Lille")
        assert api(lille, f"/api/v1/events/{alert.hex()}")["id"] == alert.hex()
        with pytest.raises(urllib.error.HTTPError) as refused:  # (an API path: answered in JSON)
            api(lille, "/api/v1/no-such-thing")
        assert refused.value.code == 404

    modules = run_modules(cluster, lille, tmp_path, sync_and_api)
    assert "node.webapp" in modules
    assert among(modules, DASHBOARD + PROXY_CONNECTOR + PUBLISH_INPUT) == []

    def a_page() -> None:
        assert "vans at the bridge" in dashboard_pages(lille, ["/"])

    assert set(DASHBOARD) <= run_modules(cluster, lille, tmp_path, a_page)
