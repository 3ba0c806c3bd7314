"""A time typed into a dashboard form is read in the browser's zone, and a refusal names times in it.

The form sends the browser's zone (Intl, in a hidden `time_zone` field static/app.js fills); without
it, "18:00" typed by a coordinator in Lille on a node whose machine keeps another zone (a hosted
server in UTC, here Tokyo to make the gap plain) was stored as that zone's 18:00, and a refusal said
the action's start in the server's zone. Chromium runs in Europe/Paris, the node in Asia/Tokyo."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from chromium import fill_form, log_in, url
from local_cluster import cli_json

PARIS = ZoneInfo("Europe/Paris")


def test_a_form_reads_and_says_times_in_the_browsers_zone(cluster, browser) -> None:
    [lille] = cluster.network([("Lille", "lille")])
    cluster.start(lille, extra_env={"TZ": "Asia/Tokyo"})
    page = browser.new_page()
    browser.new_cdp_session(page).send("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Paris"})
    log_in(page, lille)
    day = (date.today() + timedelta(days=2)).isoformat()
    page.goto(url(lille, "/publish/action?lang=en"))
    assert page.locator("input[name=time_zone]").input_value() == "Europe/Paris"
    fill_form(page, {"title": "Concert solidaire", "region": "lille", "type": "other", "starts_at": f"{day}T18:00"})
    page.locator("form.publish button[type=submit]").last.click()
    page.wait_for_url("**/event/*")
    action = page.url.split("/event/")[1].split("?")[0]
    stored = cli_json(lille, "show", action, "--json")["state"]["starts_at"]
    expected = datetime.fromisoformat(f"{day}T18:00").replace(tzinfo=PARIS).astimezone(timezone.utc)
    assert stored == expected.strftime("%Y-%m-%dT%H:%M:%SZ"), stored

    # an end before the action's start: the refusal names that start as the browser's 18:00
    page.goto(url(lille, f"/publish/action.update?action={action}&lang=en"))
    fill_form(page, {"ends_at": f"{day}T17:00"})
    page.locator("form.publish button[type=submit]").last.click()
    said = page.locator(".error-summary, .field-error, [role=alert]").all_inner_texts()
    text = " ".join(said)
    assert "18:00" in text and "02:00" not in text, text
