"""A page's new stream, after the old one's planned end, compares what the page shows (chromium, real
nodes; node/dashboard/quiet_drawn.py, static/app.js).

The stream took its starting state when it opened: what changed between the last look of the old
stream and the opening of the new one (Bristol's node stopping here; a raid alert ending alike) was
already in that state, so no `recheck` came, and the page said "1 connected of 1" (or showed the raid
as live) until the next event, hours on a quiet night. Now the page sends what its parts were drawn
with, and the new stream says `recheck` at once. The old stream's end is played by the test (the
node ends each one after 5 minutes); the new stream is the node's own.
"""
from __future__ import annotations

from chromium import overview_linked_once
from local_cluster import open_links

from node.demo import localnet

ENDED = "retry: 3000\n\nevent: end\ndata: lifetime\n\n"  # what the node says at a stream's planned end


def test_a_peer_gone_between_two_streams_is_shown_after_the_reconnect(cluster, browser) -> None:
    page, calais, bristol = overview_linked_once(cluster, browser)

    streams: list[str] = []
    armed = [False]

    def stream(route) -> None:
        if not armed[0]:
            route.continue_()
            return
        streams.append(route.request.url)
        if len(streams) == 1:  # the page's stream ends as planned...
            route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=ENDED)
            return
        if len(streams) == 2:  # ... and before its new one reaches the node, Bristol's node stops
            localnet.stop(bristol)
            cluster.wait(lambda: open_links(calais) == 0, 15, "Calais's link to Bristol gone")
        route.continue_()

    page.route("**/live?*", stream)
    armed[0] = True
    drawn = page.reload()
    assert drawn is not None and "1 connected of 1" in drawn.text()
    page.locator("#health dd", has_text="0 connected of 1").wait_for()  # within the Playwright timeout
    assert len(streams) >= 2 and "quiet=1.0." in streams[1]  # the new stream was sent what the page showed
    assert page.locator("#live-status").get_attribute("data-state") == "live"
