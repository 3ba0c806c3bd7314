"""The README's recipes for passing alerts on (Signal, SMS) say which group posted each alert.

An alert is signed by a member group; any member may post one, an infiltrator's group too, and a
false raid alert ("police at the north gate, go south") can send people into a kettle. The
dashboard says who posted each alert; the messages the README's recipes write into a group's
Signal chat or an SMS said only the alert's words, so a member group's trap read like any other.
The jq programs are taken from the README as written and run with jq on the JSON a hook gets."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
ALERT = {"id": "ab" * 32, "n": 7, "kind": "alert", "region": "calais", "type": "raid", "text": "Police at the north gate",
         "location": "Loon-Plage", "group": "cd" * 32, "group_name": "Mallory (cdcdcdcdcdcd)",
         "published": "2026-12-04T07:00:00Z", "expires": "2026-12-04T13:00:00Z", "public": False}


def recipes() -> list[str]:
    """The jq programs of the README's hook scripts (`jq -r '...'`)."""
    found = re.findall(r"jq -r '([^']+)'", README.read_text(encoding="utf-8"))
    assert len(found) >= 2, "the README's Signal and SMS recipes"
    return found


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed (.ci/run installs it)")
@pytest.mark.parametrize("alert", [ALERT, {**ALERT, "group_name": None},
                                   {**ALERT, "kind": "alert.update", "status": "all_clear", "alert": "ab" * 32,
                                    "text": "all clear"},
                                   {**ALERT, "kind": "alert.update", "status": "withdrawn", "alert": "ab" * 32},
                                   {**ALERT, "kind": "alert.update", "status": "update_withdrawn", "alert": "ab" * 32,
                                    "withdrawn_status": "all_clear", "withdrawn_text": "police gone, come back"}],
                         ids=["named", "no-profile", "all-clear", "withdrawn", "update-withdrawn"])
def test_every_recipe_says_which_group_posted_the_alert(alert) -> None:
    for program in recipes():
        line = subprocess.run(["jq", "-r", program], input=json.dumps(alert), capture_output=True, text=True,
                              check=True, timeout=10).stdout
        said = alert["group_name"] or alert["group"][:12]
        assert said in line, f"{program!r} wrote {line!r}"
        assert alert["text"] in line
        # before the words its poster chose: a phone's notification of the chat shows the first
        # line alone, and a member's alert whose text said "(by Calais)" and 1,000 characters more
        # had its real poster cut off
        chosen = [line.index(words) for words in (alert["text"], alert["location"], alert.get("withdrawn_text"))
                  if words and words in line]
        assert line.index(said) < min(chosen), line


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed (.ci/run installs it)")
def test_a_long_alert_cannot_push_its_poster_out_of_a_notifications_first_line() -> None:
    posing = {**ALERT, "text": "Police at the north gate, go south (by Calais)" + " now" * 240}
    for program in recipes():
        line = subprocess.run(["jq", "-r", program], input=json.dumps(posing), capture_output=True, text=True,
                              check=True, timeout=10).stdout
        assert "(by Mallory (cdcdcdcdcdcd))" in line[:80], f"{program!r} wrote {line!r}"


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed (.ci/run installs it)")
def test_a_long_all_clear_taken_back_cannot_push_out_that_the_alert_stands() -> None:
    """The all clear a seized phone sent ("police gone, come back"), its sender revoked, comes again
    as update_withdrawn with what it said: its words are the phone holder's, up to 1,000 characters.
    They came first ('TAKEN BACK, ITS SENDER WAS REVOKED: "..." THE ALERT STANDS: ...'), so that a
    long one pushed out of a notification's first line, and out of the SMS (cut at 300 characters),
    that the alert stands, which alert it is and who posted it: what the chat must learn."""
    long = "police gone, come back, all clear (by Calais)" + " now" * 238
    back = {**ALERT, "kind": "alert.update", "status": "update_withdrawn", "alert": ALERT["id"],
            "withdrawn_status": "all_clear", "withdrawn_text": long}
    for program in recipes():
        line = subprocess.run(["jq", "-r", program], input=json.dumps(back), capture_output=True, text=True,
                              check=True, timeout=10).stdout
        first = line[:100]
        assert first.startswith("THE ALERT STANDS") and "(by Mallory (cdcdcdcdcdcd))" in first, \
            f"{program!r} wrote {line!r}"
        assert ALERT["text"] in line[:300] and line.index(ALERT["text"]) < line.index(long[:20]), line


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed (.ci/run installs it)")
def test_an_all_clear_is_not_said_to_run_until_the_alerts_end() -> None:
    """The Signal recipe gives an alert's end ("until ..."); an all clear has ended it, so its
    message must not say the raid runs until then."""
    clear = {**ALERT, "kind": "alert.update", "status": "all_clear", "alert": "ab" * 32, "text": "all clear"}
    for program in recipes():
        for alert, until in ((ALERT, "expires" in program), (clear, False)):
            line = subprocess.run(["jq", "-r", program], input=json.dumps(alert), capture_output=True, text=True,
                                  check=True, timeout=10).stdout
            assert ("until" in line) == until, f"{program!r} wrote {line!r}"


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed (.ci/run installs it)")
def test_a_withdrawn_alert_says_so_and_not_until_when() -> None:
    """An infiltrator's false alert, its group revoked, comes again with status `withdrawn`: the
    message must say that it no longer stands (it read as the alert itself, "ALERT ... until ..."),
    and which alert it was."""
    gone = {**ALERT, "kind": "alert.update", "status": "withdrawn", "alert": ALERT["id"]}
    for program in recipes():
        line = subprocess.run(["jq", "-r", program], input=json.dumps(gone), capture_output=True, text=True,
                              check=True, timeout=10).stdout
        assert line.startswith("WITHDRAWN") and "REVOKED" in line and "until" not in line, f"{program!r} wrote {line!r}"
        assert ALERT["text"] in line and "calais" in line


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed (.ci/run installs it)")
def test_the_sms_recipe_puts_neither_the_token_nor_the_alert_on_a_command_line(tmp_path: Path) -> None:
    """A command's arguments are every local user's to read (`ps`, /proc/PID/cmdline). The SMS
    recipe gave curl the gateway's token (`-H "Authorization: Bearer $SMS_TOKEN"`: anyone on the
    machine could then text the group's SMS list as the group) and the alert's words as arguments.
    The README's script runs here as written, with a curl that writes down what it was given."""
    script = re.search(r"cat > /usr/local/bin/solnet-to-sms <<'SH'\n(.*?)\nSH\n", README.read_text(encoding="utf-8"),
                       re.S)
    assert script, "the README's SMS recipe"
    (tmp_path / "solnet-to-sms").write_text(script.group(1) + "\n", encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "curl").write_text('#!/bin/sh\nprintf "%s\\n" "$@" >> "$HOME/argv"\ncat >> "$HOME/stdin"\n',
                                  encoding="utf-8")
    (bin_dir / "curl").chmod(0o755)
    token = "tok-3f9a1c7e"
    # The token as the README says to keep it: a header file of the user's (as an environment
    # variable too, as the recipe kept it until 2026-12-04)
    header = re.search(r"printf '(Authorization: Bearer %s\\n)' '[A-Z_]+' > ~/(\.[a-z-]+)\)",
                       README.read_text(encoding="utf-8"))
    if header:
        (tmp_path / header.group(2)).write_text(f"Authorization: Bearer {token}\n", encoding="utf-8")
    subprocess.run([shutil.which("sh"), str(tmp_path / "solnet-to-sms")], input=json.dumps(ALERT), text=True,
                   check=True, timeout=10, env={"HOME": str(tmp_path), "PATH": f"{bin_dir}:/usr/bin:/bin",  # its curl
                                                "SMS_TOKEN": token})
    argv = (tmp_path / "argv").read_text()
    assert token not in argv and ALERT["text"] not in argv and "Mallory" not in argv, argv
    assert ALERT["text"] in (tmp_path / "stdin").read_text()  # the words on standard input


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed (.ci/run installs it)")
def test_a_false_all_clear_taken_back_says_the_alert_stands() -> None:
    """A seized phone's "all clear, come back", its sender revoked, comes again as update_withdrawn
    with the alert's text: the message must say it was taken back and that the alert stands (it
    read as a new alert, with the all clear's words nowhere)."""
    back = {**ALERT, "kind": "alert.update", "status": "update_withdrawn", "alert": ALERT["id"],
            "withdrawn_status": "all_clear", "withdrawn_text": "police gone, come back"}
    for program in recipes():
        line = subprocess.run(["jq", "-r", program], input=json.dumps(back), capture_output=True, text=True,
                              check=True, timeout=10).stdout
        assert line.startswith("THE ALERT STANDS, ITS ALL CLEAR WAS TAKEN BACK:"), line
        assert ALERT["text"] in line and '"police gone, come back"' in line and "revoked" in line, line


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed (.ci/run installs it)")
@pytest.mark.parametrize("status, start", [("redacted", "TAKEN BACK BY ITS SENDER, DELETE IT"),
                                           ("update_redacted", "AN UPDATE WAS TAKEN BACK BY ITS SENDER")])
def test_a_redacted_alert_says_it_was_taken_back_not_a_new_alert(status: str, start: str) -> None:
    """An alert its group redacted comes again with status `redacted`, no text and no location: the
    message read "ALERT RAID calais:  (by ...)", a new alert of nothing."""
    taken = {**ALERT, "kind": "alert.update", "status": status, "alert": ALERT["id"], "text": "", "location": None}
    for program in recipes():
        line = subprocess.run(["jq", "-r", program], input=json.dumps(taken), capture_output=True, text=True,
                              check=True, timeout=10).stdout
        assert line.startswith(start) and ALERT["group_name"] in line, f"{program!r} wrote {line!r}"
        assert ("until" in line) == (status == "update_redacted" and "expires" in program), line
