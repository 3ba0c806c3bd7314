"""`solnet show` of an alert whose body was swept at its expiry printed `body: expired` and nothing of
what became of it, while `solnet view alert-history` still told its group's update ("EXPIRED at Pont;
... moved to the bridge"): `show` now says under it what the history says of it."""
from __future__ import annotations

from node.home import Home
from node.log import now_ms

ALERT = {"region": "calais", "type": "raid", "location": "Rue des Garennes", "text": "Police at the camp"}


def _expired_alert_with_an_update(home, passphrase: str) -> str:
    """An alert of an hour ago that ended a minute ago, moved by its group's update, its body swept."""
    h = Home(home)
    log, keys = h.log(), h.keys(passphrase)
    try:
        now = now_ms()
        alert = log.append(keys.device, "alert", ALERT, expires=now - 60_000, now=now - 3_600_000).id
        log.append(keys.device, "alert.update", {"alert": alert, "status": "update", "location": "Pont",
                                                 "text": "moved to the bridge"}, now=now - 1_800_000)
        log.purge_expired()
        assert log.store.event_row(alert).body is None  # swept
        return alert.hex()
    finally:
        log.store.close()


def test_show_of_a_swept_alert_says_what_the_history_says_of_it(network, cli):
    alert = _expired_alert_with_an_update(network.a, cli.PASSPHRASE)
    [told] = [s for s in cli.run_json(network.a, "view", "alert-history") if s["id"] == alert]
    assert told["status"] == "expired" and told["latest"] == "moved to the bridge", told
    shown = cli.run(network.a, "show", alert).stdout
    now = shown.splitlines()[-1]
    assert now.startswith("  now: EXPIRED at Pont; updated ") and now.endswith(": moved to the bridge"), shown
    state = cli.run_json(network.a, "show", alert)["state"]
    assert state["status"] == "expired" and state["latest"] == "moved to the bridge", state
