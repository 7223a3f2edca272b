"""Create engagement_records.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engagement_records",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("department", sa.String(200)),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("intent", sa.String(64)),
        sa.Column("intent_confidence", sa.Float),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("counterpart", sa.String(200)),
        sa.Column("counterpart_type", sa.String(16)),
        sa.Column("principle_ids", sa.JSON, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("feedback", sa.String(8)),
        sa.Column("kb_version", sa.String(16), nullable=False),
        sa.Column("model_id", sa.String(64)),
    )
    op.create_index("ix_engagement_records_created_at", "engagement_records", ["created_at"])
    op.create_index("ix_engagement_records_conversation_id", "engagement_records", ["conversation_id"])
    op.create_index("ix_engagement_records_topic", "engagement_records", ["topic"])


def downgrade() -> None:
    op.drop_table("engagement_records")
