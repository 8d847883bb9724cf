"""Pretraining: the CLI run directory, exact resumption, the schedule and checkpoint export."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch
import yaml

from causalmix.cli import main as cli_main
from causalmix.configfile import ConfigError
from causalmix.data import DatasetError
from causalmix.models import CHECKPOINT_DIR, load_model
from causalmix.models.pretrain import (DEVELOPMENT_DATASETS, DEVELOPMENT_DISCLOSURE, Pretrainer,
                                       export_checkpoint, load_config, lr_factor, read_log, table_shape)
from conftest import REPO

TINY = dict(
    seed=3, checkpoint_minutes=100,
    model=dict(width=16, n_layers=1, n_heads=2, mlp_width=32),
    train=dict(steps=6, lr=0.003, warmup_steps=2, schedule="constant", cells_per_step=1500,
               min_batch_size=2, rows_start=40, rows_end=60, features_start=3, features_end=5,
               curriculum_steps=4, log_every=2),
    eval=dict(every_steps=3, datasets=["breast_cancer"], n_context=64, max_query=64),
)


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    return path


def test_cli_run_writes_log_checkpoints_and_loadable_weights(config_path, tmp_path):
    out = tmp_path / "run"
    assert cli_main(["pretrain", str(config_path), "--out", str(out), "--device", "cpu"]) == 0
    events = read_log(out)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "stop" and kinds.count("train") == 3
    evals = [e for e in events if e["event"] == "eval"]
    assert [e["step"] for e in evals] == [3, 6] and 0 <= evals[-1]["auc"]["breast_cancer"] <= 1
    assert all(np.isfinite(e["loss"]) for e in events if e["event"] == "train")
    assert (out / "config.yaml").is_file() and (out / "last.pt").is_file()
    model = load_model("default", path=out / "best.pt")
    assert model.config["width"] == 16 and not model.training


def test_missing_probe_dataset_fails_before_the_first_step(config_path, tmp_path):
    config = load_config(config_path)
    config["eval"] = {**config["eval"], "datasets": ["credit-g"], "data_dir": str(tmp_path / "no-data")}
    trainer = Pretrainer(config, tmp_path / "run", "cpu")
    with pytest.raises(DatasetError, match="credit-g"):
        trainer.run(resume=False)
    assert trainer.step == 0 and not (tmp_path / "run").exists()


def test_resumed_run_equals_uninterrupted_run(config_path, tmp_path):
    config = load_config(config_path)
    straight = Pretrainer(config, tmp_path / "straight", "cpu")
    straight.run(resume=False)
    interrupted = Pretrainer(config, tmp_path / "split", "cpu")
    interrupted.run(resume=False, max_minutes=0.0)          # stops after its first step
    assert interrupted.step == 1
    resumed = Pretrainer(config, tmp_path / "split", "cpu")
    resumed.run(resume=True)
    assert resumed.step == straight.step == 6
    for name, value in straight.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[name], value, rtol=0, atol=0)
    assert [e["resumed"] for e in read_log(tmp_path / "split") if e["event"] == "start"] == [False, True]


def test_schedule_and_curriculum():
    train = dict(load_config_defaults()["train"], steps=1000, warmup_steps=100, min_lr_ratio=0.1)
    assert lr_factor(0, train) == pytest.approx(0.01) and lr_factor(99, train) == pytest.approx(1.0)
    assert lr_factor(550, train) == pytest.approx(0.55) and lr_factor(1000, train) == pytest.approx(0.1)
    assert lr_factor(5000, dict(train, schedule="constant")) == 1.0
    rng = np.random.default_rng(0)
    early = [table_shape(0, train, rng) for _ in range(200)]
    late = [table_shape(train["curriculum_steps"], train, rng) for _ in range(200)]
    assert max(s[1] for s in early) <= train["rows_start"] < max(s[1] for s in late) <= train["rows_end"]
    assert max(s[2] for s in late) == train["features_end"]
    assert all(0 < ctx < rows and b >= train["min_batch_size"] for b, rows, _, ctx in early + late)


def load_config_defaults():
    from causalmix.models.pretrain import DEFAULT_EVAL, DEFAULT_TRAIN

    return dict(train=DEFAULT_TRAIN, eval=DEFAULT_EVAL)


def test_config_errors(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"train": {"stepz": 3}}))
    with pytest.raises(ValueError, match="unknown keys in 'train': \\['stepz'\\]"):
        load_config(path)
    with pytest.raises(ConfigError, match="No config file"):
        load_config(tmp_path / "missing.yaml")


def test_export_writes_fp16_weights_and_card_from_log(config_path, tmp_path):
    out = tmp_path / "run"
    Pretrainer(load_config(config_path), out, "cpu").run(resume=False)
    report = dict(folds=1, n_context=64, max_test=64, table="dataset tfm\nbreast_cancer 0.123")
    weights, card = export_checkpoint(out, tmp_path / "ship", report)
    payload = torch.load(weights, weights_only=True)
    assert all(v.dtype == torch.float16 for v in payload["state_dict"].values() if v.is_floating_point())
    best_auc = max(e["mean_auc"] for e in read_log(out) if e["event"] == "eval")
    text = card.read_text()
    assert f"({best_auc:.3f} on breast_cancer;" in text and "breast_cancer 0.123" in text
    assert "### Stage 1" in text and "### Stage 2" not in text
    assert json.loads(json.dumps(payload["meta"]["run_config"]))["seed"] == 3
    reloaded = load_model("default", path=weights)
    best = load_model("default", path=out / "best.pt")
    for name, value in best.state_dict().items():
        torch.testing.assert_close(reloaded.state_dict()[name], value, atol=2e-3, rtol=2e-3)


def test_second_stage_warm_starts_and_the_card_covers_both_stages(tmp_path):
    stage1 = load_config_from(tmp_path, "one.yaml", TINY)
    Pretrainer(stage1, tmp_path / "one", "cpu").run(resume=False)
    stage2 = load_config_from(tmp_path, "two.yaml", dict(TINY, init_from=str(tmp_path / "one" / "best.pt"),
                                                           train=dict(TINY["train"], steps=3)))
    warm = Pretrainer(stage2, tmp_path / "two", "cpu")
    warm.warm_start(stage2["init_from"])
    first = load_model("default", path=tmp_path / "one" / "best.pt")
    for name, value in first.state_dict().items():
        torch.testing.assert_close(warm.model.state_dict()[name], value, rtol=0, atol=0)
    Pretrainer(stage2, tmp_path / "two", "cpu").run(resume=False)
    assert [e["step"] for e in read_log(tmp_path / "two") if e["event"] == "stop"] == [3]
    report = dict(folds=1, n_context=64, max_test=64, table="dataset tfm")
    _, card = export_checkpoint(tmp_path / "two", tmp_path / "ship", report)
    text = card.read_text()
    assert "### Stage 1: `one`" in text and "### Stage 2: `two`" in text
    assert f"warm-started from `{tmp_path / 'one' / 'best.pt'}`" in text


def test_warm_start_from_a_missing_checkpoint_is_a_clear_error(tmp_path):
    config = load_config_from(tmp_path, "two.yaml", dict(TINY, init_from=str(tmp_path / "nope" / "best.pt")))
    with pytest.raises(FileNotFoundError, match="init_from: no checkpoint"):
        Pretrainer(config, tmp_path / "two", "cpu").run(resume=False)


def load_config_from(tmp_path, name: str, raw: dict) -> dict:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw))
    return load_config(path)


def test_a_probe_on_benchmark_datasets_must_be_declared(tmp_path):
    # Model development chooses on data no grid scores, unless a config says otherwise.
    path = tmp_path / "probe.yaml"
    path.write_text("eval: {datasets: [breast_cancer, credit-g]}\n")
    with pytest.raises(ValueError, match=r"\['credit-g'\] are scored by the benchmark grids"):
        load_config(path)
    path.write_text("eval: {datasets: [breast_cancer, credit-g], probe_on_benchmark: true}\n")
    assert load_config(path)["eval"]["datasets"] == ["breast_cancer", "credit-g"]
    path.write_text("seed: 1\n")
    assert load_config(path)["eval"]["datasets"] == list(DEVELOPMENT_DATASETS)


def test_the_shipped_model_card_discloses_what_development_saw():
    card = (CHECKPOINT_DIR / "MODEL_CARD.md").read_text()
    assert DEVELOPMENT_DISCLOSURE in card
    assert not re.search(r"commit|\b[0-9a-f]{7,40}\b", card)   # describes the weights, not the repository


def test_stage_configs_load_as_recorded():
    """Each pretrain*.yaml (the stages name their base file) loads to the recorded config that
    trained the shipped weights, key order included (the prior draws its table kinds in it)."""
    recorded = json.loads((REPO / "tests" / "pretrain_configs.json").read_text())
    loaded = {path.name: json.loads(json.dumps(load_config(path)))
              for path in sorted((REPO / "configs").glob("pretrain*.yaml"))}
    assert list(loaded) == list(recorded)
    for name, config in loaded.items():
        assert json.dumps(config) == json.dumps(recorded[name]), name
