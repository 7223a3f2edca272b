"""Load DIET for prediction without tracing a training step.

Rasa 3.6's ``RasaModel.load`` builds the model's variables by *training it
for one step* on an example (``model.fit``), then loads the trained weights
over them. Tracing that step (forward pass, gradients of the entity CRF and
the similarity loss, the optimizer) was 79 % of the Rasa server's start-up
time in py-spy and most of its memory beyond TensorFlow itself
(docs/performance.md).

For prediction only the prediction path's variables are needed. This loader
builds them with one eager prediction on the same example, restores the
trained weights (the optimizer's slots in the checkpoint are not needed and
are ignored), and then prepares and traces the prediction function exactly
as Rasa does, so the label embeddings are computed from the trained weights.
Only DIET itself is loaded this way (the pipeline's one TensorFlow model);
other models (TED, response selectors) and fine-tuning (``rasa train
--finetune``, which trains) keep Rasa's loader.
``tests/rasa_patches/test_fast_model_load.py`` checks that the predictions
are identical on every held-out question.
"""
from __future__ import annotations

from typing import Any, Optional

import rasa.utils.train_utils
from rasa.nlu.classifiers.diet_classifier import DIET
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

from rasa_patches.core import Patch, apply as apply_patches, rasa_original

_original_load = rasa_original(RasaModel, "load")  # the classmethod's function


def _first_batch(model_data: RasaModelData) -> Any:
    generator, _ = rasa.utils.train_utils.create_data_generators(
        model_data=model_data, batch_sizes=1, epochs=1, shuffle=False
    )
    return next(iter(generator))[0]


def load_for_prediction(
    cls: type[RasaModel],
    model_file_name: str,
    model_data_example: RasaModelData,
    predict_data_example: Optional[RasaModelData] = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    """``RasaModel.load`` with the variables built by one eager prediction instead of a training step."""
    if cls is not DIET or finetune_mode or predict_data_example is None:
        return _original_load(cls, model_file_name, model_data_example, predict_data_example,
                              finetune_mode, *args, **kwargs)
    model = cls(*args, **kwargs)
    model.predict_step(_first_batch(predict_data_example))  # eager: creates the prediction variables
    model.load_weights(model_file_name).expect_partial()  # optimizer slots stay unused
    # the label embeddings were computed from the untrained weights: compute them again, then trace
    model.prepared_for_prediction = False
    model._tf_predict_step = None
    model.run_inference(predict_data_example)
    return model


PATCHES = (Patch(__name__, RasaModel, "load", classmethod(load_for_prediction)),)


def apply() -> None:
    """This patch alone (Rasa's start-up applies every patch: ``rasa_patches.apply_all``)."""
    apply_patches(PATCHES)
