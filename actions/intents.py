"""How NLU intents map to the contract's topic ids.

Each principle topic has an intent of the same name; several conversational
intents share the topic ``smalltalk``.
"""
from __future__ import annotations

from typing import Optional

SMALLTALK_INTENTS = ("greet", "thank", "goodbye", "bot_challenge", "help", "affirm", "deny")
OUT_OF_SCOPE = "out_of_scope"
FALLBACK_INTENT = "nlu_fallback"
CHOOSE_TOPIC_INTENT = "choose_topic"
FEEDBACK_INTENT = "feedback"
# A suggested follow-up question was clicked (its payload names the entry).
FOLLOWUP_CHOICE_INTENT = "followup_choice"


def topic_for_intent(intent: Optional[str], topics: tuple[str, ...]) -> Optional[str]:
    """The topic id an intent belongs to, or None for control intents."""
    if intent in SMALLTALK_INTENTS:
        return "smalltalk"
    if intent in topics:
        return intent
    return None
