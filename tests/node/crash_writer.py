"""Child process for the kill -9 test: ingests 50-event batches, one for each line read on stdin
(the test's "go", so that it can kill the writer inside a write however fast the ingest is),
printing `begin N` as a batch starts and the count stored after its commit."""
import sys
from pathlib import Path

import msgpack

from events.genesis import parse_genesis
from node.log import EventLog
from node.store import Store


def main() -> None:
    db, genesis_file, events_file = sys.argv[1:4]
    log = EventLog(Store(Path(db))) if Path(db).exists() else EventLog.create(Store(Path(db)), parse_genesis(Path(genesis_file).read_bytes()))
    wires = msgpack.unpackb(Path(events_file).read_bytes())
    done = log.store.count()
    for i in range(done, len(wires), 50):
        if not sys.stdin.readline():  # the test closed our input: stop
            return
        print(f"begin {i}", flush=True)
        batch = wires[i : i + 50]
        outcomes = log.ingest(batch)
        if any(o.status != "accepted" for o in outcomes if o.status != "duplicate"):
            raise SystemExit(f"unexpected: {outcomes}")
        print(i + len(batch), flush=True)  # acknowledged: committed before this line is written


if __name__ == "__main__":
    main()
