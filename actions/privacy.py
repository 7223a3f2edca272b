"""Pseudonymisation and masking for what Lotsen stores.

Engagement records may become public documents (offentlighetsprincipen), so
they hold no raw sender ids and no obvious personal data in the question text.
"""
from __future__ import annotations

import hashlib
import hmac
import re

# Order matters: personnummer before phone numbers (both are digit runs).
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_PERSONNUMMER = re.compile(r"(?<!\d)(?:19|20)?\d{6}[-+ ]?\d{4}(?!\d)")
_PHONE = re.compile(r"(?<![\w])(?:\+46|0046|0)[\s-]?\d{1,3}(?:[\s-]?\d{2,4}){2,4}(?!\d)")

EMAIL_MASK = "[e-post]"
PERSONNUMMER_MASK = "[personnummer]"
PHONE_MASK = "[telefonnummer]"


def conversation_hash(sender_id: str, key: bytes) -> str:
    """Keyed hash (HMAC-SHA256) of a channel's sender id, hex encoded."""
    return hmac.new(key, sender_id.encode("utf-8"), hashlib.sha256).hexdigest()


def mask_personal_data(text: str) -> str:
    """Replace e-mail addresses, personnummer and phone numbers with placeholders."""
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _PERSONNUMMER.sub(PERSONNUMMER_MASK, text)
    return _PHONE.sub(PHONE_MASK, text)
