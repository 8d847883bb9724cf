"""Datasets that ship with scikit-learn: the embedded default, needing no data directory."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sklearn import datasets as sk_datasets

_LOADERS: dict[str, Callable] = {
    "breast_cancer": sk_datasets.load_breast_cancer,
    "wine": sk_datasets.load_wine,
    "iris": sk_datasets.load_iris,
}

BUILTIN_DATASETS: tuple[str, ...] = tuple(_LOADERS)


def load_builtin_frame(name: str) -> tuple[pd.DataFrame, str, dict]:
    """The scikit-learn dataset ``name`` as one frame (features + string target column)."""
    bunch = _LOADERS[name](as_frame=True)
    frame = bunch.frame.copy()
    labels = [str(label) for label in bunch.target_names]
    frame["target"] = pd.Categorical.from_codes(bunch.target.to_numpy(), categories=labels)
    meta = {
        "name": name,
        "target": "target",
        "source": {"package": "scikit-learn", "loader": f"sklearn.datasets.{_LOADERS[name].__name__}"},
        "reference": (bunch.DESCR.splitlines()[0] if bunch.DESCR else ""),
    }
    return frame, "target", meta
