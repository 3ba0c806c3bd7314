"""What a new volunteer meets following the README: each surprise found by trying it (issue 14) is
now a clear sentence, a refusal that changes nothing, or words instead of Python's."""
from __future__ import annotations

import os
import re
import stat
import time

import pytest

from events.kinds import KINDS
from stored_earlier import stored_earlier

REPR = re.compile(r"\[['\"]|\bTrue\b|\bFalse\b|\bNone\b|b'|\{'")


def tomorrow_at(hour: int) -> str:
    return time.strftime(f"%Y-%m-%dT{hour:02d}:00", time.localtime(time.time() + 86400))


# --- no tracebacks, no footguns --------------------------------------------------------------------
def test_join_with_garbage_or_a_bundle_says_what_the_file_is(network, cli, tmp_path):
    home = tmp_path / "Cardiff"
    cli.run_json(home, "init", "--group", "Cardiff", "--region", "cardiff")
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(os.urandom(3000) + b"\xff\xfe")
    bundle = tmp_path / "calais.bundle"
    cli.run(network.a, "export", bundle)
    sealed = tmp_path / "sealed.bundle"
    cli.run(network.a, "export", sealed, "--encrypt", env={"SOLNET_BUNDLE_PASSPHRASE": "shared by hand"})
    for path, said in ((garbage, "not an invite"), (bundle, "bundle"), (sealed, "bundle"), (tmp_path, "folder"),
                       (tmp_path / "nope.txt", "cannot read")):
        result = cli.run(home, "join", path, ok=False)
        assert result.returncode == 1, (path, result.stderr)
        assert said in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert "solnet import" in cli.run(home, "join", bundle, ok=False).stderr
    assert not (home / "solnet.db").exists()
    assert cli.run_json(home, "status")["network_id"] is None


def test_a_group_claims_a_request_once_and_nothing_follows_a_close(network, cli):
    request = cli.publish(network.a, "support.request", "--region", "calais", "--type", "housing", "--people", "2",
                          "--urgency", "high")
    cli.publish(network.a, "support.claim", "--request", request[:12])
    again = cli.run(network.a, "publish", "support.claim", "--request", request, ok=False)
    assert again.returncode == 1 and "your group already claimed that support request" in again.stderr, again.stderr
    assert len(cli.run_json(network.a, "ls", "--kind", "support.claim")) == 1
    cli.publish(network.a, "support.close", "--request", request, "--outcome", "resolved")
    for kind, extra in (("support.claim", ()), ("support.close", ("--outcome", "resolved"))):
        late = cli.run(network.a, "publish", kind, "--request", request, *extra, ok=False)
        assert late.returncode == 1 and "was closed by" in late.stderr, late.stderr
    not_a_request = cli.publish(network.a, "need", "--category", "tents", "--quantity", "1", "--region", "calais")
    wrong = cli.run(network.a, "publish", "support.claim", "--request", not_a_request, ok=False)
    assert wrong.returncode == 1 and "must name a support.request event" in wrong.stderr, wrong.stderr


def test_status_says_whether_a_node_runs(network, cli):
    text = cli.run(network.a, "status").stdout
    assert "node: not running (start it with `solnet run`)" in text, text
    assert cli.run_json(network.a, "status")["node"]["running"] is False


# --- words people use ------------------------------------------------------------------------------
def test_show_prints_words_not_python(populated, cli):
    ids = populated.published
    for label in ("action", "group.profile", "support.request", "fundraiser.update", "redact", "member.vouch"):
        out = cli.run(populated.a, "show", ids[label]).stdout
        assert not REPR.search(out), f"{label}:\n{out}"
    profile = cli.run(populated.a, "show", ids["group.profile"]).stdout
    assert "  languages: fr, en" in profile, profile
    action = cli.run(populated.a, "show", ids["action"][:12] + "…").stdout  # the short form typed back
    assert "  starts at: 2026-12-01 18:00" in action and "place: Place d'Armes" in action, action
    fundraiser = cli.run(populated.a, "show", ids["fundraiser"]).stdout
    assert "  goal: 2,000.00 EUR" in fundraiser, fundraiser
    # An update names its fundraiser, not a currency: its amounts are in the fundraiser's (as the
    # dashboard's page of it says, node/references.py update_currency); it printed "raised: 150.00".
    update = cli.run(populated.a, "show", ids["fundraiser.update"]).stdout
    assert "  raised: 150.00 EUR" in update and "currency" not in update, update


def test_json_of_a_fundraiser_update_says_its_currency(populated, cli):
    """`show --json` and `ls --json` give the currency `show` prints beside an update's amounts (the
    JSON had "raised": 15000 and no currency), inside an event for chosen groups too."""
    ids, a = populated.published, populated.a
    shown = cli.run_json(a, "show", ids["fundraiser.update"])
    assert (shown["raised"], shown["currency"]) == (15000, "EUR"), shown
    [listed] = cli.run_json(a, "ls", "--kind", "fundraiser.update")
    assert listed["currency"] == "EUR", listed
    sealed = cli.publish(a, "fundraiser.update", "--fundraiser", ids["fundraiser"][:12], "--raised", "20",
                         "--to", "calais")
    inner = cli.run_json(a, "show", sealed)["inner"]
    assert (inner["kind"], inner["raised"], inner["currency"]) == ("fundraiser.update", 2000, "EUR"), inner


def test_messages_name_the_options_people_typed(network, cli):
    bad_date = cli.run(network.a, "publish", "action", "--title", "Rally", "--region", "calais", "--type", "protest",
                       "--starts-at", "tomorrow", ok=False)
    assert bad_date.returncode == 1 and bad_date.stderr.startswith("solnet: --starts-at: 'tomorrow' is not a date")
    assert "starts_at" not in bad_date.stderr
    missing = cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", ok=False)
    assert missing.returncode == 1, missing.stderr
    assert "an alert needs --text" in missing.stderr and "solnet publish alert --help" in missing.stderr
    assert "field(s)" not in missing.stderr
    alert = cli.publish(network.a, "alert", "--region", "calais", "--type", "raid", "--text", "Police at the camp")
    no_status = cli.run(network.a, "publish", "alert.update", "--alert", alert[:12], "--text", "still there",
                        ok=False)  # a choice the person cannot guess is named with its choices
    assert "an alert.update needs --status (update or all_clear)" in no_status.stderr, no_status.stderr
    too_long = cli.run(network.a, "publish", "need", "--category", "tents", "--quantity", "1", "--region", "calais",
                       "--notes", "x" * 600, ok=False)
    assert too_long.returncode == 1 and "--notes is 600 characters" in too_long.stderr, too_long.stderr


def test_publish_alone_lists_the_kinds(network, cli):
    result = cli.run(network.a, "publish", ok=False)
    assert result.returncode == 2 and "publish needs a KIND" in result.stderr, result.stderr
    for kind in KINDS.values():
        assert f"  {kind.name:<18} {kind.summary}" in result.stderr
    assert "required: kind, rest" not in result.stderr


def test_ls_refuses_an_unknown_kind_and_a_limit_below_one(network, cli):
    unknown = cli.run(network.a, "ls", "--kind", "alerts", ok=False)
    assert unknown.returncode == 2 and "unknown kind 'alerts'" in unknown.stderr and "did you mean alert" in unknown.stderr
    assert all(kind in unknown.stderr for kind in KINDS)
    for limit in ("0", "-3"):
        refused = cli.run(network.a, "ls", "--limit", limit, ok=False)
        assert refused.returncode == 2 and "--limit: it is from 1 to" in refused.stderr, refused.stderr
    assert "No alert events yet." in cli.run(network.a, "ls", "--kind", "alert").stdout
    mine = cli.run(network.a, "ls", "--author", network.device_a[:12]).stdout  # a unique beginning of an id
    assert mine and "Traceback" not in mine


def test_counts_take_their_plural(network, cli, tmp_path):
    none = cli.run(network.a, "export", tmp_path / "none.bundle", "--since", tomorrow_at(0)).stdout
    assert none.startswith("Exported 0 events to"), none
    stored_earlier(network.a)  # (stored times are kept to the minute: the template's may be this one)
    need = cli.publish(network.a, "need", "--category", "tents", "--quantity", "2", "--region", "calais")
    made = cli.run_json(network.a, "show", need)["timestamp"]
    one = cli.run(network.a, "export", tmp_path / "one.bundle", "--since", made).stdout
    assert one.startswith("Exported 1 event to"), one
    assert "Rebuilt the read models from 4 events." in cli.run(network.a, "rebuild").stdout
    status = cli.run(network.a, "status").stdout
    assert "events: 4 events from 2 authors; 0 pending; 0 forks" in status, status
    assert "members: 2 groups, 1 device\n" in status, status  # Bristol's device is not known here yet
    groups = cli.run(network.a, "view", "groups").stdout
    assert "— 1 device  " in groups and "1 devices" not in groups, groups


def test_version(cli):
    result = cli.run(None, "--version")
    assert re.fullmatch(r"solnet \d+\.\d+\.\d+\n", result.stdout), result.stdout


# --- exit codes as the README's table says ---------------------------------------------------------
def test_exit_codes_follow_the_table(network, cli, tmp_path):
    sealed = tmp_path / "sealed.bundle"
    cli.run(network.a, "export", sealed, "--encrypt", env={"SOLNET_BUNDLE_PASSPHRASE": "shared by hand"})
    no_passphrase = cli.run(network.b, "import", sealed, ok=False)
    assert no_passphrase.returncode == 2 and "SOLNET_BUNDLE_PASSPHRASE" in no_passphrase.stderr
    wrong = cli.run(network.b, "import", sealed, ok=False, env={"SOLNET_BUNDLE_PASSPHRASE": "guess"})
    assert wrong.returncode == 1 and "wrong bundle passphrase" in wrong.stderr
    # A value of the wrong form for an option: 2, whichever option it is.
    for args in (("sync", "127.0.0.1:7700", "--proxy", "http://127.0.0.1:9050"), ("peers", "add", "not an address"),
                 ("sync", "host:port:what"), ("run", "--listen", "nowhere"), ("run", "--peer", "a b"),
                 ("run", "--announce", "a b"),
                 ("run", *(arg for i in range(9) for arg in ("--announce", f"calais.example.org:{7700 + i}"))),
                 ("export", tmp_path / "x.bundle", "--since", "soon"), ("dashboard-link", "--valid-for", "forever")):
        result = cli.run(network.a, *args, ok=False)
        assert result.returncode == 2, (args, result.returncode, result.stderr)
        assert result.stderr.startswith("solnet: ") and "Traceback" not in result.stderr
    not_set_up = cli.run(tmp_path / "nowhere", "status", ok=False)
    assert not_set_up.returncode == 3


# --- init --device-of: nothing the group can tell -----------------------------------------------
def test_a_further_device_learns_its_group_from_the_token(network, cli, tmp_path):
    laptop = tmp_path / "laptop"
    made = cli.run_json(laptop, "init", "--device-of", network.group_a)
    assert made["group_id"] == network.group_a
    assert "has not joined" in cli.run(laptop, "status").stdout
    token = tmp_path / "device.txt"
    cli.run(network.a, "vouch", made["device_request"], "--out", token)
    joined = cli.run(laptop, "join", token).stdout
    assert joined.startswith("This device of Calais joined the network"), joined
    status = cli.run_json(laptop, "status")
    assert (status["group_name"], status["region"]) == ("Calais", "calais")
    assert cli.run(laptop, "id").stdout.strip() == network.group_a
    assert cli.run(laptop, "id", "--device").stdout.strip() == made["device_id"]
    missing = cli.run(tmp_path / "other", "init", "--group", "Lille", ok=False)
    assert missing.returncode == 2 and "--region" in missing.stderr and "--device-of" in missing.stderr


# --- the passphrase ----------------------------------------------------------------------------------
def test_the_environment_passphrase_warning_only_where_it_matters(network, cli, tmp_path):
    for args in (("init", "--group", "Lille", "--region", "lille"), ("status",), ("ls",),
                 ("publish", "need", "--category", "tents", "--quantity", "1", "--region", "calais")):
        home = tmp_path / "lille" if args[0] == "init" else network.a
        assert "warning" not in cli.run(home, *args).stderr, args
    # `run` keeps the passphrase in its environment for as long as it runs: there it warns (and
    # here stops at once, on a port this test holds).
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        run = cli.run(network.a, "run", "--listen", f"127.0.0.1:{busy.getsockname()[1]}", ok=False)
    assert "warning: the passphrase comes from $SOLNET_PASSPHRASE" in run.stderr, run.stderr
    assert run.returncode == 1 and "that port is in use" in run.stderr
    assert "Traceback" not in run.stderr and "Unclosed" not in run.stderr


def test_a_port_in_use_is_said_before_the_keys_are_asked_for(network, cli):
    """A node whose port is taken stops before it unlocks the keys (seconds of Argon2id on a Pi, paid
    again at each of a service's restarts): here no passphrase is given, and the port is what it says."""
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        run = cli.run(network.a, "run", "--listen", f"127.0.0.1:{busy.getsockname()[1]}", ok=False,
                      env={"SOLNET_PASSPHRASE": None})
    assert run.returncode == 1 and "that port is in use" in run.stderr, run.stderr
    assert "passphrase" not in run.stderr


def test_a_passphrase_file_others_can_read_is_pointed_out(network, cli, tmp_path):
    secret = tmp_path / "passphrase"
    secret.write_text(cli.PASSPHRASE + "\n")
    env = {"SOLNET_PASSPHRASE": None, "SOLNET_PASSPHRASE_FILE": str(secret)}
    args = ("publish", "need", "--category", "tents", "--quantity", "1", "--region", "calais")
    secret.chmod(0o644)
    loose = cli.run(network.a, *args, env=env)
    assert f"can be read by other users" in loose.stderr and f"chmod 600 {secret}" in loose.stderr, loose.stderr
    secret.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert "warning" not in cli.run(network.a, *args, env=env).stderr


def test_a_passphrase_file_inside_the_home_is_pointed_out(network, cli):
    """A copy of the home (a backup) would carry the file, and the keystore it opens beside it."""
    secret = network.a / "passphrase"
    secret.write_text(cli.PASSPHRASE + "\n")
    secret.chmod(stat.S_IRUSR | stat.S_IWUSR)
    env = {"SOLNET_PASSPHRASE": None, "SOLNET_PASSPHRASE_FILE": str(secret)}
    inside = cli.run(network.a, "publish", "need", "--category", "tents", "--quantity", "1", "--region", "calais",
                     env=env)
    assert "is inside the node's folder" in inside.stderr and "/etc/solnet/passphrase" in inside.stderr, inside.stderr


def test_a_longer_lived_login_link_to_send_to_a_coordinator(network, cli):
    before = time.time()
    made = cli.run_json(network.a, "dashboard-link", "--valid-for", "12h", "--base-url", "http://calais.onion:7700")
    assert made["url"].startswith("http://calais.onion:7700/login/link?token=")
    assert abs(made["expires"] / 1000 - (before + 12 * 3600)) < 60
    text = cli.run(network.a, "dashboard-link", "--valid-for", "2d").stdout
    assert "within 2 days" in text and "works once" in text, text
    too_long = cli.run(network.a, "dashboard-link", "--valid-for", "30d", ok=False)
    assert too_long.returncode == 2 and "at most 7 days" in too_long.stderr


def test_a_login_link_for_plain_http_across_a_network_is_said_to_be_readable_on_the_way(network, cli):
    """A link for a Pi's LAN address or a clearnet name crosses the network readable: whoever reads it
    first is logged in, and the login cookie crosses after it. It was printed without a word; an
    address of this machine, an onion service's or HTTPS is said nothing of."""
    for base in ("http://raspberrypi.local:7700", "http://192.168.1.5:7700", "http://calais.example.org:7700"):
        made = cli.run(network.a, "dashboard-link", "--base-url", base)
        assert f"warning: {base} is plain HTTP across a network" in made.stderr, made.stderr
        assert "ssh -L" in made.stderr and made.stdout.count("/login/link?token=") == 1
    for base in ("http://localhost:8080", "http://127.0.0.2:8082", "http://[::1]:8080", "http://calais.onion:7700",
                 "https://calais.example.org"):
        assert cli.run(network.a, "dashboard-link", "--base-url", base).stderr == "", base


@pytest.mark.parametrize("typed", ["full", "short", "prefix"])
def test_ids_resolve_from_any_printed_form(populated, cli, typed):
    event = populated.published["need"]
    text = {"full": event, "short": event[:12] + "…", "prefix": event[:13]}[typed]
    assert cli.run_json(populated.a, "show", text)["id"] == event


def test_a_line_break_in_a_text_cannot_make_a_line_of_its_own(network, cli):
    """A member's alert text with a line break printed, in `solnet view alerts` and `ls`, a line that
    read as another group's all clear. Listings show a line break as ⏎."""
    fake = ("road closed\nALL CLEAR calais: raid Hospital camp — police left, safe to return "
            "(posted 2026-12-04 05:31 UTC by Calais)")
    cli.publish(network.a, "alert", "--region", "calais", "--type", "other", "--text", fake)
    for args in (("view", "alerts"), ("ls",), ("view", "regions")):
        out = cli.run(network.a, *args).stdout
        assert not any(line.startswith("ALL CLEAR") for line in out.splitlines()), out
    assert "road closed ⏎ ALL CLEAR calais" in cli.run(network.a, "view", "alerts").stdout
    assert cli.run_json(network.a, "view", "alerts")[0]["text"] == fake  # the text itself is as written


def test_a_match_under_a_need_or_a_request_is_a_line_of_its_own(network, cli):
    """`view needs` and `view support` print the offers that could cover an item on lines of their
    own: they read "... ⏎ could go to: Cardiff ..." on one line, as a line break inside a member's
    text does, since listings made every line break a ⏎."""
    request = cli.publish(network.a, "support.request", "--region", "calais", "--type", "housing", "--people", "2",
                          "--urgency", "high")
    cli.publish(network.b, "support.offer", "--region", "bristol", "--type", "housing", "--capacity", "3")
    need = cli.publish(network.a, "need", "--category", "tents", "--quantity", "20", "--region", "calais")
    cli.publish(network.b, "offer", "--category", "tents", "--quantity", "5", "--region", "bristol")
    cli.run(network.a, "import", _bundle_of(network.b, cli))
    for view, item, match in (("support", request, "could go to: Bristol (bristol), 3 places"),
                              ("needs", need, "could come from: 5 items offered by Bristol (bristol)")):
        lines = cli.run(network.a, "view", view).stdout.splitlines()
        row = next(i for i, line in enumerate(lines) if short(item) in line)
        assert "⏎" not in lines[row] and lines[row + 1].strip().startswith(match), lines


def short(event_id: str) -> str:
    return event_id[:12] + "…"


def _bundle_of(home, cli):
    bundle = home.parent / f"{home.name}.bundle"
    cli.run(home, "export", bundle)
    return bundle


def test_an_action_dated_in_the_past_is_published_with_a_warning(network, cli):
    """A year typed wrong around New Year: the action was published, then shown in no list of
    actions to come, without a word."""
    past = cli.run(network.a, "publish", "action", "--title", "Rally", "--region", "calais", "--type", "protest",
                   "--starts-at", "2020-01-01T18:00")
    assert "starts in the past" in past.stderr and "solnet redact" in past.stderr, past.stderr
    coming = cli.run(network.a, "publish", "action", "--title", "Rally", "--region", "calais", "--type", "protest",
                     "--starts-at", "2031-01-01T18:00")
    assert "warning" not in coming.stderr, coming.stderr


def test_ls_says_why_an_event_shows_no_content(network, cli):
    """An expired or redacted event kept its line in `solnet ls` with nothing after its id, as if
    the listing had failed or hid something; it says now that its content is deleted, and why."""
    from node.home import Home
    from node.log import now_ms

    redacted = cli.publish(network.a, "need", "--category", "tents", "--quantity", "2", "--region", "calais")
    cli.run(network.a, "redact", redacted)
    lapsing = cli.publish(network.a, "offer", "--category", "water", "--quantity", "5", "--region", "calais",
                          "--expires-in", "1h")
    log = Home(network.a).log()
    try:
        assert log.purge_expired(now_ms() + 2 * 3600_000) == 1  # two hours on: the offer has expired
    finally:
        log.store.close()
    lines = {line.split()[5]: line for line in cli.run(network.a, "ls").stdout.splitlines()}
    assert lines[redacted[:12] + "…"].endswith("  redacted by its author: its content is deleted"), lines
    assert lines[lapsing[:12] + "…"].endswith("  expired: its content is deleted"), lines


def test_publish_with_to_says_who_can_read_it(network, cli, tmp_path):
    """`publish ... --to Bristol` said only "Published offer ID", as a public one does: the author
    learnt who may read it only from a later view."""
    cli.run(network.b, "export", tmp_path / "b.bundle")
    cli.run(network.a, "import", tmp_path / "b.bundle")  # Calais learns Bristol's device
    shared = cli.run(network.a, "publish", "offer", "--category", "tents", "--quantity", "3", "--region", "calais",
                     "--to", "Bristol").stdout.splitlines()
    assert shared[0].startswith("Published offer ") and len(shared[0].split()) == 3, shared  # scripts read it
    assert shared[1] == ("Shared with Calais and Bristol only: other nodes see only that this device published "
                         "something."), shared
    private = cli.run(network.a, "publish", "support.request", "--region", "calais", "--type", "legal", "--people",
                      "1", "--urgency", "low", "--private", "Hearing on Monday", "--to", network.group_b[:12]).stdout
    assert private.splitlines()[1] == "Its private details can be read by Calais and Bristol only.", private
    public = cli.run(network.a, "publish", "offer", "--category", "tents", "--quantity", "3", "--region", "calais")
    assert len(public.stdout.splitlines()) == 1, public.stdout


def test_alert_history_says_what_each_alert_came_to(network, cli):
    """`view alert-history` listed 'ALL CLEAR ... calais: raid Hospital camp — posted ...': not what
    the all clear said, nor a live alert's newest update."""
    cleared = cli.publish(network.a, "alert", "--region", "calais", "--type", "raid", "--location", "Hospital camp",
                          "--text", "Police at the camp")
    cli.publish(network.a, "alert.update", "--alert", cleared, "--status", "all_clear", "--text", "Police gone")
    live = cli.publish(network.a, "alert", "--region", "calais", "--type", "eviction", "--text", "Bailiffs at 6")
    cli.publish(network.a, "alert.update", "--alert", live, "--status", "update", "--text", "Two vans at the gate")
    lines = {line.split()[-1]: line for line in cli.run(network.a, "view", "alert-history").stdout.splitlines()[1:]}
    assert "calais: raid Hospital camp: Police gone — posted " in lines[cleared[:12] + "…"], lines
    assert "calais: eviction: Two vans at the gate — posted " in lines[live[:12] + "…"], lines


def test_view_alerts_without_a_live_alert_points_to_the_history(network, cli):
    """After an all clear, `view alerts` said only "Nothing to show in alerts.": a member who saw the
    alert there did not learn where its all clear is."""
    raid = cli.publish(network.a, "alert", "--region", "calais", "--type", "raid", "--text", "Police at the camp")
    cli.publish(network.a, "alert.update", "--alert", raid, "--status", "all_clear", "--text", "Police gone")
    said = cli.run(network.a, "view", "alerts").stdout
    assert "No live alert. Those cleared or updated by their group in the last 7 days are in `solnet view " \
           "alert-history`" in " ".join(said.split()), said


def test_an_alert_published_with_no_node_running_says_it_has_not_gone_out(network, cli):
    """The README's first alert, published before any node runs: "Published alert ID" and nothing
    else, and a newcomer (or a coordinator whose node was down) took the raid alert as sent."""
    said = cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", "Vans").stdout
    assert "No node runs on this home: it reaches other nodes once one runs (`solnet run`)" in said, said
    # The founder has no peer yet: pointing it to `solnet peers` would list nothing
    assert "`solnet sync ADDRESS` (the address of a node of this network: this home has no peer yet)" in said, said
    need = cli.run(network.a, "publish", "need", "--category", "tents", "--quantity", "2", "--region", "calais").stdout
    assert "No node runs" not in need, need  # sneakernet and a later sync are everyday for the rest


def test_an_update_of_a_public_alert_says_it_is_public_too(network, cli):
    """An update of an alert marked --public goes onto the public alert page and feed with it (anyone
    reads it, no login): "Published alert.update ID" said nothing of that, and a member typed where
    people were hiding. The answer says so; an update of a network-only alert does not."""
    public = cli.publish(network.a, "alert", "--region", "calais", "--type", "raid", "--text", "Police at the camp",
                         "--public")
    said = cli.run(network.a, "publish", "alert.update", "--alert", public, "--status", "update", "--text",
                   "Vans at the gate", "--offline").stdout
    assert "This update is public, as its alert is: it shows under the alert on the public alert page " \
           "(/public/alerts)" in said and "anyone reads it without logging in" in said, said
    assert cli.run_json(network.a, "publish", "alert.update", "--alert", public, "--status", "update", "--text",
                        "Vans left", "--offline", "--json")["public"] is True
    private = cli.publish(network.a, "alert", "--region", "calais", "--type", "raid", "--text", "Police at the camp")
    said = cli.run(network.a, "publish", "alert.update", "--alert", private, "--status", "update", "--text",
                   "Vans at the gate", "--offline").stdout
    assert "public" not in said, said
