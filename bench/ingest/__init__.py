"""Ingest throughput benchmark: raw platform items → normalised, matched, stored mentions."""
