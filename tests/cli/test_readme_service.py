"""The README's systemd unit for a Pi: a node that cannot start for a reason a restart does not mend
(a wrong passphrase file) is not restarted over and over, each time deriving its key again (seconds
of a Pi's CPU, a journal full of the same line): the unit's RestartPreventExitStatus is the exit
code `solnet run` gives then."""
from __future__ import annotations

import re
import stat
from pathlib import Path

from solnet_errors import EXIT_HOME

README = Path(__file__).resolve().parents[2] / "README.md"


def unit() -> dict[str, str]:
    block = re.search(r"```ini\n# /etc/systemd/system/solnet.service\n(?P<body>.*?)```", README.read_text(), re.S)
    assert block, "the README's solnet.service block"
    return dict(line.split("=", 1) for line in block["body"].splitlines() if "=" in line)


def test_the_service_is_not_restarted_for_a_wrong_passphrase_file(network, cli, tmp_path):
    service = unit()
    assert service["Restart"] == "on-failure" and service["RestartPreventExitStatus"] == str(EXIT_HOME), service
    assert "network-online.target" in service["Wants"], service  # After= alone does not pull it in
    secret = tmp_path / "passphrase"
    secret.write_text("not the passphrase at all\n")
    secret.chmod(stat.S_IRUSR | stat.S_IWUSR)
    result = cli.run(network.a, "run", "--listen", "127.0.0.1:0", ok=False,
                     env={"SOLNET_PASSPHRASE": None, "SOLNET_PASSPHRASE_FILE": str(secret)})
    assert result.returncode == EXIT_HOME, result.stderr
    assert f"the one in the file {secret}" in result.stderr, result.stderr
