"""A device solnet 0.1 certified without its consent is vouched for again with it, by the real
commands the README gives: `solnet id --request` on the device, `solnet vouch REQUEST` on its
group's main node. Its vouch without consent can be voided by a thief holding the phone once
seized and a copy of another group's key (a forked vouch carrying the phone's consent: its past,
and the groups it admitted, leave every node); a vouch carrying its consent cannot
(tests/node/test_revoked_claims_on_legacy_devices.py). Until 2026-12-06 no command could: `id
--request` refused a device that had joined, and `vouch` called it "already certified"."""
from __future__ import annotations

import shutil
from pathlib import Path

from node.home import Home

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "home-0.1.0"
FIXTURE_PASSPHRASE = "fixture passphrase 0.1.0"  # (tests/fixtures/README.md: test keys only)
LEGACY_PREFIX = "solnet-device-v1:"  # what solnet 0.1 printed: the device id and its encryption key, no consent


def _consented(home: Path, device: str) -> bool | None:
    """Whether `device` is certified with its consent in `home`'s log (None: no device there)."""
    log = Home(home).log()
    try:
        if log.trust.member(bytes.fromhex(device)) is None:
            return None
        return log.trust.certified_with_consent(bytes.fromhex(device))
    finally:
        log.store.close()


def test_a_device_certified_without_consent_is_vouched_for_again_with_it(network, cli, tmp_path):
    laptop = tmp_path / "laptop"
    made = cli.run_json(laptop, "init", "--device-of", network.group_a)
    legacy = f"{LEGACY_PREFIX}{made['device_id']}:{made['encryption_key']}"
    cli.run(network.a, "vouch", legacy, "--name", "laptop 2", "--out", tmp_path / "device.txt")
    cli.run(laptop, "join", tmp_path / "device.txt")
    assert _consented(network.a, made["device_id"]) is False and _consented(laptop, made["device_id"]) is False

    asked = cli.run_json(laptop, "id", "--request")
    assert asked["device_request"].startswith("solnet-device-v2:") and asked["device_id"] == made["device_id"]
    said = cli.run(network.a, "vouch", asked["device_request"], "--out", tmp_path / "again.txt").stdout
    assert "certified without its consent (solnet 0.1); this vouch carries it" in said, said
    assert "needs no token" in said and "solnet join" not in said, said
    assert _consented(network.a, made["device_id"]) is True

    cli.run(network.a, "export", tmp_path / "carry.bundle")  # the device's next sync
    cli.run(laptop, "import", tmp_path / "carry.bundle", ok=False)
    assert _consented(laptop, made["device_id"]) is True
    # Its label stays (the newest vouch with a name gives it), and it publishes as before.
    [calais] = [g for g in cli.run_json(network.a, "view", "groups") if g["id"] == network.group_a]
    [listed] = [d for d in calais["device_list"] if d["id"] == made["device_id"]]
    assert listed["name"] == "laptop 2", listed
    cli.publish(laptop, "action", "--title", "Distribution at the station", "--region", "calais",
                "--starts-at", "2031-05-01T10:00", "--type", "distribution")
    # Once vouched for with its consent, it needs no request any more; nor a second vouch.
    refused = cli.run(laptop, "id", "--request", ok=False)
    assert refused.returncode == 1 and "needs no request" in refused.stderr, refused.stderr
    twice = cli.run_json(network.a, "vouch", asked["device_request"], "--out", tmp_path / "twice.txt")
    assert twice["already_member"] is True


def test_a_device_certified_with_its_consent_is_asked_for_no_request(network, cli, tmp_path):
    """What stays: a device that joined with its consent, and a main node, get no request."""
    refused = cli.run(network.a, "id", "--request", ok=False)
    assert refused.returncode == 1 and "holds its group's key" in refused.stderr, refused.stderr
    laptop = tmp_path / "laptop"
    made = cli.run_json(laptop, "init", "--device-of", network.group_a)
    cli.run(network.a, "vouch", made["device_request"], "--out", tmp_path / "device.txt")
    cli.run(laptop, "join", tmp_path / "device.txt")
    refused = cli.run(laptop, "id", "--request", ok=False)
    assert refused.returncode == 1 and "already joined" in refused.stderr, refused.stderr
    assert _consented(network.a, made["device_id"]) is True


def test_a_main_node_of_0_1_vouches_for_its_own_device_again_with_its_consent(cli, tmp_path):
    """Calais's home as solnet 0.1.0 left it (tests/fixtures): its own device was certified without
    consent, like every device then. The same two commands on the one node give it its consent."""
    home = tmp_path / "calais"
    shutil.copytree(FIXTURE, home)
    home.chmod(0o700)
    for f in home.iterdir():
        f.chmod(0o600)
    env = {"SOLNET_PASSPHRASE": FIXTURE_PASSPHRASE}
    device = cli.run_json(home, "id", "--device", env=env)["device_id"]
    assert _consented(home, device) is False
    request = cli.run_json(home, "id", "--request", env=env)["device_request"]
    said = cli.run(home, "vouch", request, "--out", tmp_path / "again.txt", env=env).stdout
    assert "It is this node's own device: nothing more to do." in said, said
    assert _consented(home, device) is True
    refused = cli.run(home, "id", "--request", ok=False, env=env)
    assert refused.returncode == 1 and "holds its group's key" in refused.stderr, refused.stderr


def test_a_revoked_device_of_0_1_is_asked_for_no_request(network, cli, tmp_path):
    """A seized phone its group revoked is never vouched for again: its request would be a vouch
    that counts for nothing (`vouch` refuses it too)."""
    laptop = tmp_path / "laptop"
    made = cli.run_json(laptop, "init", "--device-of", network.group_a)
    legacy = f"{LEGACY_PREFIX}{made['device_id']}:{made['encryption_key']}"
    cli.run(network.a, "vouch", legacy, "--out", tmp_path / "device.txt")
    cli.run(laptop, "join", tmp_path / "device.txt")
    cli.run(network.a, "revoke", made["device_id"], "--reason", "phone seized")
    cli.run(network.a, "export", tmp_path / "carry.bundle")
    cli.run(laptop, "import", tmp_path / "carry.bundle", ok=False)
    refused = cli.run(laptop, "id", "--request", ok=False)
    assert refused.returncode == 1 and "needs no request" in refused.stderr, refused.stderr
