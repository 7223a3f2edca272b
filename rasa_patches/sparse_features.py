"""Join a message's sparse features in one ``hstack`` instead of one per featurizer.

Before DIET predicts, Rasa 3.6 joins the sparse features of all featurizers
(regex, lexical-syntactic, two count-vector featurizers) for the message's
tokens and for the sentence: ``Message._combine_features`` deep-copies the
first ``Features`` and then ``hstack``s the others onto it one at a time,
six ``scipy.sparse.hstack`` calls per message. py-spy under 20 users:
``hstack`` was 6.6 % of the Rasa server's event-loop time, almost all of it
scipy's per-call overhead (docs/performance.md).

Here COO features (what Rasa's sparse featurizers produce) with the same
number of rows are joined by a single ``hstack`` of all of them, which gives
the same matrix: scipy lays COO blocks side by side in order, so the dtype,
format and entries, in their order, are the same. Anything else (dense
features, other sparse formats, for which scipy's fast paths order entries
differently, one feature, mismatched rows, which Rasa refuses with its own
error) goes to Rasa's code. DIET's predictions are
compared with Rasa's own on every held-out question
(``tests/rasa_patches/test_fast_model_load.py``).
"""
from __future__ import annotations

from typing import Optional

import scipy.sparse
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from rasa_patches.core import Patch, apply as apply_patches, rasa_original

_original_combine = rasa_original(Message, "_combine_features")


def combine_features(features: list[Features], featurizers: list[str]) -> Optional[Features]:
    """Rasa's ``Message._combine_features`` with sparse features joined at once."""
    if len(features) < 2 or not all(scipy.sparse.isspmatrix_coo(f.features) for f in features) \
            or len({f.features.shape[0] for f in features}) != 1:
        return _original_combine(features, featurizers)
    first = features[0]
    return Features(scipy.sparse.hstack([f.features for f in features]), first.type, first.attribute, featurizers)


PATCHES = (Patch(__name__, Message, "_combine_features", staticmethod(combine_features)),)


def apply() -> None:
    """This patch alone (Rasa's start-up applies every patch: ``rasa_patches.apply_all``)."""
    apply_patches(PATCHES)
