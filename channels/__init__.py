"""Lotsen's own Rasa input channels.

``channels.teams.TeamsInput`` is the Microsoft Teams connector; see docs/teams.md.
"""

from channels import action_unavailable, message_limit, rasa_speedups

rasa_speedups.apply()
# Issue 7: an apology instead of silence when the action server fails, and
# every message cleaned and cut to the length limit before NLU (docs/reliability.md).
action_unavailable.apply()
message_limit.apply()
