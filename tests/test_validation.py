"""Clear errors at the door: damaged dataset files, inf in features, empty tables and bad config
values are rejected naming the dataset, file, column or key, before any results folder exists."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from causalmix.data import Dataset, DatasetError, load_dataset
from causalmix.runner import ConfigError, add_run_parser, load_config
from causalmix.validation import check_finite, check_not_empty, device_problem

BASE = {"name": "t", "datasets": ["wine"], "methods": ["zero_shot"], "n_train": [32]}


def local_dataset(data_dir, name="toy", frame=None, meta=None):
    """A small valid dataset in the local format; returns its folder."""
    folder = data_dir / name
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    if frame is None:
        frame = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60),
                              "label": np.tile(["x", "y", "z"], 20)})
    frame.to_parquet(folder / "data.parquet", index=False)
    meta = {"name": name, "target": "label", "categorical_features": []} if meta is None else meta
    (folder / "meta.json").write_text(meta if isinstance(meta, str) else json.dumps(meta))
    return folder


def rejected(data_dir, name="toy") -> str:
    """The message of both doors: load_dataset's DatasetError and load_config's ConfigError."""
    with pytest.raises(DatasetError) as loading:
        load_dataset(name, data_dir)
    with pytest.raises(ConfigError) as config:
        load_config({**BASE, "datasets": [name], "data_dir": str(data_dir)})
    assert str(loading.value) in str(config.value)
    return str(loading.value)


def test_valid_local_dataset_passes_both_doors(tmp_path):
    local_dataset(tmp_path)
    assert load_dataset("toy", tmp_path).X.shape == (60, 2)
    assert load_config({**BASE, "datasets": ["toy"], "data_dir": str(tmp_path)}).datasets == ("toy",)


def test_missing_meta_json_is_named(tmp_path):
    folder = local_dataset(tmp_path)
    (folder / "meta.json").unlink()
    message = rejected(tmp_path)
    assert "has no meta.json" in message and str(folder) in message
    assert "Did you mean" not in message


@pytest.mark.parametrize("meta, expected", [
    ("{not json", "is not valid JSON"),
    ("", "is not valid JSON"),
    ("[1, 2]", "must hold a JSON object"),
    ({"target": "label"}, "lacks 'categorical_features'"),
    ({"target": 3, "categorical_features": []}, "`target` must be a column name"),
    ({"target": "label", "categorical_features": "a"}, "`categorical_features` must be a list"),
])
def test_invalid_meta_json_is_named(tmp_path, meta, expected):
    folder = local_dataset(tmp_path, meta=meta)
    message = rejected(tmp_path)
    assert expected in message and str(folder / "meta.json") in message


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage"])
def test_damaged_parquet_is_named(tmp_path, damage):
    path = local_dataset(tmp_path) / "data.parquet"
    content = path.read_bytes()
    path.write_bytes({"empty": b"", "truncated": content[: len(content) // 2],
                      "garbage": b"this is not parquet\n" * 20}[damage])
    message = rejected(tmp_path)
    assert f"{path} ({path.stat().st_size} bytes) is not a readable Parquet file" in message
    assert "causalmix data fetch toy" in message


def test_duplicate_parquet_columns_are_named(tmp_path):
    folder = local_dataset(tmp_path)
    table = pa.table([pa.array([1.0, 2.0] * 10), pa.array([3.0, 4.0] * 10), pa.array(["x", "y"] * 10)],
                     names=["a", "a", "label"])
    pq.write_table(table, folder / "data.parquet")
    message = rejected(tmp_path)
    assert "duplicate column names ['a']" in message and str(folder / "data.parquet") in message


def test_inf_in_features_is_rejected_naming_dataset_and_columns(tmp_path):
    frame = pd.DataFrame({"a": [1.0, np.inf, 3.0, 4.0], "b": [1.0, 2.0, -np.inf, 4.0], "c": [1, 2, 3, 4],
                          "label": ["x", "y", "x", "y"]})
    with pytest.raises(DatasetError, match=r"Dataset 'inf': numeric column\(s\) \['a', 'b'\] hold infinite "
                                           r"values \(2 cell\(s\)\)"):
        Dataset.from_frame(frame, "label", name="inf")
    # In the local format too (config validation reads only the target, the run's load rejects it).
    local_dataset(tmp_path, frame=frame)
    with pytest.raises(DatasetError, match=r"Dataset 'toy': numeric column\(s\) \['a', 'b'\]"):
        load_dataset("toy", tmp_path)


def test_reusable_input_checks_name_the_table_and_columns():
    frame = pd.DataFrame({"ok": [1.0, 2.0], "bad": [np.inf, 1.0], "cat": pd.Categorical(["u", "v"])})
    with pytest.raises(ValueError, match=r"X_syn: column\(s\) 'bad' hold infinite values \(1 cell"):
        check_finite(frame, "X_syn")
    with pytest.raises(ValueError, match=r"X: column\(s\) 1 hold infinite"):
        check_finite(np.array([[1.0, np.inf]]), "X")
    check_finite(frame.drop(columns="bad").assign(nan=[np.nan, 1.0]), "X")  # NaN is allowed
    with pytest.raises(ValueError, match="X_train has 0 row"):
        check_not_empty(frame.iloc[:0], "X_train")
    with pytest.raises(ValueError, match="X has no feature column"):
        check_not_empty(frame[[]], "X")
    check_not_empty(frame, "X")


@pytest.mark.parametrize("finetune, message", [
    ({"learning_rate": "abc"}, "finetune.learning_rate must be a number, got 'abc' (str)"),
    ({"learning_rate": "1e-4"}, "write 1.0e-4"),
    ({"max_steps": 2.5}, "finetune.max_steps must be an integer, got 2.5"),
    ({"max_steps": True}, "finetune.max_steps must be an integer, got True"),
    ({"redraw_synthetic": "yes"}, "finetune.redraw_synthetic must be true/false"),
    ({"time_limit": "1h"}, "finetune.time_limit must be a number or null"),
])
def test_finetune_value_types_are_checked(finetune, message):
    with pytest.raises(ConfigError) as error:
        load_config({**BASE, "finetune": finetune})
    assert message in str(error.value)
    with pytest.raises(ConfigError, match="methods.finetune.finetune"):
        load_config({**BASE, "methods": {"finetune": {"finetune": finetune}}})


def test_numbers_of_the_right_type_pass():
    cfg = load_config({**BASE, "finetune": {"learning_rate": 1, "max_steps": 2, "time_limit": None,
                                            "redraw_synthetic": False}})
    assert cfg.finetune["learning_rate"] == 1


@pytest.mark.parametrize("changes, message", [
    ({"datasets": ["iris"], "n_train": [140]}, "n_train=140 exceeds the 135 rows of a training fold of 'iris'"),
    ({"datasets": ["wine"], "n_train": [64, 5000]}, "n_train=5000 exceeds"),
    ({"datasets": ["wine"], "n_train": [5]}, "its 3 classes, so needs n_train >= 6"),
    ({"device": "cuda:99"}, "device: 'cuda:99' is not available"),
    ({"device": "tpu"}, "device: 'tpu'"),
    ({"device": 3}, "device: must be a device name"),
])
def test_sizes_and_devices_are_checked_when_the_config_is_loaded(changes, message):
    with pytest.raises(ConfigError) as error:
        load_config({**BASE, **changes})
    assert message in str(error.value)


def test_device_problem():
    assert device_problem("cpu") is None
    assert "not available" in device_problem("cuda:99")


def test_bad_config_writes_no_folder(tmp_path, capsys):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({**BASE, "finetune": {"learning_rate": "abc"}}))
    parser = argparse.ArgumentParser(prog="causalmix")
    add_run_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["run", str(path), "--out", str(tmp_path / "out"), "--no-progress"])
    assert args.func(args) == 2
    assert "finetune.learning_rate must be a number" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
