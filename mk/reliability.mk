# Reliability (issue 7); see docs/reliability.md.
# Included by the main Makefile (which defines VENV and setup).
VENV ?= .venv

.PHONY: reconcile

# Backfill every question in Rasa's tracker store (LOTSEN_TRACKER_URL) that has
# no engagement record (outcome 'unrecorded'); DRY_RUN=1 only counts.
reconcile: setup
	@set -a; . ./.env; set +a; $(VENV)/bin/python -m review.reconcile $(if $(DRY_RUN),--dry-run)
