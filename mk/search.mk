# Knowledge search accuracy (issue 3; docs/knowledge.md "The knowledge search").
# Included by the main Makefile (which defines VENV and setup).
#
#   make search-eval    right topic first on tests/search_dev.yml (tuned on),
#                       5-fold cross-validation over data/nlu.yml and the
#                       held-out tests/heldout/search.yml (rate only)

VENV ?= .venv

.PHONY: search-eval

search-eval: setup ## knowledge-search accuracy: development set, cross-validation, held-out rate
	$(VENV)/bin/python scripts/search_eval.py --cv --heldout
