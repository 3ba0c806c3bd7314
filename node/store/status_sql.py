"""The statements behind the counts and lists `solnet status` shows, written once.

The Store runs them (events.py, trust.py, local.py) and so does the read-only snapshot that
`solnet status` takes without a running node (status_read.py, which loads nothing but sqlite3):
one text for both, so the two can never answer differently.
"""
from __future__ import annotations

EVENT_COUNT = "SELECT coalesce(sum(seq), 0) FROM heads"  # chains have no gaps: the sum of the heads' seqs
AUTHOR_COUNT = "SELECT count(*) FROM heads"
HEADS = "SELECT keys.key, heads.seq, heads.id FROM heads JOIN keys USING (k)"
PENDING_COUNT = "SELECT count(*) FROM pending"
# Of those, the events a revocation took out of the log (kept aside for a while: a revocation found void gives them back)
KEPT_ASIDE_COUNT = "SELECT count(*) FROM pending WHERE stored=1"
# Of those, each author's first and last seq (this device's own: no node takes them, node/own_unsent.py)
# (NOT INDEXED: by pending_by_author, each row was then looked up for `stored`, past its wire:
# 100 ms at 40,000 rows, where a scan of the table as KEPT_ASIDE_COUNT's takes about 1)
KEPT_ASIDE_SPANS = "SELECT author, min(seq), max(seq) FROM pending NOT INDEXED WHERE stored=1 GROUP BY author"
FORK_COUNT = "SELECT count(*) FROM forks"
FORK_POINTS = "SELECT author, seq FROM frozen"
# What frozen keys signed past their fork points and still counts (sync/frontier.py past_fork_heads)
KEPT_PAST_FORK_IDS = "SELECT author, id FROM frozen_revocations UNION ALL SELECT author, id FROM frozen_claims"
PEER_ROWS = "SELECT address, source, state FROM peers ORDER BY address"
OVER_SHARE = "SELECT author, grp, name, seq, day, seen FROM over_share ORDER BY seen, author"  # node/author_share.py
