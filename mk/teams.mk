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

# Microsoft 365 Agents Playground, pinned in teams/playground/package-lock.json;
# tests/channels/test_teams_playground.py drives it (and installs it when missing).
PLAYGROUND_DIR := $(TEAMS_DIR)/playground
PLAYGROUND_NODE_STAMP := $(PLAYGROUND_DIR)/node_modules/.package-lock.json
PLAYGROUND_ENDPOINT ?= http://127.0.0.1:5005/webhooks/msteams/webhook

.PHONY: teams-playground teams-playground-node-modules

teams-playground-node-modules: $(PLAYGROUND_NODE_STAMP) ## install the pinned Microsoft 365 Agents Playground (teams/playground/)

$(PLAYGROUND_NODE_STAMP): $(PLAYGROUND_DIR)/package.json $(PLAYGROUND_DIR)/package-lock.json
	cd $(PLAYGROUND_DIR) && npm ci --no-audit --no-fund
	touch $@

# Against `make run` started with LOTSEN_TEAMS_AUTH_DISABLED=true (docs/teams.md, section 5).
teams-playground: $(PLAYGROUND_NODE_STAMP) ## the Agents Playground on http://127.0.0.1:56150, telemetry off, pointed at Lotsen's Teams webhook
	mkdir -p var && TEAMSAPPTESTER_BROWSER=none M365_AGENTS_PLAYGROUND_LOGFILE=var/m365agentsplayground.log node --require ./$(PLAYGROUND_DIR)/loopback.cjs \
	  $(PLAYGROUND_DIR)/node_modules/@microsoft/m365agentsplayground/cli.js \
	  --app-endpoint $(PLAYGROUND_ENDPOINT) --channel-id msteams --port 56150 \
	  --service-url http://127.0.0.1:56150/_connector --disable-telemetry
