"""The data layer: registry, local format, built-ins, validation errors, OpenML fetching."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from causalmix.cli import main as cli_main
from causalmix.data import (
    SUITES, TABARENA_V01, TASKS, Dataset, DatasetError, fetch_dataset, load_dataset, suite,
    write_dataset,
)


def test_registry_has_the_38_classification_tasks():
    assert len(TABARENA_V01) == 38
    assert len({t.openml_dataset_id for t in TABARENA_V01}) == 38
    assert len({t.openml_task_id for t in TABARENA_V01}) == 38
    assert TASKS["credit-g"].n_features == 20 and TASKS["MIC"].n_classes == 8
    for name in SUITES["offline"] + SUITES["lite"]:
        assert name in TASKS


def test_registry_agrees_with_the_mirror(data_dir):
    for name in SUITES["offline"]:
        meta = pd.read_json(data_dir / name / "meta.json", typ="series")
        task = TASKS[name]
        assert (meta["n_rows"], meta["n_features"], meta["n_classes"]) == (
            task.n_rows, task.n_features, task.n_classes)
        assert meta["openml_dataset_id"] == task.openml_dataset_id


def test_unknown_suite_is_a_clear_error():
    with pytest.raises(DatasetError, match="Unknown suite 'paper-33'"):
        suite("paper-33")


def test_credit_g_loads_with_its_types(data_dir):
    ds = load_dataset("credit-g", data_dir=data_dir)
    assert ds.X.shape == (1000, 20)
    assert len(ds.categorical_features) == 13
    assert all(isinstance(ds.X[c].dtype, pd.CategoricalDtype) for c in ds.categorical_features)
    assert all(pd.api.types.is_numeric_dtype(ds.X[c]) for c in ds.numeric_features)
    assert ds.n_classes == 2 and ds.y.notna().all()
    assert ds.meta["openml_dataset_id"] == 46918


def test_data_dir_from_environment(data_dir, monkeypatch):
    monkeypatch.setenv("CAUSALMIX_DATA_DIR", str(data_dir))
    assert load_dataset("diabetes").X.shape == (768, 8)


@pytest.mark.parametrize("name, shape, n_classes", [("breast_cancer", (569, 30), 2),
                                                    ("wine", (178, 13), 3)])
def test_builtin_datasets_need_no_data_dir(name, shape, n_classes, monkeypatch, tmp_path):
    monkeypatch.setenv("CAUSALMIX_DATA_DIR", str(tmp_path / "nothing-here"))
    ds = load_dataset(name)
    assert ds.X.shape == shape and ds.n_classes == n_classes
    assert ds.categorical_features == []


def test_unknown_name_suggests_close_matches():
    with pytest.raises(DatasetError, match="Unknown dataset 'credit_g'.*'credit-g'"):
        load_dataset("credit_g")


def test_missing_data_directory_is_named(tmp_path):
    with pytest.raises(DatasetError, match="data directory .* does not exist"):
        load_dataset("credit-g", data_dir=tmp_path / "absent")


def test_dataset_absent_from_existing_directory(tmp_path):
    with pytest.raises(DatasetError, match="'jm1' is not in .*causalmix data fetch jm1"):
        load_dataset("jm1", data_dir=tmp_path)


def _frame():
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.normal(size=20), "b": list("xyz" * 6 + "xy"),
                         "label": ["p", "q"] * 10})


def test_missing_target_column():
    with pytest.raises(DatasetError, match="'toy': target column 'class' is missing"):
        Dataset.from_frame(_frame(), "class", name="toy")


def test_target_with_missing_values():
    frame = _frame()
    frame.loc[3, "label"] = None
    with pytest.raises(DatasetError, match="'toy': target 'label' has 1 missing value"):
        Dataset.from_frame(frame, "label", name="toy")


def test_single_class_target():
    frame = _frame().assign(label="p")
    with pytest.raises(DatasetError, match="single class"):
        Dataset.from_frame(frame, "label", name="toy")


def test_constant_and_empty_columns_are_dropped_with_a_warning():
    frame = _frame().assign(const=1.0, empty=np.nan)
    with pytest.warns(UserWarning, match=r"all-missing columns \['empty'\].*constant columns \['const'\]"):
        ds = Dataset.from_frame(frame, "label", name="toy")
    assert list(ds.X.columns) == ["a", "b"]


def test_strings_in_a_numeric_column():
    frame = _frame()
    frame["a"] = frame["a"].astype(object)
    frame.loc[5, "a"] = "n/a"
    with pytest.raises(DatasetError, match="numeric column 'a' holds non-numeric values .*'n/a'"):
        Dataset.from_frame(frame, "label", name="toy", categorical_features=["b"])


def test_numeric_strings_are_converted():
    frame = _frame()
    frame["a"] = frame["a"].astype(str)
    ds = Dataset.from_frame(frame, "label", name="toy", categorical_features=["b"])
    assert pd.api.types.is_float_dtype(ds.X["a"])


def test_duplicate_column_names():
    frame = pd.concat([_frame(), _frame()[["a"]]], axis=1)
    with pytest.raises(DatasetError, match=r"duplicate column names \['a'\]"):
        Dataset.from_frame(frame, "label", name="toy")


def test_write_then_load_round_trip(tmp_path):
    ds = Dataset.from_frame(_frame(), "label", name="toy")
    write_dataset(ds, tmp_path)
    back = load_dataset("toy", data_dir=tmp_path)
    pd.testing.assert_frame_equal(back.X, ds.X)
    pd.testing.assert_series_equal(back.y, ds.y)


def _writable_copy(source, target):
    for path in source.rglob("*"):
        if path.is_file():
            dest = target / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
    return target


def test_fetch_through_the_openml_client_matches_the_mirror(openml_cache_source, data_dir, tmp_path):
    import openml

    cache = _writable_copy(openml_cache_source, tmp_path / "openml-cache")
    openml.config.server = "https://www.openml.org/api/v1/xml"
    openml.config.set_retry_policy("robot", 1)
    folder = fetch_dataset("credit-g", data_dir=tmp_path / "datasets", openml_cache_dir=cache)
    fetched = load_dataset("credit-g", data_dir=folder.parent)
    mirror = load_dataset("credit-g", data_dir=data_dir)
    pd.testing.assert_frame_equal(fetched.X, mirror.X)
    pd.testing.assert_series_equal(fetched.y, mirror.y)
    assert fetched.meta["openml_task_id"] == 363626


def test_fetch_of_an_uncached_dataset_is_a_clear_error(openml_cache_source, tmp_path):
    import openml

    cache = tmp_path / "empty-cache"
    cache.mkdir()
    openml.config.set_retry_policy("robot", 1)
    with pytest.raises(DatasetError, match="'jm1': could not fetch OpenML dataset 46979"):
        fetch_dataset("jm1", data_dir=tmp_path / "datasets", openml_cache_dir=cache)


def test_cli_lists_the_suite_and_local_availability(data_dir, capsys):
    assert cli_main(["datasets", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "26 of 38 available locally." in out
    assert out.count("\n") >= 38


def test_cli_reports_errors_without_a_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "causalmix.cli", "data", "fetch", "credit_gg",
                             "--data-dir", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Unknown TabArena dataset 'credit_gg'" in result.stderr
    assert "Traceback" not in result.stderr
