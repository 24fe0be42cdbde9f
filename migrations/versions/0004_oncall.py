"""on-call: silences, acknowledgement, escalation, group log, outbox streams and statuses

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('acked_by', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column('escalation_level', sa.Integer(), nullable=False, server_default='0')
        )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stream', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('alert_ids', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column('uncertain', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.create_index('ix_notifications_stream', ['stream', 'status'], unique=False)
    op.create_table(
        'silences',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('matchers', sa.JSON(), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=255), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('silences', schema=None) as batch_op:
        batch_op.create_index('ix_silences_ends_at', ['ends_at'], unique=False)
    op.create_table(
        'alert_groups',
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('receiver', sa.String(length=100), nullable=False),
        sa.Column('labels', sa.JSON(), nullable=False),
        sa.Column('first_seen_at', sa.DateTime(), nullable=False),
        sa.Column('last_sent_at', sa.DateTime(), nullable=True),
        sa.Column('firing_ids', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade() -> None:
    op.drop_table('alert_groups')
    with op.batch_alter_table('silences', schema=None) as batch_op:
        batch_op.drop_index('ix_silences_ends_at')
    op.drop_table('silences')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_stream')
        batch_op.drop_column('uncertain')
        batch_op.drop_column('body_html')
        batch_op.drop_column('stream')
        batch_op.drop_column('alert_ids')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_column('escalation_level')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('acked_by')
        batch_op.drop_column('acked_at')
