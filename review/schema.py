"""Every table the Alembic migrations manage, as Alembic's ``target_metadata``.

The records (``actions.records.metadata``) and the review app's audit log
(``review.audit.metadata``) are declared on two MetaData objects, one per
package (and the knowledge's versions and drafts on a third). migrations/env.py compares the database with both, so that
``alembic revision --autogenerate`` neither drops ``review_audit_log`` nor
misses a change to it (tests/review/test_migrations.py).
"""
from __future__ import annotations

import sqlalchemy as sa

from actions.records import metadata as records_metadata
from actions.knowledge_versions import metadata as knowledge_metadata
from review.audit import metadata as audit_metadata

TARGET_METADATA: list[sa.MetaData] = [records_metadata, audit_metadata, knowledge_metadata]
