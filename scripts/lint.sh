#!/usr/bin/env bash
# make lint (and a step of make test): style, types and secrets. pyproject.toml
# configures ruff and mypy; security/detect_secrets_check.py compares
# detect-secrets' findings with the audited .secrets.baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
"$VENV/bin/ruff" check --quiet .
"$VENV/bin/mypy" --no-error-summary
"$VENV/bin/python" -m security.detect_secrets_check
echo "lint: ruff, mypy and detect-secrets found nothing"
