"""Notes on a support request's claim or close. A note is public text that every node stores, so a
public note needs an explicit `--public-note`; case details go in `--private`, sealed to the group
that made the request and the group writing the note, like the request's own private details."""
from __future__ import annotations

from pathlib import Path

SECRET = "Host found in Levenshulme, 12 Acacia Road"


def _request(network, cli, tmp_path: Path) -> str:
    """Calais asks for housing; Bristol receives the request by bundle."""
    cli.run(network.b, "export", tmp_path / "b0.bundle")  # Calais learns Bristol's device first
    cli.run(network.a, "import", tmp_path / "b0.bundle")
    request = cli.publish(network.a, "support.request", "--region", "calais", "--type", "housing", "--people", "2",
                          "--urgency", "high", "--private", "Two people at the station", "--to", network.group_b)
    cli.run(network.a, "export", tmp_path / "a.bundle")
    cli.run(network.b, "import", tmp_path / "a.bundle")
    return request


def test_a_public_note_on_a_claim_needs_to_be_confirmed(network, cli, tmp_path):
    request = _request(network, cli, tmp_path)
    refused = cli.run(network.b, "publish", "support.claim", "--request", request[:12], "--note", SECRET, ok=False)
    assert refused.returncode == 1 and "public" in refused.stderr and "--private" in refused.stderr, refused.stderr
    assert "--public-note" in refused.stderr and "Traceback" not in refused.stderr
    assert refused.stderr.rstrip().endswith("add --public-note if it may be public"), refused.stderr  # whole sentence
    assert cli.run_json(network.b, "ls", "--kind", "support.claim") == []  # nothing was published
    confirmed = cli.publish(network.b, "support.claim", "--request", request[:12], "--note", "We can help",
                            "--public-note")
    assert cli.run_json(network.b, "show", confirmed)["note"] == "We can help"


def test_case_details_in_a_claim_are_sealed_to_the_requesting_group(network, cli, tmp_path):
    request = _request(network, cli, tmp_path)
    claim = cli.publish(network.b, "support.claim", "--request", request[:12], "--private", SECRET)
    said = cli.run(network.b, "publish", "support.close", "--request", request[:12], "--outcome", "resolved",
                   "--private", "Moved in on Friday").stdout
    close = said.split()[2]  # "Published support.close ID"
    assert "sealed to the groups that can read the request, and to yours: `solnet show " in said, said
    cli.run(network.b, "export", tmp_path / "b.bundle")
    assert SECRET.encode() not in (tmp_path / "b.bundle").read_bytes()
    cli.run(network.a, "import", tmp_path / "b.bundle")
    for home in (network.a, network.b):  # both groups can read it: sealed to each one's devices
        shown = cli.run_json(home, "show", claim)
        assert shown["has_private"] and shown["private_details"] == SECRET and shown["private_status"] == "readable"
        assert cli.run_json(home, "show", close)["private_details"] == "Moved in on Friday"
        assert sorted(shown["private_readers"]) == sorted([network.group_a, network.group_b])  # who can read it
        assert "private details (readable by " in cli.run(home, "show", claim).stdout
        assert "note" not in shown
        for path in home.iterdir():  # nothing in clear at rest
            if path.is_file():
                assert SECRET.encode() not in path.read_bytes(), path
    status = {r["id"]: r for r in cli.run_json(network.a, "view", "support")}[request]  # handed back by Bristol
    assert status["status"] == "open" and status["claimed_by"] == []
    assert [b["group"] for b in status["handed_back"]] == [network.group_b]


def test_a_closed_request_says_when_and_how_it_ended(network, cli, tmp_path):
    """`view support` said of a closed request only "taken by Bristol since ...": not that it was
    closed, when, nor its outcome (the JSON had them)."""
    request = _request(network, cli, tmp_path)
    cli.publish(network.b, "support.claim", "--request", request[:12])
    cli.publish(network.b, "support.close", "--request", request[:12], "--outcome", "referred")  # hands it back
    [line] = [l for l in cli.run(network.b, "view", "support").stdout.splitlines() if request[:12] in l]
    assert line.startswith("open ") and "— handed back by Bristol 20" in line and " UTC (referred)  " in line, line
    cli.run(network.b, "export", tmp_path / "b1.bundle")
    cli.run(network.a, "import", tmp_path / "b1.bundle")
    cli.publish(network.a, "support.close", "--request", request[:12], "--outcome", "referred")  # Calais closes it
    [line] = [l for l in cli.run(network.a, "view", "support").stdout.splitlines() if request[:12] in l]
    assert line.startswith("closed ") and "— handed back by Bristol " in line, line
    assert "; closed 20" in line and " UTC (referred)  " in line, line
