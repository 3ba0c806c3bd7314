"""Publishing every kind on A, carrying it to B in a bundle, and what `ls`/`show` print for each event."""
from __future__ import annotations

import re

from events.kinds import KINDS

HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


def by_id(events: list[dict]) -> dict[str, dict]:
    return {e["id"]: e for e in events}


def keys_of(events: list[dict]) -> set[tuple]:
    return {(e["id"], e["kind"], e["author"], e["seq"]) for e in events}


def test_every_kind_published_on_a_reaches_b_in_a_bundle(populated, cli, tmp_path):
    # (every kind published once per worker, for the tests of `populated`: it was published here
    # again, 27 commands that took most of this test's time, to 178 s under load)
    network, ids = populated, dict(populated.published)
    # (a pledge declined by the fundraiser's group, and a fulfilment declined by the need's group, of a
    # need of its own: here, not in the shared fixture, whose seqs and counts other tests rely on;
    # both from Bristol, which learns them from Calais's bundle: a group declines another's reply only)
    ids["wood"] = cli.publish(network.a, "need", "--category", "firewood", "--quantity", "2", "--region", "calais")
    cli.run(network.a, "export", tmp_path / "a0.bundle")
    cli.run(network.b, "import", tmp_path / "a0.bundle")
    ids["pledge"] = cli.publish(network.b, "fundraiser.update", "--fundraiser", ids["fundraiser"][:12],
                                "--pledge", "50", "--note", "from the info night's collection")
    ids["fulfilled"] = cli.publish(network.b, "need.fulfil", "--need", ids["wood"][:12], "--quantity", "1")
    # (and a request's details shared with Bristol, whose device Calais learns first from its bundle)
    cli.run(network.b, "export", tmp_path / "b0.bundle")
    cli.run(network.a, "import", tmp_path / "b0.bundle")
    ids["fundraiser.decline"] = cli.publish(network.a, "fundraiser.decline", "--fundraiser", ids["fundraiser"][:12],
                                            "--decline", ids["pledge"][:12], "--note", "the same pledge twice")
    ids["need.decline"] = cli.publish(network.a, "need.decline", "--need", ids["wood"][:12], "--decline",
                                      ids["fulfilled"][:12], "--note", "counted twice")
    ids["sealed_request"] = cli.publish(network.a, "support.request", "--region", "calais", "--type", "legal",
                                        "--people", "1", "--urgency", "low", "--private", "at the station",
                                        "--to", "Calais")
    ids["support.share"] = cli.publish(network.a, "support.share", "--request", ids["sealed_request"][:12],
                                       "--to", network.group_b)
    # Without --json, publish says what it did and prints the whole id.
    human = cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "eviction",
                    "--text", "Eviction announced for tomorrow 6am")
    printed = HEX64.findall(human.stdout)
    assert len(printed) == 1 and "alert" in human.stdout
    ids["human_alert"] = printed[0]

    a_events = cli.run_json(network.a, "ls", "--limit", "1000")
    a_by_id = by_id(a_events)
    assert set(ids.values()) <= set(a_by_id), "every printed id is listed"
    assert {a_by_id[i]["kind"] for i in ids.values()} == set(KINDS) - {"member.revoke"}

    bundle = tmp_path / "calais.bundle"
    exported = cli.run_json(network.a, "export", bundle)
    assert exported["events"] == len(a_events) and exported["addresses_left_out"] is True
    result = cli.run_json(network.b, "import", bundle)
    assert result["rejected"] == 0 and result["pending"] == 0 and result["signature_ok"] is True
    assert result["accepted"] + result["duplicate"] == len(a_events)

    b_events = cli.run_json(network.b, "ls", "--limit", "1000")
    b_by_id = by_id(b_events)
    own_b = {e["id"] for e in b_events if e["author"] in (network.group_b, network.device_b)}
    assert keys_of(e for e in a_events if e["id"] not in own_b) == keys_of(e for e in b_events if e["id"] not in own_b)
    # The offer for Calais's own devices: A reads its inside, B (not a reader) only that it exists.
    sealed_on_a, sealed_on_b = a_by_id[ids["sealed"]], b_by_id[ids["sealed"]]
    assert sealed_on_a["inner"]["notes"] == "for the squat on rue Mollien" and sealed_on_a["inner"]["kind"] == "offer"
    assert sealed_on_b["kind"] == "sealed" and "inner" not in sealed_on_b and "Mollien" not in str(sealed_on_b)
    # The announcement came without its body (a bundle in clear names no node's address): B holds its
    # signed header and asks its peers for the body.
    announced = ids["node.announce"]
    assert b"127.0.0.1:7000" not in bundle.read_bytes()
    assert b_by_id[announced]["body"] == "missing" and "addresses" not in b_by_id[announced]
    assert {k: v for k, v in a_by_id[announced].items() if k not in ("body", "addresses")} == \
        {k: v for k, v in b_by_id[announced].items() if k != "body"}
    for event_id, event in a_by_id.items():
        if event_id not in (ids["sealed"], announced):
            assert b_by_id[event_id] == event, f"B shows {event['kind']} {event_id} differently"
    assert {k: v for k, v in sealed_on_a.items() if k != "inner"} == sealed_on_b

    # And back: after B's bundle reaches A the two nodes list exactly the same events.
    back = tmp_path / "bristol.bundle"
    cli.run(network.b, "export", back)
    cli.run(network.a, "import", back)
    a_events = cli.run_json(network.a, "ls", "--limit", "1000")
    assert keys_of(a_events) == keys_of(b_events)
    assert {i: e for i, e in by_id(a_events).items() if i not in (ids["sealed"], announced)} == \
        {i: e for i, e in b_by_id.items() if i not in (ids["sealed"], announced)}
    views = ("actions", "past-actions", "fundraisers", "needs", "support", "capacity", "alerts",
             "alert-history", "resources", "groups", "regions")  # the read models
    shows = [(label, form) for label in ("action", "fundraiser.update", "support.close")
             for form in (ids[label][:12], ids[label].upper())]
    # (in one process: B's reads below, each a process of its own, were half of this test's commands,
    # and B's past actions, alerts, alert history and resources were read twice)
    said = cli.run_json_many(*((home, ("view", view)) for view in views for home in (network.a, network.b)),
                             (network.b, ("ls", "--kind", "action")), (network.b, ("ls", "--kind", "need.fulfil")),
                             (network.b, ("view", "regions", "--region", "calais")),
                             *((network.b, ("show", form)) for _, form in shows))
    on = dict(zip(views, zip(said[::2], said[1::2])))
    actions, fulfils, in_calais, *shown_as = said[2 * len(views):]
    for view in views[:-1]:
        on_a, on_b = on[view]
        assert _as_anywhere([i for i in on_a if not i.get("shared_with")]) == _as_anywhere(on_b), view
    # The summaries add up what each node reads: A's without its key (no passphrase) are B's.
    summaries, on_b = on["regions"]
    assert summaries != on_b  # A counts its 4 sealed tents
    assert cli.run_json(network.a, "view", "regions", env={"SOLNET_PASSPHRASE": None}) == on_b
    assert [i["notes"] for i in on["needs"][0] if i.get("shared_with")] == ["for the squat on rue Mollien"]

    assert {e["id"] for e in actions} == {ids["action"], ids["info_night"], ids["past_action"]}
    assert all(e["kind"] == "action" for e in actions)
    assert fulfils == [b_by_id[ids["fulfilled"]], b_by_id[ids["fulfil_from_offer"]],
                       b_by_id[ids["need.fulfil"]]]  # newest first
    [regions] = in_calais
    [bags] = [n for n in regions["needs"] if n["category"] == "sleeping_bags"]
    assert (bags["quantity"], bags["fulfilled"], bags["missing"], bags["urgency"]) == (50, 20, 30, "high")
    assert {(o["category"], o["available"]) for o in regions["offers"]} == {("sleeping_bags", 15), ("tents", 10)}
    assert [{**c, "by_group": [b["capacity"] for b in c["by_group"]]} for c in regions["capacity"]] == [
        {"type": "activist_trauma_support", "capacity": 2, "offers": 1, "shared": 0, "from": None, "by_group": [2]}]
    [past] = [a for a in on["past-actions"][1] if a["id"] == ids["past_action"]]
    assert past["people"] == 6 and past["reports"][0]["photos"] == ["https://example.org/p/1.jpg",
                                                                    "https://example.org/p/2.jpg"]
    assert [a["id"] for a in on["alerts"][1]] == [ids["human_alert"]]  # one cleared
    [history] = [a for a in on["alert-history"][1] if a["id"] == ids["alert"]]
    assert history["status"] == "all_clear" and history["location"] == "Loon-Plage"
    [resource] = on["resources"][1]
    assert resource["title"] == "حقوقك عند الحدود" and resource["topic"] == "know_your_rights"

    for (label, _), shown in zip(shows[::2], shown_as[::2]):
        event_id = ids[label]
        # (an action's `state`: as its group moved or cancelled it)
        assert {k: v for k, v in shown.items() if k != "state"} == b_by_id[event_id]
        assert ("state" in shown) == (label == "action") and shown.get("state", {}).get("status") in (None, "on")
    assert shown_as[1::2] == shown_as[::2]  # (by its whole id in capitals, as by its prefix)
    shown = cli.run(network.b, "show", ids["action"][:12]).stdout
    assert ids["action"] in shown and "Rally at the prefecture" in shown


def test_importing_the_same_bundle_twice_changes_nothing(populated, cli, tmp_path):
    bundle = tmp_path / "calais.bundle"
    cli.run(populated.a, "export", bundle)
    first = cli.run_json(populated.b, "import", bundle)
    assert first["accepted"] > 0 and first["rejected"] == 0
    before = cli.run_json(populated.b, "ls", "--limit", "1000")
    again = cli.run_json(populated.b, "import", bundle)
    assert again["accepted"] == 0 and again["rejected"] == 0 and again["pending"] == 0
    assert again["duplicate"] == first["accepted"] + first["duplicate"]
    assert cli.run_json(populated.b, "ls", "--limit", "1000") == before


def test_ls_json_has_ids_authors_seqs_and_public_fields(populated, cli):
    events = cli.run_json(populated.a, "ls", "--limit", "1000")
    got = by_id(events)
    ids = populated.published
    for event in events:
        assert {"id", "kind", "author", "seq"} <= set(event)
        assert re.fullmatch(r"[0-9a-f]{64}", event["id"]) and re.fullmatch(r"[0-9a-f]{64}", event["author"])
        assert isinstance(event["seq"], int) and event["seq"] >= 1

    device_events = sorted((e for e in events if e["author"] == populated.device_a), key=lambda e: e["seq"])
    assert [e["seq"] for e in device_events] == list(range(1, len(device_events) + 1))
    assert got[ids["member.vouch"]]["author"] == populated.group_a  # published --as group

    action = got[ids["action"]]
    assert action["kind"] == "action" and action["author"] == populated.device_a
    assert action["title"] == "Rally at the prefecture" and action["region"] == "calais"
    assert action["starts_at"] == "2026-12-01T18:00:00Z" and action["type"] == "protest"
    assert action["place"] == "Place d'Armes" and action["languages"] == ["fr", "en", "ar"]
    assert action["link"] == "https://example.org/rally" and action["group"] == populated.group_a
    info = got[ids["info_night"]]
    assert info["type"] == "info_night" and info["ends_at"] == "2026-12-03T21:30:00Z"
    assert info["description"] == "Lawyers answer questions.\nTea provided."

    alert = got[ids["alert"]]
    assert (alert["region"], alert["type"], alert["location"]) == ("calais", "raid", "Loon-Plage")
    assert alert["text"].startswith("Police clearing") and alert["expires"] is not None

    fundraiser = got[ids["fundraiser"]]
    assert fundraiser["title"] == "Winter tents" and fundraiser["currency"] == "EUR"
    assert fundraiser["goal"] == 200000  # typed in euros, kept in cents
    update = got[ids["fundraiser.update"]]
    assert update["fundraiser"] == ids["fundraiser"] and update["raised"] == 15000  # a 12-char prefix was typed

    need = got[ids["need"]]
    assert (need["category"], need["quantity"], need["region"]) == ("sleeping_bags", 40, "calais")
    assert got[ids["offer"]]["category"] == "tents" and got[ids["offer"]]["quantity"] == 12
    fulfil = got[ids["need.fulfil"]]
    assert fulfil["need"] == ids["need"] and fulfil["quantity"] == 15

    request = got[ids["support.request"]]
    assert (request["region"], request["type"], request["people"], request["urgency"]) == ("calais", "housing", "2", "high")
    assert got[ids["support.claim"]]["request"] == ids["support.request"]
    close = got[ids["support.close"]]
    assert close["request"] == ids["support.request"] and close["outcome"] == "resolved"

    assert got[ids["redact"]]["ids"] == [ids["typo_offer"]]
    redacted = got[ids["typo_offer"]]
    assert redacted["body"] == "redacted" and "notes" not in redacted and "category" not in redacted

    assert got[ids["node.announce"]]["addresses"] == ["127.0.0.1:7000"]
    profile = got[ids["group.profile"]]
    assert (profile["name"], profile["region"], profile["languages"]) == ("Calais", "calais", ["fr", "en"])
    vouch = got[ids["member.vouch"]]
    assert vouch["role"] == "device" and len(vouch["subject"]) == 64 and len(vouch["encryption_key"]) == 64

    # `show --json` prints the same object as `ls --json` (and, of a request or an action, what it comes to
    # now: `state`, an action as its group moved or cancelled it).
    for label in ("action", "support.request", "typo_offer"):
        shown = cli.run_json(populated.a, "show", ids[label])
        assert ("state" in shown) == (label in ("support.request", "action")), shown
        assert {k: v for k, v in shown.items() if k != "state"} == got[ids[label]]


def test_revoking_a_group_removes_its_events_and_refuses_its_later_ones(populated, cli, tmp_path):
    net = populated
    first = cli.publish(net.b, "offer", "--category", "blankets", "--quantity", "30", "--region", "bristol")
    cli.run(net.b, "export", tmp_path / "b1.bundle")
    cli.run(net.a, "import", tmp_path / "b1.bundle")
    assert cli.run_json(net.a, "show", first)["author"] == net.device_b

    revoke = cli.publish(net.a, "member.revoke", "--subject", net.group_b, "--from-seq", "1",
                         "--reason", "left the network", "--as", "group")
    shown = cli.run_json(net.a, "show", revoke)
    assert (shown["kind"], shown["subject"], shown["from_seq"]) == ("member.revoke", net.group_b, 1)
    assert cli.run_json(net.a, "ls", "--author", net.device_b) == []
    assert cli.run(net.a, "show", first, ok=False).returncode == 1

    later = cli.publish(net.b, "offer", "--category", "blankets", "--quantity", "5", "--region", "bristol")
    cli.run(net.b, "export", tmp_path / "b2.bundle")
    result = cli.run(net.a, "import", tmp_path / "b2.bundle", ok=False)
    assert result.returncode == 1 and "revoked" in result.stderr
    assert all(e["author"] not in (net.group_b, net.device_b) for e in cli.run_json(net.a, "ls", "--limit", "1000"))
    assert cli.run(net.a, "show", later, ok=False).returncode == 1


def test_a_sealed_bundle_reveals_nothing_and_needs_its_passphrase(populated, cli, tmp_path):
    bundle = tmp_path / "stick.bundle"
    sealed_env = {"SOLNET_BUNDLE_PASSPHRASE": "carried by hand"}
    short = cli.run(populated.a, "export", tmp_path / "weak.bundle", "--encrypt", ok=False,
                    env={"SOLNET_BUNDLE_PASSPHRASE": "abc"})
    assert short.returncode != 0 and "at least 12" in short.stderr and not (tmp_path / "weak.bundle").exists()
    out = cli.run_json(populated.a, "export", bundle, "--encrypt", env=sealed_env)
    assert out["encrypted"] is True and out["events"] > 10 and out["addresses_left_out"] is False
    assert bundle.stat().st_mode & 0o777 == 0o600  # as the home's own files
    raw = bundle.read_bytes()
    for public_text in (b"Rally at the prefecture", b"Loon-Plage", b"Winter tents", bytes.fromhex(populated.group_a)):
        assert public_text not in raw
    wrong = cli.run(populated.b, "import", bundle, ok=False, env={"SOLNET_BUNDLE_PASSPHRASE": "guess"})
    assert wrong.returncode == 1 and "wrong bundle passphrase" in wrong.stderr
    before = cli.run_json(populated.b, "ls", "--limit", "1000")
    cut = tmp_path / "cut.bundle"
    cut.write_bytes(raw[: len(raw) - 40])
    damaged = cli.run(populated.b, "import", cut, ok=False, env=sealed_env)
    assert damaged.returncode == 1 and "Traceback" not in damaged.stderr
    imported = cli.run_json(populated.b, "import", bundle, env=sealed_env)
    assert imported["rejected"] == 0 and imported["signature_ok"] is True
    after = {e["id"] for e in cli.run_json(populated.b, "ls", "--limit", "1000")}
    assert after > {e["id"] for e in before}
    assert after >= {e["id"] for e in cli.run_json(populated.a, "ls", "--limit", "1000")}
    # Sealed, the bundle carries the nodes' addresses (left out of one in clear)
    assert cli.run_json(populated.b, "show", populated.published["node.announce"])["addresses"] == ["127.0.0.1:7000"]


def _as_anywhere(items: list[dict]) -> list[dict]:
    """A view without what only says which device is the viewing node's own (`view groups`'
    `this_node`), which differs from node to node by nature."""
    return [{**i, "device_list": [{k: v for k, v in d.items() if k != "this_node"} for d in i["device_list"]]}
            if "device_list" in i else i for i in items]


def test_an_empty_to_is_refused_not_read_as_no_group(network, cli):
    """`--to ""` (a variable left empty in a script) names no group: refused, nothing signed; it was
    skipped, and the action sealed for chosen groups with none chosen."""
    refused = cli.run(network.a, "publish", "action", "--title", "Only us", "--region", "calais", "--type",
                      "protest", "--starts-at", "2031-02-01T10:00", "--to", "", ok=False)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert "is empty" in refused.stderr and "leave --to out" in refused.stderr, refused.stderr
    assert cli.run_json(network.a, "ls", "--kind", "sealed") == []  # nothing was signed


def test_import_of_a_bundle_in_clear_says_the_nodes_addresses_were_left_out(populated, cli, tmp_path):
    """`export` in clear says the nodes' addresses (their announcements) were left out; `import` of
    that bundle said nothing of it, and its reader thought it had every event whole. It says so (in
    --json too); of a sealed bundle, which carries them, it says nothing."""
    clear = tmp_path / "clear.bundle"
    assert cli.run_json(populated.a, "export", clear)["addresses_left_out"] is True
    said = cli.run(populated.b, "import", clear)
    assert "addresses (their announcements) were left out of this bundle" in said.stdout, said.stdout
    assert "--encrypt" in said.stdout
    assert cli.run_json(populated.b, "import", clear)["addresses_left_out"] is True
    sealed, env = tmp_path / "sealed.bundle", {"SOLNET_BUNDLE_PASSPHRASE": "carried by hand"}
    cli.run(populated.a, "export", sealed, "--encrypt", env=env)
    said = cli.run(populated.b, "import", sealed, env=env)
    assert "left out" not in said.stdout, said.stdout


def test_a_sealed_bundle_of_a_node_holding_announcements_as_stubs_says_what_it_lacks(populated, cli, tmp_path):
    """Bristol took Calais's bundle in clear: it holds the announcements without their addresses. Its
    bundle WITH --encrypt carries them so: export said addresses_left_out False, and importing it said
    "left out ... as of every bundle not encrypted ... or import a bundle exported with --encrypt"."""
    clear = tmp_path / "clear.bundle"
    cli.run(populated.a, "export", clear)
    cli.run(populated.b, "import", clear)
    sealed, env = tmp_path / "sealed.bundle", {"SOLNET_BUNDLE_PASSPHRASE": "carried by hand"}
    assert cli.run_json(populated.b, "export", sealed, "--encrypt", env=env)["addresses_left_out"] is True
    said = " ".join(cli.run(populated.b, "export", sealed, "--encrypt", env=env).stdout.split())
    assert "1 announcement of a node went without addresses: this home holds it without content (as a bundle " \
           "not encrypted brought it) until its peers fill it in when it syncs." in said, said
    assert "Export with --encrypt" not in said, said
    said = " ".join(cli.run(populated.a, "import", sealed, env=env).stdout.split())
    assert "were left out of this bundle where the node that made it held them without content" in said, said
    assert "every bundle not encrypted" not in said and "--encrypt" not in said, said
