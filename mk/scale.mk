# Load and scale-out (issue 7; docs/reliability.md, docs/deployment.md).
# Included by the main Makefile (which defines VENV and the setup target).
VENV ?= .venv
LOAD_USERS ?= 50
LOAD_MESSAGES ?= 40
SCALE_USERS ?= 10
SCALE_MESSAGES ?= 20

.PHONY: load test-scale

# 50 concurrent officials x 40 messages over REST and over socket.io, on
# PostgreSQL; then exactly one record per question (results/load/report.md).
load: setup ## 50 users x 40 messages over REST and socket.io; one record per question
	$(VENV)/bin/python -m evaluation.reliability_load --users $(LOAD_USERS) --messages $(LOAD_MESSAGES)

# Two Rasa + two action servers behind nginx, PostgreSQL, Redis, all on
# 127.0.0.1 and stopped afterwards; the load test through nginx
# (results/scale/report.md). Full size: make test-scale SCALE_USERS=50 SCALE_MESSAGES=40
test-scale: setup ## nginx, 2 Rasa + 2 action servers, PostgreSQL, Redis on 127.0.0.1, the load through nginx
	$(VENV)/bin/python scripts/test_scale.py --users $(SCALE_USERS) --messages $(SCALE_MESSAGES)
