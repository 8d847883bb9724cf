"""Provenance blocks name the backend, weights, config, commit, date and version of results."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from causalmix.report.provenance import live_provenance, provenance
from causalmix.runner import storage


def _results_folder(path, manifest: dict):
    storage.write_parquet(path / "runs.parquet", pd.DataFrame({"run_id": ["a"], "status": ["ok"]}))
    storage.write_parquet(path / "curves.parquet", pd.DataFrame({"run_id": ["a"], "step": [0]}))
    (path / "manifest.json").write_text(json.dumps(manifest))
    return path


def test_block_reports_the_manifest(tmp_path):
    folder = _results_folder(tmp_path, {
        "experiment": "lite", "config": {"model": "mitra"}, "git": {"commit": "0123456789abcdef0123", "dirty": True},
        "packages": {"causalmix": "0.3.1"}, "started_utc": "2026-01-02T03:04:05+00:00",
        "finished_utc": "2026-01-02T04:00:00+00:00", "n_runs": 12, "n_ok": 11,
        "model_fingerprint": "f" * 16})
    block = provenance(folder)
    for expected in ("`lite`", "`mitra`", "`0123456789ab + uncommitted changes`", "0.3.1",
                     "2026-01-02T03:04:05+00:00 to 2026-01-02T04:00:00+00:00", "11 of 12", "`" + "f" * 16 + "`"):
        assert expected in block


def test_missing_fields_say_so(tmp_path):
    block = provenance(_results_folder(tmp_path, {"experiment": "x", "config": {"model": "default"}}))
    assert "weights (checkpoint sha256) | not recorded" in block
    assert "git commit | `unknown`" in block


def test_not_a_results_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="lacks runs.parquet"):
        provenance(tmp_path)


def test_live_block_names_what_was_computed():
    block = live_provenance("iris, fold 0")
    assert "| computed | iris, fold 0 |" in block and "| causalmix |" in block
