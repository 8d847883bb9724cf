"""The claims registry: verdicts follow the evidence, on stored results and on our implementation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from causalmix.claims import (CLAIMS, NOT_SUPPORTED, NOT_TESTABLE, SUPPORTED, ClaimContext, claims_table,
                              correlation_gap, evaluate)
from causalmix.runner import storage

RESULT_CLAIMS = [c.id for c in CLAIMS.values() if c.kind == "result"]
METHOD_CLAIMS = [c.id for c in CLAIMS.values() if c.kind == "method"]


def _store(path, runs: pd.DataFrame, curves: pd.DataFrame | None = None, model: str = "default"):
    storage.write_parquet(path / "runs.parquet", runs.assign(status="ok"))
    storage.write_parquet(path / "curves.parquet", curves if curves is not None else pd.DataFrame({"run_id": []}))
    (path / "manifest.json").write_text(json.dumps({"experiment": "t", "config": {"model": model}}))
    return path


def _runs(spread: dict[str, tuple[float, float]], n_datasets: int = 6, n_folds: int = 5,
          n_train=(64,), seed: int = 0) -> pd.DataFrame:
    """Zero-shot ROC-AUC 0.8 per task; each method ``0.8 * (1 + N(mean, std))``."""
    rng = np.random.default_rng(seed)
    rows = []
    for dataset in range(n_datasets):
        for fold in range(n_folds):
            for size in n_train:
                rows.append({"dataset": f"d{dataset}", "fold": fold, "n_train": size, "seed": 0,
                             "method": "zero_shot", "roc_auc": 0.8, "best_step": pd.NA})
                for method, (mean, std) in spread.items():
                    rows.append({"dataset": f"d{dataset}", "fold": fold, "n_train": size, "seed": 0,
                                 "method": method, "roc_auc": 0.8 * (1 + rng.normal(mean, std)), "best_step": 5})
    runs = pd.DataFrame(rows)
    runs["best_step"] = runs["best_step"].astype("Int64")
    return runs


def test_registry_is_complete_and_well_formed():
    assert len(CLAIMS) == 13
    for claim in CLAIMS.values():
        assert claim.kind in ("method", "result") and claim.text and claim.paper
        assert claim.check.__doc__, claim.id
    with pytest.raises(ValueError, match="Unknown claim"):
        evaluate("no_such_claim")


def test_result_claims_without_results_are_not_testable(tmp_path):
    context = ClaimContext(results_dir=tmp_path / "absent")
    for claim_id in RESULT_CLAIMS:
        evidence = evaluate(claim_id, context)
        assert evidence.verdict == NOT_TESTABLE and "no stored results" in evidence.why


def test_result_claims_supported_when_causalmix_is_better_and_steadier(tmp_path):
    runs = _runs({"finetune": (0.01, 0.05), "causalmix": (0.03, 0.01)}, n_train=(64, 128))
    context = ClaimContext(results_dir=_store(tmp_path, runs), n_resamples=300)
    for claim_id in ("median_improvement", "variability", "rank_first", "small_data_stability"):
        evidence = evaluate(claim_id, context)
        assert evidence.verdict == SUPPORTED, (claim_id, evidence)
    variability = evaluate("variability", context)
    ratio = runs[runs.method == "causalmix"].roc_auc.std() / runs[runs.method == "finetune"].roc_auc.std()
    assert f"ratio {ratio:.3f}" in variability.ours
    setup = evaluate("setup", context)
    assert setup.verdict == NOT_TESTABLE and "6 datasets, 5-5 folds" in setup.ours


def test_result_claims_not_supported_when_causalmix_is_worse(tmp_path):
    runs = _runs({"finetune": (0.03, 0.01), "causalmix": (0.00, 0.05), "marginals": (0.01, 0.01)})
    context = ClaimContext(results_dir=_store(tmp_path, runs), n_resamples=300)
    for claim_id in ("median_improvement", "variability", "rank_first", "small_data_stability"):
        assert evaluate(claim_id, context).verdict == NOT_SUPPORTED, claim_id


def test_stability_needs_more_than_a_non_causal_generator_gives(tmp_path):
    runs = _runs({"finetune": (0.01, 0.05), "causalmix": (0.02, 0.02), "marginals": (0.02, 0.005)})
    evidence = evaluate("small_data_stability", ClaimContext(results_dir=_store(tmp_path, runs), n_resamples=300))
    assert evidence.verdict == NOT_SUPPORTED and "marginals" in evidence.why
    assert "single size" in evidence.ours


def test_method_claims_hold_for_our_implementation(tmp_path):
    context = ClaimContext(results_dir=_store(tmp_path, _runs({"finetune": (0.0, 0.01)})),
                           dataset="iris", n_train=60, n_resamples=100)
    table = claims_table(context)
    method = table[table["kind"] == "method"].set_index("id")
    assert set(method.index) == set(METHOD_CLAIMS)
    assert (method["verdict"] == SUPPORTED).all(), method[["ours", "verdict", "why"]]
    result = table[table["kind"] == "result"]
    assert (result["verdict"] == NOT_TESTABLE).all()  # the stored runs lack causalmix


def test_correlation_gap_is_one_minus_the_validation_test_rank_correlation():
    steps = np.arange(0, 30, 5)
    curve = lambda run_id, method, test: pd.DataFrame({
        "run_id": run_id, "method": method, "step": steps, "val_roc_auc": steps / 100, "test_roc_auc": test})
    curves = pd.concat([curve("a", "finetune", steps / 100), curve("b", "finetune", -steps / 100),
                        curve("c", "causalmix", steps / 100)])
    table = correlation_gap(curves, n_resamples=100)
    assert table.loc["causalmix", "median"] == pytest.approx(0.0)
    assert table.loc["finetune", "median"] == pytest.approx(1.0)  # median of gaps 0 and 2
    assert table.loc["finetune", "paper"] == pytest.approx(0.67)


def test_a_tie_is_not_a_win(tmp_path):
    runs = _runs({"finetune": (0.0, 0.0), "causalmix": (0.0, 0.0)})
    context = ClaimContext(results_dir=_store(tmp_path, runs), n_resamples=100)
    for claim_id in ("median_improvement", "rank_first"):
        evidence = evaluate(claim_id, context)
        assert evidence.verdict == NOT_SUPPORTED and "ties with finetune" in evidence.why, (claim_id, evidence)


def test_too_few_tasks_are_not_testable(tmp_path):
    runs = _runs({"finetune": (0.0, 0.01), "causalmix": (0.02, 0.01)}, n_datasets=2, n_folds=2)
    evidence = evaluate("median_improvement", ClaimContext(results_dir=_store(tmp_path, runs), n_resamples=100))
    assert evidence.verdict == NOT_TESTABLE
