"""The claims registry: four-outcome verdicts follow the evidence, on stored results and on our
implementation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from causalmix.report.claims import (CLAIMS, ClaimContext, claims_table, correlation_gap, evaluate)
from causalmix.metrics.bootstrap import CONTRADICTED, INCONCLUSIVE, NOT_TESTABLE, SUPPORTED
from causalmix.runner import storage

REPO = Path(__file__).resolve().parents[1]
RESULT_CLAIMS = [c.id for c in CLAIMS.values() if c.kind == "result"]
METHOD_CLAIMS = [c.id for c in CLAIMS.values() if c.kind == "method"]
STEPS = np.arange(0, 30, 5)


def _curves(runs: pd.DataFrame, gaps: dict[str, float]) -> pd.DataFrame:
    """A curve per fine-tuned run whose validation-test rank correlation is -1 (gap 2) with
    probability ``gaps[method] / 2`` (default 0) and 1 (gap 0) otherwise."""
    rng = np.random.default_rng(0)
    curves = []
    for row in runs[runs["method"] != "zero_shot"].itertuples():
        sign = -1 if rng.random() < gaps.get(row.method, 0) / 2 else 1
        curves.append(pd.DataFrame({"run_id": row.run_id, "dataset": row.dataset, "fold": row.fold,
                                    "n_train": row.n_train, "seed": row.seed, "method": row.method,
                                    "step": STEPS, "val_roc_auc": STEPS / 100, "val_log_loss": 1 - STEPS / 100,
                                    "test_roc_auc": sign * STEPS / 100}))
    return pd.concat(curves, ignore_index=True)


def _store(path: Path, runs: pd.DataFrame, gaps: dict[str, float] | None = None, model: str = "default"):
    path.mkdir(parents=True, exist_ok=True)
    storage.write_parquet(path / "runs.parquet", runs.assign(status="ok"))
    storage.write_parquet(path / "curves.parquet", _curves(runs, gaps or {}))
    (path / "manifest.json").write_text(json.dumps({"experiment": "t", "config": {"model": model}}))
    return path


def _runs(spread: dict[str, tuple[float, float]], n_datasets: int = 6, n_folds: int = 5,
          n_train=(64,), seeds=(0,)) -> pd.DataFrame:
    """Zero-shot ROC-AUC 0.8 per task; each method ``0.8 * (1 + N(mean, std))``."""
    rng = np.random.default_rng(0)
    rows = []
    for dataset in range(n_datasets):
        for fold in range(n_folds):
            for size in n_train:
                for seed in seeds:
                    task = {"dataset": f"d{dataset}", "fold": fold, "n_train": size, "seed": seed}
                    rows.append({**task, "method": "zero_shot", "roc_auc": 0.8, "log_loss": 0.5, "best_step": pd.NA})
                    for method, (mean, std) in spread.items():
                        rows.append({**task, "method": method, "roc_auc": 0.8 * (1 + rng.normal(mean, std)),
                                     "log_loss": 0.5, "best_step": 5})
    runs = pd.DataFrame(rows)
    runs["run_id"] = [f"r{i}" for i in range(len(runs))]
    runs["best_step"] = runs["best_step"].astype("Int64")
    return runs


def _context(tmp_path, runs, gaps=None, scarcity=None, **settings) -> ClaimContext:
    return ClaimContext(results_dir=_store(tmp_path / "paper", runs, gaps),
                        scarcity_dir=_store(tmp_path / "scarcity", runs if scarcity is None else scarcity),
                        n_resamples=300, **settings)


def test_claim_ids_are_the_claim_pages_of_the_book():
    book = yaml.safe_load((REPO / "book" / "notebooks.yaml").read_text())
    pages = {page["parameters"]["claim_id"] for page in book["pages"] if page["name"].startswith("claim_")}
    assert pages == set(CLAIMS)
    for claim in CLAIMS.values():
        assert claim.kind in ("method", "result") and claim.text and claim.paper
        assert claim.check.__doc__, claim.id
    with pytest.raises(ValueError, match="Unknown claim"):
        evaluate("no_such_claim")


def test_result_claims_without_results_are_not_testable(tmp_path):
    context = ClaimContext(results_dir=tmp_path / "absent", scarcity_dir=tmp_path / "absent")
    for claim_id in RESULT_CLAIMS:
        evidence = evaluate(claim_id, context)
        assert evidence.verdict == NOT_TESTABLE and "no stored results" in evidence.why


def test_supported_when_causalmix_is_better_and_steadier(tmp_path):
    runs = _runs({"finetune": (0.0, 0.03), "causalmix": (0.04, 0.01), "marginals": (0.0, 0.03)},
                 n_train=(64, 128))
    context = _context(tmp_path, runs, gaps={"finetune": 2.0, "causalmix": 0.0})
    for claim_id in ("median_improvement", "variability", "rank_first", "small_data_stability",
                     "correlation_gap"):
        evidence = evaluate(claim_id, context)
        assert evidence.verdict == SUPPORTED and evidence.p_value < 0.05, (claim_id, evidence)
    paired = runs[runs.method.isin(["finetune", "causalmix"])]
    ratio = paired[paired.method == "causalmix"].roc_auc.std() / paired[paired.method == "finetune"].roc_auc.std()
    assert f"ratio {ratio:.3f}" in evaluate("variability", context).ours
    median = evaluate("median_improvement", context)
    assert set(median.details.index) == {"finetune", "marginals", "zero_shot"}  # every rival, paired
    setup = evaluate("setup", context)
    assert setup.verdict == NOT_TESTABLE and "6 datasets, 5-5 folds each, 1 seed" in setup.ours


def test_contradicted_when_causalmix_is_reliably_worse(tmp_path):
    runs = _runs({"finetune": (0.03, 0.01), "causalmix": (0.00, 0.05), "marginals": (0.01, 0.01)})
    context = _context(tmp_path, runs, gaps={"finetune": 0.0, "causalmix": 2.0})
    for claim_id in ("median_improvement", "variability", "rank_first", "small_data_stability",
                     "correlation_gap"):
        assert evaluate(claim_id, context).verdict == CONTRADICTED, claim_id


def test_inconclusive_when_the_ci_contains_no_effect(tmp_path):
    # Identical scores: every paired difference is exactly 0, a tie is not a win.
    runs = _runs({"finetune": (0.01, 0.02)})
    runs = pd.concat([runs, runs[runs.method == "finetune"].assign(method="causalmix")], ignore_index=True)
    runs["run_id"] = [f"r{i}" for i in range(len(runs))]
    context = _context(tmp_path, runs)
    for claim_id in ("median_improvement", "rank_first", "variability", "correlation_gap"):
        evidence = evaluate(claim_id, context)
        assert evidence.verdict == INCONCLUSIVE, (claim_id, evidence)
    assert "contains" in evaluate("median_improvement", context).why


def test_stability_without_a_non_causal_control_is_never_supported(tmp_path):
    runs = _runs({"finetune": (0.01, 0.05), "causalmix": (0.03, 0.01)})
    evidence = evaluate("small_data_stability", _context(tmp_path, runs))
    assert evidence.verdict == INCONCLUSIVE and "no non-causal control" in evidence.why


def test_stability_is_contradicted_when_a_non_causal_control_stabilises_more(tmp_path):
    runs = _runs({"finetune": (0.01, 0.05), "causalmix": (0.02, 0.02), "marginals": (0.02, 0.005)})
    evidence = evaluate("small_data_stability", _context(tmp_path, runs))
    assert evidence.verdict == CONTRADICTED and evidence.details.loc["marginals", "verdict"] == CONTRADICTED


def test_stability_is_judged_on_the_scarcity_results_at_their_smallest_size(tmp_path):
    paper = _runs({"finetune": (0.01, 0.05), "causalmix": (0.03, 0.01), "marginals": (0.01, 0.05)})
    scarcity = _runs({"finetune": (0.01, 0.01), "causalmix": (0.01, 0.05), "marginals": (0.01, 0.05)},
                     n_train=(32, 256))
    evidence = evaluate("small_data_stability", _context(tmp_path, paper, scarcity=scarcity))
    assert evidence.verdict == CONTRADICTED and evidence.ours.startswith("n_train = 32")


def test_too_few_datasets_are_not_testable(tmp_path):
    runs = _runs({"finetune": (0.0, 0.01), "causalmix": (0.02, 0.01), "copula": (0.0, 0.01)},
                 n_datasets=4, n_folds=5)
    context = _context(tmp_path, runs)
    for claim_id in ("median_improvement", "variability", "rank_first", "small_data_stability"):
        evidence = evaluate(claim_id, context)
        assert evidence.verdict == NOT_TESTABLE and "fewer than 5" in evidence.why, claim_id


def test_generator_claims_need_their_runs(tmp_path):
    runs = _runs({"finetune": (0.01, 0.02), "causalmix": (0.03, 0.01), "ctgan": (-0.02, 0.01)})
    context = _context(tmp_path, runs)
    assert evaluate("beats_ctgan", context).verdict == SUPPORTED
    for generator in ("tabebm", "tableaugment"):
        evidence = evaluate(f"beats_{generator}", context)
        assert evidence.verdict == NOT_TESTABLE and "no " in evidence.ours


def test_claims_table_adjusts_the_result_claims_p_values(tmp_path):
    runs = _runs({"finetune": (0.0, 0.03), "causalmix": (0.04, 0.01), "marginals": (0.0, 0.03)})
    table = claims_table(_context(tmp_path, runs, gaps={"finetune": 2.0}, dataset="iris", n_train=60))
    method = table[table["kind"] == "method"].set_index("id")
    assert set(method.index) == set(METHOD_CLAIMS)
    assert (method["verdict"] == SUPPORTED).all(), method[["ours", "verdict", "why"]]
    assert method["p_holm"].isna().all()
    result = table[(table["kind"] == "result") & table["p"].notna()]
    assert len(result) >= 5 and (result["p_holm"] >= result["p"]).all()
    smallest = result["p"].idxmin()  # Holm multiplies the smallest p-value by the number of tests
    assert result.loc[smallest, "p_holm"] == pytest.approx(min(1, len(result) * result.loc[smallest, "p"]))


def test_correlation_gap_is_one_minus_the_validation_test_rank_correlation():
    runs = _runs({"finetune": (0, 0.01), "causalmix": (0, 0.01)}, n_datasets=1, n_folds=2)
    gaps = correlation_gap(_curves(runs, {"finetune": 2.0, "causalmix": 0.0})).set_index("method")["gap"]
    assert (gaps["causalmix"] == 0).all() and (gaps["finetune"] == 2).all()
