"""Preprocessing fitted on training rows only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from causalmix.preprocessing import LabelEncoder, TablePreprocessor


def _frame():
    return pd.DataFrame({
        "num": [1.0, 2.0, np.nan, 4.0],
        "cat": pd.Categorical(["x", "y", None, "x"], categories=["x", "y"]),
    })


def test_ordinal_encoding_imputes_and_scales_from_training_rows():
    prep = TablePreprocessor(categorical="ordinal").fit(_frame())
    out = prep.transform(_frame())
    assert out.dtype == np.float32 and out.shape == (4, 2)
    assert not np.isnan(out).any()
    # the median of the training values fills the gap, then standardisation
    assert out[2, 0] == pytest.approx(out[1, 0])
    assert np.mean(out[:, 0]) == pytest.approx(0, abs=1e-6)
    # unseen level at transform time -> -1
    new = pd.DataFrame({"num": [0.0], "cat": pd.Categorical(["z"])})
    assert prep.transform(new)[0, 1] == -1


def test_onehot_without_scaling():
    prep = TablePreprocessor(categorical="onehot", scale=False).fit(_frame())
    out = prep.transform(_frame())
    assert out.shape == (4, 1 + 3)  # x, y and missing indicators
    np.testing.assert_allclose(out[:, 0], [1, 2, 2, 4])
    np.testing.assert_allclose(out[:, 1:].sum(axis=1), 1)


def test_statistics_come_from_training_rows_only():
    train, test = _frame().iloc[:2], pd.DataFrame({"num": [100.0], "cat": pd.Categorical(["x"])})
    prep = TablePreprocessor(scale=False).fit(train)
    assert prep.transform(test)[0, 0] == 100.0
    assert prep.transform(_frame().iloc[[2]])[0, 0] == pytest.approx(1.5)


def test_label_encoder_round_trip_and_unknown_label():
    enc = LabelEncoder().fit(["b", "a", "c", "a"])
    codes = enc.transform(["c", "a"])
    assert codes.tolist() == [2, 0]
    assert enc.inverse_transform(codes).tolist() == ["c", "a"]
    with pytest.raises(ValueError, match="Unknown class label"):
        enc.transform(["d"])
