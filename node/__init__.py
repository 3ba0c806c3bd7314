"""The node: the store and its ingest, what a person does to their home, the running node (net/), its
web app and the demo tooling (demo/)."""
