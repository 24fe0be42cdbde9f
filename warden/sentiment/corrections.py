"""Operator corrections: a person's verdict on a mention's sentiment, which wins over the model.

A correction is stored in the Correction table (where training can pick it up) and replaces the
mention's Score at once, with model "operator" and a score of -1, 0 or 1.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from warden.errors import WardenError
from warden.sentiment.labels import LABEL_VALUES, LABELS, Label, SentimentResult
from warden.store.models import Correction, Mention, Score

OPERATOR_MODEL = "operator"
"""Score.model of a score that comes from an operator's correction."""


def parse_label(value: str) -> Label:
    """negative/neutral/positive (any case) or 0/1/2 → a Label; ValueError otherwise."""
    text = value.strip().lower()
    if text in LABELS:
        return text
    if text in {"0", "1", "2"}:
        return LABELS[int(text)]
    raise ValueError(f"unknown label {value!r}; use negative, neutral or positive (or 0, 1, 2)")


def operator_result(label: Label) -> SentimentResult:
    """The SentimentResult an operator's label stands for: score -1/0/1, full confidence."""
    return SentimentResult(label=label, score=LABEL_VALUES[label], confidence=1.0)


def write_score(
    session: Session, mention_id: int, result: SentimentResult, model: str, now: datetime
) -> None:
    """Insert or replace the Score of one mention."""
    score = session.get(Score, mention_id)
    if score is None:
        session.add(
            Score(
                mention_id=mention_id,
                label=result.label,
                score=result.score,
                confidence=result.confidence,
                model=model,
                scored_at=now,
            )
        )
        return
    score.label = result.label
    score.score = result.score
    score.confidence = result.confidence
    score.model = model
    score.scored_at = now


def record_correction(
    session: Session,
    mention_id: int,
    label: Label,
    *,
    corrected_by: str | None,
    note: str | None,
    now: datetime,
) -> Correction:
    """Store (or replace) the correction of a mention and make its Score say the same."""
    mention = session.get(Mention, mention_id)
    if mention is None:
        raise WardenError(f"no mention with id {mention_id}")
    correction = session.get(Correction, mention_id)
    if correction is None:
        correction = Correction(mention_id=mention_id, label=label, created_at=now)
        session.add(correction)
    correction.label = label
    correction.corrected_by = corrected_by
    correction.note = note
    correction.created_at = now
    write_score(session, mention_id, operator_result(label), OPERATOR_MODEL, now)
    mention.scored = True
    return correction
