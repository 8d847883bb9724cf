"""Tables about the suite, a dataset's classes and its scarcity splits (for the book)."""

from __future__ import annotations

import pandas as pd

from causalmix.data.dataset import Dataset, is_available
from causalmix.data.registry import TABARENA_V01
from causalmix.splits.folds import make_split


def suite_table(data_dir=None) -> pd.DataFrame:
    """One row per TabArena-v0.1 classification task with its shape and local availability."""
    return pd.DataFrame([{
        "dataset": t.name, "rows": t.n_rows, "features": t.n_features, "classes": t.n_classes,
        "problem": t.problem_type, "openml_dataset_id": t.openml_dataset_id,
        "openml_task_id": t.openml_task_id, "available": is_available(t.name, data_dir),
    } for t in TABARENA_V01])


def class_balance(dataset: Dataset) -> pd.DataFrame:
    """Rows and share per class."""
    counts = dataset.y.value_counts(sort=False)
    return pd.DataFrame({"class": counts.index.astype(str), "rows": counts.to_numpy(),
                         "share": (counts / counts.sum()).to_numpy()})


def split_table(dataset: Dataset, n_train: int | None, val_fraction: float, seed: int,
                folds=range(10)) -> pd.DataFrame:
    """Rows per part (train, val, test) and class for each outer fold."""
    rows = []
    for fold in folds:
        split = make_split(dataset.y, fold=fold, n_train=n_train, val_fraction=val_fraction,
                           seed=seed, name=dataset.name)
        for part in ("train", "val", "test"):
            labels = dataset.y.iloc[getattr(split, part)]
            for label, count in labels.value_counts(sort=False).items():
                rows.append({"fold": fold, "part": part, "class": str(label), "rows": int(count)})
    return pd.DataFrame(rows)
