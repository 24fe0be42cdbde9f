"""mention replies: the external id of the post a mention answers (response times)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_to", sa.String(length=512), nullable=True))
        batch_op.create_index("ix_mentions_reply_to", ["reply_to"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.drop_index("ix_mentions_reply_to")
        batch_op.drop_column("reply_to")
