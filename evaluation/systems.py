"""The systems compared by make eval: a Rasa model (Lotsen's or the default
pipeline's) and a plain TF-IDF + logistic-regression baseline."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Protocol

from actions.counterparts import Gazetteer
from actions.intents import FALLBACK_INTENT, topic_for_intent


@dataclass(frozen=True)
class Prediction:
    topic: str
    counterpart: Optional[str]
    direct: bool  # answered without a clarification question


class System(Protocol):
    name: str

    def predict(self, texts: list[str]) -> list[Prediction]: ...


def _topic(intent: Optional[str], topics: tuple[str, ...]) -> str:
    return topic_for_intent(intent, topics) or "out_of_scope"


class RasaSystem:
    """A trained Rasa model, parsed in-process with ``Agent.parse_message``."""

    def __init__(self, name: str, model: Path, topics: tuple[str, ...], gazetteer: Optional[Gazetteer]) -> None:
        from rasa.core.agent import Agent

        self.name = name
        self.topics = topics
        self.gazetteer = gazetteer
        self.agent = Agent.load(str(model))

    def _predict_one(self, parsed: dict) -> Prediction:
        intent = parsed["intent"]["name"]
        direct = intent != FALLBACK_INTENT
        if not direct:  # the topic Lotsen would offer first
            ranked = [r["name"] for r in parsed.get("intent_ranking", []) if r["name"] != FALLBACK_INTENT]
            intent = ranked[0] if ranked else None
        extracted = next((e["value"] for e in parsed.get("entities", []) if e.get("entity") == "counterpart"), None)
        if self.gazetteer is not None:
            found = self.gazetteer.counterpart_of(extracted if isinstance(extracted, str) else None, parsed["text"])
            counterpart = found.name if found else None
        else:
            counterpart = extracted
        return Prediction(_topic(intent, self.topics), counterpart, direct)

    def predict(self, texts: list[str]) -> list[Prediction]:
        async def run() -> list[dict]:
            return [await self.agent.parse_message(t) for t in texts]

        return [self._predict_one(p) for p in asyncio.run(run())]


class TfidfBaseline:
    """Word and character n-gram TF-IDF with logistic regression (scikit-learn)."""

    name = "TF-IDF + logistic regression"

    def __init__(self, texts: list[str], intents: list[str], topics: tuple[str, ...], gazetteer: Gazetteer) -> None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.topics = topics
        self.gazetteer = gazetteer
        features = make_union(
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), lowercase=True, sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True, sublinear_tf=True),
        )
        self.model = make_pipeline(features, LogisticRegression(max_iter=2000, C=10.0))
        self.model.fit(texts, intents)

    def predict(self, texts: list[str]) -> list[Prediction]:
        predictions = []
        for text, intent in zip(texts, self.model.predict(texts)):
            found = self.gazetteer.find(text)
            predictions.append(Prediction(_topic(intent, self.topics), found.name if found else None, True))
        return predictions
