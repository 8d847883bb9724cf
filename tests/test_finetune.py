"""The episodic fine-tuning loop, driven with the real stand-in TFM on small encoded tables."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

from causalmix.finetune import CURVE_COLUMNS, FineTuneSettings, Rows, _EpisodeSampler, fine_tune
from causalmix.metrics.curves import selected_step
from causalmix.metrics.scores import log_loss, roc_auc
from causalmix.models.base import predict_proba_in_context
from causalmix.models.standin import StandinTFM

pytestmark = [pytest.mark.filterwarnings("ignore:No stand-in checkpoint"),
              pytest.mark.usefixtures("one_torch_thread")]

N_FEATURES = 4
SYNTHETIC_MARK = 1000.0  # synthetic rows carry this value in their last column


def _table(n: int, n_classes: int, seed: int) -> Rows:
    """A learnable table: the class shifts the mean of the first two features."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    x = rng.normal(size=(n, N_FEATURES)).astype(np.float32)
    x[:, :2] += 1.5 * y[:, None]
    return Rows(x, y.astype(np.int64))


def _synthetic(n: int, n_classes: int, seed: int) -> Rows:
    rows = _table(n, n_classes, seed)
    rows.x[:, -1] = SYNTHETIC_MARK
    return rows


def _model(seed: int = 0) -> StandinTFM:
    torch.manual_seed(seed)
    return StandinTFM(width=16, n_layers=1, n_heads=2, mlp_width=32).eval()


def _settings(**overrides) -> FineTuneSettings:
    return FineTuneSettings(**{"max_steps": 6, "eval_every": 2, "warmup_steps": 1,
                               "learning_rate": 1e-3, **overrides})


def _run(model=None, seed=0, **kw):
    model = model if model is not None else _model()
    settings = kw.pop("settings", _settings())
    result = fine_tune(model, _table(60, 2, 1), _table(30, 2, 2), 2, settings, random_state=seed,
                       progress=False, **kw)
    return model, result


def test_curve_records_every_evaluation_with_test_columns_only_when_monitored():
    _, plain = _run()
    assert list(plain.curve.columns) == CURVE_COLUMNS
    assert plain.curve["step"].tolist() == [0, 2, 4, 6]
    assert math.isnan(plain.curve["train_loss"].iloc[0])
    assert plain.curve["train_loss"].iloc[1:].gt(0).all()
    assert plain.curve[["test_roc_auc", "test_log_loss"]].isna().all().all()
    assert plain.curve["elapsed_s"].is_monotonic_increasing

    _, monitored = _run(monitor=_table(40, 2, 3))
    assert monitored.curve[["test_roc_auc", "test_log_loss"]].notna().all().all()


def test_last_step_is_evaluated_when_not_a_multiple_of_eval_every():
    _, result = _run(settings=_settings(max_steps=5, eval_every=2, patience=10))
    assert result.curve["step"].tolist() == [0, 2, 4, 5]


def test_validation_is_predicted_with_the_real_training_rows_as_context():
    train, val = _table(60, 2, 1), _table(30, 2, 2)
    model = _model()
    expected = predict_proba_in_context(model, train.x, train.y, val.x, 2)
    result = fine_tune(model, train, val, 2, _settings(max_steps=0),
                       synthetic=_synthetic(200, 2, 5), progress=False)
    row = result.curve.iloc[0]
    assert row["val_log_loss"] == pytest.approx(log_loss(val.y, expected, [0, 1]))
    assert row["val_roc_auc"] == pytest.approx(roc_auc(val.y, expected, [0, 1]))


def test_same_seed_same_run_other_seed_other_run():
    model_a, run_a = _run(seed=3)
    model_b, run_b = _run(seed=3)
    _, run_c = _run(seed=4)
    columns = [c for c in CURVE_COLUMNS if c != "elapsed_s"]
    assert run_a.curve[columns].equals(run_b.curve[columns])
    for a, b in zip(model_a.state_dict().values(), model_b.state_dict().values()):
        assert torch.equal(a, b)
    assert not np.allclose(run_a.curve["train_loss"].iloc[1:], run_c.curve["train_loss"].iloc[1:])


def test_global_torch_random_state_is_left_alone():
    model = _model()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    _run(model=model)
    assert torch.equal(torch.rand(3), expected)


@pytest.fixture(scope="module")
def tuned():
    """A stand-in fine-tuned on the easy table: (model, result)."""
    with torch.random.fork_rng():
        torch.set_num_threads(1)
        return _run(settings=_settings(max_steps=40, eval_every=5, patience=20, learning_rate=3e-3))


def test_fine_tuning_learns_and_keeps_the_best_validation_step(tuned):
    model, result = tuned
    curve = result.curve.set_index("step")
    best = curve.loc[result.best_step]
    assert best["val_roc_auc"] == curve["val_roc_auc"].max()
    assert best["val_roc_auc"] > 0.9
    assert selected_step(result.curve) == result.best_step  # the diagnostics' rule is training's
    assert curve["train_loss"].iloc[-1] < curve["train_loss"].iloc[1]
    # The model holds the weights of the best step: its validation scores are reproduced.
    val = _table(30, 2, 2)
    context = _table(60, 2, 1)
    proba = predict_proba_in_context(model, context.x, context.y, val.x, 2)
    assert log_loss(val.y, proba, [0, 1]) == pytest.approx(best["val_log_loss"], rel=1e-5)


def test_a_diverging_run_stops_early_and_returns_the_starting_weights(tuned):
    model = copy.deepcopy(tuned[0])
    before = {k: v.clone() for k, v in model.state_dict().items()}
    _, result = _run(model=model, settings=_settings(max_steps=50, eval_every=1, patience=2,
                                                     learning_rate=5.0, warmup_steps=0,
                                                     max_grad_norm=1e6))
    assert result.curve["val_roc_auc"].iloc[0] > 0.9
    assert result.stop_reason == "early_stopping"
    assert result.best_step == 0
    assert len(result.curve) == 3  # step 0 and two evaluations without improvement
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), name


def test_without_early_stopping_every_step_runs_and_the_last_weights_are_kept(tuned):
    # The diverging run above, without early stopping: all 8 steps, and the model holds the
    # weights of step 8 (its validation score is the curve's last), not those of step 0.
    model = copy.deepcopy(tuned[0])
    _, result = _run(model=model, settings=_settings(max_steps=8, eval_every=1, patience=2,
                                                     learning_rate=5.0, warmup_steps=0,
                                                     max_grad_norm=1e6, early_stopping=False))
    assert result.stop_reason == "max_steps" and list(result.curve["step"]) == list(range(9))
    assert result.best_step == 8 and selected_step(result.curve) != 8
    val, context = _table(30, 2, 2), _table(60, 2, 1)
    proba = predict_proba_in_context(model, context.x, context.y, val.x, 2)
    assert log_loss(val.y, proba, [0, 1]) == pytest.approx(result.curve["val_log_loss"].iloc[-1], rel=1e-5)


def test_time_limit_stops_after_one_step():
    _, result = _run(settings=_settings(max_steps=50, time_limit=1e-9))
    assert result.stop_reason == "time_limit"
    assert result.curve["step"].tolist() == [0, 1]


@pytest.mark.parametrize("role, synthetic_in_context, synthetic_in_query",
                         [("both", True, True), ("context", True, False), ("query", False, True)])
def test_synthetic_rows_appear_only_where_their_role_allows(role, synthetic_in_context, synthetic_in_query):
    settings = _settings(synthetic_role=role, synthetic_ratio=1.0, max_episode_query_rows=1000)
    sampler = _EpisodeSampler(_table(60, 2, 1), _synthetic(200, 2, 5), settings, 1000,
                              np.random.default_rng(0))
    context, query = sampler.draw()
    n_context_synthetic = int((context.x[:, -1] == SYNTHETIC_MARK).sum())
    n_query_synthetic = int((query.x[:, -1] == SYNTHETIC_MARK).sum())
    assert (n_context_synthetic > 0) == synthetic_in_context
    assert (n_query_synthetic > 0) == synthetic_in_query
    assert n_context_synthetic + n_query_synthetic == 60  # synthetic_ratio 1.0 x 60 real rows
    assert len(context) + len(query) == 120


def test_synthetic_ratio_scales_the_synthetic_share():
    sampler = _EpisodeSampler(_table(60, 2, 1), _synthetic(200, 2, 5),
                              _settings(synthetic_ratio=0.5, max_episode_query_rows=1000), 1000,
                              np.random.default_rng(0))
    context, query = sampler.draw()
    assert int((np.concatenate([context.x, query.x])[:, -1] == SYNTHETIC_MARK).sum()) == 30


@pytest.mark.parametrize("redraw", [True, False])
def test_synthetic_rows_are_redrawn_per_step_only_when_asked(redraw):
    sampler = _EpisodeSampler(_table(60, 2, 1), _synthetic(200, 2, 5),
                              _settings(redraw_synthetic=redraw, synthetic_role="context"), 1000,
                              np.random.default_rng(0))

    def synthetic_rows():
        context, _ = sampler.draw()
        rows = context.x[context.x[:, -1] == SYNTHETIC_MARK]
        return {tuple(row) for row in rows.tolist()}

    first, second = synthetic_rows(), synthetic_rows()
    assert (first != second) == redraw


def test_episodes_respect_the_caps_and_keep_every_class_in_the_context():
    sampler = _EpisodeSampler(_table(90, 3, 1), _synthetic(300, 3, 5),
                              _settings(max_episode_query_rows=10), 12, np.random.default_rng(0))
    for _ in range(5):
        context, query = sampler.draw()
        assert len(context) == 12 and len(query) == 10
        assert set(context.y.tolist()) == {0, 1, 2}


def test_too_few_synthetic_rows_for_the_ratio_is_a_clear_error():
    with pytest.raises(ValueError, match="synthetic_ratio=2.0 asks for 120"):
        _run(synthetic=_synthetic(50, 2, 5), settings=_settings(synthetic_ratio=2.0))


def test_too_few_rows_for_a_query_is_a_clear_error():
    with pytest.raises(ValueError, match="no query rows"):
        fine_tune(_model(), _table(2, 2, 1), _table(4, 2, 2), 2, _settings(), progress=False)


def test_invalid_settings_name_the_offending_fields():
    with pytest.raises(ValueError, match=r"learning_rate=-1.*synthetic_role='rows'"):
        FineTuneSettings(learning_rate=-1, synthetic_role="rows")
