"""TFMClassifier and FineTunedClassifier on pandas tables, with the real stand-in backend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

from causalmix import FineTunedClassifier, TFMClassifier
from causalmix.augment import make_augmenter
from causalmix.data import load_dataset
from causalmix.finetune import CURVE_COLUMNS
from causalmix.metrics.scores import roc_auc
from causalmix.models import load_model
from causalmix.models.standin import StandinTFM

pytestmark = [pytest.mark.filterwarnings("ignore:No stand-in checkpoint"),
              pytest.mark.usefixtures("one_torch_thread")]

FAST = dict(max_steps=4, eval_every=2, warmup_steps=1, progress=False)


def _small_standin(**limits) -> StandinTFM:
    torch.manual_seed(0)
    return StandinTFM(width=16, n_layers=1, n_heads=2, mlp_width=32, **limits).eval()


def _mixed_table(n: int = 80, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Numeric and categorical columns with NaN; the label depends on both."""
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue"], size=n)
    size = rng.normal(size=n)
    label = np.where((colour == "red") ^ (size > 0.3), "yes", "no")
    X = pd.DataFrame({"size": size, "noise": rng.normal(size=n),
                      "colour": pd.Categorical(colour, categories=["blue", "green", "red"])})
    X.loc[rng.choice(n, 8, replace=False), "size"] = np.nan
    X.loc[rng.choice(n, 8, replace=False), "colour"] = np.nan
    return X, pd.Series(label, name="label", dtype="category")


@pytest.fixture(scope="module")
def wine():
    data = load_dataset("wine")
    order = np.random.default_rng(0).permutation(len(data.y))
    return data.X.iloc[order].reset_index(drop=True), data.y.iloc[order].reset_index(drop=True)


@pytest.mark.parametrize("estimator", [TFMClassifier(), FineTunedClassifier(**FAST)],
                         ids=["zero-shot", "fine-tuned"])
def test_probabilities_for_categoricals_and_missing_values(estimator):
    X, y = _mixed_table()
    model = clone(estimator).fit(X.iloc[:60], y.iloc[:60])
    proba = model.predict_proba(X.iloc[60:])
    assert model.classes_.tolist() == ["no", "yes"]
    assert proba.shape == (20, 2)
    assert np.all(proba >= 0) and np.allclose(proba.sum(axis=1), 1)
    assert set(model.predict(X.iloc[60:])) <= {"no", "yes"}


def test_multiclass_with_the_default_backend(wine):
    X, y = wine
    model = TFMClassifier().fit(X.iloc[:120], y.iloc[:120])
    proba = model.predict_proba(X.iloc[120:])
    assert proba.shape == (len(X) - 120, 3)
    assert np.allclose(proba.sum(axis=1), 1)
    assert model.classes_.tolist() == sorted(y.unique())


def test_fine_tuning_beats_a_random_backend_on_breast_cancer():
    data = load_dataset("breast_cancer")
    order = np.random.default_rng(1).permutation(len(data.y))
    X, y = data.X.iloc[order].reset_index(drop=True), data.y.iloc[order].reset_index(drop=True)
    backend = _small_standin()
    zero_shot = TFMClassifier(model=backend).fit(X.iloc[:100], y.iloc[:100])
    tuned = FineTunedClassifier(model=backend, max_steps=30, eval_every=5, patience=10,
                                learning_rate=3e-3, progress=False).fit(X.iloc[:100], y.iloc[:100])
    test_X, test_y = X.iloc[300:], y.iloc[300:]
    classes = tuned.classes_
    tuned_auc = roc_auc(test_y, tuned.predict_proba(test_X), classes)
    assert tuned_auc > 0.9
    assert tuned_auc > roc_auc(test_y, zero_shot.predict_proba(test_X), classes)
    assert tuned.best_step_ > 0


def _three_class_table(n: int = 120, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    X, _ = _mixed_table(n, seed)
    size = X["size"].fillna(0).to_numpy()
    label = np.where(X["colour"] == "red", "a", np.where(size > 0, "b", "c"))
    return X, pd.Series(label, name="label")


@pytest.mark.parametrize("table", [_mixed_table, _three_class_table], ids=["binary", "multiclass"])
@pytest.mark.parametrize("settings", [dict(max_steps=0), dict(max_steps=6, eval_every=2, patience=2,
                                                              warmup_steps=0, learning_rate=0.5)],
                         ids=["max_steps=0", "selected-step-0"])
def test_a_fine_tuner_that_keeps_step_0_predicts_exactly_as_zero_shot(table, settings):
    # Categorical columns are target-scored from the context labels: the label-aware part of the
    # inputs must match too. Training rows first, then validation rows, as the runner passes them.
    X, y = table(120)
    train, val, test = slice(0, 70), slice(70, 90), slice(90, None)
    zero_shot = TFMClassifier(random_state=3).fit(pd.concat([X.iloc[train], X.iloc[val]]),
                                                  pd.concat([y.iloc[train], y.iloc[val]]))
    tuned = FineTunedClassifier(random_state=3, progress=False, **settings).fit(
        X.iloc[train], y.iloc[train], X_val=X.iloc[val], y_val=y.iloc[val])
    assert tuned.best_step_ == 0  # a learning rate of 0.5 wrecks the weights: step 0 is kept
    np.testing.assert_allclose(tuned.predict_proba(X.iloc[test]), zero_shot.predict_proba(X.iloc[test]),
                               rtol=0, atol=1e-6)
    if settings["max_steps"]:
        assert len(tuned.curve_) > 1


def test_fit_contract_for_the_experiment_runner():
    X, y = _mixed_table(120)
    X_syn, y_syn = _mixed_table(200, seed=7)
    model = FineTunedClassifier(**FAST).fit(X.iloc[:60], y.iloc[:60], X_val=X.iloc[60:80],
                                            y_val=y.iloc[60:80], synthetic=(X_syn, y_syn),
                                            monitor=(X.iloc[80:], y.iloc[80:]))
    assert list(model.curve_.columns) == CURVE_COLUMNS
    assert model.curve_["step"].tolist() == [0, 2, 4]
    assert model.curve_[["test_roc_auc", "test_log_loss"]].notna().all().all()
    assert model.best_step_ in model.curve_["step"].tolist()
    assert model.augmenter_ is None
    assert len(model.context_) == 80  # predict_context="train+val"
    train_only = clone(model).set_params(predict_context="train").fit(
        X.iloc[:60], y.iloc[:60], X_val=X.iloc[60:80], y_val=y.iloc[60:80])
    assert len(train_only.context_) == 60
    assert train_only.curve_[["test_roc_auc", "test_log_loss"]].isna().all().all()


def test_validation_is_carved_stratified_when_not_given():
    X, y = _mixed_table(100)
    model = FineTunedClassifier(val_fraction=0.25, predict_context="train", **FAST).fit(X, y)
    assert len(model.context_) == 75
    kept = np.bincount(model.context_.y)
    expected = 0.75 * y.value_counts().sort_index().to_numpy()
    assert np.all(np.abs(kept - expected) < 1)


def test_augmenter_is_cloned_fitted_and_its_rows_enter_the_episodes():
    X, y = _mixed_table(80)
    augmenter = make_augmenter("smote")
    mixed = FineTunedClassifier(_small_standin(), augmenter, synthetic_ratio=0.5, **FAST).fit(X, y)
    plain = FineTunedClassifier(_small_standin(), **FAST).fit(X, y)
    assert mixed.augmenter_ is not augmenter
    assert len(mixed.augmenter_.labels_) == 64  # fitted on the training rows only (80 - 16 val)
    assert mixed.synthetic_pool_rows(64) == 4 * 32  # half as many per step as real rows, redrawn
    assert not hasattr(augmenter, "labels_")
    assert not np.allclose(mixed.curve_["train_loss"].iloc[1:], plain.curve_["train_loss"].iloc[1:])
    # Validation is on real rows with real context either way: step 0 scores agree.
    assert mixed.curve_["val_log_loss"].iloc[0] == pytest.approx(plain.curve_["val_log_loss"].iloc[0])


def test_same_seed_same_predictions():
    X, y = _mixed_table(100)
    first = FineTunedClassifier(_small_standin(), random_state=5, **FAST).fit(X.iloc[:80], y.iloc[:80])
    second = FineTunedClassifier(_small_standin(), random_state=5, **FAST).fit(X.iloc[:80], y.iloc[:80])
    np.testing.assert_array_equal(first.predict_proba(X.iloc[80:]), second.predict_proba(X.iloc[80:]))


def test_a_backend_instance_is_copied_not_modified():
    X, y = _mixed_table(80)
    backend = _small_standin()
    before = {k: v.clone() for k, v in backend.state_dict().items()}
    model = FineTunedClassifier(model=backend, learning_rate=1e-2, **FAST).fit(X, y)
    assert model.model_ is not backend
    for name, value in backend.state_dict().items():
        assert torch.equal(value, before[name]), name


def test_too_many_features_keep_a_random_subset_with_a_warning():
    X, y = _mixed_table(60)
    X = pd.concat([X, X.add_suffix("_copy")], axis=1)
    with pytest.warns(UserWarning, match="6 features exceed the model's limit of 4"):
        model = TFMClassifier(model=_small_standin(max_features=4)).fit(X, y)
    assert len(model.features_used_) == 4
    assert model.predict_proba(X).shape == (60, 2)


def test_long_contexts_keep_a_stratified_subset_with_a_warning(wine):
    X, y = wine
    with pytest.warns(UserWarning, match="178 context rows exceed the backend's limit of 30"):
        model = TFMClassifier(model=_small_standin(max_context_rows=30)).fit(X, y)
    assert len(model.context_) == 30
    assert np.all(np.bincount(model.context_.y) >= 1)


def test_more_classes_than_the_backend_supports_is_a_clear_error(wine):
    X, y = wine
    with pytest.raises(ValueError, match="3 classes exceed the backend's limit of 2"):
        TFMClassifier(model=_small_standin(max_classes=2)).fit(X, y)


@pytest.mark.parametrize("call, message", [
    (lambda m, X, y: m.fit(X, y.iloc[:-1]), "has 79 labels but the table has 80 rows"),
    (lambda m, X, y: m.fit(X, y.mask(y.index == 3)), "1 missing label"),
    (lambda m, X, y: m.fit(X, ["one"] * len(X)), "at least two classes"),
    (lambda m, X, y: m.fit(X, y, X_val=X), "both X_val and y_val"),
    (lambda m, X, y: m.fit(X, y, X_val=X.iloc[:5], y_val=["maybe"] * 5), "among the training classes"),
    (lambda m, X, y: m.fit(X, y, synthetic=X), "tuple"),
    (lambda m, X, y: m.set_params(predict_context="all").fit(X, y), "predict_context"),
    (lambda m, X, y: m.set_params(learning_rate=0).fit(X, y), "learning_rate=0"),
    (lambda m, X, y: m.fit(X.iloc[:, 0].to_numpy(), y), "2-D"),
    (lambda m, X, y: m.fit(X, y).predict_proba(X.drop(columns="colour")), "lacks column"),
    (lambda m, X, y: m.fit(X.iloc[:0], y.iloc[:0]), "X has 0 row"),
    (lambda m, X, y: m.fit(X.assign(size=X["size"].replace(X["size"].iloc[0], np.inf)), y),
     r"X: column\(s\) 'size' hold infinite values"),
    (lambda m, X, y: m.fit(X, y, X_val=X.iloc[:5].assign(noise=-np.inf), y_val=y.iloc[:5]),
     r"X_val: column\(s\) 'noise'"),
])
def test_user_mistakes_raise_clear_errors(call, message):
    X, y = _mixed_table(80)
    with pytest.raises((ValueError, TypeError), match=message):
        call(FineTunedClassifier(**FAST), X, y)


def test_a_class_with_one_row_cannot_be_carved_into_validation():
    X, y = _mixed_table(80)
    y = y.astype(str)
    y.iloc[0] = "rare"
    with pytest.raises(ValueError, match=r"\['rare'\] have a single row"):
        FineTunedClassifier(**FAST).fit(X, y)


def test_unknown_backend_name_is_a_clear_error():
    X, y = _mixed_table(40)
    with pytest.raises(ValueError, match="Unknown model 'tabpfn'"):
        TFMClassifier(model="tabpfn").fit(X, y)


def test_default_backend_is_loaded_by_name():
    assert isinstance(TFMClassifier().fit(*_mixed_table(40)).model_, type(load_model("default")))
