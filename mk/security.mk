# Dependency audit (issue 7 §3; docs/security.md). Included by the main Makefile (VENV).
#   make audit   pip-audit over .venv + npm audit over every package-lock.json;
#                fails on a finding not in security/accepted-findings.yml (exit 1)
#                and when a vulnerability service cannot be reached (exit 3).
VENV ?= .venv

.PHONY: audit
audit: $(VENV)/.installed ## pip-audit and npm audit against security/accepted-findings.yml
	@VENV=$(VENV) scripts/security_audit.sh
