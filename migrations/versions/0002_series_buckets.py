"""rolled-up series buckets and rollup state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa



revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'series_buckets',
        sa.Column('entity', sa.String(length=255), nullable=False),
        sa.Column('bucket_start', sa.DateTime(), nullable=False),
        sa.Column('source', sa.String(length=100), nullable=False),
        sa.Column('lang', sa.String(length=16), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('scored', sa.Integer(), nullable=False),
        sa.Column('negative', sa.Integer(), nullable=False),
        sa.Column('positive', sa.Integer(), nullable=False),
        sa.Column('sentiment_sum', sa.Float(), nullable=False),
        sa.Column('reach', sa.BigInteger(), nullable=False),
        sa.Column('engagement', sa.BigInteger(), nullable=False),
        sa.Column('revision', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('entity', 'bucket_start', 'source', 'lang'),
    )
    with op.batch_alter_table('series_buckets', schema=None) as batch_op:
        batch_op.create_index('ix_series_buckets_revision', ['revision'], unique=False)
    op.create_table(
        'rollup_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('watermark', sa.DateTime(), nullable=True),
        sa.Column('revision', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.create_index('ix_mentions_fetched_at', ['fetched_at'], unique=False)
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.create_index('ix_scores_scored_at', ['scored_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.drop_index('ix_scores_scored_at')
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.drop_index('ix_mentions_fetched_at')
    op.drop_table('rollup_state')
    with op.batch_alter_table('series_buckets', schema=None) as batch_op:
        batch_op.drop_index('ix_series_buckets_revision')
    op.drop_table('series_buckets')
