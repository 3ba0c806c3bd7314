"""The coordinator's everyday actions with the keyboard alone (chromium, a real node): from the
overview, take another group's support request and give the all clear of an alert, each by Tab to its link, Enter,
Tab to the form's button, Enter; the confirmation then has the focus and says it was published.
No mouse, no click, no script run on the page's elements (a keyboard user has Tab and Enter only)."""
from __future__ import annotations

import re

from chromium import api_publish, overview_linked_once, url

MAX_TABS = 400  # the overview of this home has far fewer controls; bounds each walk

FOCUSED_HREF = "() => (document.activeElement && document.activeElement.getAttribute('href')) || ''"
ON_SUBMIT = ("() => { const f = document.activeElement; return !!f && f.tagName === 'BUTTON' && f.type === 'submit'"
             " && !!f.closest('main form'); }")


def tab_to(page, wanted) -> None:
    """Press Tab until `wanted(page)` holds; at most MAX_TABS presses."""
    for _ in range(MAX_TABS):
        if wanted(page):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached it; last focused: "
                         + page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)"))


def act_by_keyboard(page, node, href_part: str) -> None:
    """From the overview: Tab to the link whose href holds `href_part`, Enter, Tab to the form's button,
    Enter; the published confirmation has the focus."""
    page.goto(url(node, "/?lang=en"))
    tab_to(page, lambda p: href_part in p.evaluate(FOCUSED_HREF))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/publish/"))
    tab_to(page, lambda p: p.evaluate(ON_SUBMIT))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/event/[0-9a-f]{64}\?published=1"))
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'flash'")
    said = page.evaluate("() => [document.activeElement.getAttribute('role'), document.activeElement.textContent]")
    assert said[0] == "status" and said[1].startswith("Published"), said


def test_take_a_request_and_clear_an_alert_with_the_keyboard_alone(cluster, browser) -> None:
    page, calais, bristol = overview_linked_once(cluster, browser)
    request = api_publish(bristol, "support.request", {"region": "calais", "type": "legal", "people": "2",
                                                       "urgency": "high"})
    alert = api_publish(calais, "alert", {"region": "calais", "type": "raid", "location": "Zone 7",
                                          "text": "CRS at the bridge"}, expires_in="6h")
    claim = f"/publish/support.claim?request={request['id']}"
    page.locator(f"a[href='{claim}']").wait_for()  # Bristol's request reached Calais over the link
    act_by_keyboard(page, calais, claim)
    page.goto(url(calais, "/?lang=en"))
    assert page.locator(f"a[href='{claim}']").count() == 0  # taken: not offered to take again
    clear = f"/publish/alert.update?alert={alert['id']}&status=all_clear"
    act_by_keyboard(page, calais, clear)
    page.goto(url(calais, "/?lang=en"))
    assert page.locator(f"a[href='{clear}']").count() == 0  # cleared: no longer live
