"""`solnet show` of a need.fulfil names the need it covers and the offer it comes from by what
they are and whose they are, not by short id alone: "need: 9c1f…" left Bristol's coordinator to
look up each id to know which of Calais's needs it had covered."""
from __future__ import annotations


def test_show_of_a_fulfilment_names_its_need_and_offer(network, cli) -> None:
    need = cli.publish(network.a, "need", "--category", "tents", "--quantity", "20", "--region", "calais")
    offer = cli.publish(network.a, "offer", "--category", "tents", "--quantity", "8", "--unit", "items",
                        "--region", "calais")
    given = cli.publish(network.a, "need.fulfil", "--need", need, "--offer", offer, "--quantity", "5")
    shown = cli.run(network.a, "show", given).stdout.splitlines()
    assert f"  need: 20 × tents, in calais, by Calais  {need[:12]}…" in shown, shown
    assert f"  offer: 8 × tents, in calais, by Calais  {offer[:12]}…" in shown, shown
