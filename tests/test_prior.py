"""The synthetic prior: shapes, label sanity, reproducibility and that its tables carry signal."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression


from causalmix.metrics.scores import roc_auc
from causalmix.models.prior import KINDS, SyntheticPrior


@pytest.mark.parametrize("kind", KINDS)
def test_batch_shapes_and_labels(kind):
    prior = SyntheticPrior(max_classes=6, kind_weights={kind: 1.0})
    batch = prior.sample_batch(8, 60, 5, 20, np.random.default_rng(0))
    assert batch.x.shape == (8, 60, 5) and batch.x.dtype == np.float32
    assert batch.y.shape == (8, 60) and batch.y.dtype == np.int64
    assert ((batch.n_classes >= 2) & (batch.n_classes <= 6)).all()
    for y, k in zip(batch.y, batch.n_classes):
        assert y.min() >= 0 and y.max() < k
        assert set(np.unique(y)) <= set(np.unique(y[:batch.n_context]))   # context sees every class


def test_same_seed_same_tables_other_seed_other_tables():
    prior = SyntheticPrior()
    a, b, c = (prior.sample_batch(4, 50, 3, 25, np.random.default_rng(s)) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(np.nan_to_num(a.x), np.nan_to_num(c.x))


def test_numeric_features_have_normal_marginals_and_categoricals_are_codes():
    prior = SyntheticPrior(p_categorical=0.0, p_missing_table=0.0)
    x, _, _ = prior.sample_table(500, 6, np.random.default_rng(0))
    assert np.abs(x.mean(0)).max() < 0.05 and np.abs(x.std(0) - 1).max() < 0.1
    prior = SyntheticPrior(p_categorical=1.0, p_missing_table=0.0)
    x = np.concatenate([prior.sample_table(100, 8, np.random.default_rng(s))[0] for s in range(10)], axis=1)
    codes = x[:, (x.round() == x).all(0)]
    assert codes.shape[1] > 0 and codes.min() >= 0 and codes.max() <= 9


@pytest.mark.parametrize("balance", [0.05, 0.3, 1.0])
def test_class_balance_bounds_the_minority_share(balance):
    """Every class keeps >= class_balance / K of the rows; a small balance allows rarer classes."""
    prior, rng = SyntheticPrior(max_classes=4, class_balance=balance), np.random.default_rng(0)
    shares = []
    for _ in range(40):
        _, y, k = prior.sample_table(1000, 3, rng)
        shares.append(np.bincount(y, minlength=k).min() / len(y) * k)      # minority share x K
    assert min(shares) >= balance - 0.01
    assert min(shares) < balance + 0.15                      # the bound is reached, not just kept
    if balance == 1.0:
        assert max(shares) > 0.99                            # uniform shares


def test_unknown_kind_and_bad_context_raise():
    with pytest.raises(ValueError, match="unknown prior kinds"):
        SyntheticPrior(kind_weights={"gp": 1.0})
    with pytest.raises(ValueError, match="class_balance"):
        SyntheticPrior(class_balance=0.0)
    with pytest.raises(ValueError, match="n_context < n_rows"):
        SyntheticPrior().sample_batch(2, 10, 3, 10, np.random.default_rng(0))


def test_tables_carry_signal():
    """Learners beat the majority class on held-out rows of sampled tables (signal check)."""
    prior, rng = SyntheticPrior(p_missing_table=0.0), np.random.default_rng(0)
    majority, learned = [], []
    for _ in range(16):
        x, y, _ = prior.sample_table(200, int(rng.integers(2, 12)), rng)
        train, test = slice(0, 100), slice(100, 200)
        majority.append(np.mean(y[test] == np.bincount(y[train]).argmax()))
        models = [LogisticRegression(max_iter=300),
                  RandomForestClassifier(n_estimators=20, random_state=0, n_jobs=1)]
        learned.append(max(m.fit(x[train], y[train]).score(x[test], y[test]) for m in models))
    assert np.mean(learned) > np.mean(majority) + 0.1
    assert np.mean(np.array(learned) > np.array(majority) + 0.02) > 0.6


def test_additive_label_noise_sets_how_separable_the_classes_are():
    """Logistic regression's held-out ROC-AUC on binary additive tables falls as label noise grows."""
    def median_auc(noise: float) -> float:
        prior = SyntheticPrior(kind_weights={"additive": 1.0}, p_binary=1.0, p_categorical=0.0,
                               p_missing_table=0.0, label_noise=(noise, noise))
        rng, aucs = np.random.default_rng(0), []
        for _ in range(12):
            x, y, _ = prior.sample_table(400, 6, rng)
            model = LogisticRegression(max_iter=500).fit(x[:200], y[:200])
            aucs.append(roc_auc(y[200:], model.predict_proba(x[200:]), [0, 1]))
        return float(np.median(aucs))

    quiet, noisy = median_auc(0.1), median_auc(2.0)
    assert quiet > 0.9 and 0.55 < noisy < 0.85
