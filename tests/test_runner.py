"""Config validation, grid expansion and seeding, failure handling and the CLI (no fine-tuning)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import yaml

from causalmix.environment import git_state
from causalmix.runner import ConfigError, add_run_parser, expand, load_config, run_experiment
from causalmix.runner.grid import group_runs
from conftest import broken_dataset, sittings, wall_seconds

REPO = Path(__file__).resolve().parents[1]
BASE = {"name": "t", "datasets": ["wine"], "methods": ["zero_shot"]}


def config(**changes):
    return load_config({**BASE, **changes})


def cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="causalmix")
    add_run_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.mark.parametrize("changes, message", [
    ({"methods": ["zero_shot", "causalmixx"]}, "Unknown method 'causalmixx'. Did you mean 'causalmix'"),
    ({"methods": {"mine": {"generator": "smoot"}}}, "unknown generator 'smoot'"),
    ({"datasets": ["wine", "winee"]}, "unknown dataset 'winee'"),
    ({"datasets": {"suite": "litee"}}, "Unknown suite 'litee'"),
    ({"finetune": {"max_step": 3}}, "finetune: unknown key 'max_step'. Did you mean 'max_steps'"),
    ({"finetune": {"learning_rate": -1.0}}, "learning_rate=-1.0"),
    ({"finetune": {"random_state": 3}}, "unknown key 'random_state'"),
    ({"methods": {"smote": {"generator_params": {"k": 3}}}}, "generator_params: unknown key 'k'"),
    ({"methods": {"smote": {"finetune": {"eval_evry": 2}}}}, "methods.smote.finetune: unknown key"),
    ({"methods": {"zero_shot": {"finetune": {}}}}, "methods.zero_shot: unknown key 'finetune'"),
    ({"metrics": ["roc_auc", "auc"]}, "metrics: unknown key 'auc'"),
    ({"methods": {"long": {"finetune": {}}}}, "Unknown method 'long'"),
    ({"methods": {"long": {"generator": None, "generator_params": {}}}}, "unknown key 'generator_params'"),
    ({"folds": [0, 10]}, "must lie in 0..9"),
    ({"n_train": [64, -1]}, "n_train must be a non-negative integer or null"),
    ({"val_fraction": 0}, "val_fraction must be in (0, 1)"),
    ({"model": "mitraa"}, "unknown backend 'mitraa'"),
    ({"seed": [0]}, "config: unknown key 'seed'. Did you mean 'seeds'"),
    ({"seeds": [0, 1], "methods": {"smote": {"seeds": [2]}}}, "methods.smote.seeds [2] are not among"),
    ({"methods": {"smote": {"seed": [0]}}}, "methods.smote: unknown key 'seed'. Did you mean 'seeds'"),
])
def test_config_errors_name_the_problem(changes, message):
    with pytest.raises(ConfigError) as error:
        config(**changes)
    assert message in str(error.value)


def test_mirror_dataset_missing_from_data_dir_is_explained(tmp_path):
    with pytest.raises(ConfigError, match="'credit-g' is not in the data directory"):
        load_config({**BASE, "datasets": ["credit-g"], "data_dir": str(tmp_path)})


def test_config_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="No config file"):
        load_config(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    bad.write_text("- a list")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(bad)


def test_methods_resolve_kinds_and_merge_finetune_settings():
    cfg = config(finetune={"max_steps": 7, "predict_context": "train"}, methods={
        "zero_shot": None, "finetune": {"finetune": {"max_steps": 9}},
        "smote": {"generator_params": {"k_neighbors": 3}},
        "smote_context": {"generator": "smote", "finetune": {"synthetic_role": "context"}}})
    kinds = {m.name: (m.kind, m.generator) for m in cfg.methods}
    assert kinds == {"zero_shot": ("zero_shot", None), "finetune": ("finetune", None),
                     "smote": ("augment", "smote"), "smote_context": ("augment", "smote")}
    assert cfg.method("finetune").finetune == {"max_steps": 9, "predict_context": "train"}
    assert cfg.method("smote_context").finetune["synthetic_role"] == "context"
    assert cfg.method("zero_shot").finetune == {"predict_context": "train"}  # inference settings only
    assert cfg.method("smote").generator_params == {"k_neighbors": 3}
    long = config(methods={"finetune_long": {"generator": None, "finetune": {"max_steps": 7}}})
    assert (long.methods[0].kind, long.methods[0].generator, long.methods[0].finetune["max_steps"]) == \
        ("finetune", None, 7)


def test_suite_and_all_folds_resolve(data_dir):
    cfg = load_config({**BASE, "datasets": {"suite": "lite", "exclude": ["diabetes"]}, "folds": "all",
                       "data_dir": str(data_dir)})
    assert cfg.datasets == ("credit-g", "maternal_health_risk")
    assert cfg.folds == tuple(range(10))


@pytest.mark.parametrize("name", ["default", "lite", "paper"])
def test_shipped_configs_validate(name, data_dir):
    raw = yaml.safe_load((REPO / "configs" / f"{name}.yaml").read_text())
    try:
        cfg = load_config(REPO / "configs" / f"{name}.yaml", data_dir=str(data_dir))
    except ConfigError as error:
        if "cannot be imported" in str(error):
            pytest.skip(f"a generator of {name}.yaml is not implemented yet: {error}")
        raise
    assert cfg.name == name
    assert [m.name for m in cfg.methods] == list(raw["methods"])
    if name == "paper":
        assert len(cfg.datasets) >= 26 and cfg.folds == tuple(range(10))


def test_grid_keys_hashes_and_seeds():
    cfg = config(datasets=["wine", "iris"], folds=[0, 1], n_train=[32, None], seeds=[0, 1],
                 methods={"zero_shot": None, "finetune": None, "smote": None,
                          "smote_context": {"generator": "smote", "finetune": {"synthetic_role": "context"}}})
    runs = expand(cfg)
    assert len(runs) == 2 * 2 * 2 * 2 * 4
    assert len({r.run_id for r in runs}) == len(runs)
    # Every method of a (dataset, fold, n_train, seed) shares the run's random state ...
    by_split = {}
    for r in runs:
        by_split.setdefault((r.dataset, r.fold, r.n_train, r.seed), set()).add(r.random_state)
    assert all(len(states) == 1 for states in by_split.values())
    assert len({next(iter(s)) for s in by_split.values()}) == len(by_split)
    # ... the two smote methods share one synthetic sample, grouped in one task.
    smote = [r for r in runs if r.method.kind == "augment"]
    assert len({r.synthetic_id for r in smote}) == len(by_split)
    groups = group_runs(runs)
    assert sum(len(g.runs) for g in groups) == len(runs)
    assert sorted(len(g.runs) for g in groups) == [1] * (len(runs) - len(smote)) + [2] * len(by_split)
    # Ids depend on the key only: the same config expands to the same ids.
    assert [r.run_id for r in expand(cfg)] == [r.run_id for r in runs]
    # Changing one method's settings changes only that method's hash.
    changed = expand(config(datasets=["wine", "iris"], folds=[0, 1], n_train=[32, None], seeds=[0, 1],
                            methods={"zero_shot": None, "finetune": {"finetune": {"max_steps": 3}},
                                     "smote": None, "smote_context": {
                                         "generator": "smote", "finetune": {"synthetic_role": "context"}}}))
    differs = {r.method.name for r, s in zip(runs, changed) if r.run_id != s.run_id}
    assert differs == {"finetune"}


def test_a_method_given_its_own_seeds_runs_on_those_with_unchanged_run_ids():
    grid = {"datasets": ["wine"], "folds": [0, 1], "seeds": [0, 1, 2]}
    every_seed = expand(config(**grid, methods=["finetune", "smote"]))
    once = expand(config(**grid, methods={"finetune": None, "smote": {"seeds": [0]}}))
    assert {(r.method.name, r.seed) for r in once} == \
        {("finetune", s) for s in (0, 1, 2)} | {("smote", 0)}
    assert {r.run_id for r in once} < {r.run_id for r in every_seed}


def test_paper_core_runs_are_paper_runs(data_dir):
    core, paper = (expand(load_config(REPO / "configs" / f"{name}.yaml", data_dir=str(data_dir)))
                   for name in ("paper_core", "paper"))
    assert {r.run_id for r in core} <= {r.run_id for r in paper}
    assert {r.method.name for r in core} == {"zero_shot", "finetune", "causalmix"}


def test_new_model_weights_give_new_run_ids(tmp_path, monkeypatch):
    import shutil

    import torch

    import causalmix.models
    from causalmix.models import CheckpointError

    shipped = causalmix.models.CHECKPOINT_DIR / "default.pt"
    cfg = config(methods=["zero_shot", "finetune"])
    monkeypatch.setattr(causalmix.models, "CHECKPOINT_DIR", tmp_path)
    with pytest.raises(CheckpointError, match="No model checkpoint"):
        expand(cfg)  # never runs keyed to random weights
    shutil.copy(shipped, tmp_path / "default.pt")
    first = [r.run_id for r in expand(cfg)]
    payload = torch.load(shipped, map_location="cpu", weights_only=True)
    weights = payload["state_dict"] if "state_dict" in payload else payload["model"]
    name = next(iter(weights))
    weights[name] = weights[name] + 1
    torch.save(payload, tmp_path / "default.pt")
    second = [r.run_id for r in expand(cfg)]
    assert len(set(first) | set(second)) == 2 * len(first)


def test_failing_run_is_recorded_and_the_grid_continues(tmp_path):
    # 'broken' fails when the run loads it (inf in a feature), wine's runs succeed.
    cfg = config(datasets=["broken", "wine"], n_train=[40], methods=["zero_shot"],
                 data_dir=str(broken_dataset(tmp_path / "data")))
    out = tmp_path / "out"
    summary = run_experiment(cfg, out, progress=False)
    assert (summary.n_runs, summary.n_ok, len(summary.failures)) == (2, 1, 1)
    failure = summary.failures[0]
    assert failure["dataset"] == "broken" and "column(s) ['a'] hold infinite values" in failure["error"]
    assert "Traceback" in failure["traceback"]
    assert "FAILED broken fold=0 n_train=40" in str(summary)
    record = json.loads((out / "records" / f"{failure['run_id']}.json").read_text())
    assert record["status"] == "error"
    # A rerun skips the completed run and retries the failed one.
    again = run_experiment(cfg, out, progress=False)
    assert (again.n_skipped, again.n_ok, len(again.failures)) == (1, 0, 1)
    # The retried run's new record counts as done in the second sitting.
    assert [(s["runs_pending"], s["runs_done"], s["outcome"]) for s in sittings(out)] == \
        [(2, 2, "finished"), (1, 1, "finished")]


def test_a_grid_run_in_one_sitting_records_it_and_its_wall_time(tmp_path):
    cfg = config(folds=[0, 1], n_train=[40])
    run_experiment(cfg, tmp_path, progress=False)
    (sitting,) = sittings(tmp_path)
    assert (sitting["outcome"], sitting["runs_pending"], sitting["runs_done"]) == ("finished", 2, 2)
    assert (sitting["executor"], sitting["workers"]) == ("local", 1)
    git = git_state()
    assert (sitting["git_commit"], sitting["git_dirty"]) == (git["commit"], git["dirty"])
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["sittings"] == [sitting] and "sittings_unmeasured" not in manifest
    assert isinstance(manifest["wall_seconds"], float) and manifest["wall_seconds"] == wall_seconds(sitting)
    assert manifest["started_utc"] == sitting["started_utc"] <= sitting["ended_utc"] <= manifest["finished_utc"]
    # Rerunning the complete grid runs nothing: no sitting.
    run_experiment(cfg, tmp_path, progress=False)
    assert sittings(tmp_path) == [sitting]


def test_cli_exit_codes_and_messages(tmp_path, capsys):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({**BASE, "methods": ["zero_shot", "zeroshot"]}))
    assert cli(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "causalmix run: error: Unknown method 'zeroshot'" in capsys.readouterr().err
    assert cli(["run", str(path), "--scheduler", "tcp://x:1", "--executor", "local"]) == 2
    assert "--scheduler needs --executor dask" in capsys.readouterr().err
    path.write_text(yaml.safe_dump({**BASE, "datasets": ["broken"], "n_train": [40],
                                    "data_dir": str(broken_dataset(tmp_path / "data"))}))
    assert cli(["run", str(path), "--out", str(tmp_path / "out"), "--no-progress"]) == 1
    assert "0 completed now, 1 failed" in capsys.readouterr().out


def test_monitor_rows_is_validated_and_enters_the_config_hash():
    with pytest.raises(ConfigError, match="monitor_rows must be a positive integer or null"):
        load_config({**BASE, "monitor_rows": 0})
    capped, full = expand(load_config(BASE)), expand(load_config({**BASE, "monitor_rows": None}))
    assert capped[0].monitor_rows == 1000 and full[0].monitor_rows is None
    assert capped[0].run_id != full[0].run_id


def test_monitor_subset_is_stratified_sorted_and_deterministic():
    import numpy as np
    import pandas as pd

    from causalmix.runner.execute import _monitor_subset

    y = pd.Series(["a"] * 900 + ["b"] * 90 + ["c"] * 10)
    picked = _monitor_subset(y, 100, random_state=7)
    assert len(picked) == 100 and np.all(np.diff(picked) > 0)
    assert set(y.iloc[picked]) == {"a", "b", "c"}
    assert np.array_equal(picked, _monitor_subset(y, 100, random_state=7))
    assert np.array_equal(_monitor_subset(y, None, 0), np.arange(1000))


def test_every_config_field_has_one_check_and_one_default():
    from dataclasses import fields

    from causalmix.runner.config import FIELD_CHECKS, REQUIRED, ExperimentConfig

    assert list(FIELD_CHECKS) != [] and set(FIELD_CHECKS) == {f.name for f in fields(ExperimentConfig)}
    defaults = config()  # BASE gives only the required keys: everything else is a default
    assert (defaults.n_folds, defaults.folds, defaults.seeds) == (10, (0,), (0,))
    assert [s.name for s in defaults.splits] == ["iid"] and defaults.splits[0].is_default
    assert set(REQUIRED) == {"name", "datasets", "methods"}
