"""Notifications: rendering alert messages, the outbox, and its dispatcher (through apprise)."""
