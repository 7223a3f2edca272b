"""Lotsen's own Rasa input channels.

``channels.teams.TeamsInput`` is the Microsoft Teams connector; see docs/teams.md.
"""

from channels import rasa_speedups

rasa_speedups.apply()
