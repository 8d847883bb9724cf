"""The one contract of every registered generator (``causalmix.augment.base.Augmenter``): the same
input checks, the same fitted check and the same sample-size checks, with the same errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError

from causalmix.augment import AUGMENTERS, make_augmenter

torch.set_num_threads(1)

#: Tiny budgets: these tests exercise the checks, not the models.
FAST = {"causalmix": {"n_bootstrap": 1, "n_dags": 1}, "ctgan": {"max_steps": 2},
        "tabebm": {"sgld_steps": 2}}
GENERATORS = sorted(AUGMENTERS)


def small_table(n: int = 40) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    a = rng.normal(size=n)
    X = pd.DataFrame({"a": a, "b": a + rng.normal(size=n), "colour": np.where(a > 0, "red", "blue")})
    return X, pd.Series(np.where(X["b"] > 0, "yes", "no"), name="label")


def build(name: str):
    return make_augmenter(name, **FAST.get(name, {}))


@pytest.fixture(scope="module")
def fitted() -> dict:
    X, y = small_table()
    return {name: build(name).fit(X, y) for name in GENERATORS}


@pytest.mark.parametrize("name", GENERATORS)
def test_sample_before_fit_raises_not_fitted(name):
    with pytest.raises(NotFittedError, match="not fitted"):
        build(name).sample(5, random_state=0)


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("n", [True, 0, -1, 2.5, "3", None])
def test_sample_size_must_be_a_positive_integer(fitted, name, n):
    with pytest.raises(ValueError, match=r"n must be a positive integer, got "):
        fitted[name].sample(n, random_state=0)


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("random_state", [-1, 1.5, True, "0"])
def test_random_state_must_be_a_non_negative_integer_or_none(fitted, name, random_state):
    with pytest.raises(ValueError, match="random_state must be a non-negative integer or None"):
        fitted[name].sample(5, random_state=random_state)


@pytest.mark.parametrize("name", GENERATORS)
def test_samples_come_back_in_the_training_schema(fitted, name):
    X, y = small_table()
    X_syn, y_syn = fitted[name].sample(np.int64(7), random_state=np.int64(1))
    assert list(X_syn.columns) == list(X.columns) and X_syn.dtypes.equals(X.dtypes)
    assert y_syn.name == "label" and y_syn.dtype == y.dtype and len(X_syn) == len(y_syn) == 7
    assert set(y_syn) <= {"yes", "no"}
    assert fitted[name].n_features_in_ == 3 and list(fitted[name].feature_names_in_) == list(X.columns)


@pytest.mark.parametrize("name", GENERATORS)
def test_infinite_cells_are_rejected_naming_the_column(name):
    # +-inf would otherwise be copied (or propagated by an SCM) into the synthetic rows.
    X, y = small_table()
    X.loc[5, "b"] = -np.inf
    with pytest.raises(ValueError, match=r"X: column\(s\) 'b' hold infinite values \(1 cell\(s\)\)"):
        build(name).fit(X, y)


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("rows, columns, message", [
    (slice(0, 0), None, r"X has 0 row\(s\); need at least 1"),
    (slice(None), [], "X has no feature column"),
])
def test_empty_tables_are_rejected(name, rows, columns, message):
    X, y = small_table()
    X = X.iloc[rows] if columns is None else X[columns]
    with pytest.raises(ValueError, match=message):
        build(name).fit(X, y.iloc[rows])


@pytest.mark.parametrize("name", GENERATORS)
def test_other_misuse_of_fit_gets_the_same_errors(name):
    X, y = small_table()
    with pytest.raises(TypeError, match="X must be a pandas DataFrame, got ndarray"):
        build(name).fit(X.to_numpy(), y)
    with pytest.raises(ValueError, match="X has 40 rows but y has 39"):
        build(name).fit(X, y.iloc[:39])
    with pytest.raises(ValueError, match="y has 1 missing label"):
        build(name).fit(X, y.where(y.index != 3))


@pytest.mark.parametrize("name", GENERATORS)
def test_a_failed_fit_leaves_the_generator_unfitted(name):
    X, y = small_table()
    X.loc[0, "a"] = np.inf
    augmenter = build(name)
    with pytest.raises(ValueError):
        augmenter.fit(X, y)
    with pytest.raises(NotFittedError):
        augmenter.sample(5)


@pytest.mark.parametrize("name", GENERATORS)
def test_integer_labels_come_back_as_the_same_integers(name):
    X, y = small_table()
    y = pd.Series(np.where(y == "yes", 1, 0).astype(np.int64), name="target")
    X_syn, y_syn = build(name).fit(X, y).sample(30, random_state=0)
    assert y_syn.dtype == np.int64 and y_syn.name == "target"
    assert set(y_syn.unique()) <= {0, 1}
    assert list(X_syn.columns) == list(X.columns)
