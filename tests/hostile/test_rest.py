"""The hostile corpus over REST (/webhooks/rest/webhook): every message gets a
Swedish answer, one over the length limit first hears that it was too long and
is stored truncated and marked; broken bodies get 400; nothing gets a 5xx; the
server and the record table are intact afterwards."""
from __future__ import annotations

import requests

from channels.message_limit import MAX_MESSAGE_CHARS
from tests.hostile.conftest import answers_normally, records_of, table_shape
from tests.hostile.corpus import bodies, too_long_reply, unavailable_reply


def texts(replies: list[dict]) -> list[str]:
    return [r["text"] for r in replies if r.get("text")]


def test_every_message_is_answered_and_only_a_long_one_hears_it_was_too_long(rest_corpus):
    for sent in rest_corpus.sent:
        assert sent.status == 200, sent.message.name
        said = texts(sent.replies)
        assert said, f"{sent.message.name}: no answer at all"
        assert unavailable_reply() not in said, f"{sent.message.name}: an action failed"
        assert (said[0] == too_long_reply()) is sent.message.over_limit, sent.message.name


def test_a_pasted_e_mail_is_answered_from_its_beginning(rest_corpus):
    paste = rest_corpus.named("paste of 100 kB")
    said = texts(paste.replies)
    assert said[0] == too_long_reply() and "2\u00a0000 tecken" in said[0]
    assert "Källa:" in " ".join(said[1:]), "the pasted question is still answered"
    assert [r["topic"] for r in paste.records] == ["delegationsbesok"]


def test_records_store_what_lotsen_read_truncated_and_marked(rest_corpus):
    for sent in rest_corpus.sent:
        assert len(sent.records) == sent.message.records, f"{sent.message.name}: {len(sent.records)} records"
        if not sent.records:
            continue
        [record] = sent.records
        assert record["question_truncated"] is sent.message.over_limit, sent.message.name
        if sent.message.over_limit:
            assert MAX_MESSAGE_CHARS - 100 <= len(record["question"]) <= MAX_MESSAGE_CHARS, sent.message.name
            assert sent.message.read_as.startswith(record["question"]), sent.message.name
        else:
            assert record["question"] == sent.message.read_as, sent.message.name
    paste = rest_corpus.named("paste of 100 kB")
    question = paste.records[0]["question"]
    assert paste.message.read_as[len(question)].isspace(), "cut between two words"
    assert rest_corpus.named("SQL fragment").records[0]["question"] == "'; DROP TABLE engagement_records; --"


def test_the_record_table_is_intact(lotsen, rest_corpus):
    count, columns = rest_corpus.table_before
    assert ("question_truncated", "BOOLEAN") in columns and ("question", "TEXT") in columns
    assert rest_corpus.table_after == (count + sum(s.message.records for s in rest_corpus.sent), columns)


def test_broken_bodies_get_400_never_5xx_and_the_server_still_answers(lotsen, rest_corpus):
    url = f"{lotsen.rasa_url}/webhooks/rest/webhook"
    for body in bodies():
        response = requests.post(url, data=body.raw, headers={"Content-Type": "application/json"}, timeout=60)
        assert response.status_code == body.status, (body.name, response.text[:300])
    before = table_shape(lotsen.db_url)
    assert answers_normally(lotsen, "hostile-rest-after-bodies")
    assert table_shape(lotsen.db_url) == (before[0] + 1, before[1])


def test_a_client_cannot_choose_the_records_channel(lotsen):
    payload = {"sender": "hostile-rest-channel", "message": "Får vi söka EU-medel?", "input_channel": "msteams"}
    assert requests.post(f"{lotsen.rasa_url}/webhooks/rest/webhook", json=payload, timeout=60).status_code == 200
    assert [r["channel"] for r in records_of(lotsen, "hostile-rest-channel")] == ["rest"]
