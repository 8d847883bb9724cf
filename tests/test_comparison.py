"""The many-method comparison table: shared tasks only, ranks, win rates and generator cost."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from causalmix.metrics.comparison import (
    dataset_improvement, method_comparison, paired_difference, shared_tasks, spread_ratio,
)


def _runs() -> pd.DataFrame:
    """6 datasets x 2 folds x seeds 0-1 for finetune and zero_shot; "gen" (a generator) on seed 0
    only, always 0.01 above finetune (itself never below zero-shot) and taking 2 s to sample (4 s on the first dataset)."""
    rng = np.random.default_rng(0)
    rows = []
    for d in range(6):
        for fold in range(2):
            for seed in range(2):
                base = 0.7 + rng.normal(0, 0.05)
                tuned = base + abs(rng.normal(0, 0.02))
                task = {"dataset": f"d{d}", "fold": fold, "n_train": 128, "seed": seed}
                rows += [{**task, "method": "zero_shot", "roc_auc": base, "fit_seconds": 0.1},
                         {**task, "method": "finetune", "roc_auc": tuned, "fit_seconds": 1.0}]
                if seed == 0:
                    rows.append({**task, "method": "gen", "roc_auc": tuned + 0.01, "fit_seconds": 1.0,
                                 "synthetic_seconds": 4.0 if d == 0 else 2.0})
    runs = pd.DataFrame(rows)
    runs["normalized"] = (runs["roc_auc"] / runs.groupby(["dataset", "fold", "seed"])["roc_auc"]
                          .transform(lambda s: s.iloc[0]) - 1) * 100
    return runs


def test_only_tasks_every_method_completed_are_compared():
    runs = _runs()
    assert set(shared_tasks(runs)["seed"]) == {0}
    assert len(shared_tasks(runs)) == 3 * 6 * 2


def test_a_method_always_ahead_of_plain_fine_tuning_wins_and_ranks_first():
    table = method_comparison(_runs(), n_resamples=200)
    assert table.loc["gen", "win_rate"] == 1.0 and np.isnan(table.loc["finetune", "win_rate"])
    assert table.loc["gen", "average_rank"] == table.loc["gen", "rank_high"] == 1.0
    assert table.loc["gen", "rank_low"] <= table.loc["gen", "average_rank"] <= table.loc["gen", "rank_high"]
    assert table.loc["gen", "ci_low"] <= table.loc["gen", "median"] <= table.loc["gen", "ci_high"]
    assert (table["n_tasks"] == 12).all() and (table["n_datasets"] == 6).all()


def test_generator_seconds_and_cpu_hours_come_from_the_runs():
    table = method_comparison(_runs(), n_resamples=50)
    assert table.loc["gen", "generator_seconds"] == 2.0
    assert np.isnan(table.loc["finetune", "generator_seconds"])
    assert table.loc["gen", "cpu_hours"] == pytest.approx((2 * 4.0 + 10 * 2.0 + 12 * 1.0) / 3600)
    assert table.loc["zero_shot", "cpu_hours"] == pytest.approx(12 * 0.1 / 3600)


def test_dataset_improvement_is_a_methods_by_datasets_median():
    runs = _runs()
    matrix = dataset_improvement(runs)
    assert matrix.shape == (3, 6)
    expected = runs[(runs["dataset"] == "d2") & (runs["seed"] == 0) & (runs["method"] == "gen")]["normalized"]
    assert matrix.loc["gen", "d2"] == pytest.approx(expected.median())
    assert (matrix.loc["zero_shot"] == 0).all()


def test_paired_difference_per_group_with_verdicts():
    runs = _runs()
    table = paired_difference(runs, "gen", "finetune", column="roc_auc", by=["n_train"], n_resamples=200)
    assert list(table.index) == [128]
    row = table.loc[128]
    assert row["n"] == 12 and row["difference"] == pytest.approx(0.01)
    assert row["verdict"] == "supported" and row["ci_low"] > 0
    reverse = paired_difference(runs, "finetune", "gen", column="roc_auc", n_resamples=200)
    assert reverse.loc[0, "verdict"] == "contradicted"
    with pytest.raises(ValueError, match=r"No runs of method\(s\) \['nope'\]"):
        paired_difference(runs, "nope", "finetune")


def test_spread_ratio_per_group_with_verdicts():
    """A method whose normalised score is plain fine-tuning's at half the distance from zero-shot
    varies exactly half as much at every size; one that exaggerates it varies more."""
    runs = pd.concat([_runs().assign(n_train=n) for n in (32, 128)], ignore_index=True)
    runs = runs[runs["method"] != "gen"]
    tuned = runs[runs["method"] == "finetune"]
    runs = pd.concat([runs, tuned.assign(method="calm", normalized=tuned["normalized"] / 2),
                      tuned.assign(method="wild", normalized=tuned["normalized"] * 3)], ignore_index=True)
    table = spread_ratio(runs, "calm", "finetune", by=["n_train"], n_resamples=200)
    assert list(table.index) == [32, 128] and (table["n"] == 24).all() and (table["n_datasets"] == 6).all()
    assert np.allclose(table["ratio"], 0.5) and np.allclose(table["std_method"], table["std_reference"] / 2)
    assert (table["verdict"] == "supported").all() and (table["ci_high"] < 1).all()
    wild = spread_ratio(runs, "wild", "finetune", n_resamples=200)
    assert wild.loc[0, "ratio"] == pytest.approx(3.0) and wild.loc[0, "verdict"] == "contradicted"
    with pytest.raises(ValueError, match=r"No runs of method\(s\) \['nope'\]"):
        spread_ratio(runs, "nope", "finetune")
