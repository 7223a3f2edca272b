#!/usr/bin/env bash
# Start Lotsen in the foreground: the action server (5055) and Rasa (5005).
# Logs go to the terminal; works without one (no input is read).
# Ctrl-C (or SIGTERM) stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
set -a; . ./.env; set +a
VENV=${VENV:-.venv}
MODEL=$("$VENV/bin/python" scripts/train_if_changed.py | tail -n 1)
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://127.0.0.1:5055/webhook}
# credentials.yml reads these; empty values switch the Teams channel off.
export TEAMS_APP_ID=${TEAMS_APP_ID:-} TEAMS_APP_PASSWORD=${TEAMS_APP_PASSWORD:-} TEAMS_TENANT_ID=${TEAMS_TENANT_ID:-}
export ENGAGEMENT_DB_URL=${ENGAGEMENT_DB_URL:-sqlite:///$PWD/var/engagements.db}
# No usage data or crash reports leave the machine (Rasa sends them to its own servers by default).
export RASA_TELEMETRY_ENABLED=${RASA_TELEMETRY_ENABLED:-false}
eval "$("$VENV/bin/python" -m stores.endpoint_env)"   # tracker and lock store defaults for endpoints.yml
mkdir -p var

pids=()
stop() {
  trap - INT TERM EXIT
  echo "Stopping Lotsen ..." >&2
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# Migrate once before the services start, so no two processes upgrade at the same moment.
"$VENV/bin/python" -c 'import os; from actions.records import create_engine, migrate; migrate(create_engine(os.environ["ENGAGEMENT_DB_URL"]))'
"$VENV/bin/python" -m review.config init   # first start only: var/review.yml with dev users (passwords printed once)

"$VENV/bin/python" -m actions.serve --port 5055 &   # binds ${LOTSEN_ACTIONS_HOST:-127.0.0.1} (docs/security.md)
pids+=($!)
"$VENV/bin/python" -m review.app --host 127.0.0.1 --port 8090 --no-migrate &
pids+=($!)
"$VENV/bin/python" -m widget.serve &   # demo intranet page + full-page chat on :8080
pids+=($!)
# Rasa with Lotsen's patches applied (rasa_patches/__main__.py; a plain `rasa run` is refused).
"$VENV/bin/python" -m rasa_patches run --model "$MODEL" --port 5005 \
  --credentials credentials.yml --endpoints endpoints.yml &
pids+=($!)
echo "Lotsen: Rasa on http://localhost:5005 (REST /webhooks/rest/webhook), actions on :5055, widget demo on http://localhost:8080/, review app on http://127.0.0.1:8090/, records in $("$VENV/bin/python" -c 'import os, sqlalchemy; print(sqlalchemy.engine.make_url(os.environ["ENGAGEMENT_DB_URL"]).render_as_string(hide_password=True))')" >&2
# Exit (and stop the rest) as soon as any service dies.
wait -n "${pids[@]}"
