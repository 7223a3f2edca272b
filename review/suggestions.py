"""Unanswered questions as YAML the maintainers paste into data/ or knowledge/.

Two shapes: Rasa NLU training examples (``data/nlu.yml`` format, grouped by
the suggested intent) and knowledge-base entry skeletons (``knowledge/*.yml``
format) whose answer a maintainer writes.
"""
from __future__ import annotations

from collections import OrderedDict
from datetime import date
from typing import Any, Iterable, Mapping

import yaml

from review.clusters import Lemmatizer

NON_INTENT_TOPICS = {"smalltalk"}


class _Literal(str):
    """A string dumped in YAML block style (``|``)."""


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal)


def _dump(data: Any, header: str) -> str:
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    made = f"# Förslag från Lotsens granskningsvy {date.today().isoformat()}. Granska innan ni klistrar in."
    return f"# {header}\n{made}\n{body}"


def suggested_intent(record: Mapping[str, Any]) -> str:
    topic = record.get("topic") or ""
    if topic and topic not in NON_INTENT_TOPICS:
        return topic
    return record.get("intent") or "out_of_scope"


def training_examples(records: Iterable[Mapping[str, Any]]) -> str:
    """Rasa 3 NLU YAML with each question as an example of its suggested intent."""
    grouped: "OrderedDict[str, list[str]]" = OrderedDict()
    for record in records:
        examples = grouped.setdefault(suggested_intent(record), [])
        text = " ".join(str(record["question"]).split())
        if text not in examples:
            examples.append(text)
    nlu = [
        {"intent": intent, "examples": _Literal("".join(f"- {q}\n" for q in questions))}
        for intent, questions in grouped.items()
    ]
    return _dump({"version": "3.1", "nlu": nlu}, "Till data/nlu.yml")


def knowledge_entries(records: Iterable[Mapping[str, Any]], lemmatizer: Lemmatizer) -> str:
    """Skeleton knowledge entries (answer left for a maintainer to write)."""
    entries = []
    for record in records:
        question = " ".join(str(record["question"]).split())
        entries.append({
            "id": f"{record['topic']}.forslag-{str(record['id'])[:8]}",
            "topic": record["topic"],
            "primary": False,
            "title": question,
            "answer": "SKRIV SVARET HÄR",
            "conditions": [],
            "kind": "strategy",
            "source": "ANGE KÄLLA",
            "keywords": sorted(lemmatizer(question)),
        })
    return _dump({"entries": entries}, "Till knowledge/<ämne>.yml")
