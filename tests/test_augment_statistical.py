"""Marginals and Gaussian-copula baselines: schema, what each keeps of the data, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from causalmix.augment import make_augmenter
from causalmix.augment.statistical import from_normal_scores, normal_scores


def correlated_table(n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = a + rng.normal(scale=0.3, size=n)
    colour = np.where(a > 0.5, "red", np.where(a < -0.5, "blue", "green"))
    X = pd.DataFrame({"a": a, "b": b, "colour": pd.Categorical(colour, categories=["blue", "green", "red"]),
                      "count": rng.poisson(2, size=n).astype(np.int64)})
    X.loc[rng.random(n) < 0.1, "b"] = np.nan
    y = pd.Series(pd.Categorical(np.where(b > 0, "pos", "neg"), categories=["neg", "pos"]), name="target")
    return X, y


@pytest.mark.parametrize("name", ["marginals", "copula"])
def test_schema_and_determinism(name):
    X, y = correlated_table()
    augmenter = make_augmenter(name).fit(X, y)
    X_syn, y_syn = augmenter.sample(500, random_state=3)
    assert list(X_syn.columns) == list(X.columns) and (X_syn.dtypes == X.dtypes).all()
    assert list(X_syn["colour"].cat.categories) == ["blue", "green", "red"]
    assert list(y_syn.cat.categories) == ["neg", "pos"] and y_syn.name == "target" and len(y_syn) == 500
    again = augmenter.sample(500, random_state=3)
    pd.testing.assert_frame_equal(X_syn, again[0])
    pd.testing.assert_series_equal(y_syn, again[1])
    assert not augmenter.sample(500, random_state=4)[0].equals(X_syn)
    assert X_syn["b"].isna().mean() == pytest.approx(0.1, abs=0.04)


def test_marginals_keep_marginals_and_drop_dependence():
    X, y = correlated_table()
    X_syn, y_syn = make_augmenter("marginals").fit(X, y).sample(4000, random_state=0)
    assert set(X_syn["a"]) <= set(X["a"])
    assert y_syn.value_counts(normalize=True)["pos"] == pytest.approx((y == "pos").mean(), abs=0.03)
    assert abs(X_syn["a"].corr(X_syn["b"])) < 0.06  # real: about 0.95


def test_copula_keeps_dependence_labels_jointly_and_training_range():
    X, y = correlated_table()
    X_syn, y_syn = make_augmenter("copula").fit(X, y).sample(4000, random_state=0)
    assert X_syn["a"].corr(X_syn["b"]) > 0.85
    assert X_syn["a"].between(X["a"].min(), X["a"].max()).all()
    assert set(X_syn["count"].dropna()) <= set(range(X["count"].min(), X["count"].max() + 1))
    assert X_syn.loc[y_syn == "pos", "b"].mean() > X_syn.loc[y_syn == "neg", "b"].mean() + 0.8
    red_a = X_syn.loc[X_syn["colour"] == "red", "a"].mean()
    blue_a = X_syn.loc[X_syn["colour"] == "blue", "a"].mean()
    # Partly kept only: the frequency-ordered level intervals are not monotone in "a".
    assert red_a > blue_a + 0.2
    share = X_syn["colour"].value_counts(normalize=True)
    assert share["green"] == pytest.approx(X["colour"].value_counts(normalize=True)["green"], abs=0.04)


def test_copula_survives_constant_and_missing_categorical_columns():
    X, y = correlated_table(n=100)
    X["constant"] = 1.5
    X["city"] = pd.Categorical(np.where(np.arange(100) % 3 == 0, None, "x"), categories=["x"])
    X_syn, _ = make_augmenter("copula").fit(X, y).sample(300, random_state=0)
    assert (X_syn["constant"] == 1.5).all()
    assert X_syn["city"].isna().mean() == pytest.approx(1 / 3, abs=0.1)


def test_normal_scores_round_trip_to_the_training_values():
    values = np.array([5.0, 1.0, 3.0, 3.0, 10.0])
    scores = normal_scores(values)
    assert np.argsort(scores, kind="stable").tolist() == [1, 2, 3, 0, 4]
    back = from_normal_scores(scores, np.sort(values))
    np.testing.assert_allclose(back, values)
    assert from_normal_scores(np.array([-9.0, 9.0]), np.sort(values)).tolist() == [1.0, 10.0]
