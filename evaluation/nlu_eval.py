"""make eval: topic and counterpart quality on the held-out questions.

Compares, on the same training data (data/) and the same held-out questions
(tests/heldout/questions.yml, never trained on):
  1. Lotsen's pipeline (config.yml; the model make run serves),
  2. Rasa 3.6's default pipeline (evaluation/default_config.yml), trained here,
  3. a TF-IDF + logistic-regression baseline (scikit-learn).
Writes results/eval/report.md and a confusion heat map per system.
``--smoke`` evaluates a few questions with Lotsen's model and the baseline only
(make test runs it so the command cannot rot).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from actions.counterparts import Gazetteer
from actions.knowledge import CONVERSATIONAL_TOPICS, load_knowledge
from evaluation.heldout import Question, load_questions
from evaluation.metrics import Scores, score
from evaluation.report import write_report
from evaluation.systems import RasaSystem, System, TfidfBaseline

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "eval"
SMOKE_PER_TOPIC = 1


def train_model(config: Path, name: str) -> Path:
    """Train (or reuse) a model of ``config`` on data/; returns its path."""
    from scripts.train_if_changed import fingerprint

    model = ROOT / "models" / f"{name}-{fingerprint(ROOT, [str(config.relative_to(ROOT)), 'data'])}.tar.gz"
    if not model.exists():
        rasa = Path(sys.executable).with_name("rasa")
        subprocess.run([str(rasa), "train", "nlu", "--config", str(config), "--nlu", "data",
                        "--out", "models", "--fixed-model-name", model.name.removesuffix(".tar.gz"), "--quiet"],
                       cwd=ROOT, check=True)
    return model


def lotsen_model() -> Path:
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "train_if_changed.py")],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    return ROOT / out.stdout.strip().splitlines()[-1]


def training_examples() -> tuple[list[str], list[str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(ROOT / "data" / "nlu.yml"))
    examples = [e for e in data.intent_examples if e.get("text")]
    return [e.get("text") for e in examples], [e.get("intent") for e in examples]


def evaluate(system: System, questions: list[Question]) -> Scores:
    started = time.monotonic()
    predictions = system.predict([q.text for q in questions])
    elapsed = time.monotonic() - started
    in_scope = [q.topic not in CONVERSATIONAL_TOPICS for q in questions]
    result = score(
        system.name,
        [q.topic for q in questions], [p.topic for p in predictions],
        [q.counterpart for q, keep in zip(questions, in_scope) if keep],
        [p.counterpart for p, keep in zip(predictions, in_scope) if keep],
        direct_answer_rate=sum(p.direct for p in predictions) / len(predictions),
    )
    print(f"{system.name}: {len(questions)} questions in {elapsed:.1f} s", file=sys.stderr)
    return result


def smoke_subset(questions: list[Question]) -> list[Question]:
    seen: dict[str, int] = {}
    subset = []
    for q in questions:
        if seen.get(q.topic, 0) < SMOKE_PER_TOPIC:
            subset.append(q)
            seen[q.topic] = seen.get(q.topic, 0) + 1
    return subset


def main() -> None:
    parser = argparse.ArgumentParser(description="NLU evaluation on the held-out questions")
    parser.add_argument("--smoke", action="store_true", help="a few questions, no extra training")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    topics = load_knowledge(ROOT / "knowledge").topics
    gazetteer = Gazetteer.load(ROOT / "data" / "lookups" / "counterparts.yml")
    questions = load_questions()
    if args.smoke:
        questions = smoke_subset(questions)
    texts, intents = training_examples()
    systems: list[System] = [RasaSystem("Lotsen (config.yml)", lotsen_model(), topics, gazetteer)]
    if not args.smoke:
        default_model = train_model(ROOT / "evaluation" / "default_config.yml", "default-nlu")
        systems.append(RasaSystem("Rasa default pipeline", default_model, topics, None))
    systems.append(TfidfBaseline(texts, intents, topics, gazetteer))
    results = [evaluate(s, questions) for s in systems]
    report = write_report(results, args.out, len(questions), len(texts))
    print(report)


if __name__ == "__main__":
    main()
