"""The dashboard's wipe destroys the node's passphrase file ($SOLNET_PASSPHRASE_FILE in the node's
environment, as a service has it) as it does the keystore, and says so (node/wipe.py)."""
from __future__ import annotations

from page_text import PASSPHRASE, csrf_of, visible_text
from test_http import get, post


async def test_the_dashboard_wipe_destroys_the_passphrase_file_and_says_so(sample, start_node, tmp_path,
                                                                            monkeypatch) -> None:
    secret = tmp_path / "passphrase"
    secret.write_text(PASSPHRASE + "\n")
    monkeypatch.setenv("SOLNET_PASSPHRASE_FILE", str(secret))
    monkeypatch.delenv("SOLNET_PASSPHRASE", raising=False)
    sample.nodes[0].home.keys()  # unlocked by the file, as a service's node is: the home records where it is
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, form, _ = await get(node.client, "/admin/wipe")
    status, html, _ = await post(node.client, "/admin/wipe", {"confirm": "WIPE", "csrf": csrf_of(form)})
    assert status == 200, html
    assert not secret.exists()
    assert f"The passphrase file {secret} was overwritten and deleted." in " ".join(visible_text(html).split())
