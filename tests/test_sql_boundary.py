"""`node/store/` is the only code that speaks SQL: no statement, no sqlite3 import and no reach into
a store's connection anywhere else in the program (tests and benchmarks may read a database file
directly, read-only, to check it independently)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROGRAM = [ROOT / "cli.py", *(p for d in ("crypto", "events", "node", "sync") for p in (ROOT / d).rglob("*.py"))]
STORE = ROOT / "node" / "store"
SQL_CALLS = {"execute", "executemany", "executescript"}


def _is_store(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "store") or (isinstance(node, ast.Attribute) and node.attr == "store")


def sql_in(source: str, name: str) -> list[str]:
    """Where `source` runs SQL, imports sqlite3, or touches a store's connection."""
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Attribute) and (node.attr in SQL_CALLS or node.attr == "_db"
                                                or (node.attr == "db" and _is_store(node.value))):
            found.append(f"{name}:{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Import) and any(a.name == "sqlite3" for a in node.names):
            found.append(f"{name}:{node.lineno}: import sqlite3")
        elif isinstance(node, ast.ImportFrom) and node.module == "sqlite3":
            found.append(f"{name}:{node.lineno}: from sqlite3 import")
    return sorted(found)


def test_no_sql_outside_node_store() -> None:
    assert len(PROGRAM) > 50 and (STORE / "__init__.py").exists()
    offending = [hit for path in PROGRAM if STORE not in path.parents
                 for hit in sql_in(path.read_text(), str(path.relative_to(ROOT)))]
    assert offending == [], "SQL belongs behind a named Store method (node/store/):\n" + "\n".join(offending)


def test_the_check_finds_sql() -> None:
    sample = "import sqlite3\n\ndef f(log):\n    return log.store.db.execute('SELECT 1')\n\nasync def g(rt):\n    await rt.db(len)\n"
    assert sql_in(sample, "x.py") == ["x.py:1: import sqlite3", "x.py:4: .db", "x.py:4: .execute"]
