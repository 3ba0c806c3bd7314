"""`solnet publish ... --to NAME` on real homes: Calais has not received Bristol's profile yet, and a
group Calais let in has called itself "Bristol". The name alone is refused (nothing sealed to the
impostor), saying which group has no profile here, by short id, and to give the id; the id works."""
from __future__ import annotations

import nacl.signing

from crypto.keys import SigningKey
from crypto.short_ids import short_id
from events.canonical import pack
from events.format import sign_event
from node.home import Home
from node.log import now_ms

OFFER = ("--category", "tents", "--quantity", "2", "--region", "calais", "--notes", "for the squat on rue Mollien")


def test_a_name_an_impostor_took_while_the_real_group_is_unnamed_here_is_refused(network, cli) -> None:
    mole = nacl.signing.SigningKey.generate()
    mole_id = mole.verify_key.encode().hex()
    cli.publish(network.a, "member.vouch", "--subject", mole_id, "--role", "group", "--as", "group")
    log = Home(network.a).log()
    try:
        profile = sign_event(SigningKey(mole.encode()), network=log.network_id, seq=1, prev=None, timestamp=now_ms(),
                             kind="group.profile", body=pack({"name": "Bristol", "region": "bristol"}))
        log.ingest([profile.encode()])
    finally:
        log.store.close()

    refused = cli.run(network.a, "publish", "offer", *OFFER, "--to", "Bristol", ok=False)
    assert refused.returncode != 0, refused
    assert f"group {short_id(network.group_b)}" in refused.stderr and "no profile here yet" in refused.stderr
    assert "Give the id of the group you mean" in refused.stderr and "--to ID" in refused.stderr, refused.stderr
    assert mole_id[:12] in refused.stderr  # the group now called so, by its id

    # Bristol's events come (its devices and profile, as a peer brings them): its id names it
    bristol = Home(network.b).log()
    try:
        wires = list(bristol.store.iter_wire())
    finally:
        bristol.store.close()
    log = Home(network.a).log()
    try:
        log.ingest(wires)
    finally:
        log.store.close()
    out = cli.run_json(network.a, "publish", "offer", *OFFER, "--to", network.group_b[:12])
    assert len(out["id"]) == 64
