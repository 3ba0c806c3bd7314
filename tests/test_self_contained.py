"""The repository stands alone: no tracked file points outside it.

A user has only the repository, so no test, help text, README link or CI step may read or cite a
folder beside the checkout (such as the developers' ``../shared``).
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# "../shared", "shared/vectors", "shared/notes", "shared/DESIGN.md" ... as a path, in any file.
OUTSIDE = re.compile(r"\.\./shared\b|\bshared/(?:vectors|notes|DESIGN\.md|STYLE\.md|hooks)\b")


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode().split("\0")
    files = []
    for name in filter(None, listed):
        path = ROOT / name
        if path.suffix in {".png", ".db", ".bin"} or not path.is_file():
            continue
        files.append(path)
    return files


def test_no_tracked_file_refers_to_a_folder_beside_the_repository() -> None:
    files = _tracked_text_files()
    assert len(files) > 50, "git ls-files found too few files: is this a git checkout?"
    offenders = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not offenders, "files that point outside the repository:\n" + "\n".join(offenders)
