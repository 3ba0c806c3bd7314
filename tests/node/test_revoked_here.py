"""Which refusals of this device as revoked a node believes and keeps (node/revoked_here.py): a
member device's, once; not an unknown key's; and the record goes when that peer completes a
round with this device after all."""
from __future__ import annotations

from nacl.signing import SigningKey

from node import revoked_here
from node_fixtures import wires


def test_a_members_refusal_is_kept_once_an_unknown_keys_never_and_a_round_with_it_takes_it_back(net, tmp_path):
    log = net.new_log(tmp_path / "solnet.db")
    log.ingest(wires(net.group.made))
    member = bytes(net.device.key.public)
    stranger = bytes(SigningKey.generate().verify_key)

    assert revoked_here.record(log, stranger, 1_000) is None and revoked_here.load(log.store) is None
    kept = revoked_here.record(log, member, 2_000)
    assert kept == {"by": member.hex(), "group": bytes(net.group.key.public).hex(), "name": "Calais", "at": 2_000}
    assert revoked_here.record(log, member, 3_000) is None  # kept once: no write per refused dial
    assert revoked_here.load(log.store) == kept

    assert not revoked_here.accepted_by(log, stranger) and revoked_here.load(log.store) == kept
    assert revoked_here.accepted_by(log, member) and revoked_here.load(log.store) is None
    log.store.close()
