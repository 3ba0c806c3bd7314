"""The node: SQLite store, batch ingest, local publishing, bundles, and (later) runtime, API and web."""
