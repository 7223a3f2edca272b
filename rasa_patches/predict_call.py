"""Call DIET's traced prediction graph directly instead of through ``tf.function``'s dispatcher.

Rasa keeps DIET's prediction step as a ``tf.function`` with an input
signature (``RasaModel._tf_predict_step``), so it has exactly one traced
graph. Every call still goes through ``tf.function``'s dispatch, which
canonicalises the inputs and looks the graph up again: in-process 2.7 ms per
message against 1.9 ms for calling the graph's concrete function (py-spy under
20 users: ``_maybe_define_function`` alone 7 % of the Rasa server's event-loop
time; docs/performance.md).

After Rasa has created the ``tf.function`` (on the first prediction), it is
replaced by :class:`ConcretePredict`, which calls that one graph with the
batch converted to tensors. Same graph, same inputs, same outputs
(``tests/rasa_patches/test_predict_call.py`` compares them on held-out
questions); Rasa's own code around the call (numpy conversion, diagnostic
data) is unchanged.
"""
from __future__ import annotations

from typing import Any, Sequence

import tensorflow as tf
from rasa.utils.tensorflow.models import RasaModel

from rasa_patches.core import Patch, apply as apply_patches, rasa_original

_original_predict = rasa_original(RasaModel, "_rasa_predict")


class ConcretePredict:
    """Stands in for the ``tf.function`` in ``_tf_predict_step``: calls its only concrete function."""

    def __init__(self, function: Any) -> None:
        self.function = function
        self.concrete = function.get_concrete_function()

    def __call__(self, batch_in: Sequence[Any]) -> Any:
        return self.concrete([tf.convert_to_tensor(x) for x in batch_in])


def has_one_graph(step: Any) -> bool:
    """A ``tf.function`` whose input signature fixes it to a single traced graph."""
    return callable(getattr(step, "get_concrete_function", None)) and getattr(step, "input_signature", None) is not None


def rasa_predict(self: RasaModel, batch_in: Any) -> Any:
    """Rasa's ``RasaModel._rasa_predict``; once the prediction ``tf.function`` exists, its graph is called directly."""
    outputs = _original_predict(self, batch_in)
    step = getattr(self, "_tf_predict_step", None)
    if not isinstance(step, ConcretePredict) and has_one_graph(step):
        self._tf_predict_step = ConcretePredict(step)
    return outputs


PATCHES = (Patch(__name__, RasaModel, "_rasa_predict", rasa_predict),)


def apply() -> None:
    """This patch alone (Rasa's start-up applies every patch: ``rasa_patches.apply_all``)."""
    apply_patches(PATCHES)
