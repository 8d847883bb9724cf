"""Metric values against hand-computed examples."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from causalmix import metrics
from causalmix.metrics import bootstrap


def test_import_does_not_pull_torch():
    code = "import sys, causalmix.metrics; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_binary_roc_auc_positive_class_is_second():
    # Pairs (positive, negative): (0.35, 0.1) yes, (0.35, 0.4) no, (0.8, 0.1) yes, (0.8, 0.4) yes.
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]])
    assert metrics.roc_auc(["a", "a", "b", "b"], proba, ["a", "b"]) == pytest.approx(0.75)


def test_multiclass_roc_auc_is_one_vs_rest_macro():
    y = ["a", "b", "c", "a"]
    proba = np.array([[0.6, 0.2, 0.2], [0.2, 0.5, 0.3], [0.3, 0.3, 0.4], [0.1, 0.3, 0.6]])
    # Per class: a -> 2 of 4 pairs, b -> 3 of 3, c -> 2 of 3.
    expected = (0.5 + 1.0 + 2 / 3) / 3
    assert metrics.roc_auc(y, proba, ["a", "b", "c"]) == pytest.approx(expected)
    assert expected == pytest.approx(roc_auc_score(y, proba, multi_class="ovr", average="macro"))


def test_multiclass_roc_auc_skips_classes_absent_from_y_true():
    y = ["a", "b", "a", "b"]
    proba = np.array([[0.7, 0.2, 0.1], [0.3, 0.3, 0.4], [0.2, 0.5, 0.3], [0.1, 0.6, 0.3]])
    # a: positives 0.7, 0.2 vs negatives 0.3, 0.1 -> 3/4; b: positives 0.3, 0.6 vs 0.2, 0.5 -> 3/4.
    assert metrics.roc_auc(y, proba, ["a", "b", "c"]) == pytest.approx(0.75)


def test_roc_auc_has_one_definition_that_every_score_uses():
    # The runner, fidelity, pretraining probe and benchmarks all call metrics.roc_auc, so that a
    # class missing from a test fold is handled by one rule everywhere.
    repo = Path(__file__).resolve().parents[1]
    users = [path.relative_to(repo).as_posix() for folder in ("causalmix", "benchmarks")
             for path in (repo / folder).rglob("*.py") if "roc_auc_score" in path.read_text()]
    assert users == ["causalmix/metrics/scores.py"]


def test_log_loss_and_accuracy():
    proba = np.array([[0.8, 0.2], [0.4, 0.6], [0.5, 0.5]])
    y = ["a", "b", "b"]
    assert metrics.log_loss(y, proba, ["a", "b"]) == pytest.approx(
        -(np.log(0.8) + np.log(0.6) + np.log(0.5)) / 3)
    # The tie in the last row goes to the first class, "a": 2 of 3 right.
    assert metrics.accuracy(y, proba, ["a", "b"]) == pytest.approx(2 / 3)
    assert metrics.evaluate(y, proba, ["a", "b"], ["accuracy"]) == {"accuracy": pytest.approx(2 / 3)}


def test_score_input_errors_are_clear():
    with pytest.raises(ValueError, match="shape"):
        metrics.roc_auc(["a", "b"], np.ones((2, 3)) / 3, ["a", "b"])
    with pytest.raises(ValueError, match="not in classes"):
        metrics.accuracy(["a", "z"], np.ones((2, 2)) / 2, ["a", "b"])
    with pytest.raises(ValueError, match="Unknown metric 'auc'"):
        metrics.get_metric("auc")


def _runs(rows):
    return pd.DataFrame(rows, columns=["dataset", "fold", "n_train", "seed", "method", "roc_auc", "log_loss"])


def test_normalized_score_against_zero_shot_on_the_same_task():
    runs = _runs([
        ("d", 0, 64, 0, "zero_shot", 0.80, 0.50),
        ("d", 0, 64, 0, "finetune", 0.88, 0.40),
        ("d", 1, 64, 0, "zero_shot", 0.50, 1.00),
        ("d", 1, 64, 0, "finetune", 0.45, 1.10),
        ("e", 0, 64, 0, "finetune", 0.90, 0.30),  # no zero-shot run on this task
    ])
    auc = metrics.normalized_score(runs, "roc_auc")
    loss = metrics.normalized_score(runs, "log_loss")
    assert auc.tolist()[:4] == pytest.approx([0.0, 10.0, 0.0, -10.0])
    assert loss.tolist()[:4] == pytest.approx([0.0, 20.0, 0.0, -10.0])  # lower loss is better
    assert np.isnan(auc.iloc[4])


def test_normalized_error_per_task():
    runs = _runs([
        ("d", 0, 64, 0, "a", 0.9, 0.2), ("d", 0, 64, 0, "b", 0.8, 0.3), ("d", 0, 64, 0, "c", 0.7, 0.6),
        ("d", 1, 64, 0, "a", 0.6, 0.5), ("d", 1, 64, 0, "b", 0.6, 0.5),
    ])
    assert metrics.normalized_error(runs, "roc_auc").tolist() == pytest.approx([0, 0.5, 1, 0, 0])
    assert metrics.normalized_error(runs, "log_loss").tolist() == pytest.approx([0, 0.25, 1, 0, 0])


def test_relative_improvement_uses_per_dataset_means():
    runs = _runs([
        ("d", 0, 64, 0, "finetune", 0.6, 0.5), ("d", 1, 64, 0, "finetune", 1.0, 0.5),
        ("d", 0, 64, 0, "causalmix", 0.9, 0.5), ("d", 1, 64, 0, "causalmix", 0.86, 0.5),
    ])
    table = metrics.relative_improvement(runs, "roc_auc", baseline="finetune").set_index("method")
    assert table.loc["causalmix", "relative_improvement"] == pytest.approx((0.88 / 0.8 - 1) * 100)
    assert table.loc["finetune", "relative_improvement"] == pytest.approx(0.0)


def test_summarize_quartiles_and_dataset_level_interval():
    # m: one run on each of 6 datasets (a CI); k: 2 datasets, fewer than MIN_DATASETS (no CI).
    frame = pd.DataFrame({"method": ["m"] * 6 + ["k"] * 2, "dataset": [f"d{i}" for i in range(6)] + ["a", "b"],
                          "fold": 0, "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 5.0, 5.0]})
    table = metrics.summarize(frame, "value", random_state=0)
    row = table.loc["m"]
    assert (row["n"], row["n_datasets"], row["mean"], row["median"], row["q25"], row["q75"], row["iqr"]) == \
        pytest.approx((6, 6, 3.5, 3.5, 2.25, 4.75, 2.5))
    assert row["std"] == pytest.approx(np.std([1, 2, 3, 4, 5, 6], ddof=1))
    assert 1.0 <= row["ci_low"] < 3.5 < row["ci_high"] <= 6.0
    assert np.isnan(table.loc["k", "ci_low"]) and table.loc["k", "n_datasets"] == 2
    again = metrics.summarize(frame, "value", random_state=0)
    pd.testing.assert_frame_equal(table, again)


def test_fold_variability():
    frame = _runs([("d", f, 64, 0, "m", auc, 0.0) for f, auc in enumerate([0.7, 0.8, 0.9])])
    row = metrics.fold_variability(frame, "roc_auc").loc[("m", "d", 64)]
    assert (row["n"], row["mean"], row["std"], row["min"], row["max"]) == pytest.approx((3, 0.8, 0.1, 0.7, 0.9))


@pytest.fixture
def three_methods():
    rows = [("d", 0, 64, 0, "A", 0.9, 0), ("d", 0, 64, 0, "B", 0.9, 0), ("d", 0, 64, 0, "C", 0.8, 0),
            ("d", 1, 64, 0, "A", 0.7, 0), ("d", 1, 64, 0, "B", 0.8, 0), ("d", 1, 64, 0, "C", 0.9, 0),
            ("d", 2, 64, 0, "A", 0.5, 0)]  # incomplete task: left out of ranks
    return _runs(rows)


def test_average_rank_with_ties(three_methods):
    assert metrics.average_rank(three_methods, "roc_auc").to_dict() == pytest.approx(
        {"A": 2.25, "B": 1.75, "C": 2.0})


def test_win_rate_counts_ties_as_half(three_methods):
    table = metrics.win_rate(three_methods, "roc_auc")
    assert table.loc["A", "B"] == pytest.approx(0.25)
    assert table.loc["B", "A"] == pytest.approx(0.75)
    assert table.loc["A", "C"] == pytest.approx(0.5)
    assert np.isnan(table.loc["A", "A"])


def test_friedman_matches_the_textbook_formula():
    # A best, C worst on all 4 tasks: chi2 = 12N/(k(k+1)) * (sum mean_rank^2 - k(k+1)^2/4) = 8.
    rows = [("d", f, 64, 0, m, auc, 0) for f in range(4) for m, auc in (("A", 0.9), ("B", 0.8), ("C", 0.7))]
    result = metrics.friedman_test(_runs(rows), "roc_auc")
    assert result["statistic"] == pytest.approx(8.0)
    assert result["pvalue"] == pytest.approx(np.exp(-4.0))  # chi2 with 2 dof
    assert (result["n_tasks"], result["n_methods"]) == (4, 3)
    pvalues = metrics.nemenyi_test(_runs(rows), "roc_auc")
    assert pvalues.loc["A", "C"] < pvalues.loc["A", "B"] <= 1.0


def test_critical_difference_uses_demsar_q_alpha():
    # q_0.05 for k = 3 is 2.343 (Demšar 2006, Table 5a).
    assert metrics.critical_difference(3, 4, 0.05) == pytest.approx(2.343 * np.sqrt(12 / 24), rel=1e-3)


def test_validation_test_correlation_and_early_stopping_gap():
    curve = pd.DataFrame({"step": [0, 10, 20, 30], "val_roc_auc": [0.6, 0.7, 0.8, 0.75],
                          "val_log_loss": 0.5, "test_roc_auc": [0.5, 0.6, 0.7, 0.72]})
    # Ranks val (1, 2, 4, 3) vs test (1, 2, 3, 4): rho = 1 - 6 * 2 / (4 * 15) = 0.8.
    assert metrics.validation_test_correlation(curve) == pytest.approx(0.8)
    gap = metrics.early_stopping_gap(curve)
    assert gap["gap"] == pytest.approx(0.02)
    assert (gap["selected_step"], gap["optimal_step"]) == (20, 30)


def test_early_stopping_gap_selects_as_training_does():
    # Validation ROC-AUC ties at steps 1 and 3: training keeps the lower validation log loss (3),
    # and among full ties the earlier step; the gap is then measured in the test metric asked for.
    curve = pd.DataFrame({"step": [0, 1, 2, 3], "val_roc_auc": [0.7, 0.8, 0.75, 0.8],
                          "val_log_loss": [0.5, 0.45, 0.4, 0.42],
                          "test_roc_auc": [0.6, 0.7, 0.8, 0.65], "test_log_loss": [0.6, 0.5, 0.4, 0.45]})
    assert metrics.selected_step(curve) == 3
    gap = metrics.early_stopping_gap(curve, "log_loss")
    assert gap["selected_step"] == 3 and gap["gap"] == pytest.approx(0.05)
    assert metrics.selected_step(curve.assign(val_log_loss=0.4)) == 1
    assert metrics.selected_step(curve.assign(val_roc_auc=np.nan)) == 2  # NaN AUC: log loss decides
    assert np.isnan(metrics.validation_test_correlation(curve.iloc[:2], "log_loss"))


def test_curve_diagnostics_one_row_per_run():
    curve = pd.DataFrame({"step": [0, 10, 20, 30], "val_roc_auc": [0.6, 0.7, 0.8, 0.75],
                          "val_log_loss": 0.5, "test_roc_auc": [0.5, 0.6, 0.7, 0.72],
                          "dataset": "d", "fold": 0, "seed": 0})
    curves = pd.concat([curve.assign(method="finetune", run_id="r1"),
                        curve.assign(method="causalmix", run_id="r2", test_roc_auc=curve["test_roc_auc"][::-1].to_numpy())])
    table = metrics.curve_diagnostics(curves).set_index("run_id")
    assert table.loc["r1", "correlation"] == pytest.approx(0.8)
    assert table.loc["r2", "correlation"] == pytest.approx(-0.8)
    assert table.loc["r2", "gap"] == pytest.approx(0.72 - 0.6)


def _nested(n_datasets: int = 6, n_folds: int = 4, n_seeds: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame([{"dataset": f"d{d}", "fold": f, "seed": s, "value": d + rng.normal(0, 0.1)}
                         for d in range(n_datasets) for f in range(n_folds) for s in range(n_seeds)])


def test_hierarchical_resamples_draw_datasets_then_folds_and_keep_units_whole():
    runs = _nested()
    for rows in bootstrap.hierarchical_resamples(runs["dataset"].to_numpy(), runs["fold"].to_numpy(), 50, 1):
        drawn = runs.iloc[rows]
        assert len(drawn) == len(runs)  # 6 datasets x 4 folds x 3 seeds, each draw
        # A drawn (dataset, fold) brings all of its seeds, once per time it was drawn.
        assert (drawn.groupby(["dataset", "fold"])["seed"].value_counts().unstack().nunique(axis=1) == 1).all()
    # Datasets repeat as wholes: the number of distinct datasets varies, every drawn dataset has 4 folds.
    counts = {runs.iloc[rows]["dataset"].nunique() for rows in
              bootstrap.hierarchical_resamples(runs["dataset"].to_numpy(), runs["fold"].to_numpy(), 50, 2)}
    assert len(counts) > 1 and max(counts) <= 6


def test_hierarchical_resamples_of_uneven_datasets_draw_each_dataset_s_own_folds_uniformly():
    # datasets with 1 to 5 folds, folds with 1 to 3 rows (e.g. seeds or skipped runs)
    runs = pd.DataFrame([{"dataset": d, "fold": f} for d, n_folds in [("a", 1), ("b", 2), ("c", 5), ("d", 3), ("e", 2)]
                         for f in range(n_folds) for _ in range(1 + f % 3)]).sample(frac=1, random_state=0)
    rows_of_unit = runs.groupby(["dataset", "fold"]).size()
    folds_of = runs.groupby("dataset")["fold"].nunique()
    draws_of_c = np.zeros(5)
    for rows in bootstrap.hierarchical_resamples(runs["dataset"].to_numpy(), runs["fold"].to_numpy(), 2000, 0):
        units = runs.iloc[rows].groupby(["dataset", "fold"]).size()
        assert (units % rows_of_unit[units.index] == 0).all()  # a drawn unit brings all its rows
        times = (units // rows_of_unit[units.index]).groupby(level="dataset").sum()
        assert (times % folds_of[times.index] == 0).all()  # a drawn dataset brings as many folds as it has
        assert (times // folds_of[times.index]).sum() == 5  # and five datasets are drawn
        if "c" in times:
            draws_of_c[(units // rows_of_unit[units.index])["c"].index] += (units // rows_of_unit[units.index])["c"]
    assert np.allclose(draws_of_c / draws_of_c.sum(), 0.2, atol=0.02)


def test_dataset_level_ci_is_wider_than_one_that_treats_runs_as_independent():
    runs = _nested()  # the datasets differ (means 0..5); runs within a dataset barely do
    estimate = bootstrap.bootstrap_runs(runs, "value", np.mean, n_resamples=500)
    naive = np.percentile([runs["value"].sample(len(runs), replace=True, random_state=i).mean()
                           for i in range(500)], [2.5, 97.5])
    assert estimate.high - estimate.low > 2 * (naive[1] - naive[0])
    assert estimate.low < 2.5 < estimate.high and estimate.n_datasets == 6 and estimate.n_units == 24


def test_p_value_inverts_the_ci_and_verdicts_have_four_outcomes():
    runs = _nested()
    above = bootstrap.bootstrap_runs(runs, "value", np.mean, null=-1.0, n_resamples=400)
    assert above.p_value < 0.05 and above.low > -1.0
    far = bootstrap.bootstrap_runs(runs, "value", np.mean, null=-100.0, n_resamples=400)
    assert far.p_value == 2 / 401  # no draw reaches the null: p is the resolution, never 0
    assert bootstrap.verdict(above, +1) == bootstrap.SUPPORTED
    assert bootstrap.verdict(above, -1) == bootstrap.CONTRADICTED
    around = bootstrap.bootstrap_runs(runs, "value", np.mean, null=2.5, n_resamples=400)
    assert around.p_value > 0.05 and bootstrap.verdict(around, +1) == bootstrap.INCONCLUSIVE
    few = bootstrap.bootstrap_runs(runs[runs["dataset"].isin(["d0", "d1", "d2", "d3"])], "value", np.mean)
    assert np.isnan(few.low) and bootstrap.verdict(few, +1) == bootstrap.NOT_TESTABLE
    assert few.n_datasets == 4 < bootstrap.MIN_DATASETS


def test_holm_adjusts_by_rank_and_leaves_missing_p_values_out():
    adjusted = bootstrap.holm(pd.Series({"a": 0.01, "b": 0.04, "c": 0.03, "d": np.nan}))
    # Sorted 0.01, 0.03, 0.04 times 3, 2, 1, made monotone: 0.03, 0.06, 0.06.
    assert adjusted.round(10).to_dict() == pytest.approx({"a": 0.03, "b": 0.06, "c": 0.06, "d": np.nan},
                                                         nan_ok=True)


def test_holm_verdicts_keep_only_what_the_adjusted_p_carries():
    table = pd.DataFrame({"p": [0.01, 0.04, 0.03, np.nan],
                          "verdict": ["supported", "supported", "contradicted", "not testable here"]},
                         index=["a", "b", "c", "d"])
    adjusted = bootstrap.holm_verdicts(table)
    assert list(adjusted.columns) == ["p", "p_holm", "verdict"]
    assert adjusted["verdict"].to_dict() == {"a": "supported", "b": "inconclusive", "c": "inconclusive",
                                             "d": "not testable here"}
    assert table["verdict"].iloc[1] == "supported"  # the input is left alone
