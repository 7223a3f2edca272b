"""Lotsen's own Rasa input channels.

``channels.teams.TeamsInput`` is the Microsoft Teams connector; see docs/teams.md.
"""
