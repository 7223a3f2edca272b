"""DIET loaded without a training step (rasa_patches/fast_model_load.py) answers
exactly as Rasa's own loader does: same intents, confidences and entities on
every held-out question."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.servers import ROOT, trained_model


def nlu_output(model: str, *flags: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "tests.support.diet_predictions", model, *flags],
                         cwd=ROOT, check=True, capture_output=True, text=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "LOG_LEVEL": "WARNING"}).stdout
    [line] = [line for line in out.splitlines() if line.startswith("PREDICTIONS ")]
    return json.loads(line.removeprefix("PREDICTIONS "))


def test_fast_loader_predicts_exactly_as_rasas_loader():
    model = str(trained_model())
    fast, rasa = nlu_output(model, "--fast"), nlu_output(model)
    assert "DIET" not in fast["rasa_loader_used_for"], "DIET was loaded by Rasa's loader, not the fast one"
    assert len(fast["parsed"]) == len(rasa["parsed"]) > 400
    assert fast["parsed"] == rasa["parsed"]


def test_rasa_run_installs_the_fast_loader_with_the_project_channels():
    import channels  # noqa: F401  (what `rasa run` imports through credentials.yml)
    from rasa.utils.tensorflow.models import RasaModel

    from rasa_patches.fast_model_load import load_for_prediction

    assert RasaModel.load.__func__ is load_for_prediction
