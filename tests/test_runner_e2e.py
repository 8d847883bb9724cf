"""End to end on built-in datasets with a tiny fine-tuning budget: determinism, resume after a
killed process, executor equivalence and the shared synthetic-data cache."""

from __future__ import annotations

import json

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from causalmix import results
from causalmix.runner import load_config, run_experiment
from causalmix.runner.storage import TIMING_COLUMNS
from conftest import sittings, wall_seconds

REPO = Path(__file__).resolve().parents[1]
GRID = {
    "name": "e2e", "datasets": ["breast_cancer", "wine"], "folds": [0], "n_train": [48],
    "finetune": {"max_steps": 4, "eval_every": 2, "patience": 2},
    "methods": {"zero_shot": None, "finetune": None, "smote": None,
                "smote_context": {"generator": "smote", "finetune": {"synthetic_role": "context"}}},
}
N_RUNS = 2 * 4


def numbers(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The run and curve tables without the columns that measure time."""
    loaded = results.load(path)
    return (loaded.runs.drop(columns=TIMING_COLUMNS, errors="ignore"),
            loaded.curves.drop(columns=TIMING_COLUMNS, errors="ignore"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reference")
    summary = run_experiment(load_config(GRID), out, progress=False)
    assert (summary.n_ok, summary.failures) == (N_RUNS, []), summary
    return out


def test_tables_hold_every_run_and_curve(reference):
    runs, curves = numbers(reference)
    assert len(runs) == N_RUNS and runs["run_id"].is_unique
    assert (runs["status"] == "ok").all()
    assert runs[["roc_auc", "log_loss", "accuracy"]].notna().all().all()
    finetuned = runs[runs["method"] != "zero_shot"]
    assert finetuned["best_step"].notna().all() and runs.loc[runs["method"] == "zero_shot", "best_step"].isna().all()
    assert set(curves["run_id"]) == set(finetuned["run_id"])
    assert curves.groupby("run_id")["step"].apply(list).map(lambda s: s[0] == 0 and s == sorted(s)).all()


def test_synthetic_sample_is_computed_once_and_shared(reference):
    runs, _ = numbers(reference)
    assert len(list((reference / "synthetic").glob("*.parquet"))) == 2  # one per dataset
    smote = runs[runs["method"].str.startswith("smote")]
    assert smote.groupby("dataset")["synthetic_id"].nunique().eq(1).all()
    assert (smote["n_synthetic_rows"] > 0).all()
    seconds = results.load(reference).runs.set_index("method").loc[["smote", "smote_context"]]
    assert seconds.groupby("dataset")["synthetic_seconds"].nunique().eq(1).all()


def test_same_config_twice_gives_identical_tables(reference, tmp_path):
    run_experiment(load_config(GRID), tmp_path, progress=False)
    for ours, theirs in zip(numbers(tmp_path), numbers(reference)):
        pd.testing.assert_frame_equal(ours, theirs)


def test_resume_after_the_process_is_killed(reference, tmp_path):
    config = tmp_path / "grid.yaml"
    config.write_text(yaml.safe_dump(GRID, sort_keys=False))
    out = tmp_path / "out"
    script = ("import sys; from causalmix.runner import load_config, run_experiment; "
              "run_experiment(load_config(sys.argv[1]), sys.argv[2], progress=False)")
    process = subprocess.Popen([sys.executable, "-c", script, str(config), str(out)], cwd=REPO)
    deadline = time.monotonic() + 300
    while len(list(out.glob("records/*.json"))) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()
    process.wait()
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("records/*.json")}
    assert 2 <= len(before) < N_RUNS, "the grid should have been interrupted midway"
    assert not (out / "runs.parquet").exists()

    summary = run_experiment(load_config(config), out, progress=False)
    assert (summary.n_skipped, summary.n_ok, summary.failures) == (len(before), N_RUNS - len(before), [])
    assert {name: (out / "records" / name).stat().st_mtime_ns for name in before} == before  # not redone
    runs, curves = numbers(out)
    assert runs["run_id"].is_unique and len(runs) == N_RUNS
    for ours, theirs in zip((runs, curves), numbers(reference)):
        pd.testing.assert_frame_equal(ours, theirs)
    # The killed sitting has no end: the manifest counts it as unmeasured, its wall time unknown.
    killed, resumed = sittings(out)
    assert (killed["ended_utc"], killed["outcome"], killed["runs_done"]) == (None, None, None)
    manifest = results.load(out).manifest
    assert manifest["sittings_unmeasured"] == 1 and manifest["wall_seconds"] == wall_seconds(resumed)


@pytest.mark.parametrize("executor", ["dask", "local"])
def test_executors_with_two_workers_give_the_same_numbers(executor, reference, tmp_path):
    # wine only, to keep the start-up of two worker processes the dominant cost.
    summary = run_experiment(load_config({**GRID, "datasets": ["wine"]}), tmp_path, executor=executor,
                             workers=2, progress=False)
    assert (summary.n_ok, summary.failures) == (N_RUNS // 2, [])
    for ours, theirs in zip(numbers(tmp_path), numbers(reference)):
        theirs = theirs[theirs["dataset"] == "wine"].reset_index(drop=True)
        pd.testing.assert_frame_equal(ours, theirs)


def test_rerunning_a_complete_grid_keeps_its_manifest(tmp_path):
    config = load_config({"name": "keep", "datasets": ["iris"], "folds": [0], "n_train": [30],
                          "methods": ["zero_shot"]})
    run_experiment(config, tmp_path, progress=False)
    before = (tmp_path / "manifest.json").read_text()
    summary = run_experiment(config, tmp_path, progress=False)
    assert summary.n_skipped == 1 and (tmp_path / "manifest.json").read_text() == before


def test_the_manifest_lists_every_generator_setting(tmp_path):
    config = load_config({"name": "gens", "datasets": ["iris"], "folds": [0], "n_train": [30],
                          "finetune": {"max_steps": 0},
                          "methods": {"smote": {"generator_params": {"k_neighbors": 3}}, "copula": None}})
    run_experiment(config, tmp_path, progress=False)
    generators = json.loads((tmp_path / "manifest.json").read_text())["generators"]
    assert generators["smote"]["generator"] == "smote" and generators["smote"]["k_neighbors"] == 3
    assert set(generators) == {"smote", "copula"} and "random_state" not in generators["copula"]


def test_fine_tuned_runs_that_keep_step_0_score_exactly_as_zero_shot(tmp_path):
    # Binary and multiclass; the runner passes zero-shot the training rows followed by the
    # validation rows, and every fine-tuner predicts from the same inputs after training.
    grid = {"name": "step0", "datasets": ["breast_cancer", "wine"], "folds": [0, 1], "n_train": [48],
            "finetune": {"max_steps": 0},
            "methods": {"zero_shot": None, "finetune": None, "smote": None,
                        "diverging": {"generator": "smote", "finetune": {
                            "max_steps": 4, "eval_every": 2, "warmup_steps": 0, "learning_rate": 0.5}}}}
    run_experiment(load_config(grid), tmp_path, progress=False)
    runs = results.load(tmp_path).ok_runs()
    assert len(runs) == 16 and (runs.loc[runs["method"] != "zero_shot", "best_step"] == 0).all()
    scores = runs.set_index(["dataset", "fold", "method"])[["roc_auc", "log_loss", "accuracy"]].unstack("method")
    for method in ("finetune", "smote", "diverging"):
        np.testing.assert_allclose(scores.xs(method, axis=1, level="method"),
                                   scores.xs("zero_shot", axis=1, level="method"), rtol=0, atol=1e-6)


def test_a_seed_repeats_a_task_on_the_same_split_with_new_episodes(tmp_path):
    grid = {**GRID, "datasets": ["wine"], "seeds": [0, 1], "methods": {"zero_shot": None, "finetune": None}}
    run_experiment(load_config(grid), tmp_path, progress=False)
    loaded = results.load(tmp_path)
    runs = loaded.ok_runs().set_index(["method", "seed"])
    assert list(loaded.runs["seed"]) == [0, 0, 1, 1]  # seed outermost: whole repetitions first
    # Zero-shot draws nothing at random at this size: equal scores mean equal rows.
    assert runs.loc[("zero_shot", 0), "log_loss"] == runs.loc[("zero_shot", 1), "log_loss"]
    train_loss = loaded.curves.merge(loaded.runs[["run_id", "seed"]]).groupby("seed")["train_loss"].sum()
    assert train_loss[0] != train_loss[1]
