"""Replication between nodes: the sans-IO protocol core, gossip, and the aiohttp transport."""
