"""Scores for topic classification and counterpart extraction."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

OUT_OF_SCOPE = "out_of_scope"


@dataclass
class Scores:
    system: str
    accuracy: float
    macro_f1: float
    per_topic: dict[str, tuple[float, float, float, int]]
    oos_precision: float
    oos_recall: float
    counterpart_f1: float
    labels: list[str]
    confusion: list[list[int]]
    direct_answer_rate: Optional[float] = None


def counterpart_f1(gold: Sequence[Optional[str]], predicted: Sequence[Optional[str]]) -> float:
    """F1 over questions: a predicted counterpart is right when it equals the gold name."""
    tp = sum(1 for g, p in zip(gold, predicted) if g and p and g.lower() == p.lower())
    fp = sum(1 for g, p in zip(gold, predicted) if p and (not g or g.lower() != p.lower()))
    fn = sum(1 for g, p in zip(gold, predicted) if g and (not p or g.lower() != p.lower()))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score(
    system: str, gold: Sequence[str], predicted: Sequence[str],
    gold_counterparts: Sequence[Optional[str]], predicted_counterparts: Sequence[Optional[str]],
    direct_answer_rate: Optional[float] = None,
) -> Scores:
    labels = sorted(set(gold) | set(predicted))
    p, r, f, support = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    per_topic = {label: (p[i], r[i], f[i], int(support[i])) for i, label in enumerate(labels)}
    oos = per_topic.get(OUT_OF_SCOPE, (0.0, 0.0, 0.0, 0))
    gold_labels = sorted(set(gold))
    return Scores(
        system=system,
        accuracy=accuracy_score(gold, predicted),
        macro_f1=f1_score(gold, predicted, labels=gold_labels, average="macro", zero_division=0),
        per_topic=per_topic, oos_precision=oos[0], oos_recall=oos[1],
        counterpart_f1=counterpart_f1(gold_counterparts, predicted_counterparts),
        labels=labels, confusion=confusion_matrix(gold, predicted, labels=labels).tolist(),
        direct_answer_rate=direct_answer_rate,
    )
