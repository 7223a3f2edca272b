"""DIET loaded without a training step (rasa_patches/fast_model_load.py) answers
exactly as Rasa's own loader does: same intents, confidences and entities on
every held-out question."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.servers import ROOT, trained_model


def nlu_output(model: str, out: Path, *flags: str) -> dict:
    subprocess.run([sys.executable, "-m", "tests.support.diet_predictions", model, str(out), *flags],
                   cwd=ROOT, check=True, capture_output=True, text=True,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "LOG_LEVEL": "WARNING"})
    return json.loads(out.read_text(encoding="utf-8"))


def test_fast_loader_predicts_exactly_as_rasas_loader(tmp_path):
    model = str(trained_model())
    fast, rasa = nlu_output(model, tmp_path / "fast.json", "--fast"), nlu_output(model, tmp_path / "rasa.json")
    assert "DIET" not in fast["rasa_loader_used_for"], "DIET was loaded by Rasa's loader, not the fast one"
    assert len(fast["parsed"]) == len(rasa["parsed"]) > 400
    assert fast["parsed"] == rasa["parsed"]


def test_rasa_run_installs_the_fast_loader_with_the_patches():
    import rasa_patches

    rasa_patches.apply_all()  # what `python -m rasa_patches run` does before Rasa starts
    from rasa.utils.tensorflow.models import RasaModel

    from rasa_patches.fast_model_load import load_for_prediction

    assert RasaModel.load.__func__ is load_for_prediction
