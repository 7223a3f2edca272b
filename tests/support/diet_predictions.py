"""Print the trained model's NLU output for the held-out questions as JSON,
loaded with Rasa's own loader or with ``--fast`` (rasa_patches/fast_model_load.py,
with DIET's graph called directly and the graph run in a kept order as ``rasa run``
serves it: rasa_patches/predict_call.py, graph_runner.py, sparse_features.py).

Run as ``python -m tests.support.diet_predictions MODEL OUT [--fast]``; each
loader runs in its own process so that neither sees the other's TensorFlow state.
The JSON goes to the file OUT, not to standard output, where Rasa's and
TensorFlow's threads may write into the middle of a long line.
"""
from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any


def predictions(model: str) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    from evaluation.heldout import load_questions

    agent = Agent.load(model)
    parsed = [asyncio.run(agent.parse_message(q.text)) for q in load_questions()]
    return [{"intent_ranking": p["intent_ranking"],
             "entities": [(e["entity"], e["value"], e.get("confidence_entity")) for e in p["entities"]]}
            for p in parsed]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("out", type=Path)
    parser.add_argument("--fast", action="store_true")
    args = parser.parse_args()
    rasa_loader_used_for: list[str] = []
    if args.fast:
        from rasa_patches import fast_model_load, graph_runner, predict_call, sparse_features

        original = fast_model_load._original_load

        def rasa_loader(cls: type, *rest: Any, **kwargs: Any) -> Any:
            rasa_loader_used_for.append(cls.__name__)
            return original(cls, *rest, **kwargs)

        fast_model_load._original_load = rasa_loader
        fast_model_load.apply()
        predict_call.apply()  # as `rasa run` serves it: DIET's graph called directly,
        graph_runner.apply()  # the graph run in its kept order,
        sparse_features.apply()  # the sparse features joined at once
    result = predictions(args.model)
    args.out.write_text(json.dumps({"rasa_loader_used_for": rasa_loader_used_for, "parsed": result}),
                        encoding="utf-8")


if __name__ == "__main__":
    main()
