"""Download TabArena datasets with the ``openml`` client and store them in the local format."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tqdm import tqdm

from causalmix.columns import is_categorical
from causalmix.data.dataset import Dataset, resolve_data_dir
from causalmix.data.errors import DatasetError
from causalmix.data.registry import TASKS
from causalmix.validation import did_you_mean


def fetch_dataset(name: str, data_dir: str | os.PathLike | None = None,
                  openml_cache_dir: str | os.PathLike | None = None) -> Path:
    """Fetch the TabArena task ``name`` from OpenML and write ``<data_dir>/<name>/``.

    ``openml_cache_dir`` points the openml client at a (writable) cache, e.g. a copy of an
    offline cache. Returns the dataset folder.
    """
    import openml

    if name not in TASKS:
        raise DatasetError(f"Unknown TabArena dataset {name!r}.{did_you_mean(name, TASKS)}")
    task = TASKS[name]
    if openml_cache_dir is not None:
        openml.config.set_root_cache_directory(str(openml_cache_dir))
    try:
        remote = openml.datasets.get_dataset(
            task.openml_dataset_id, download_data=True, download_qualities=False,
            download_features_meta_data=True,
        )
        target = remote.default_target_attribute
        X, y, categorical_indicator, names = remote.get_data(target=target, dataset_format="dataframe")
    except Exception as error:  # network, server or cache errors from deep inside openml
        raise DatasetError(
            f"Dataset {name!r}: could not fetch OpenML dataset {task.openml_dataset_id} "
            f"({type(error).__name__}: {error})."
        ) from error
    # OpenML stores text features as strings, not nominal: treat them as categorical too.
    categorical = [n for n, is_cat in zip(names, categorical_indicator)
                   if is_cat or is_categorical(X[n])]
    frame = X.copy()
    frame[target] = y
    dataset = Dataset.from_frame(frame, target, name=name, categorical_features=categorical)
    return write_dataset(dataset, resolve_data_dir(data_dir), extra_meta={
        "openml_dataset_id": task.openml_dataset_id,
        "openml_task_id": task.openml_task_id,
        "source": {"openml_dataset_id": task.openml_dataset_id, "openml_name": remote.name,
                   "openml_version": remote.version},
    })


def write_dataset(dataset: Dataset, data_dir: Path, extra_meta: dict | None = None) -> Path:
    """Write ``dataset`` in the local format under ``data_dir/<name>/`` and return the folder."""
    folder = Path(data_dir) / dataset.name
    folder.mkdir(parents=True, exist_ok=True)
    target = dataset.y.name
    frame = dataset.X.copy()
    frame[target] = dataset.y
    meta = {
        "name": dataset.name,
        "target": target,
        "problem_type": "binary" if dataset.n_classes == 2 else "multiclass",
        "n_rows": int(len(frame)),
        "n_features": int(dataset.X.shape[1]),
        "n_classes": dataset.n_classes,
        "categorical_features": dataset.categorical_features,
        "numeric_features": dataset.numeric_features,
        "class_counts": {str(k): int(v) for k, v in dataset.y.value_counts(sort=False).items()},
        **(extra_meta or {}),
    }
    tmp = folder / "data.parquet.tmp"
    frame.to_parquet(tmp, index=False)
    tmp.replace(folder / "data.parquet")
    (folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return folder


def fetch_datasets(names, data_dir=None, openml_cache_dir=None) -> list[Path]:
    """Fetch several datasets with a progress bar; returns their folders."""
    return [fetch_dataset(name, data_dir, openml_cache_dir)
            for name in tqdm(list(names), desc="fetch", unit="dataset")]
