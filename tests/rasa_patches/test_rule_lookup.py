"""RulePolicy checks only as many past turns as its longest rule
(rasa_patches/rule_lookup.py) and finds exactly the rules Rasa's own
``_get_possible_keys`` finds: on rules of one to four turns, with slots that
must or must not be set and conversation starts, against conversations
shorter and much longer than any rule."""
from __future__ import annotations

import json
import random

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import SHOULD_NOT_BE_SET

from rasa_patches import rule_lookup

INTENTS = ("vanortsavtal", "bistand", "affirm", "deny", "greet")
ACTIONS = ("action_listen", "action_answer", "utter_offer_assessment", "assessment_form")
SLOTS = ("last_topic", "requested_slot")


def random_state(rng: random.Random, for_rule: bool) -> dict:
    if rng.random() < 0.1:
        return {}  # a conversation start: no previous action
    state: dict = {"prev_action": {"action_name": rng.choice(ACTIONS)}}
    if rng.random() < 0.6:
        state["user"] = {"intent": rng.choice(INTENTS)}
    if rng.random() < 0.4:
        slot = rng.choice(SLOTS)
        value = SHOULD_NOT_BE_SET if for_rule and rng.random() < 0.3 else (1.0,)
        state["slots"] = {slot: list(value) if isinstance(value, tuple) and for_rule else value}
    if rng.random() < 0.2:
        state["active_loop"] = {"name": "assessment_form" if rng.random() < 0.7 else SHOULD_NOT_BE_SET}
    return state


def lookup(rng: random.Random, rules: int) -> dict[str, str]:
    keys = {json.dumps([random_state(rng, True) for _ in range(rng.randint(1, 4))], sort_keys=True)
            for _ in range(rules)}
    return {key: rng.choice(ACTIONS) for key in keys}


def test_the_same_rules_are_found_as_by_rasas_own_matching():
    rng = random.Random(7)
    policy = RulePolicy.__new__(RulePolicy)  # the matching uses no trained state
    found_some = 0
    for _ in range(400):
        rules = lookup(rng, rng.randint(1, 60))
        conversation = [random_state(rng, False) for _ in range(rng.choice((1, 2, 3, 5, 12, 60)))]
        ours = rule_lookup.get_possible_keys(policy, rules, conversation)
        assert ours == rule_lookup.RASA_GET_POSSIBLE_KEYS(policy, rules, conversation)
        found_some += bool(ours)
    assert found_some > 50  # the comparison covered matches, not only empty sets
    assert rule_lookup.get_possible_keys(policy, {}, [{}]) == set()


def test_rasa_uses_the_shorter_matching_once_the_patches_are_applied():
    import rasa_patches

    rasa_patches.apply_all()  # what `python -m rasa_patches run` does before Rasa starts

    assert RulePolicy._get_possible_keys is rule_lookup.get_possible_keys
