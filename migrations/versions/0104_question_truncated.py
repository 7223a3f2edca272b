"""Add engagement_records.question_truncated (messages over the length limit).

A message longer than the documented limit is stored cut to the limit and
marked here, so the review can tell a truncated question from a short one.

Revision ID: 0104
Revises: 0103
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0104"
down_revision = "0103"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("engagement_records") as batch:
        batch.add_column(
            sa.Column("question_truncated", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("engagement_records") as batch:
        batch.drop_column("question_truncated")
