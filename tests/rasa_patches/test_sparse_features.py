"""A message's sparse features joined in one hstack (rasa_patches/sparse_features.py)
are the matrix Rasa's featurizer-by-featurizer join gives: same shape, dtype,
format and entries in the same order; anything else is left to Rasa."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from rasa_patches import sparse_features

RASA_COMBINE = sparse_features._original_combine
FEATURIZERS = ["RegexFeaturizer", "LexicalSyntacticFeaturizer", "CountVectorsFeaturizer"]


def sparse(rng: np.random.Generator, rows: int, columns: int, fmt: str, dtype: type) -> Features:
    matrix = scipy.sparse.random(rows, columns, density=0.3, format=fmt, dtype=dtype, random_state=rng)
    return Features(matrix, "sequence", "text", "SomeFeaturizer")


def test_the_join_is_the_matrix_rasa_builds():
    rng = np.random.default_rng(3)
    for _ in range(50):
        rows = int(rng.integers(1, 12))
        features = [sparse(rng, rows, int(rng.integers(1, 300)), str(rng.choice(["coo", "csr", "csc"])),
                           rng.choice([np.float32, np.float64])) for _ in range(int(rng.integers(2, 5)))]
        ours = sparse_features.combine_features(features, FEATURIZERS)
        rasas = RASA_COMBINE(features, FEATURIZERS)
        assert (ours.type, ours.attribute, ours.origin) == (rasas.type, rasas.attribute, rasas.origin)
        assert ours.features.format == rasas.features.format and ours.features.dtype == rasas.features.dtype
        assert ours.features.shape == rasas.features.shape
        a, b = ours.features.tocoo(), rasas.features.tocoo()
        assert np.array_equal(a.row, b.row) and np.array_equal(a.col, b.col) and np.array_equal(a.data, b.data)


def test_what_it_does_not_join_is_rasas():
    rng = np.random.default_rng(5)
    one = [sparse(rng, 3, 10, "coo", np.float32)]
    assert sparse_features.combine_features(one, FEATURIZERS).features.shape == (3, 10)
    dense = [Features(np.ones((1, 4)), "sentence", "text", "x"), Features(np.zeros((1, 2)), "sentence", "text", "y")]
    assert sparse_features.combine_features(dense, FEATURIZERS).features.shape == (1, 6)
    assert sparse_features.combine_features([], FEATURIZERS) is None
    with pytest.raises(ValueError, match="sequence dimensions do not match"):
        sparse_features.combine_features([sparse(rng, 3, 5, "coo", np.float32), sparse(rng, 4, 5, "coo", np.float32)],
                                         FEATURIZERS)


def test_rasa_joins_this_way_once_the_patches_are_applied():
    import rasa_patches

    rasa_patches.apply_all()  # what `python -m rasa_patches run` does before Rasa starts

    assert Message._combine_features is sparse_features.combine_features
