"""`solnet view support` says which places a request with private details could go to cannot read
them: "could go to" named a group the details were never sealed to, first when it had the most
places, and a coordinator sent the case there. Real `solnet` processes on three homes."""
from __future__ import annotations

from node.demo import localnet


def test_view_support_marks_a_place_that_cannot_read_the_private_details(cli, tmp_path) -> None:
    calais, bristol, cardiff = (n.home.path for n in localnet.create_network(
        tmp_path, [("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff")], cli.PASSPHRASE))
    for home, capacity in ((cardiff, "9"), (bristol, "2")):
        cli.run(home, "publish", "support.offer", "--region", home.name, "--type", "housing", "--capacity", capacity,
                "--offline")
        cli.run(home, "export", tmp_path / f"{home.name}.bundle")
        cli.run(calais, "import", tmp_path / f"{home.name}.bundle")
    bristol_id = cli.run(bristol, "id").stdout.strip()
    cli.run(calais, "publish", "support.request", "--region", "calais", "--type", "housing", "--people", "2",
            "--urgency", "high", "--private", "Two minors, arrived Tuesday", "--to", bristol_id, "--offline")
    places = [line.strip() for line in cli.run(calais, "view", "support").stdout.splitlines() if "could go to" in line]
    assert places[0].startswith("could go to: Bristol (bristol), 2 places  "), places
    assert places[1].startswith("could go to: Cardiff (cardiff), 9 places (cannot read its private details)"), places
    [request] = cli.run_json(calais, "view", "support")
    assert [o.get("reads_private") for o in request["can_go"]] == [True, False], request
