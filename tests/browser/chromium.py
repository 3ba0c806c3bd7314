"""Helpers of the browser tests: Debian's chromium (never a downloaded browser) and its flags, so it
makes no outside connections; addresses; logging in with a one-time link from `solnet
dashboard-link`, as a coordinator does; publishing on a running node through its API. Also used by
screenshots.py."""
from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent / "integration"))
sys.path.insert(0, str(Path(__file__).parent.parent))  # tests/: link_login (screenshots.py runs as a script)

from local_cluster import PASSPHRASE, cli, cli_json  # noqa: E402
from node.demo import localnet  # noqa: E402
from node.demo.localnet import LocalNode  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 20_000


# Run in a page: what the page writes into #alert-news (what a screen reader hears) is kept in window.said.
LISTEN_ALERT_NEWS = """() => {
  window.said = [];
  const news = document.getElementById("alert-news");
  new MutationObserver(() => window.said.push(news.textContent)).observe(news, {childList: true, characterData: true,
                                                                             subtree: true});
}"""


def url(node: LocalNode, path: str = "/") -> str:
    return f"http://127.0.0.1:{node.port}{path}"


def login_link(node: LocalNode) -> str:
    """A fresh one-time login link for `node`'s dashboard, from the real command."""
    return cli_json(node, "dashboard-link", "--base-url", url(node))["url"]


LINK_BUTTON = "form[action='/login/link'] button[type=submit]"  # the "Log in" of a login link's page


def log_in(page: object, node: LocalNode) -> None:
    """Log `page`'s browser in to `node` with a login link (opened, its button pressed); it lands
    on the overview."""
    page.goto(login_link(node))
    page.click(LINK_BUTTON)
    page.wait_for_url(url(node, "/"))


def fill_form(page: Any, values: dict[str, str]) -> None:
    """Type `values` into the page's form as a person does, each into its field's input (#f-NAME):
    a choice chosen in its list, a text typed."""
    for name, value in values.items():
        field = page.locator(f"#f-{name}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def publish(node: LocalNode, kind: str, *args: str) -> None:
    cli(node, "publish", kind, *args)


def api_publish(node: LocalNode, kind: str, fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Publish on the running `node` through its HTTP API (fast enough to do while a page is in use);
    the stored event. In any region the test names ("new_region": true: a region no one follows is
    refused otherwise, tests/api/test_new_region_api.py)."""
    body = {"kind": kind, "fields": fields, **({"new_region": True} if "region" in fields else {}), **extra}
    request = urllib.request.Request(
        url(node, "/api/v1/events"), method="POST", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {node.admin_token()}"})
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
    with direct.open(request, timeout=10) as reply:
        assert reply.status == 201
        return json.loads(reply.read())["event"]


def overview_linked_once(cluster: Any, browser: Any) -> tuple[Any, LocalNode, LocalNode]:
    """Calais and Bristol, linked, and a page of Calais's overview open, live, that shows the link
    ("1 connected of 1"); (the page, Calais, Bristol)."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    localnet.line([calais, bristol])
    cluster.start_all([calais, bristol], sync_interval=3600)
    page = browser.new_page()
    log_in(page, calais)
    page.goto(url(calais, "/?lang=en"))
    page.locator("#live-status[data-state='live']").wait_for()
    if "1 connected of 1" not in page.locator("#health dd").first.inner_text():  # (the link may come after the page)
        page.reload()
    page.locator("#health dd", has_text="1 connected of 1").wait_for()
    return page, calais, bristol


def tick_from_the_summary(page: Any, box: str = "f-confirm") -> None:
    """With the focus on a form's error summary whose one link leads to the tick `box` (its id), as a
    keyboard user does: Tab to the link, Enter to the box (focused), Space to tick it."""
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => document.activeElement && document.activeElement.id === '{box}'")
    page.keyboard.press("Space")
    assert page.is_checked(f"#{box}")
