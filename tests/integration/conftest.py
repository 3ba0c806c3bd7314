"""The `cluster` fixture: nodes started for a test are all stopped when it ends, pass or fail."""
from local_cluster import cluster  # noqa: F401  (a fixture)
