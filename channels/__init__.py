"""Lotsen's own Rasa input channels.

``channels.teams.TeamsInput`` is the Microsoft Teams connector; see docs/teams.md.
Importing this package patches nothing: Rasa is started with
``python -m rasa_patches run …``, which applies every patch
(``rasa_patches.apply_all``), including the three in this package
(``rasa_speedups``, ``action_unavailable``, ``message_limit``).
"""
