"""The solnet event: canonical format, ids, kinds and their schemas, trust rules and projections. Pure: no I/O."""
