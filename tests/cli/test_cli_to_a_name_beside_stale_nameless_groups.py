"""`solnet publish ... --to Bristol` on real homes, where a member group (a mole Calais let in) has
let in three groups that never joined, over a week ago. Until 2026-12-07 each such group held every
bare name back for good ("3 groups of this network have no profile here yet"): a handful of vouches
stopped every group from sharing by name. A nameless group holds names back for a week after the
latest vouch naming it was signed or stored here, the later; Bristol, whose profile is here, is named again."""
from __future__ import annotations

import nacl.signing

from crypto.keys import SigningKey
from events.canonical import pack
from events.format import sign_event
from node.home import Home
from node.log import now_ms
from stored_earlier import stored_earlier

OFFER = ("--category", "tents", "--quantity", "2", "--region", "calais", "--notes", "for the squat on rue Mollien")
WEEK_AND_A_DAY_MS = 8 * 24 * 3600 * 1000


def test_groups_a_mole_let_in_that_never_join_stop_no_name_after_a_week(network, cli) -> None:
    bristol = Home(network.b).log()
    try:
        wires = list(bristol.store.iter_wire())  # Bristol's devices and profile, as a peer brings them
    finally:
        bristol.store.close()
    mole = nacl.signing.SigningKey.generate()
    cli.publish(network.a, "member.vouch", "--subject", mole.verify_key.encode().hex(), "--role", "group", "--as", "group")
    log = Home(network.a).log()
    try:
        log.ingest(wires)
        signer, prev, old = SigningKey(mole.encode()), None, now_ms() - WEEK_AND_A_DAY_MS
        for seq in (1, 2, 3):
            nameless = nacl.signing.SigningKey.generate().verify_key.encode()
            vouch = sign_event(signer, network=log.network_id, seq=seq, prev=prev, timestamp=old + seq,
                               kind="member.vouch", body=pack({"subject": nameless, "role": "group"}))
            log.ingest([vouch.encode()])
            prev = vouch.id
        profile = sign_event(signer, network=log.network_id, seq=4, prev=prev, timestamp=now_ms(),
                             kind="group.profile", body=pack({"name": "Dover", "region": "dover"}))
        log.ingest([profile.encode()])
    finally:
        log.store.close()
    # as if Calais had stored all this over a week ago: a vouch holds names for a week from the later
    # of its date and its arrival here (else a backdating admitter's newcomer held nothing)
    stored_earlier(network.a, WEEK_AND_A_DAY_MS)

    out = cli.run_json(network.a, "publish", "offer", *OFFER, "--to", "Bristol")
    assert len(out["id"]) == 64
    shown = cli.run(network.a, "show", out["id"]).stdout  # sealed to Bristol (and Calais) only
    assert "Bristol" in shown, shown
