"""The stand-in TFM: shapes, invariances, limits, preprocessing and loading."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from causalmix.metrics.scores import roc_auc
from causalmix.models import CHECKPOINT_DIR, load_model, predict_proba
from causalmix.models.base import TabularModel
from causalmix.models.standin import CLIP_SIGMA, StandinPreprocessor, StandinTFM, TargetScore

torch.set_num_threads(1)


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    return roc_auc(y, np.column_stack([1 - score, score]), [0, 1])


def small_model(**kw) -> StandinTFM:
    torch.manual_seed(0)
    return StandinTFM(width=16, n_layers=2, n_heads=2, mlp_width=32, **kw).eval()


def tables(batch=2, n_context=20, n_query=7, n_features=4, n_classes=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, n_context, n_features, generator=g),
            torch.randint(0, n_classes, (batch, n_context), generator=g),
            torch.randn(batch, n_query, n_features, generator=g))


def test_logits_shape_and_protocol():
    model = small_model()
    assert isinstance(model, TabularModel)
    logits = model(*tables())
    assert logits.shape == (2, 7, model.limits.max_classes)
    assert torch.isfinite(logits).all()


def test_query_rows_do_not_influence_each_other():
    x_context, y_context, x_query = tables(n_query=9)
    together = small_model()(x_context, y_context, x_query)
    one_by_one = small_model(query_chunk_size=1)(x_context, y_context, x_query)
    alone = small_model()(x_context, y_context, x_query[:, :1])
    torch.testing.assert_close(together, one_by_one, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(together[:, :1], alone, atol=1e-5, rtol=1e-4)


def test_context_row_order_does_not_matter():
    x_context, y_context, x_query = tables()
    order = torch.randperm(x_context.shape[1], generator=torch.Generator().manual_seed(1))
    model = small_model()
    torch.testing.assert_close(model(x_context, y_context, x_query),
                               model(x_context[:, order], y_context[:, order], x_query),
                               atol=1e-5, rtol=1e-4)


def test_context_labels_change_predictions():
    x_context, y_context, x_query = tables()
    model = small_model()
    assert not torch.allclose(model(x_context, y_context, x_query),
                              model(x_context, (y_context + 1) % 3, x_query))


def test_missing_cells_give_finite_logits():
    x_context, y_context, x_query = tables()
    x_context[0, :5, 1] = float("nan")
    x_query[1, 2, 0] = float("nan")
    assert torch.isfinite(small_model()(x_context, y_context, x_query)).all()


def test_too_many_classes_and_bad_shapes_raise():
    model = small_model(max_classes=3)
    x_context, y_context, x_query = tables()
    with pytest.raises(ValueError, match="at most 3 classes"):
        model(x_context, y_context + 1, x_query)
    with pytest.raises(ValueError, match="expected x_context"):
        model(x_context, y_context, x_query[..., :2])


def mixed_frame(n=60, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.exponential(size=n) * 100,
                          "c": pd.Categorical(rng.choice(["x", "y", "z"], n))})
    frame.loc[::7, "a"] = np.nan
    frame.loc[::5, "c"] = np.nan
    return frame


def test_preprocessor_standardises_skewed_columns_and_needs_labels():
    frame = mixed_frame(400)
    y = np.arange(400) % 2
    out = StandinPreprocessor().fit_transform(frame, y)
    assert out.shape == (400, 3) and out.dtype == np.float32 and np.isfinite(out).all()
    assert abs(np.median(out[:, 1])) < 0.1 and 0.8 < out[:, 1].std() < 1.3   # exponential -> normal
    with pytest.raises(ValueError, match="needs the labels"):
        StandinPreprocessor().fit(frame, None)


def test_preprocessor_keeps_numeric_spacing_and_extrapolates():
    """Yeo-Johnson leaves a Gaussian column nearly affine (sums of columns stay additive) and maps
    a query value beyond the context's range beyond the context's largest output, where a rank
    transform would saturate."""
    rng = np.random.default_rng(0)
    context = pd.DataFrame({"a": rng.normal(10, 3, 300)})
    fitted = StandinPreprocessor().fit(context, np.arange(300) % 2)
    out = fitted.transform(context)[:, 0]
    assert np.corrcoef(out, context["a"])[0, 1] > 0.999
    far = fitted.transform(pd.DataFrame({"a": [context["a"].max() + 3]}))[0, 0]
    assert out.max() + 0.5 < far <= CLIP_SIGMA


def test_preprocessor_unseen_levels_and_wide_tables():
    train, test = mixed_frame(), mixed_frame(seed=1)
    y = np.random.default_rng(0).integers(0, 2, len(train))
    test["c"] = pd.Categorical(["w"] * len(test))
    fitted = StandinPreprocessor().fit(train, y)
    known = fitted.transform(train)[:, 2]
    np.testing.assert_allclose(fitted.transform(test)[:, 2], np.median(np.unique(known)), rtol=1e-6)
    wide = pd.DataFrame(np.random.default_rng(0).normal(size=(30, 12)), columns=[f"f{i}" for i in range(12)])
    with pytest.warns(UserWarning, match="12 features exceed the model's limit of 5"):
        assert StandinPreprocessor(max_features=5).fit_transform(wide, np.arange(30) % 2).shape == (30, 5)
    with pytest.raises(TypeError, match="pandas DataFrame"):
        StandinPreprocessor().fit(wide.to_numpy(), np.arange(30) % 2)


def test_target_score_orders_levels_by_their_class_shares():
    rng = np.random.default_rng(0)
    levels = rng.choice(np.array(["rare", "even", "often"], dtype=object), 600)
    share = {"rare": 0.1, "even": 0.5, "often": 0.9}
    y = (rng.random(600) < np.vectorize(share.get)(levels)).astype(int)
    score = TargetScore().fit(levels[:, None], y)
    names = np.array([["rare"], ["even"], ["often"]], dtype=object)
    rare, even, often = score.transform(names)[:, 0]
    assert rare < even < often
    observed = y[levels == "rare"].mean()
    assert observed < rare < y.mean()                          # shrunk towards the overall share


def test_target_score_keeps_a_rows_own_label_out_of_its_fitted_value():
    """A level per row: scoring all fitted rows separates the classes perfectly (the labels leak),
    while ``fit_transform``'s out-of-fold scores carry no information about them."""
    y = np.arange(200) % 2
    ids = np.array([f"id{i}" for i in range(200)], dtype=object)[:, None]
    score = TargetScore(random_state=0)
    out_of_fold = score.fit_transform(ids, y)[:, 0]
    assert _auc(y, score.transform(ids)[:, 0]) == 1.0
    assert abs(_auc(y, out_of_fold) - 0.5) < 0.15


def test_target_score_multiclass_projection_separates_levels_consistently_across_folds():
    rng = np.random.default_rng(1)
    levels = rng.choice(np.array(["a", "b", "c", "d"], dtype=object), 900)
    y = np.select([levels == "a", levels == "b"], [0, 1], 2)
    y = np.where(rng.random(900) < 0.2, rng.integers(0, 3, 900), y)     # 20 % label noise
    score = TargetScore()
    out_of_fold = score.fit_transform(levels[:, None], y)[:, 0]
    full = score.transform(levels[:, None])[:, 0]
    assert len(np.unique(np.round(full[levels != "d"], 6))) == 3            # a, b, c apart
    assert np.corrcoef(out_of_fold, full)[0, 1] > 0.95                       # one direction, one sign


def test_predict_proba_and_class_limit():
    frame = mixed_frame(80)
    y = np.arange(80) % 3
    proba = predict_proba(small_model(), frame.iloc[:50], y[:50], frame.iloc[50:])
    assert proba.shape == (30, 3)
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="12 classes exceed"):
        predict_proba(small_model(), frame.iloc[:50], np.arange(50) % 12, frame.iloc[50:])


def test_load_model_names():
    with pytest.raises(ValueError, match="Unknown model 'tabpfn'"):
        load_model("tabpfn")


@pytest.mark.skipif(not (CHECKPOINT_DIR / "default.pt").is_file(), reason="no shipped checkpoint")
def test_shipped_checkpoint_ranks_breast_cancer():
    from causalmix.data import load_dataset
    from causalmix.preprocessing import LabelEncoder
    from causalmix.splits import make_split

    model = load_model("default")
    assert sum(p.numel() for p in model.parameters()) > 10_000
    data = load_dataset("breast_cancer")
    y = LabelEncoder().fit(data.y).transform(data.y)
    split = make_split(data.y, fold=0, n_train=256, val_fraction=0.0, seed=0)
    proba = predict_proba(model, data.X.iloc[split.train], y[split.train], data.X.iloc[split.test])
    assert roc_auc(y[split.test], proba, [0, 1]) > 0.9


@pytest.mark.parametrize("axis", ["features", "rows"])
def test_attention_matches_torch_multihead_attention(axis):
    """The in-place attention computes what nn.MultiheadAttention does with the same parameters
    (the layout checkpoints store), along rows (to other key rows) and along features."""
    from causalmix.models.standin import _Attention

    torch.manual_seed(0)
    ours = _Attention(width=16, n_heads=4, dropout=0.0)
    reference = torch.nn.MultiheadAttention(16, 4, batch_first=True)
    reference.load_state_dict(ours.state_dict())
    queries = torch.randn(2, 5, 3, 16)                                  # (B, Rq, F+1, E)
    keys = queries if axis == "features" else torch.randn(2, 8, 3, 16)  # (B, Rk, F+1, E)
    got = ours(queries, keys, axis=axis)
    if axis == "features":
        flat = queries.reshape(10, 3, 16)
        expected = reference(flat, flat, flat, need_weights=False)[0].reshape(2, 5, 3, 16)
    else:
        q, k = queries.transpose(1, 2).reshape(6, 5, 16), keys.transpose(1, 2).reshape(6, 8, 16)
        expected = reference(q, k, k, need_weights=False)[0].reshape(2, 3, 5, 16).transpose(1, 2)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)
