"""A missing or unreadable checkpoint is an error naming the file and the remedy, never random
weights; untrained weights only when asked for (``model: untrained``), and then marked."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
import torch

import causalmix.models
from causalmix.models import CHECKPOINT_DIR, CheckpointError, load_model, load_standin
from causalmix.report.provenance import provenance
from causalmix.runner import ConfigError, load_config, run_experiment, storage

SHIPPED = CHECKPOINT_DIR / "default.pt"
needs_shipped = pytest.mark.skipif(not SHIPPED.is_file(), reason="no shipped checkpoint")


def _damaged(tmp_path, kind: str):
    path = tmp_path / "default.pt"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        path.write_bytes(SHIPPED.read_bytes()[: SHIPPED.stat().st_size // 2])
    elif kind == "garbage":
        path.write_bytes(b"not a checkpoint at all\n" * 50)
    elif kind == "pickle":
        path.write_bytes(b"\x80\x04K\x01.")  # a valid pickle of 1, not a torch zip file
    elif kind == "wrong_keys":
        torch.save({"weights": torch.zeros(2)}, path)
    return path


@needs_shipped
@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("kind", ["missing", "empty", "truncated", "garbage", "pickle", "wrong_keys"])
def test_unreadable_checkpoint_is_one_clear_error(tmp_path, kind):
    path = _damaged(tmp_path, kind)
    with pytest.raises(CheckpointError) as error:
        load_standin(path)
    message = str(error.value)
    assert str(path) in message
    assert "causalmix pretrain" in message and "Reinstall" in message


def test_missing_shipped_checkpoint_never_gives_random_weights(tmp_path, monkeypatch):
    monkeypatch.setattr(causalmix.models, "CHECKPOINT_DIR", tmp_path)  # the shipped file "moved away"
    with pytest.raises(CheckpointError, match=f"No model checkpoint at {tmp_path / 'default.pt'}"):
        load_model("default")


def test_untrained_weights_only_when_asked_for():
    with pytest.warns(UserWarning, match="model 'untrained': randomly initialised"):
        model = load_model("untrained", width=16, n_layers=1, n_heads=2, mlp_width=16)
    assert model.config["width"] == 16


@needs_shipped
def test_config_with_an_unreadable_checkpoint_is_rejected_before_any_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(causalmix.models, "CHECKPOINT_DIR", tmp_path)
    _damaged(tmp_path, "truncated")
    with pytest.raises(ConfigError, match="model: default: The model checkpoint .*default.pt cannot be read"):
        load_config({"name": "t", "datasets": ["wine"], "methods": ["zero_shot"]})
    shutil.copy(SHIPPED, tmp_path / "default.pt")
    assert load_config({"name": "t", "datasets": ["wine"], "methods": ["zero_shot"]}).model == "default"


def test_untrained_runs_are_marked_in_the_records_and_the_provenance(tmp_path):
    config = load_config({"name": "u", "datasets": ["iris"], "n_train": [30], "model": "untrained",
                          "methods": ["zero_shot"]})
    summary = run_experiment(config, tmp_path, progress=False)
    assert summary.n_ok == 1
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["config"]["model"] == "untrained" and manifest["model_fingerprint"] == "untrained"
    record = storage.read_record(tmp_path, next(iter(storage.completed_run_ids(
        tmp_path, [p.stem for p in (tmp_path / "records").glob("*.json")]))))
    assert "model 'untrained'" in record["warnings"]
    assert provenance(tmp_path).startswith("**Warning: these numbers come from an UNTRAINED model")


@needs_shipped
def test_trained_results_carry_no_untrained_mark(tmp_path):
    storage.write_parquet(tmp_path / "runs.parquet", pd.DataFrame({"run_id": ["a"]}))
    storage.write_parquet(tmp_path / "curves.parquet", pd.DataFrame({"run_id": ["a"]}))
    (tmp_path / "manifest.json").write_text(json.dumps({"config": {"model": "default"},
                                                        "model_fingerprint": "42b7c022d362d347"}))
    assert "UNTRAINED" not in provenance(tmp_path)
