"""On a laptop (1280 CSS px) the coordinator's desk is a table, one row per region. A group's action
titled with a long word (no place to break it) made the "Next action" cell as wide as the word: the
whole overview scrolled sideways and the money and "last heard from" columns of every region went
off the screen, the other cells squeezed to a word a line (chromium, a real node). Its fix let every
cell break inside a word ("informatio|n:", "0 EU|R of 500,000 EUR"): only the typed text may."""
from __future__ import annotations

import time

from chromium import api_publish, log_in, url
from test_reflow_long_words import WIDE

# a word of 140 characters, an action title's most, with no place to break it (a link's path breaks after
# its slashes: its last part, a token or a hash, does not); a mole's or a careless paste
WORD = "https://t.me/+" + "QmVuZXZvbGVzLWRpc3RyaWJ1dGlvbi1zYW1lZGktY2FsYWlz" * 3

# Each word of the desk's table split across lines (one word, more than one line box), but those of the
# typed text that may break (an action's title); not of text hidden for screen readers only
SPLIT_WORDS = """() => {
  const split = [], table = document.querySelector("#desk-table");
  const walk = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    if (node.parentElement.closest('.visually-hidden, a[dir="auto"]')) continue;
    for (const word of node.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) split.push(word[0]);
    }
  }
  return split;
}"""


def test_a_long_word_as_an_actions_title_keeps_the_desk_on_a_laptops_screen(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    soon = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 2 * 86400))  # the desk's next action
    api_publish(calais, "action", {"title": WORD[:140], "region": "calais", "type": "distribution",
                                   "starts_at": soon})
    api_publish(calais, "need", {"category": "sleeping_bags", "quantity": 40, "urgency": "high", "region": "calais"})
    api_publish(calais, "support.offer", {"region": "calais", "type": "legal_information", "capacity": 10})
    api_publish(calais, "fundraiser", {"title": "Bail fund", "goal": 500000, "currency": "EUR", "region": "calais"})
    page = browser.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, calais)
    page.goto(url(calais, "/"))
    page.locator("#desk-table").wait_for()
    seen = page.evaluate(WIDE)
    assert seen["page"] <= seen["view"], f"the overview is wider than the 1280 px screen: {seen}"
    assert "500,000" in page.locator("#desk-table").inner_text()  # the goal, said in the money column
    assert page.evaluate(SPLIT_WORDS) == [], "words of the desk split across lines"
