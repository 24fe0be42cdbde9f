"""one row per link (unique url_key) and the backfill flag of first polls

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

Links become a unique key, so two sources storing the same post at once store it once. A
database written before this revision may hold such duplicates: for each link stored more than
once the oldest row (lowest id) is kept, receives the entity tags of the others it lacked (and
an operator's correction if it had none), and the other rows are deleted with their scores.
The rollup is then rebuilt from the raw mentions at the next cycle (its watermark is cleared),
so the series no longer count the duplicates. `warden db upgrade` logs how many rows went.
"""

import logging

from alembic import op
import sqlalchemy as sa



revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _merge_duplicate_links() -> int:
    bind = op.get_bind()
    groups = bind.execute(
        sa.text(
            "SELECT url_key, MIN(id) FROM mentions WHERE url_key IS NOT NULL "
            "GROUP BY url_key HAVING COUNT(*) > 1"
        )
    ).fetchall()
    removed = 0
    for key, kept in groups:
        copies = [
            row[0]
            for row in bind.execute(
                sa.text("SELECT id FROM mentions WHERE url_key = :key AND id <> :kept ORDER BY id"),
                {"key": key, "kept": kept},
            )
        ]
        for copy in copies:
            params = {"kept": kept, "copy": copy}
            bind.execute(
                sa.text(
                    "INSERT INTO mention_entities (mention_id, entity, published_at) "
                    "SELECT :kept, e.entity, (SELECT published_at FROM mentions WHERE id = :kept) "
                    "FROM mention_entities e WHERE e.mention_id = :copy AND e.entity NOT IN "
                    "(SELECT entity FROM mention_entities WHERE mention_id = :kept)"
                ),
                params,
            )
            bind.execute(
                sa.text(
                    "UPDATE corrections SET mention_id = :kept WHERE mention_id = :copy AND "
                    "NOT EXISTS (SELECT 1 FROM corrections WHERE mention_id = :kept)"
                ),
                params,
            )
            for table in ("mention_entities", "scores", "corrections"):
                bind.execute(sa.text(f"DELETE FROM {table} WHERE mention_id = :copy"), params)
            bind.execute(sa.text("DELETE FROM mentions WHERE id = :copy"), params)
            removed += 1
    if removed:
        bind.execute(sa.text("UPDATE rollup_state SET watermark = NULL"))
    return removed


def upgrade() -> None:
    # Plain ALTER TABLE statements, never batch mode: on SQLite, batch mode copies the table and
    # drops the original, and with foreign keys on, that drop deletes every row that refers to
    # a mention (entity tags, scores, corrections).
    op.add_column(
        'mentions', sa.Column('backfill', sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    removed = _merge_duplicate_links()
    if removed:
        logging.getLogger("warden.migrations").warning(
            "0003: %d duplicate mention row(s) merged into the oldest copy of their link", removed
        )
    op.drop_index('ix_mentions_url_key', table_name='mentions')
    op.create_index('ix_mentions_url_key', 'mentions', ['url_key'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_mentions_url_key', table_name='mentions')
    op.create_index('ix_mentions_url_key', 'mentions', ['url_key'], unique=False)
    op.drop_column('mentions', 'backfill')  # SQLite 3.35 and later drop a column in place
