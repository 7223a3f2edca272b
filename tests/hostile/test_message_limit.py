"""What Rasa does to every message before NLU (channels/message_limit.py,
actions/plain_text.py), and that the result is stored unchanged by both
record databases."""
from __future__ import annotations

from rasa.core.channels.channel import UserMessage

from actions.plain_text import clean_text
from actions.privacy import mask_personal_data
from actions.records import EngagementRecord, RecordStore
from actions.turn import _department, _truncated
from channels.message_limit import MAX_MESSAGE_CHARS, MAX_METADATA_DEPTH, guard_message, truncate
from tests.hostile.corpus import messages


def guarded(text: str, metadata: object = None) -> tuple[UserMessage, bool]:
    message = UserMessage(text, metadata=metadata)  # type: ignore[arg-type]
    return message, guard_message(message)


def test_invisible_and_control_characters_go_and_everything_else_stays():
    assert clean_text("vä\u200bnorts\u200davtal\u00ad med Ber\ufefflin\u0000\u0007?") == "vänortsavtal med Berlin?"
    assert clean_text("\u202eavtal\u202c \u2066Oslo\u2069 \ud800") == "avtal Oslo "
    kept = "هل يمكننا؟ שלום 🚲🇳🇱 '; DROP TABLE engagement_records; -- <script>x</script> {{7*7}}\ttab\nrad"
    assert clean_text(kept) == kept
    assert clean_text("Fa\u030ar") == "Får", "composed (NFC), as NLU knows the word"


def test_a_long_message_is_cut_at_a_word_and_a_long_word_exactly_at_the_limit():
    words = "Får vi ta emot en delegation? " * 200
    cut = truncate(words)
    assert len(cut) <= MAX_MESSAGE_CHARS and words.startswith(cut) and words[len(cut)] == " "
    assert truncate("a" * 100_000) == "a" * MAX_MESSAGE_CHARS
    assert truncate("kort fråga") == "kort fråga"
    exactly = "x" * MAX_MESSAGE_CHARS
    message, truncated = guarded(exactly)
    assert truncated is False and message.text == exactly


def test_only_rasa_marks_a_message_as_truncated():
    message, truncated = guarded("Hej", metadata={"lotsen": {"truncated": True}, "department": "Kulturförvaltningen"})
    assert truncated is False and message.metadata == {"lotsen": {"truncated": False}, "department": "Kulturförvaltningen"}
    assert _truncated(message.metadata) is False
    message, truncated = guarded("ord " * 1000)
    assert truncated is True and _truncated(message.metadata) is True and len(message.text) <= MAX_MESSAGE_CHARS


def test_unusable_channel_metadata_is_dropped():
    deep: object = "x"
    for _ in range(MAX_METADATA_DEPTH + 1):
        deep = [deep]
    for metadata in ("a string", [1, 2], {"a": deep}, {"big": "x" * 20_000}):
        message, _ = guarded("Hej", metadata=metadata)
        assert message.metadata == {"lotsen": {"truncated": False}}, metadata


def test_every_corpus_message_as_lotsen_reads_it_is_stored_unchanged(engine):
    """On SQLite and PostgreSQL (which refuses NUL characters in text: the record would be lost)."""
    store = RecordStore(engine)
    for message in messages():
        user, truncated = guarded(message.text)
        record = EngagementRecord(
            conversation_id="c" * 64, channel="rest", question=mask_personal_data(user.text),
            department=_department({"department": message.text}, None), question_truncated=truncated,
            topic="out_of_scope", outcome="fallback", kb_version="test",
        )
        assert store.insert(record), message.name
        stored = store.get(record.id)
        assert stored is not None and stored["question"] == record.question, message.name
        assert stored["department"] == record.department and stored["question_truncated"] is truncated
    assert len(store.all()) == len(messages())
