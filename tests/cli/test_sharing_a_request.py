"""A reviewer's week, on real homes: Calais's support request was sealed to Bristol; Manchester joined
afterwards; Bristol took the request and handed it back as referred, with a note for Manchester. The
referral and Manchester's refused claim both name the command Calais runs, `solnet publish
support.share --request ID --to Manchester`; once Calais ran it, Manchester reads the details and
takes the request, on every node."""
from __future__ import annotations

import json
from pathlib import Path

from fast_keystores import reseal_cheaply
from node.home import Home
from node.private import seal_private

DETAILS = "Two minors, arrived Tuesday, contact via Amira"


def _carry(cli, source: Path, targets: list[Path], tmp_path: Path) -> None:
    bundle = tmp_path / f"{source.name}.bundle"
    cli.run(source, "export", bundle)
    for home in targets:
        cli.run(home, "import", bundle)


def shared_with_manchester(network, cli, tmp_path: Path) -> tuple[str, str]:
    """Calais's request sealed to Bristol, then shared with Manchester, which joined after it (its
    home: tmp_path / "M"): the request's id and Manchester's group id."""
    calais, manchester = network.a, tmp_path / "M"
    _carry(cli, network.b, [calais], tmp_path)
    request = cli.publish(calais, "support.request", "--region", "calais", "--type", "housing", "--people", "2",
                          "--urgency", "high", "--private", DETAILS, "--to", "Bristol")
    group_m = cli.run_json(manchester, "init", "--group", "Manchester", "--region", "manchester")["group_id"]
    reseal_cheaply(manchester / "keystore", cli.PASSPHRASE)
    cli.run(calais, "invite", group_m, "--out", tmp_path / "token")
    cli.run(manchester, "join", tmp_path / "token")
    _carry(cli, manchester, [calais], tmp_path)
    cli.publish(calais, "support.share", "--request", request[:12], "--to", "Manchester")
    return request, group_m


def test_a_referral_to_a_group_that_joined_later_is_shared_and_taken(network, cli, tmp_path):
    calais, bristol, manchester = network.a, network.b, tmp_path / "M"
    _carry(cli, bristol, [calais], tmp_path)  # Calais learns Bristol's device
    request = cli.publish(calais, "support.request", "--region", "calais", "--type", "housing", "--people", "2",
                          "--urgency", "high", "--private", DETAILS, "--to", "Bristol")
    _carry(cli, calais, [bristol], tmp_path)
    # Manchester joins mid-week
    group_m = cli.run_json(manchester, "init", "--group", "Manchester", "--region", "manchester")["group_id"]
    reseal_cheaply(manchester / "keystore", cli.PASSPHRASE)
    cli.run(calais, "invite", group_m, "--out", tmp_path / "token")
    cli.run(manchester, "join", tmp_path / "token")
    _carry(cli, manchester, [calais, bristol], tmp_path)
    _carry(cli, calais, [manchester], tmp_path)
    cli.publish(bristol, "support.claim", "--request", request[:12])
    referred = cli.run(bristol, "publish", "support.close", "--request", request[:12], "--outcome", "referred",
                       "--private", "Manchester has a room for them", "--to", "Manchester").stdout
    share = f"solnet publish support.share --request {request[:12]} --to Manchester"
    assert (f"Manchester cannot read that support request's private details, so cannot take it yet: ask Calais, "
            f"which made it, to share them (`{share}` on its node)") in referred, referred
    _carry(cli, bristol, [calais, manchester], tmp_path)
    assert cli.run_json(manchester, "show", request)["private_status"] == "not_a_recipient"
    shown = {r["id"]: r for r in cli.run_json(manchester, "view", "support")}[request]
    assert shown["status"] == "open" and [b["group"] for b in shown["handed_back"]] == [network.group_b]
    refused = cli.run(manchester, "publish", "support.claim", "--request", request[:12], ok=False)
    assert refused.returncode == 1 and f"ask Calais to share it with your group (`{share}` on its node)" \
        in refused.stderr, refused.stderr

    not_ours = cli.run(bristol, "publish", "support.share", "--request", request[:12], "--to", "Manchester", ok=False)
    assert "only Calais, the group that posted that support.request, may share it" in not_ours.stderr, not_ours.stderr
    said = cli.run(calais, *share.split()[1:]).stdout
    assert "Its private details can now be read by" in said and "Manchester" in said, said
    shared = said.split()[2]  # "Published support.share ID"
    _carry(cli, calais, [manchester, bristol], tmp_path)
    assert cli.run_json(manchester, "show", shared)["private_details"] == DETAILS
    assert cli.run_json(manchester, "show", request)["private_details"] == DETAILS  # the request's own page too
    claim = cli.publish(manchester, "support.claim", "--request", request[:12])
    _carry(cli, manchester, [calais, bristol], tmp_path)
    for home in (calais, bristol, manchester):
        status = {r["id"]: r for r in cli.run_json(home, "view", "support")}[request]
        assert (status["status"], status["claimed_by"], status["claimed_unsent"]) == ("claimed", [group_m], []), home
    assert claim
    for home in (calais, bristol, manchester):  # nothing in clear at rest
        for path in home.iterdir():
            if path.is_file():
                assert DETAILS.encode() not in path.read_bytes(), path


def test_show_on_the_requesting_groups_node_says_a_share_giving_other_details(network, cli, tmp_path):
    """A device of Calais in other hands shares Calais's request with made-up details (sealed to
    Calais too, so nothing hides it): `solnet show REQUEST` on Calais's node gives the request's
    own details and that share's beside them, with its id, instead of the real ones alone."""
    calais, bristol = network.a, network.b
    _carry(cli, bristol, [calais], tmp_path)
    request = cli.publish(calais, "support.request", "--region", "calais", "--type", "housing", "--people", "2",
                          "--urgency", "high", "--private", DETAILS, "--to", "Bristol")
    home = Home(calais)
    log, keys = home.log(), home.keys(cli.PASSPHRASE)
    try:
        part = seal_private("meet them behind the police station", log.trust, [],
                            log.trust.group_of(bytes(keys.device.public)), {})
        share = log.append(keys.device, "support.share", {"request": bytes.fromhex(request), "sealed": part}).id.hex()
    finally:
        log.store.close()
    shown = cli.run_json(calais, "show", request)
    assert shown["private_details"] == DETAILS
    assert shown["differing_details"] == [{"share": share, "details": "meet them behind the police station"}]
    said = cli.run(calais, "show", request).stdout
    assert "1 other share of it by its group gives other details" in said and "meet them behind" in said, said


def test_show_names_the_groups_a_request_was_shared_with_since(network, cli, tmp_path):
    """Calais's request was sealed to Bristol, then shared with Manchester: `solnet show` on Calais's
    node said "readable by Calais and Bristol only" (the request's own part), and the coordinator
    who checked who holds the people's details was told fewer than do. It names Manchester now; on
    Bristol's node, which cannot read that share, it says so instead of "only"."""
    calais, bristol = network.a, network.b
    request, group_m = shared_with_manchester(network, cli, tmp_path)
    _carry(cli, calais, [bristol], tmp_path)

    shown = cli.run_json(calais, "show", request)
    assert sorted(shown["private_readers"]) == sorted([network.group_a, network.group_b, group_m])
    assert shown["private_readers_unknown"] == 0
    said = cli.run(calais, "show", request).stdout
    assert "readable by Calais, Bristol and Manchester only;" in said, said

    shown = cli.run_json(bristol, "show", request)  # the share went to Calais and Manchester, not Bristol
    assert sorted(shown["private_readers"]) == sorted([network.group_a, network.group_b])
    assert shown["private_readers_unknown"] == 1
    said = cli.run(bristol, "show", request).stdout
    assert ("readable by Calais and Bristol and by the groups that 1 share went to, which this device cannot "
            "read;") in said and " only" not in said, said


def test_a_share_with_a_group_that_reads_the_request_already_is_refused(network, cli, tmp_path):
    """`publish support.share --to Bristol` of a request sealed to Bristol published a share that gave
    Bristol nothing new and said Bristol "can now" read it: it is refused, naming Bristol (the
    dashboard's share form does not offer it); named beside a group that cannot read it yet, it is
    asked to be left out."""
    calais, manchester = network.a, tmp_path / "M"
    _carry(cli, network.b, [calais], tmp_path)
    request = cli.publish(calais, "support.request", "--region", "calais", "--type", "housing", "--people", "2",
                          "--urgency", "high", "--private", DETAILS, "--to", "Bristol")
    useless = cli.run(calais, "publish", "support.share", "--request", request[:12], "--to", "Bristol", ok=False)
    assert useless.returncode == 1 and "can now" not in useless.stdout, useless.stdout
    assert (f"Bristol reads that support request's private details already: nothing was shared. Name only groups "
            f"that cannot read it yet (--to; `solnet show {request[:12]}` names those that can)") in useless.stderr, \
        useless.stderr
    group_m = cli.run_json(manchester, "init", "--group", "Manchester", "--region", "manchester")["group_id"]
    reseal_cheaply(manchester / "keystore", cli.PASSPHRASE)
    cli.run(calais, "invite", group_m, "--out", tmp_path / "token")
    cli.run(manchester, "join", tmp_path / "token")
    _carry(cli, manchester, [calais], tmp_path)
    both = cli.run(calais, "publish", "support.share", "--request", request[:12], "--to", "Bristol", "--to",
                   "Manchester", ok=False)
    assert "Bristol reads that support request's private details already: leave it out" in both.stderr, both.stderr
    cli.publish(calais, "support.share", "--request", request[:12], "--to", "Manchester")  # shared with since
    again = cli.run(calais, "publish", "support.share", "--request", request[:12], "--to", "Manchester", "--to",
                    "Bristol", ok=False)
    assert "Manchester and Bristol read that support request's private details already: nothing was shared" \
        in again.stderr, again.stderr


def test_a_request_whose_own_part_is_damaged_is_read_through_its_share(network, cli, tmp_path, monkeypatch):
    """Calais's request went out with a part no device can read (faulty software at Calais: not an
    envelope at all), then a share of it by Calais sealed to Bristol: `solnet show` on Bristol reads
    the share, as it does when the request's own part is not for it. Since the merge of 2026-12-08 such
    a part is "damaged", not "not a recipient", and show no longer looked at the shares: it said the
    details were damaged and to ask Calais again, with them at hand."""
    from node import private, publishing
    calais, bristol = network.a, network.b
    _carry(cli, bristol, [calais], tmp_path)
    home = Home(calais)
    log, keys = home.log(), home.keys(cli.PASSPHRASE)
    try:
        with monkeypatch.context() as patched:
            patched.setattr(private, "seal", lambda plaintext, recipients: b"\xc1" * 600)
            request = publishing.publish(log, keys, "support.request",
                                         {"region": "calais", "type": "legal", "people": "1", "urgency": "low"},
                                         private="lost", to=[network.group_b]).id
        part = seal_private(DETAILS, log.trust, [bytes.fromhex(network.group_b)], log.trust.group_of(bytes(keys.device.public)), {})
        log.append(keys.device, "support.share", {"request": request, "sealed": part})
    finally:
        log.store.close()
    _carry(cli, calais, [bristol], tmp_path)
    shown = cli.run(bristol, "show", request.hex(), "--json")
    assert json.loads(shown.stdout)["private_details"] == DETAILS, shown.stdout
    assert json.loads(shown.stdout)["private_status"] == "readable"
