"""Fidelity measures: each must tell a faithful sample from a broken one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from causalmix import fidelity


@pytest.fixture(autouse=True)
def single_thread():
    with threadpool_limits(limits=1):
        yield


def draw(n: int, seed: int, shift: float = 0.0, independent: bool = False) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n) + shift
    b = (rng.normal(size=n) if independent else a) + rng.normal(scale=0.3, size=n)
    kind = pd.Categorical(np.where(a + rng.normal(scale=0.5, size=n) > shift, "up", "down"), categories=["down", "up"])
    label = pd.Series(np.where(b > shift, "1", "0"), name="y")
    return pd.DataFrame({"a": a, "b": b, "kind": kind}), label


def test_c2st_is_near_half_for_the_same_distribution_and_near_one_for_a_shift():
    real = draw(400, seed=0)
    assert fidelity.c2st_auc(*real, *draw(400, seed=1), n_folds=3) == pytest.approx(0.5, abs=0.08)
    assert fidelity.c2st_auc(*real, *draw(400, seed=1, shift=2.0), n_folds=3) > 0.9
    assert fidelity.c2st_auc(*real, *draw(400, seed=1, independent=True), n_folds=3) > 0.65


def test_marginal_distances_notice_a_shifted_column_only():
    real = draw(800, seed=0)
    same = fidelity.marginal_distances(*real, *draw(800, seed=1))
    shifted = fidelity.marginal_distances(*real, *draw(800, seed=1, shift=1.0))
    assert list(same.index) == ["a", "b", "kind", "__label__"]
    assert same.max() < 0.1
    assert shifted["a"] > 0.3 and shifted["b"] > 0.3
    identical = fidelity.marginal_distances(*real, *real)
    assert (identical == 0).all()


def test_dependence_distance_notices_broken_dependence():
    real = draw(800, seed=0)
    assert fidelity.dependence_distance(*real, *draw(800, seed=1)) < 0.05
    assert fidelity.dependence_distance(*real, *draw(800, seed=1, independent=True)) > 0.2
    matrix = fidelity.association_matrix(pd.concat([real[0], real[1]], axis=1))
    assert matrix.loc["a", "b"] > 0.9 and matrix.loc["a", "kind"] > 0.5
    assert np.allclose(matrix, matrix.T) and np.allclose(np.diag(matrix), 1)


def test_tstr_ratio_near_one_for_real_like_rows_and_low_for_shuffled_labels():
    train, test = draw(500, seed=0), draw(500, seed=2)
    faithful = fidelity.tstr(*draw(500, seed=1), *train, *test)
    assert set(faithful) == {"tstr", "trtr", "ratio"}
    assert faithful["ratio"] == pytest.approx(1.0, abs=0.05)
    X_syn, y_syn = draw(500, seed=1)
    shuffled = fidelity.tstr(X_syn, y_syn.sample(frac=1, random_state=0).reset_index(drop=True), *train, *test)
    assert shuffled["ratio"] < 0.7


def test_tstr_handles_multiclass_and_classes_missing_from_synthetic_rows():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=600)})
    y = pd.Series(np.digitize(X["x"], [-0.5, 0.5]).astype(str))
    missing_class = y != "2"
    scores = fidelity.tstr(X[missing_class], y[missing_class], X[:300], y[:300], X[300:], y[300:])
    assert 0.5 < scores["tstr"] < scores["trtr"]


def test_mismatched_inputs_raise_clear_errors():
    real = draw(50, seed=0)
    X_other = real[0].rename(columns={"a": "z"})
    with pytest.raises(ValueError, match="columns differ"):
        fidelity.c2st_auc(*real, X_other, real[1])
    with pytest.raises(ValueError, match="rows"):
        fidelity.marginal_distances(*real, real[0], real[1].iloc[:10])


def _parts_table(n: int, seed: int) -> pd.DataFrame:
    """A table with two identities: total = a + b + c, and ratio = a / b."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"a": rng.gamma(3, 10, n), "b": rng.gamma(5, 4, n), "c": rng.normal(0, 1, n)})
    return frame.assign(total=frame["a"] + frame["b"] + frame["c"], ratio=frame["a"] / frame["b"])


def test_identities_kept_is_one_for_rows_keeping_them_and_falls_with_each_broken_one():
    real, synthetic = _parts_table(400, 0), _parts_table(300, 1)
    assert fidelity.identities_kept(real, synthetic) == 1.0
    noisy_total = synthetic.assign(total=synthetic["total"] + np.random.default_rng(2).normal(0, 1, 300))
    assert fidelity.identities_kept(real, noisy_total) == pytest.approx(0.5, abs=0.01)
    half_broken = synthetic.copy()
    half_broken.loc[:149, "ratio"] *= 1.5
    half_broken.loc[:149, "total"] = -half_broken.loc[:149, "total"]
    assert fidelity.identities_kept(real, half_broken) == pytest.approx(0.5)


def test_identities_kept_is_nan_without_identities_and_checks_columns():
    rng = np.random.default_rng(0)
    independent = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    assert np.isnan(fidelity.identities_kept(independent, independent))
    with pytest.raises(ValueError, match="column"):
        fidelity.identities_kept(_parts_table(100, 0), _parts_table(100, 0).drop(columns="ratio"))
