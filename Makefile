# Lotsen — see README.md. `make run` starts the assistant, `make test` runs
# everything CI runs.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
SPACY_MODEL := var/spacy/sv_lotsen/meta.json
# Rasa sends usage data and crash reports to its own servers unless told not to.
export RASA_TELEMETRY_ENABLED ?= false

.PHONY: setup run test train eval eval-cv bench validate lint clean help
.DEFAULT_GOAL := help

# Every target with a "## what it does" comment after its prerequisites is listed.
help: ## this list: every target and what it does
	@awk 'BEGIN { FS = ":[^#]*## " } /^[a-zA-Z0-9_.-]+:[^=]*## / { printf "  make %-19s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

# Development and test packages too (requirements-dev.txt includes requirements.txt);
# the production image installs requirements.txt only (deploy/Dockerfile).
$(VENV)/.installed: requirements.txt requirements-dev.txt requirements.lock
	@PYTHON310=$$(scripts/find_python310.sh) || exit 1; \
	  test -x $(PY) || $$PYTHON310 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.0"
	$(PY) -m pip install --quiet -r requirements-dev.txt -c requirements.lock
	@touch $@

$(SPACY_MODEL): $(VENV)/.installed nlp/build_pipeline.py nlp/lemma_overrides.yml
	$(PY) -m nlp.build_pipeline

.env:
	@scripts/dev_env.sh

setup: $(VENV)/.installed $(SPACY_MODEL) .env ## .venv (with the test packages), the Swedish spaCy pipeline and .env, each only when missing or stale

train: setup ## train the model only if data/, domain.yml or config.yml changed
	@$(PY) scripts/train_if_changed.py

run: setup ## start Lotsen: Rasa :5005, actions :5055, widget demo :8080, review app :8090
	@scripts/run.sh

validate: setup ## rasa data validate on data/, domain.yml and config.yml
	$(RASA) data validate --data data --domain domain.yml --config config.yml

lint: setup ## ruff, mypy (pyproject.toml) and detect-secrets against .secrets.baseline
	@scripts/lint.sh

test: setup ## everything CI runs (scripts/test.sh)
	@scripts/test.sh

eval: setup ## NLU quality vs Rasa's default pipeline and a TF-IDF baseline on the held-out questions
	$(PY) -m evaluation.nlu_eval
	$(PY) -m evaluation.answer_eval --with-default

# Rasa's own 3-fold cross-validation of Lotsen's pipeline on data/ (about 10 minutes).
eval-cv: setup ## Rasa's 3-fold cross-validation of Lotsen's pipeline (about 10 minutes)
	$(RASA) test nlu --nlu data --config config.yml --cross-validation --folds 3 --out results/cv

bench: setup ## latency, throughput and memory vs Rasa's default assistant
	$(PY) -m evaluation.bench

clean: ## remove models/, results/ and var/spacy/
	rm -rf models results var/spacy

-include mk/*.mk
