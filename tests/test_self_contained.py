"""The repository stands alone: no tracked file points outside it.

A user has only the repository, so no test, help text, README link or CI step may read or cite a
folder beside the checkout (such as the developers' ``../shared``), nor the developers' own design
document by its name: the project's design is docs/design.md, and every "docs/design.md section N"
must name a section that exists there.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "docs" / "design.md"

# "../shared", "shared/vectors", "shared/notes", "shared/DESIGN.md" ... as a path, in any file.
OUTSIDE = re.compile(r"\.\./shared\b|\bshared/(?:vectors|notes|DESIGN\.md|STYLE\.md|hooks)\b")
# The developers' design document cited by name ("see DESIGN.md section 4"): not in the repository.
OUTSIDE_DESIGN = re.compile(r"\bDESIGN\.md\b")
# A citation of the project's own design: "docs/design.md section 7", "... section 5.4".
SECTION_REF = re.compile(r"docs/design\.md section (\d+(?:\.\d+)?)")
HEADING = re.compile(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", re.MULTILINE)


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode().split("\0")
    files = []
    for name in filter(None, listed):
        path = ROOT / name
        # This file must spell out the patterns it looks for.
        if path.suffix in {".png", ".db", ".bin"} or not path.is_file() or path == Path(__file__).resolve():
            continue
        files.append(path)
    return files


def _lines() -> list[tuple[str, int, str]]:
    files = _tracked_text_files()
    assert len(files) > 50, "git ls-files found too few files: is this a git checkout?"
    return [(str(path.relative_to(ROOT)), number, line)
            for path in files
            for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)]


def test_no_tracked_file_refers_to_a_folder_beside_the_repository() -> None:
    offenders = [f"{name}:{number}: {line.strip()[:100]}" for name, number, line in _lines()
                 if OUTSIDE.search(line) or OUTSIDE_DESIGN.search(line)]
    assert not offenders, "files that point outside the repository:\n" + "\n".join(offenders)


def test_every_design_reference_names_a_section_of_docs_design_md() -> None:
    sections = set(HEADING.findall(DESIGN.read_text(encoding="utf-8")))
    assert {str(n) for n in range(1, 11)} <= sections, f"docs/design.md lacks numbered sections: {sorted(sections)}"
    cited = [(name, number, ref) for name, number, line in _lines() for ref in SECTION_REF.findall(line)]
    assert len(cited) >= 10, "found too few references to docs/design.md: has the citation form changed?"
    dangling = [f"{name}:{number}: section {ref}" for name, number, ref in cited if ref not in sections]
    assert not dangling, "references to sections docs/design.md does not have:\n" + "\n".join(dangling)
