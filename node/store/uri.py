"""The URI a database file is opened by when the open needs options (`mode=ro`, `immutable=1`).

A home's path is the user's to choose: written into a URI as it is, a `?` or `#` in it ends the path
there (the file opened is another one, the options are lost, and a writable open may make a stray
file), and a `%` starts an escape. The path is percent-encoded, as SQLite's URI reading expects."""
from __future__ import annotations

from pathlib import Path


def database_uri(path: Path | str, options: str) -> str:
    """`file:` URI of the database at `path` (made absolute) with `options` (`mode=ro`, ...)."""
    return f"{Path(path).absolute().as_uri()}?{options}"
