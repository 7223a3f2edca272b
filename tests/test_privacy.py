"""No raw ids and no obvious personal data in what is stored."""
from __future__ import annotations

from actions.privacy import conversation_hash, mask_personal_data


def test_hash_is_keyed_stable_and_not_the_raw_id():
    first = conversation_hash("29:1abcUSER", b"k" * 32)
    assert first == conversation_hash("29:1abcUSER", b"k" * 32)
    assert first != conversation_hash("29:1abcUSER", b"x" * 32)
    assert "USER" not in first and len(first) == 64


def test_email_phone_and_personnummer_are_masked():
    text = "Mejla anna.svensson@stockholm.se eller ring 070-123 45 67, pnr 19800101-1234."
    masked = mask_personal_data(text)
    assert "anna.svensson" not in masked and "070" not in masked and "1980" not in masked
    assert "[e-post]" in masked and "[telefonnummer]" in masked and "[personnummer]" in masked


def test_ordinary_numbers_and_dates_are_kept():
    text = "Delegationen på 25 personer kommer 15 mars 2027, budget 100 000 kr."
    assert mask_personal_data(text) == text
