"""Match RulePolicy's rules against as many past turns as the longest rule has, not the whole session.

``RulePolicy._get_possible_keys`` filters every rule against every state of
the conversation session, newest first. For a turn further back than a
rule's length, Rasa's ``_is_rule_applicable`` always answers True ("we got
further in the conversation history than the rule's length"), so every turn
beyond the longest rule keeps every rule and changes nothing, yet costs one
check per rule. Rasa runs this at least twice per prediction, three
predictions per message, over sessions of up to ``LOTSEN_SESSION_TURNS``
questions.

Here only the last *n* states are checked, *n* being the length of the
longest rule in the lookup (computed on every call, so a lookup that changes
while Rasa trains is measured as it is). The result is the same set of rules
(``tests/rasa_patches/test_rule_lookup.py`` compares both on the trained
model's own rules).
"""
from __future__ import annotations

from typing import Any

from rasa.core.policies.rule_policy import RulePolicy

from rasa_patches.core import Patch, apply as apply_patches, rasa_original

RASA_GET_POSSIBLE_KEYS = rasa_original(RulePolicy, "_get_possible_keys")  # Rasa's own, for comparison in the tests


def longest_rule(policy: RulePolicy, lookup: dict[str, Any]) -> int:
    return max((len(policy._rule_key_to_state(key)) for key in lookup), default=0)


def get_possible_keys(self: RulePolicy, lookup: dict[str, Any], states: list[dict]) -> set[str]:
    """Rasa's ``RulePolicy._get_possible_keys`` over the turns a rule can reach."""
    possible_keys = set(lookup.keys())
    reach = longest_rule(self, lookup)
    recent = states[len(states) - reach:] if reach < len(states) else states
    for i, state in enumerate(reversed(recent)):
        possible_keys = {key for key in possible_keys if self._is_rule_applicable(key, i, state)}
    return possible_keys


PATCHES = (Patch(__name__, RulePolicy, "_get_possible_keys", get_possible_keys),)


def apply() -> None:
    """This patch alone (Rasa's start-up applies every patch: ``rasa_patches.apply_all``)."""
    apply_patches(PATCHES)
