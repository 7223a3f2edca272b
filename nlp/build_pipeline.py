"""Build the blank Swedish spaCy pipeline with the lookup lemmatizer.

The trained ``sv_core_news_*`` pipelines cannot be downloaded here, so Lotsen
builds a blank ``sv`` pipeline whose only component is the lookup lemmatizer
from ``spacy-lookups-data``, patches a few function words that the
context-free table gets wrong, and saves it to disk. Rasa's ``SpacyNLP``
loads it by path (``config.yml``). The action server and the review app read
the same table and overrides without spaCy (:mod:`nlp.lemmas`).

The table is keyed by exact word form, so text must be lower-cased before
lookup: Rasa does that with ``case_sensitive: false``, :mod:`nlp.lemmas` itself.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE.parent / "var" / "spacy" / "sv_lotsen"


def load_overrides(path: Path = HERE / "lemma_overrides.yml") -> dict[str, str]:
    """Return the word-form -> lemma overrides, validated."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    overrides = data.get("overrides")
    if not isinstance(overrides, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in overrides.items()
    ):
        raise ValueError(f"{path}: 'overrides' must map word forms to lemmas")
    return {k.lower(): v.lower() for k, v in overrides.items()}


def build(output: Path = DEFAULT_OUTPUT) -> Path:
    """Build the pipeline and write it to ``output``."""
    import spacy  # here, so that reading the overrides does not import spaCy (and TensorFlow)

    nlp = spacy.blank("sv")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")  # type: ignore[attr-defined]
    for form, lemma in load_overrides().items():
        table.set(form, lemma)
    nlp.meta["name"] = "sv_lotsen"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Blank Swedish pipeline with the lookup lemmatizer (Lotsen)"
    output.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    print(f"spaCy pipeline written to {build(args.output)}")


if __name__ == "__main__":
    main()
