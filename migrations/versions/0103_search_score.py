"""Add engagement_records.search_score (knowledge search when NLU is unsure).

Revision ID: 0103
Revises: 0102
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0103"
down_revision = "0102"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("engagement_records") as batch:
        batch.add_column(sa.Column("search_score", sa.Float))


def downgrade() -> None:
    with op.batch_alter_table("engagement_records") as batch:
        batch.drop_column("search_score")
