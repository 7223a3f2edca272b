# Hostile and broken input (issue 7; docs/reliability.md "Hostile and broken input").
# Included by the main Makefile (which defines VENV and setup).
#
#   make hostile        the corpus (tests/hostile/corpus.yml) against REST, socket.io,
#                       Teams, the review app and the widget, plus the action server down
#                       (what make test runs of it)
#   make hostile-long   one conversation of HOSTILE_MESSAGES (3000) messages over REST,
#                       with its own Rasa and action server; result in results/hostile/

VENV ?= .venv
HOSTILE_MESSAGES ?= 3000

.PHONY: hostile hostile-long

hostile: setup ## the hostile-input corpus against REST, socket.io, Teams, the review app and the widget
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/hostile

hostile-long: setup ## one conversation of HOSTILE_MESSAGES (3000) messages over REST
	$(VENV)/bin/python -m tests.hostile.long_conversation --messages $(HOSTILE_MESSAGES)
