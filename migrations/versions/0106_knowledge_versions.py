"""Create knowledge_versions and knowledge_drafts (the knowledge edited in the review app, issue 13).

A version is an immutable published state of the knowledge (content as JSON,
a per-entry diff against the version before); the newest is live. A draft is
a proposed change to one entry, kept apart from what is live.

Revision ID: 0106
Revises: 0105
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0106"
down_revision = "0105"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(200), nullable=False),
        sa.Column("approved_by", sa.String(200)),
        sa.Column("note", sa.Text),
        sa.Column("based_on", sa.Integer),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
    )
    op.create_table(
        "knowledge_drafts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.String(200), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(200)),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("version_id", sa.Integer),
    )
    op.create_index("ix_knowledge_drafts_entry_id", "knowledge_drafts", ["entry_id"])


def downgrade() -> None:
    op.drop_table("knowledge_drafts")
    op.drop_table("knowledge_versions")
