# Review app for the executive office (issue 5); see docs/review.md.
# Included by the main Makefile (which defines VENV); also usable alone:
#   make -f mk/review.mk report FROM=2026-01-01 TO=2026-03-31
VENV ?= .venv
REVIEW_HOST ?= 127.0.0.1
REVIEW_PORT ?= 8090

.PHONY: review report purge review-config review-deps

# Extra PyPI packages of the review app (argon2-cffi), beside Rasa's pins.
review-deps: $(VENV)/.review-deps ## install the review app's packages (review/requirements.txt)
$(VENV)/.review-deps: review/requirements.txt
	$(VENV)/bin/python -m pip install --quiet -r review/requirements.txt
	@touch $@

# var/review.yml (or $$LOTSEN_REVIEW_CONFIG): written once with a fresh secret and two dev users.
review-config: review-deps ## write var/review.yml with a secret and two development users, once
	@$(VENV)/bin/python -m review.config init

# Serve the review app on http://127.0.0.1:8090/ (foreground).
review: review-config ## serve the review app on http://127.0.0.1:8090/ (foreground)
	$(VENV)/bin/python -m review.app --host $(REVIEW_HOST) --port $(REVIEW_PORT)

# make report FROM=2026-01-01 TO=2026-03-31 [REPORT_DIR=var/reports]
report: review-config ## the review report: make report FROM=YYYY-MM-DD TO=YYYY-MM-DD [REPORT_DIR=…]
	@if [ -z "$(FROM)" ] || [ -z "$(TO)" ]; then echo "usage: make report FROM=YYYY-MM-DD TO=YYYY-MM-DD" >&2; exit 2; fi
	$(VENV)/bin/python -m review.report --from $(FROM) --to $(TO) $(if $(REPORT_DIR),--out $(REPORT_DIR))

# Mask question texts past the retention period, delete old audit entries (nightly job: docs/privacy.md).
purge: review-config ## mask question texts past retention, delete old audit entries (nightly)
	$(VENV)/bin/python -m review.purge

.PHONY: knowledge-export knowledge-import
# The editors' live knowledge version back to YAML (docs/knowledge.md): make knowledge-export [OUT=dir]
knowledge-export: setup ## write the live knowledge version as YAML into knowledge/ (or OUT=dir)
	$(VENV)/bin/python -m actions.knowledge_export export $(if $(OUT),--out $(OUT))

# A developer's change to knowledge/ published as a new version of a database that has versions already.
knowledge-import: setup ## publish the YAML in knowledge/ as a new knowledge version
	$(VENV)/bin/python -m actions.knowledge_export import
