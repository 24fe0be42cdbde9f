"""Storage: SQLAlchemy models, the database handle and the queries the pipeline stages share."""

from warden.store.db import Database
from warden.store.models import (
    Alert,
    Base,
    Correction,
    Mention,
    MentionEntity,
    Notification,
    Score,
    SourceState,
)

__all__ = [
    "Alert",
    "Base",
    "Correction",
    "Database",
    "Mention",
    "MentionEntity",
    "Notification",
    "Score",
    "SourceState",
]
