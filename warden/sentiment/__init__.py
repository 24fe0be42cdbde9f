"""Sentiment scoring: model loading, label normalisation, batching and backends."""
