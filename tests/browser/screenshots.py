"""Screenshots of the dashboard for the README: `python tests/browser/screenshots.py [OUT_DIR]`.

Makes a two-group network (Calais, Bristol) on loopback with a little sample data published through
node.publishing, runs both nodes, syncs, and photographs the main pages with Debian's chromium:
overview (laptop and phone: the coordinator's desk of both regions, the week ahead, what
happened, support offered and requested), an event page, a publish form showing a validation message, and the
French overview. Both nodes and the browser are stopped at the end, whatever happens.
"""
from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from chromium import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, log_in  # noqa: E402  (one list of flags: no outside connections)
from node import publishing  # noqa: E402
from node.demo import localnet  # noqa: E402

PASSPHRASE = "screenshots only"


def at(days: float, hour: int) -> str:
    """A time `days` from today at `hour`:00 UTC (RFC 3339): the week around the screenshots."""
    day = datetime.now(timezone.utc).replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=days)
    return day.strftime("%Y-%m-%dT%H:%M:%SZ")


def sample_data(calais: localnet.LocalNode, bristol: localnet.LocalNode) -> str:
    """Publish a small, plausible picture of a week; returns the id of the fundraiser."""
    def on(node: localnet.LocalNode, items: list[tuple]) -> list[str]:
        log, keys = node.home.log(), node.home.keys(PASSPHRASE)
        try:
            return [publishing.publish(log, keys, kind, fields, **extra).id.hex() for kind, fields, extra in items]
        finally:
            log.store.close()

    ids = on(calais, [
        ("fundraiser", {"title": "Winter tents for the dunes", "goal": "4000", "currency": "EUR", "region": "calais",
                        "how_to_give": "Bank transfer or the Saturday stall", "description": "Forty 3-person tents before December."}, {}),
        ("action", {"title": "Food distribution, rue des Verrotières", "region": "calais", "type": "distribution",
                    "starts_at": at(1, 12), "place": "Rue des Verrotières", "languages": "fr, en, ar"}, {}),
        ("action", {"title": "Know your rights: info night", "region": "calais", "type": "info_night",
                    "starts_at": at(3, 18), "place": "Maison pour Tous"}, {}),
        ("need", {"category": "sleeping_bags", "quantity": "60", "region": "calais", "notes": "adult sizes",
                  "urgency": "high"}, {}),
        ("need", {"category": "firewood", "quantity": "6", "unit": "m3", "region": "calais", "urgency": "high"}, {}),
        ("need", {"category": "sim_cards", "quantity": "30", "unit": "top_ups", "region": "calais"}, {}),
        ("support.request", {"region": "calais", "type": "housing", "people": "3-5", "urgency": "high"},
         {"private": "Family of four, arriving Friday; contact through the Saturday stall.",
          "to": [calais.home.config().group_id]}),
        ("alert", {"region": "calais", "type": "eviction", "location": "Loon-Plage camp",
                   "text": "Eviction under way since 06:00; bring phones and water."}, {"expires_in": "6h"}),
        ("resource", {"title": "حقوقك عند الحدود", "languages": "ar", "topic": "know_your_rights",
                      "summary": "ما يحق للشرطة فعله وما لا يحق لها", "link": "https://example.org/rights-ar.pdf"}, {}),
    ])
    on(calais, [("fundraiser.update", {"fundraiser": ids[0], "raised": "2650.50"}, {}),
                ("alert.update", {"alert": ids[7], "status": "update",
                                  "text": "Two vans left; water still needed at the canal."}, {})])
    past = on(bristol, [
        ("action", {"title": "Visit to people held at Colnbrook", "region": "bristol", "type": "detention_visit",
                    "starts_at": at(-2, 14)}, {}),
    ])
    on(bristol, [
        ("action.report", {"action": past[0], "people": "6", "outcome": "Four people visited; one released on bail.",
                           "photos": "https://example.org/bristol/visit-1.jpg"}, {}),
        ("action", {"title": "Solidarity vigil at the Harbourside", "region": "bristol", "type": "protest",
                    "starts_at": at(2, 17), "place": "Harbourside"}, {}),
        ("offer", {"category": "blankets", "quantity": "120", "region": "bristol", "notes": "collected at the church"}, {}),
        ("offer", {"category": "sleeping_bags", "quantity": "25", "region": "bristol"}, {}),
        ("support.offer", {"region": "bristol", "type": "housing", "capacity": "3", "languages": "en, ar",
                           "notes": "three host families"}, {}),
        ("support.offer", {"region": "bristol", "type": "activist_trauma_support", "capacity": "4"}, {}),
    ])
    return ids[0]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        calais, bristol = localnet.create_network(Path(tmp), [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)
        calais.peers.append(bristol.port)
        fundraiser = sample_data(calais, bristol)
        try:
            for node in (bristol, calais):
                localnet.start(node, PASSPHRASE, sync_interval=1.0)
                assert (why := localnet.wait_started(node)) is None, why
            base = f"http://127.0.0.1:{calais.port}"
            with sync_playwright() as p:
                context = p.chromium.launch_persistent_context(
                    str(Path(tmp) / "profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
                    locale="en-GB", timezone_id="Europe/London", viewport={"width": 1280, "height": 900})
                context.set_default_timeout(TIMEOUT_MS)
                try:
                    page = context.new_page()
                    log_in(page, calais)
                    page.locator("#timeline-list").get_by_text("Solidarity vigil at the Harbourside").wait_for()  # synced from Bristol
                    page.screenshot(path=str(out / "dashboard-overview.png"), full_page=True)
                    page.set_viewport_size({"width": 390, "height": 844})
                    page.screenshot(path=str(out / "dashboard-overview-phone.png"), full_page=True)
                    page.set_viewport_size({"width": 1280, "height": 900})
                    page.goto(f"{base}/event/{fundraiser}")
                    page.screenshot(path=str(out / "dashboard-event.png"), full_page=True)
                    page.goto(base + "/publish/action")
                    page.fill("#f-title", "Bike repair workshop")
                    page.fill("#f-region", "calais")
                    page.fill("#f-starts_at", "2031-11-20T14:00")
                    page.fill("#f-link", "not a link")
                    page.click("main button[type=submit]")
                    page.locator(".field-error").wait_for()
                    page.screenshot(path=str(out / "dashboard-publish.png"), full_page=True)
                    page.goto(base + "/?lang=fr")
                    page.screenshot(path=str(out / "dashboard-overview-fr.png"), full_page=True)
                finally:
                    context.close()
        finally:
            localnet.stop_all([calais, bristol])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "docs")
