"""Mention sources: one module per platform, sharing HTTP, normalisation and de-duplication."""
