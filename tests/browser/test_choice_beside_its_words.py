"""The publish form's "Who may read this" choice: its two round buttons had the text fields' width
(100%), so each stood in the middle of the line, a third of the screen or more away from its words
("Every group of the network" at the right edge); at 200% zoom or in a screen magnifier, the words
and their button were not seen together. Every box and round button now sits beside its words, at
a phone's 320 CSS px and on a laptop (chromium, a real node)."""
from __future__ import annotations

from chromium import log_in, url

# Each choice's control: its width, and the room between it and where its words begin.
CONTROLS = """() => Array.from(document.querySelectorAll("label.check input")).map(input => {
  const words = document.createRange(); words.selectNodeContents(input.parentElement); words.setStartAfter(input);
  const box = input.getBoundingClientRect(), text = words.getBoundingClientRect();
  return {id: input.id, width: Math.round(box.width), gap: Math.round(text.left - box.right)};
})"""


def test_every_box_and_round_button_sits_beside_its_words(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    page = browser.new_page()
    log_in(page, calais)
    far = {}
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(url(calais, "/publish/need"))
        page.locator("main h1").wait_for()
        controls = page.evaluate(CONTROLS)
        assert {c["id"] for c in controls} >= {"f-audience-network", "f-audience-chosen", "f-to-0"}, controls
        far[width] = [c for c in controls if c["width"] > 32 or c["gap"] > 16]
    assert not far[320] and not far[1280], far
