"""`solnet publish ... --to Bristol` says who can read it from the groups the publish itself resolved
and sealed to, not from a second look-up after signing: a member group's look-alike profile
("Bristol") arriving in between made that look-up fail, so the command printed "Published ..." and
then an error, exited non-zero, and the person was led to publish again. The arrival is made real:
the command runs in a process whose publish stores the vouch for a mole group and its profile
right after signing."""
from __future__ import annotations

import subprocess
import sys

import nacl.signing

from events.canonical import pack
from events.format import decode_event, sign_event
from crypto.keys import SigningKey
from node.home import Home
from node.log import now_ms

# The command, with a profile arriving the moment after the offer is signed (the running CLI's own
# publish, then the mole's profile stored through the same log, as a peer's sync would store it)
RACE = """
import sys
from node import publishing
import cli

wires = [bytes.fromhex(w) for w in sys.argv[1].split(",")]
signed = publishing.publish

def publish_then_a_profile_comes(log, *args, **kwargs):
    event = signed(log, *args, **kwargs)
    log.ingest(wires)
    return event

publishing.publish = publish_then_a_profile_comes
sys.exit(cli.main(sys.argv[2:]))
"""


def test_a_look_alike_profile_arriving_after_signing_changes_nothing_said(network, cli, tmp_path) -> None:
    cli.run(network.b, "export", tmp_path / "b.bundle")
    cli.run(network.a, "import", tmp_path / "b.bundle")  # Calais knows Bristol and its profile
    # Bristol lets in a group that calls itself "Bristol" too; Calais has not received it yet
    mole = nacl.signing.SigningKey.generate()
    vouch = cli.publish(network.b, "member.vouch", "--subject", mole.verify_key.encode().hex(), "--role", "group",
                        "--as", "group")
    log = Home(network.b).log()
    try:
        wires = [w for w in log.store.iter_wire() if decode_event(w).id.hex() == vouch]
        wires.append(sign_event(SigningKey(mole.encode()), network=log.network_id, seq=1, prev=None,
                                timestamp=now_ms(), kind="group.profile",
                                body=pack({"name": "Bristol", "region": "bristol"})).encode())
    finally:
        log.store.close()
    assert len(wires) == 2

    env = cli.base_env()
    done = subprocess.run([sys.executable, "-c", RACE, ",".join(w.hex() for w in wires), "--home", str(network.a), "publish",
                           "offer", "--category", "tents", "--quantity", "3", "--region", "calais", "--to", "Bristol"],
                          capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL,
                          start_new_session=True)
    assert done.returncode == 0, done  # published: no error after "Published", nothing to publish again
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Published offer "), done
    assert lines[1] == ("Shared with Calais and Bristol only: other nodes see only that this device published "
                        "something."), done
    assert "error" not in done.stderr, done.stderr
    # the mole's profile did arrive: the name alone is now refused, and nothing more is signed
    assert "more than one group is called" in cli.run(network.a, "publish", "offer", "--category", "tents",
                                                      "--quantity", "1", "--region", "calais", "--to", "Bristol",
                                                      ok=False).stderr
