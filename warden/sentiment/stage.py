"""The scoring stage of the pipeline: unscored mentions in, Score rows out, in one transaction.

`score_pending` is what the daemon runs every `sentiment.interval`, in a worker thread. On
PostgreSQL the batch is claimed with SELECT ... FOR UPDATE SKIP LOCKED, so several instances
share the work without scoring a mention twice. Before the model is asked, each mention gets,
in order of precedence: the operator's correction, the score the same model already gave the
same text (Mention.text_key) in the database, then the scorer (whose own cache catches repeats).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warden.clock import Clock
from warden.sentiment.corrections import OPERATOR_MODEL, operator_result, parse_label, write_score
from warden.sentiment.labels import LABELS, SentimentResult
from warden.sentiment.scorer import SentimentScorer, text_cache_key
from warden.store.db import Database
from warden.store.models import Correction, Mention, Score

log = structlog.get_logger(__name__)


def _corrections(session: Session, ids: Sequence[int]) -> dict[int, SentimentResult]:
    found: dict[int, SentimentResult] = {}
    rows = session.execute(
        select(Correction.mention_id, Correction.label).where(Correction.mention_id.in_(ids))
    )
    for mention_id, label in rows:
        try:
            found[mention_id] = operator_result(parse_label(label))
        except ValueError:
            log.warning("sentiment.correction_ignored", mention_id=mention_id, label=label)
    return found


def score_pending(db: Database, scorer: SentimentScorer, clock: Clock, limit: int = 512) -> int:
    """Score up to `limit` unscored mentions; return how many were scored."""
    started = time.perf_counter()
    model = scorer.model_name
    with db.session() as session:
        claim = (
            select(Mention.id, Mention.text, Mention.text_key)
            .where(Mention.scored.is_(False))
            .order_by(Mention.id)
            .limit(limit)
        )
        if db.dialect == "postgresql":
            claim = claim.with_for_update(skip_locked=True)
        pending = session.execute(claim).all()
        if not pending:
            return 0
        ids = [row.id for row in pending]
        results: dict[int, tuple[SentimentResult, str]] = {
            mention_id: (result, OPERATOR_MODEL)
            for mention_id, result in _corrections(session, ids).items()
        }

        wanted_keys = {row.text_key for row in pending if row.id not in results and row.text_key}
        known: dict[str, SentimentResult] = {}
        if wanted_keys:
            previous = session.execute(
                select(Mention.text_key, Score.label, Score.score, Score.confidence)
                .join(Score, Score.mention_id == Mention.id)
                .where(Mention.text_key.in_(wanted_keys), Score.model == model)
            )
            for key, label, value, confidence in previous:
                if label in LABELS:
                    known.setdefault(key, SentimentResult(label, value, confidence))
        reused = 0
        for row in pending:
            if row.id not in results and row.text_key in known:
                results[row.id] = (known[row.text_key], model)
                reused += 1

        to_infer = [row for row in pending if row.id not in results]
        if to_infer:
            inferred = scorer.score_texts(
                [row.text for row in to_infer],
                keys=[row.text_key or text_cache_key(row.text) for row in to_infer],
            )
            for row, result in zip(to_infer, inferred, strict=True):
                results[row.id] = (result, model)

        now = clock.now()
        # Load the scores being replaced in one query, so write_score finds them in the session.
        session.scalars(select(Score).where(Score.mention_id.in_(ids))).all()
        for mention_id in ids:
            result, produced_by = results[mention_id]
            write_score(session, mention_id, result, produced_by, now)
        session.execute(
            update(Mention).where(Mention.id.in_(ids)).values(scored=True),
            execution_options={"synchronize_session": False},
        )
    log.info(
        "sentiment.scored",
        count=len(ids),
        model=model,
        corrected=len(ids) - len(to_infer) - reused,
        reused=reused,
        by_model=len(to_infer),
        seconds=round(time.perf_counter() - started, 3),
    )
    return len(ids)
