"""The README's lines that use the API's admin token, run in bash as pasted against a real node on
a real port, with a curl that writes down its arguments and then does its work.

A command's arguments are every local user's to read (`ps`, /proc/PID/cmdline). The README gave
curl the token as `-H "Authorization: Bearer $TOKEN"`, and the alert stream's curl runs for an
hour: another user of the machine could read the node's admin token, and with it publish as the
group and read the private details of support requests. Now the header reaches curl through a
file descriptor."""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
SOLNET = Path(sys.executable).with_name("solnet")


def token_lines() -> list[str]:
    """The README's shell lines that use the token: the API block's, and the alert stream's curl."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"```bash\n((?:#[^\n]*\n)*TOKEN=\$\(solnet --home calais admin-token\)\n.*?)```", text, re.S)
    stream = re.search(r"`(curl -N [^`]*/api/v1/alerts/stream)`", text)
    assert block and stream, "the README's API block and alert stream line"
    lines = re.sub(r"\\\n\s*", "", block.group(1)).splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")] + [stream.group(1)]


async def test_the_readmes_curl_lines_put_no_token_on_a_command_line(homes, served_api, passphrase,
                                                                  tmp_path: Path) -> None:
    argv_file = tmp_path / "argv"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "curl").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> {argv_file}\nexec {shutil.which("curl")} '
                                  '--max-time 3 "$@"\n', encoding="utf-8")  # (the stream's: 3 s of it)
    (bin_dir / "curl").chmod(0o755)
    api = served_api
    port = api.base.rsplit(":", 1)[1]
    script = "\n".join(line.replace("solnet --home calais", f"{SOLNET} --home {homes['calais'].path}")
                       .replace("solnet admin-token", f"{SOLNET} --home {homes['calais'].path} admin-token")
                       .replace(":7700", f":{port}") for line in token_lines())
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "SOLNET_PASSPHRASE": passphrase}
    proc = await asyncio.create_subprocess_exec("bash", "-c", script, env=env, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    said = out.decode()
    assert said.startswith('{"events": ['), (said, err.decode())  # the listing, then the published need
    assert re.search(r'\{"event": \{[^{]*"kind": "need"', said), (said, err.decode())
    argv = argv_file.read_text()
    assert argv.count("/api/v1/") == 3, argv  # every curl line ran
    assert api.token not in argv, "the admin token on curl's command line"
