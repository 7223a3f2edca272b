"""Alembic environment: runs on a connection handed in by actions.records.migrate,
or on ENGAGEMENT_DB_URL (default SQLite at var/engagements.db) from the command line."""
from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context

from actions.records import create_engine
from actions.settings import DEFAULT_DB_PATH
from review.schema import TARGET_METADATA  # the records and the review app's audit log

config = context.config
if config.config_file_name and config.attributes.get("connection") is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=TARGET_METADATA)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = os.environ.get("ENGAGEMENT_DB_URL") or f"sqlite:///{DEFAULT_DB_PATH}"
    engine = create_engine(url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=TARGET_METADATA)
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
