"""Add engagement_records.feedback_comment (the optional comment on a thumbs down).

Revision ID: 0101
Revises: 0100
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0101"
down_revision = "0100"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("engagement_records") as batch:
        batch.add_column(sa.Column("feedback_comment", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("engagement_records") as batch:
        batch.drop_column("feedback_comment")
