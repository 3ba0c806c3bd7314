"""A mole's modified node refuses an honest device of another group "as revoked" (a lie), on real
`solnet` processes: the honest device's peers of other groups go on linking with it, which says
against the lie (a restart does not refuse a publish at once on its word), and once the mole's group
is expelled its word goes at the next round with any peer (it stayed said for good)."""
from __future__ import annotations

import select
import subprocess
from pathlib import Path

from local_cluster import Cluster, cli, cli_env, status
from node.demo import localnet

# The mole's node: `solnet run` whose listener refuses one chosen device as revoked, whatever its
# trust graph says (loaded through PYTHONPATH before solnet itself)
MOLE = '''
import os
if os.environ.get("MOLE_REFUSE"):
    from node.net import peer_policy
    from sync.handshake import HandshakeError
    _victim, _check = bytes.fromhex(os.environ["MOLE_REFUSE"]), peer_policy.PeerPolicy.check_peer
    def check_peer(self, device):
        if device == _victim:
            raise HandshakeError("revoked", "that device key is revoked", ours=True)
        return _check(self, device)
    peer_policy.PeerPolicy.check_peer = check_peer
'''
AGAINST = "against it, a peer of Calais linked with this device since"


def _line_within(proc: subprocess.Popen, timeout: float) -> str:
    """The first line `proc` writes to its standard error, within `timeout` seconds ('' if none)."""
    assert proc.stderr is not None
    ready, _, _ = select.select([proc.stderr], [], [], timeout)
    return proc.stderr.readline() if ready else ""


def test_a_moles_lie_that_a_device_is_revoked_is_said_against_and_goes_with_the_mole(cluster: Cluster,
                                                                                       tmp_path: Path) -> None:
    calais, bristol, dunkirk = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Dunkirk", "dunkirk")])
    (tmp_path / "mole").mkdir()
    (tmp_path / "mole" / "sitecustomize.py").write_text(MOLE)
    cluster.start(calais)
    dunkirk.peers.append(calais.port)
    cluster.start(dunkirk, extra_env={"PYTHONPATH": str(tmp_path / "mole"),
                                      "MOLE_REFUSE": bristol.home.config().device_id})
    bristol.peers += [calais.port, dunkirk.port]
    cluster.start(bristol)
    cluster.wait(lambda: (status(bristol).get("refused_as_revoked") or {}).get("taken"), 40,
                 "Bristol keeping Dunkirk's refusal, and Calais linking with it since")
    said = cli(bristol, "status").stdout
    assert "a peer of Dunkirk refused this device as revoked" in said and AGAINST in said, said

    # Restarted while Calais is down for a moment: a publish waits for the first round, as after any
    # start, and goes (it was refused at once, "nothing was published", on the mole's word)
    for node in (bristol, calais):
        assert node.proc is not None
        node.proc.terminate()
        assert node.proc.wait(20) == 0
    cluster.start(bristol)
    publish = subprocess.Popen([*localnet.solnet_command(), "--home", str(bristol.home.path), "publish", "alert",
                                "--region", "bristol", "--type", "raid", "--text", "police at the station"],
                               env=cli_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        first = _line_within(publish, 30)  # it waits for a first round (it was refused at once)
    finally:
        cluster.start(calais)
        out, err = publish.communicate(timeout=60)
    assert first.startswith("waiting for the node running on this home to finish its first sync"), first + err
    assert publish.returncode == 0 and "Published alert" in out, err

    # Calais expels the mole's group: its word goes at Bristol's next round with Calais
    cli(calais, "revoke", dunkirk.home.config().group_id, "--reason", "infiltrator", "--anyway")
    cluster.wait(lambda: status(bristol).get("refused_as_revoked") is None, 40,
                 "Bristol dropping the word of a peer of a group revoked since")
    assert "refused this device" not in cli(bristol, "status").stdout
