"""Fixtures of the node tests (helpers live in node_fixtures.py)."""
from node_fixtures import net  # noqa: F401  (re-exported as a fixture)
