"""Add engagement_records.entry_confidence and .from_context (entry selection, follow-ups).

``entry_confidence``: how sure Lotsen was that the entries in principle_ids
answer what was asked (0..1). ``from_context``: the question was a follow-up,
resolved with the conversation's topic, entry and counterpart. The outcome
``nearest_entry`` (no entry answered the specific ask; the nearest was given,
labelled as such) needs no schema change: outcome is a string column.

Revision ID: 0105
Revises: 0104
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0105"
down_revision = "0104"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("engagement_records") as batch:
        batch.add_column(sa.Column("entry_confidence", sa.Float))
        batch.add_column(sa.Column("from_context", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("engagement_records") as batch:
        batch.drop_column("from_context")
        batch.drop_column("entry_confidence")
