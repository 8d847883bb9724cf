"""Reading results back: tables, dtypes, manifest, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from causalmix import results
from causalmix.metrics.curves import selected_step
from causalmix.runner import load_config, run_experiment
from conftest import broken_dataset

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    # Zero-shot only, and two failing runs ('broken' holds inf, found when a run loads it): seconds.
    out = tmp_path_factory.mktemp("experiment")
    config = load_config({"name": "tiny", "datasets": ["iris", "broken"], "n_train": [40, 60],
                          "methods": ["zero_shot"],
                          "data_dir": str(broken_dataset(tmp_path_factory.mktemp("data")))})
    run_experiment(config, out, progress=False)
    return out


def test_load_returns_frames_with_the_documented_schema(experiment):
    loaded = results.load(experiment)
    runs = loaded.runs
    assert list(runs[["dataset", "n_train", "method"]].itertuples(index=False, name=None)) == [
        ("iris", 40, "zero_shot"), ("iris", 60, "zero_shot"), ("broken", 40, "zero_shot"),
        ("broken", 60, "zero_shot")]
    assert runs["n_train"].dtype == pd.Int64Dtype() and runs["fold"].dtype == "int64"
    assert runs["roc_auc"].dtype == "float64"
    assert runs["run_id"].str.fullmatch("[0-9a-f]{16}").all()
    assert list(loaded.ok_runs()["dataset"]) == ["iris", "iris"]
    failures = loaded.failures()
    assert list(failures["n_train"]) == [40, 60] and "infinite values" in failures["error"].iloc[0]
    assert loaded.curves.empty and "run_id" in loaded.curves.columns  # zero-shot has no curve


def test_manifest_records_config_versions_and_counts(experiment):
    manifest = results.load(experiment).manifest
    assert manifest["config"]["datasets"] == ["iris", "broken"]
    assert manifest["config"]["methods"] == {"zero_shot": {"kind": "zero_shot", "generator": None,
                                                           "generator_params": {}, "finetune": {},
                                                           "seeds": None}}
    assert manifest["packages"]["causalmix"] and manifest["packages"]["torch"]
    assert set(manifest["git"]) == {"commit", "dirty"}
    assert (manifest["n_runs"], manifest["n_ok"], manifest["n_failed"]) == (4, 2, 2)


def test_method_settings_resolve_each_methods_fine_tuning(tmp_path):
    config = load_config({"name": "settings", "datasets": ["iris"], "n_train": [40],
                          "finetune": {"max_steps": 0, "learning_rate": 1.0e-3},
                          "methods": {"zero_shot": None, "finetune": None,
                                      "copula_x2": {"generator": "copula",
                                                    "finetune": {"synthetic_ratio": 2.0}}}})
    run_experiment(config, tmp_path, progress=False)
    settings = results.load(tmp_path).method_settings()
    assert list(settings.index) == ["zero_shot", "finetune", "copula_x2"]
    assert list(settings["kind"]) == ["zero_shot", "finetune", "augment"]
    assert settings.loc["copula_x2", "generator"] == "copula"
    assert settings.loc["copula_x2", "synthetic_ratio"] == 2.0 and settings.loc["finetune", "learning_rate"] == 1e-3
    assert pd.isna(settings.loc["zero_shot", "learning_rate"])


def test_load_explains_a_folder_that_is_not_an_experiment(tmp_path):
    with pytest.raises(FileNotFoundError, match="lacks runs.parquet, curves.parquet, manifest.json"):
        results.load(tmp_path)


STORED = sorted(p.parent.name for p in (REPO / "results").glob("*/runs.parquet"))


@pytest.mark.parametrize("name", STORED)
def test_stored_fine_tuned_runs_select_by_the_diagnostics_rule(name):
    # With early stopping a run keeps the step the diagnostics' rule selects; without, its last.
    loaded = results.load(REPO / "results" / name)
    runs = loaded.ok_runs().dropna(subset=["best_step"]).set_index("run_id")
    settings = loaded.method_settings()
    without = {m for m, value in settings.get("early_stopping", pd.Series(dtype=object)).items() if value is False}
    curves = dict(list(loaded.curves.groupby("run_id")))
    expected = {run_id: int(curves[run_id]["step"].max()) if method in without else selected_step(curves[run_id])
                for run_id, method in runs["method"].items()}
    assert runs["best_step"].to_dict() == expected


@pytest.mark.parametrize("name", STORED)
def test_stored_runs_that_kept_step_0_score_exactly_as_zero_shot(name):
    runs = results.load(REPO / "results" / name).ok_runs()
    keys = ["dataset", "fold", "n_train", "seed", "split"]
    kept = runs[runs["best_step"] == 0].merge(runs[runs["method"] == "zero_shot"], on=keys,
                                              suffixes=("", "_zero_shot"))
    for metric in ("roc_auc", "log_loss", "accuracy"):
        assert ((kept[metric] - kept[f"{metric}_zero_shot"]).abs() <= 1e-6).all(), metric
