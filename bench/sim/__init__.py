"""A deterministic simulator of a whole solnet network in one process (`python -m bench.simulate`).

Many nodes on a virtual clock: each with the real link protocol objects (sync/link.py), the real
event log and store (SQLite files on tmpfs), real signatures and verification, the real gossip
router and the overlay (sync/overlay.py). Only the sockets and the clock are replaced: messages go
through the real wire encoding into a simulated network with latency, loss, partitions, crashes
and clock skew. Everything random comes from one seed, so the same seed gives the same run.

clock.py: the virtual clock and its queue of timed actions; wire.py: the simulated network and
link ends; peer.py: one node driving its links; world.py: membership, workload, faults and the
invariants checked while it runs.
"""
