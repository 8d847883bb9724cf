"""The ``Dataset`` container, the local on-disk format, and ``load_dataset``.

Local format (the one of the offline TabArena mirror): ``<data_dir>/<name>/data.parquet`` holds
the feature columns and the target column (categoricals as ``category`` dtype with string
categories, numerics as int64/float64, missing values as NA), and ``<data_dir>/<name>/meta.json``
holds at least ``name``, ``target`` and ``categorical_features``.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pandas.api import types as ptypes

from causalmix.data.builtin import BUILTIN_DATASETS, load_builtin_frame
from causalmix.data.errors import DatasetError
from causalmix.data.registry import TASKS
from causalmix.validation import did_you_mean, infinite_columns

DATA_DIR_ENV = "CAUSALMIX_DATA_DIR"
DEFAULT_DATA_DIR = Path("~/.cache/causalmix/datasets")


@dataclass
class Dataset:
    """A classification dataset.

    ``X``: (n_rows, n_features) DataFrame, categoricals as ``category`` dtype with string
    categories; ``y``: (n_rows,) categorical Series of class labels (strings).
    """

    name: str
    X: pd.DataFrame
    y: pd.Series
    categorical_features: list[str]
    meta: dict = field(default_factory=dict)

    @property
    def numeric_features(self) -> list[str]:
        return [c for c in self.X.columns if c not in self.categorical_features]

    @property
    def classes(self) -> list[str]:
        return list(self.y.cat.categories)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        target: str,
        name: str = "dataset",
        categorical_features: list[str] | None = None,
        meta: dict | None = None,
    ) -> Dataset:
        """Validate and build a dataset from one frame holding features and the target.

        ``categorical_features`` defaults to the columns of category, object, string or bool
        dtype. Constant and all-missing feature columns are dropped with a warning; every other
        problem raises ``DatasetError`` naming the dataset.
        """
        duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
        if duplicated:
            raise DatasetError(f"Dataset {name!r}: duplicate column names {duplicated}.")
        if target not in frame.columns:
            raise DatasetError(
                f"Dataset {name!r}: target column {target!r} is missing "
                f"(columns: {', '.join(map(str, frame.columns[:20]))}"
                f"{', ...' if frame.shape[1] > 20 else ''})."
            )
        y = _validate_target(name, frame[target])
        X = frame.drop(columns=[target])
        if categorical_features is None:
            categorical_features = [c for c in X.columns if not _is_numeric_column(X[c])]
        unknown = [c for c in categorical_features if c not in X.columns]
        if unknown:
            raise DatasetError(f"Dataset {name!r}: categorical features {unknown} are not columns.")
        X = _coerce_columns(name, X, set(categorical_features))
        infinite = infinite_columns(X)
        if infinite:
            raise DatasetError(
                f"Dataset {name!r}: numeric column(s) {list(infinite)[:10]} hold infinite values "
                f"({sum(infinite.values())} cell(s)); replace them by NaN (imputed) or drop them.")
        X = _drop_uninformative(name, X)
        categorical = [c for c in X.columns if c in set(categorical_features)]
        return cls(name=name, X=X.reset_index(drop=True), y=y.reset_index(drop=True),
                   categorical_features=categorical, meta=dict(meta or {}))


def _is_numeric_column(column: pd.Series) -> bool:
    return ptypes.is_numeric_dtype(column) and not ptypes.is_bool_dtype(column)


def _validate_target(name: str, y: pd.Series) -> pd.Series:
    n_missing = int(y.isna().sum())
    if n_missing:
        raise DatasetError(f"Dataset {name!r}: target {y.name!r} has {n_missing} missing value(s).")
    y = y.astype(str).astype("category")
    y = y.cat.set_categories(sorted(y.cat.categories))
    if len(y.cat.categories) < 2:
        raise DatasetError(
            f"Dataset {name!r}: target {y.name!r} has a single class "
            f"({y.cat.categories[0] if len(y.cat.categories) else 'none'}); need at least two."
        )
    return y


def _coerce_columns(name: str, X: pd.DataFrame, categorical: set) -> pd.DataFrame:
    """Categoricals to ``category`` with string categories; numerics checked to be numeric."""
    columns = {}
    for column in X.columns:
        values = X[column]
        if column in categorical:
            as_str = values.astype("string").astype(object).where(values.notna(), None)
            columns[column] = pd.Categorical(as_str, categories=sorted(as_str.dropna().unique()))
        elif _is_numeric_column(values):
            columns[column] = values
        else:
            converted = pd.to_numeric(values, errors="coerce")
            bad = values[converted.isna() & values.notna()]
            if len(bad):
                raise DatasetError(
                    f"Dataset {name!r}: numeric column {column!r} holds non-numeric values "
                    f"(e.g. {bad.iloc[0]!r}, {len(bad)} rows); declare it categorical or clean it."
                )
            columns[column] = converted
    return pd.DataFrame(columns, index=X.index)


def _drop_uninformative(name: str, X: pd.DataFrame) -> pd.DataFrame:
    all_missing = [c for c in X.columns if X[c].isna().all()]
    constant = [c for c in X.columns if c not in all_missing and X[c].nunique(dropna=False) <= 1]
    if all_missing or constant:
        warnings.warn(
            f"Dataset {name!r}: dropping all-missing columns {all_missing} "
            f"and constant columns {constant}.",
            stacklevel=3,
        )
    kept = X.drop(columns=all_missing + constant)
    if kept.shape[1] == 0:
        raise DatasetError(f"Dataset {name!r}: no informative feature column is left.")
    return kept


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """``data_dir`` if given, else ``$CAUSALMIX_DATA_DIR``, else ``~/.cache/causalmix/datasets``."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR
    return Path(chosen).expanduser()


def is_available(name: str, data_dir: str | os.PathLike | None = None) -> bool:
    """Whether ``name`` is built in or stored in the local format under the data directory."""
    if name in BUILTIN_DATASETS:
        return True
    folder = resolve_data_dir(data_dir) / name
    return (folder / "data.parquet").is_file() and (folder / "meta.json").is_file()


def load_dataset(name: str, data_dir: str | os.PathLike | None = None) -> Dataset:
    """Load a built-in (scikit-learn) dataset or one stored in the local format.

    Raises ``DatasetError`` for an unknown name (with close matches), a missing data directory,
    or a malformed dataset.
    """
    if name in BUILTIN_DATASETS:
        frame, target, meta = load_builtin_frame(name)
        return Dataset.from_frame(frame, target, name=name, meta=meta)
    root = resolve_data_dir(data_dir)
    folder = root / name
    meta = _read_meta(name, folder, root)
    frame = _read_frame(name, folder / "data.parquet")
    return Dataset.from_frame(frame, meta["target"], name=name,
                              categorical_features=list(meta["categorical_features"]), meta=meta)


def _read_meta(name: str, folder: Path, root: Path) -> dict:
    """The validated ``meta.json`` of dataset ``name`` stored in ``folder`` under ``root``."""
    path = folder / "meta.json"
    if not path.is_file():
        if folder.is_dir():
            raise DatasetError(
                f"Dataset {name!r}: {str(folder)!r} has no meta.json (it must name the `target` and the "
                f"`categorical_features`); re-fetch it with `causalmix data fetch {name}` or write one.")
        known = list(BUILTIN_DATASETS) + list(TASKS)
        if name not in known:
            local = [p.name for p in root.iterdir() if p.is_dir()] if root.is_dir() else []
            raise DatasetError(f"Unknown dataset {name!r}.{did_you_mean(name, known + local)}")
        if not root.is_dir():
            raise DatasetError(
                f"Dataset {name!r}: data directory {str(root)!r} does not exist. Pass --data-dir, "
                f"set {DATA_DIR_ENV}, or run `causalmix data fetch {name}`."
            )
        raise DatasetError(
            f"Dataset {name!r} is not in {str(root)!r}; run `causalmix data fetch {name}` "
            f"or point --data-dir / {DATA_DIR_ENV} at a directory that holds it."
        )
    try:
        meta = json.loads(path.read_text())
    except (ValueError, OSError) as error:
        raise DatasetError(f"Dataset {name!r}: {path} is not valid JSON ({type(error).__name__}: "
                           f"{error}); re-fetch it with `causalmix data fetch {name}`.") from None
    if not isinstance(meta, dict):
        raise DatasetError(f"Dataset {name!r}: {path} must hold a JSON object, got {type(meta).__name__}.")
    for key in ("target", "categorical_features"):
        if key not in meta:
            raise DatasetError(f"Dataset {name!r}: {path} lacks {key!r}.")
    if not isinstance(meta["target"], str) or not meta["target"]:
        raise DatasetError(f"Dataset {name!r}: {path}: `target` must be a column name, got {meta['target']!r}.")
    categorical = meta["categorical_features"]
    if not isinstance(categorical, list) or not all(isinstance(c, str) for c in categorical):
        raise DatasetError(f"Dataset {name!r}: {path}: `categorical_features` must be a list of column "
                           f"names, got {categorical!r}.")
    return meta


def _read_frame(name: str, path: Path) -> pd.DataFrame:
    """``data.parquet`` of dataset ``name``, with errors that name the file."""
    import pyarrow.parquet as pq

    if not path.is_file():
        raise DatasetError(f"Dataset {name!r}: {path} is missing; re-fetch it with "
                           f"`causalmix data fetch {name}`.")
    try:
        columns = pq.read_schema(path).names
        duplicated = sorted({c for c in columns if columns.count(c) > 1})
        if duplicated:
            raise DatasetError(f"Dataset {name!r}: {path} has duplicate column names {duplicated}; "
                               f"rename or drop the copies.")
        return pd.read_parquet(path)
    except DatasetError:
        raise
    except Exception as error:  # ArrowInvalid, OSError, ...: a truncated, empty or foreign file
        detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
        size = path.stat().st_size
        raise DatasetError(f"Dataset {name!r}: {path} ({size} bytes) is not a readable Parquet file "
                           f"({type(error).__name__}: {detail[:200]}); it may be truncated or "
                           f"damaged: re-fetch it with `causalmix data fetch {name}`.") from None


def dataset_shape(name: str, data_dir: str | os.PathLike | None = None) -> tuple[int, int]:
    """``(rows, classes)`` of an available dataset, read cheaply (the target column only);
    ``DatasetError`` naming the file when it cannot be read."""
    import pyarrow.parquet as pq

    if name in BUILTIN_DATASETS:
        frame, target, _ = load_builtin_frame(name)
        return len(frame), int(frame[target].nunique())
    root = resolve_data_dir(data_dir)
    folder = root / name
    meta = _read_meta(name, folder, root)
    path = folder / "data.parquet"
    if not path.is_file():
        _read_frame(name, path)  # raises, naming the file
    try:
        target = pq.read_table(path, columns=[meta["target"]]).column(0)
    except Exception:
        _read_frame(name, path)  # raises the error that names the file and the problem
        raise DatasetError(f"Dataset {name!r}: {path} lacks the target column {meta['target']!r}.") from None
    return len(target), len(target.drop_null().unique())
