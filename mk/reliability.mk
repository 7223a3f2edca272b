# Reliability (issue 7); see docs/reliability.md.
# Included by the main Makefile (which defines VENV and setup).
VENV ?= .venv

.PHONY: reconcile

# Backfill every question in Rasa's tracker store (LOTSEN_TRACKER_URL) that has
# no engagement record (outcome 'unrecorded'); DRY_RUN=1 only counts.
reconcile: setup ## backfill tracker-store questions that have no record (DRY_RUN=1 only counts)
	@set -a; . ./.env; set +a; $(VENV)/bin/python -m review.reconcile $(if $(DRY_RUN),--dry-run)

.PHONY: test-db-down
# The database-down scenario (PostgreSQL stopped mid-run, action server restarted
# while it is down); prints questions sent, records, errors, duplicates.
test-db-down: setup ## PostgreSQL stopped mid-run: the outbox keeps every record
	$(VENV)/bin/python -m pytest -q -s -p no:cacheprovider tests/reliability/test_database_down.py
