"""Create engagement_assessments (the guided assessment of a case, issue 3).

Revision ID: 0102
Revises: 0101
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0102"
down_revision = "0101"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engagement_assessments",
        sa.Column("record_id", sa.String(36), sa.ForeignKey("engagement_records.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("engagement_type", sa.String(32), nullable=False),
        sa.Column("counterpart", sa.String(200)),
        sa.Column("purpose", sa.Text),
        sa.Column("directions", sa.JSON, nullable=False),
        sa.Column("operation", sa.Text),
        sa.Column("department", sa.String(200)),
        sa.Column("planned_date", sa.String(10)),
        sa.Column("financing", sa.String(16)),
        sa.Column("verdict", sa.String(20)),
        sa.Column("completed", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("engagement_assessments")
