"""Create review_audit_log for the review app (issue 5).

Revision ID: 0100
Revises: 0001
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0100"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("record_id", sa.String(36)),
        sa.Column("detail", sa.Text),
    )
    op.create_index("ix_review_audit_log_at", "review_audit_log", ["at"])
    op.create_index("ix_review_audit_log_record_id", "review_audit_log", ["record_id"])


def downgrade() -> None:
    op.drop_table("review_audit_log")
