# Lotsen — see README.md. `make run` starts the assistant, `make test` runs
# everything CI runs.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
SPACY_MODEL := var/spacy/sv_lotsen/meta.json
# Rasa sends usage data and crash reports to its own servers unless told not to.
export RASA_TELEMETRY_ENABLED ?= false

.PHONY: setup run test train eval eval-cv bench validate clean help
.DEFAULT_GOAL := help

help:
	@echo "make run    start Lotsen (Rasa :5005, actions :5055)"
	@echo "make test   the whole test suite (what CI runs)"
	@echo "make eval   NLU evaluation on the held-out questions"
	@echo "make bench  latency, throughput, memory vs Rasa's default assistant"
	@echo "make train  train the model if data, domain or config changed"

$(VENV)/.installed: requirements.txt requirements.lock
	@PYTHON310=$$(scripts/find_python310.sh) || exit 1; \
	  test -x $(PY) || $$PYTHON310 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.0"
	$(PY) -m pip install --quiet -r requirements.txt -c requirements.lock
	@touch $@

$(SPACY_MODEL): $(VENV)/.installed nlp/build_pipeline.py nlp/lemma_overrides.yml
	$(PY) -m nlp.build_pipeline

.env:
	@scripts/dev_env.sh

setup: $(VENV)/.installed $(SPACY_MODEL) .env

train: setup
	@$(PY) scripts/train_if_changed.py

run: setup
	@scripts/run.sh

validate: setup
	$(RASA) data validate --data data --domain domain.yml --config config.yml

test: setup
	@scripts/test.sh

eval: setup
	$(PY) -m evaluation.nlu_eval
	$(PY) -m evaluation.answer_eval --with-default

# Rasa's own 3-fold cross-validation of Lotsen's pipeline on data/ (about 10 minutes).
eval-cv: setup
	$(RASA) test nlu --nlu data --config config.yml --cross-validation --folds 3 --out results/cv

bench: setup
	$(PY) -m evaluation.bench

clean:
	rm -rf models results var/spacy

-include mk/*.mk
