# Microsoft Teams app package for Lotsen (see docs/teams.md).
#
# Included by the main Makefile, which defines VENV; also usable on its own:
#   TEAMS_APP_ID=<bot app id> make -f mk/teams.mk teams-package
# Run from the repository root. The manifest is validated against Teams'
# published JSON schema from the npm package @microsoft/app-manifest,
# installed from teams/package-lock.json.

VENV ?= .venv
TEAMS_DIR := teams
TEAMS_PACKAGE ?= build/lotsen-teams.zip
TEAMS_NODE_STAMP := $(TEAMS_DIR)/node_modules/.package-lock.json

.PHONY: teams-package teams-node-modules

teams-node-modules: $(TEAMS_NODE_STAMP) ## install teams/'s npm packages (the manifest schemas)

$(TEAMS_NODE_STAMP): $(TEAMS_DIR)/package.json $(TEAMS_DIR)/package-lock.json
	cd $(TEAMS_DIR) && npm ci --no-audit --no-fund
	touch $@

teams-package: $(TEAMS_NODE_STAMP) ## build and validate the Teams app package (build/lotsen-teams.zip)
	$(VENV)/bin/python $(TEAMS_DIR)/build_package.py --output $(TEAMS_PACKAGE)
	$(VENV)/bin/python $(TEAMS_DIR)/validate_manifest.py $(TEAMS_PACKAGE)
