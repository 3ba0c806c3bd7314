"""The README's backup and restore, run as pasted.

The README told a newcomer nothing of how to back up a home, restore it or upgrade solnet (only
what a restored home does). Its block marked `<!-- README backup -->` runs here line by line,
after the tutorial's setup (Calais and Bristol, Bristol's node running on the port the README
names, which Calais has synced with once), as the tutorial's own blocks run in test_readme.py: the
restored home says it was restored, syncs with Bristol, and then publishes.
"""
from __future__ import annotations

import os
import re
import subprocess

from test_readme import README, commands, readme_blocks, run_line, start_node, stop_node

from node.demo import localnet

BACKUP = re.compile(r"<!-- README backup -->\n```bash\n(?P<body>.*?)```", re.S)


def test_the_readme_backup_and_restore_run_as_pasted(tmp_path, cli):
    marked = BACKUP.findall(README.read_text(encoding="utf-8"))
    assert len(marked) == 1, "the README's backup block is marked once"
    port = str(localnet.free_ports(1)[0])
    env = {k: v for k, v in cli.base_env().items() if not k.startswith("SOLNET_")}
    env["PATH"] = f"{cli.SOLNET.parent}{os.pathsep}{env.get('PATH', '')}"
    env["SOLNET_PASSPHRASE"] = "a long passphrase"
    for line in readme_blocks()["setup"]:
        if not line.startswith("export "):
            run_line(re.sub(r"\b7700\b", port, line), env, tmp_path)
    bristol = start_node(f"solnet --home bristol run --listen 127.0.0.1:{port}", env, tmp_path, 0)[1]
    try:
        run_line(f"solnet --home calais sync 127.0.0.1:{port}", env, tmp_path)  # a home that has synced before
        ran = [run_line(re.sub(r"\b7701\b", port, line), env, tmp_path) for line in commands(marked[0])]
        said = {r.command.split("  ")[0]: r.stdout for r in ran}
        assert "WARNING: this home was restored from a backup or copied" in said["solnet --home calais status"]
        published = subprocess.run(["solnet", "--home", "calais", "publish", "need", "--category", "tents",
                                    "--quantity", "3", "--region", "calais"], cwd=tmp_path, env=env,
                                   capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert published.returncode == 0, published.stderr  # restored, synced: it signs again
    finally:
        stop_node(bristol)
