#!/usr/bin/env bash
# Everything CI runs (make test): one training run shared by every step.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export PATH="$PWD/$VENV/bin:$PATH"
export TF_CPP_MIN_LOG_LEVEL=2
mkdir -p artifacts

step() { printf '\n=== %s ===\n' "$*"; }

step "rasa data validate"
rasa data validate --data data --domain domain.yml --config config.yml

step "train (only if data, domain or config changed)"
LOTSEN_MODEL=$(python scripts/train_if_changed.py | tail -n 1)
export LOTSEN_MODEL

step "rasa test: test stories against the trained model and a running action server"
python -m tests.support.rasa_story_test "$LOTSEN_MODEL"

step "make eval, smoke size (the full run is make eval)"
python -m evaluation.nlu_eval --smoke --out results/eval-smoke > /dev/null

step "make bench, smoke size (the full run is make bench)"
python -m evaluation.bench --smoke --out results/bench-smoke > /dev/null

step "pytest"
python -m pytest -q -p no:cacheprovider tests
