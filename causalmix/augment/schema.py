"""The schema of a training table, recorded in ``fit`` and restored exactly on generated rows.

Generators work on numbers; :class:`TableSchema` converts between a table and those numbers and
puts generated rows back into the exact shape of the training data (column order, dtypes,
category sets, label name, dtype and categories)::

    schema = TableSchema.record(X, y)                  # in fit
    codes = schema.to_codes(X)                         # categorical levels -> int codes
    ...                                                # generate numbers
    X_syn, y_syn = schema.restore(frame, labels)       # in sample
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from causalmix.columns import is_drawn_as_levels
from causalmix.validation import check_finite

#: Code of a missing categorical value (the pandas convention).
MISSING_CODE = -1


@dataclass(frozen=True)
class TableSchema:
    """Column order and dtypes of ``X``; levels of its categorical columns; name, dtype and
    observed class frequencies of ``y``."""

    dtypes: dict[Hashable, object]
    levels: dict[Hashable, pd.Index]
    label_name: Hashable
    label_dtype: object
    class_counts: pd.Series

    @classmethod
    def record(cls, X: pd.DataFrame, y) -> TableSchema:
        """The schema of ``X`` (n_rows, n_features) and ``y`` (n_rows,), checked for misuse.

        Levels of a categorical column are its categories (``category`` dtype) or its sorted
        observed values; classes are listed in the order of ``y``'s categories (or sorted).
        """
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"X must be a pandas DataFrame, got {type(X).__name__}.")
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"X must have at least one row and one column, got shape {X.shape}.")
        if X.columns.has_duplicates:
            raise ValueError(f"X has duplicate column names "
                             f"{X.columns[X.columns.duplicated()].unique().tolist()}.")
        check_finite(X, "X")  # +-inf would be copied into synthetic rows
        y = pd.Series(y)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)}.")
        if y.isna().any():
            raise ValueError(f"y has {int(y.isna().sum())} missing label(s).")
        levels = {}
        for name in X.columns:
            column = X[name]
            if isinstance(column.dtype, pd.CategoricalDtype):
                levels[name] = column.cat.categories
            elif is_drawn_as_levels(column):
                levels[name] = pd.Index(sorted(column.dropna().unique()))
        counts = y.value_counts(sort=False)
        order = y.cat.categories if isinstance(y.dtype, pd.CategoricalDtype) else sorted(counts.index)
        counts = counts.reindex(order)
        return cls(dtypes=dict(X.dtypes), levels=levels, label_name=y.name, label_dtype=y.dtype,
                   class_counts=counts[counts > 0].astype(np.int64))

    @property
    def columns(self) -> list[Hashable]:
        return list(self.dtypes)

    @property
    def categorical_columns(self) -> list[Hashable]:
        return [name for name in self.dtypes if name in self.levels]

    @property
    def numeric_columns(self) -> list[Hashable]:
        return [name for name in self.dtypes if name not in self.levels]

    @property
    def classes(self) -> np.ndarray:
        """Labels seen in ``fit`` (n_classes,)."""
        return self.class_counts.index.to_numpy()

    def to_codes(self, X: pd.DataFrame) -> np.ndarray:
        """(n_rows, n_categorical) int64 level codes; missing and unknown levels -> ``MISSING_CODE``."""
        codes = [pd.Categorical(X[name], categories=self.levels[name]).codes
                 for name in self.categorical_columns]
        return np.column_stack(codes).astype(np.int64) if codes else np.empty((len(X), 0), np.int64)

    def from_codes(self, codes: np.ndarray) -> pd.DataFrame:
        """Categorical columns from (n_rows, n_categorical) integer codes (``MISSING_CODE`` -> NaN)."""
        codes = np.asarray(codes)
        return pd.DataFrame({name: pd.Categorical.from_codes(codes[:, j], categories=self.levels[name])
                             for j, name in enumerate(self.categorical_columns)})

    def draw_labels(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` labels in random order, each class as often as its share of the rows in ``fit``.

        Counts are ``n`` times the class frequencies, rounded by largest remainder (ties broken
        at random), so they sum to ``n`` exactly.
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be a non-negative integer, got {n!r}.")
        quota = self.class_counts.to_numpy() / self.class_counts.sum() * n
        counts = np.floor(quota).astype(np.int64)
        remainder = quota - counts
        tie_break = rng.permutation(len(quota))
        owed = np.lexsort((tie_break, -remainder))[: n - counts.sum()]
        counts[owed] += 1
        return rng.permutation(np.repeat(self.classes, counts))

    def restore(self, X: pd.DataFrame, y) -> tuple[pd.DataFrame, pd.Series]:
        """Generated rows in the recorded schema: ``X`` reordered to the recorded columns and cast
        to their dtypes (integer columns rounded), ``y`` named and typed like the training labels.

        Raises ``ValueError`` for a missing column, a level or class not seen in ``fit``, or a
        missing value in a column whose dtype cannot hold one (a bug in the generator).
        """
        absent = [name for name in self.dtypes if name not in X.columns]
        if absent:
            raise ValueError(f"Generated rows lack column(s) {absent}.")
        restored = pd.DataFrame({name: _cast(X[name].reset_index(drop=True), dtype, name)
                                 for name, dtype in self.dtypes.items()})
        labels = pd.Series(np.asarray(y), name=self.label_name)
        unknown = ~labels.isin(self.classes)
        if unknown.any():
            raise ValueError(f"Generated label(s) {labels[unknown].unique()[:5].tolist()} were not "
                             f"seen in fit (classes: {self.classes.tolist()}).")
        return restored, labels.astype(self.label_dtype)


def _cast(values: pd.Series, dtype, name: Hashable) -> pd.Series:
    """``values`` as ``dtype``; integers are rounded, unknown levels and impossible NaNs raise."""
    if isinstance(dtype, pd.CategoricalDtype):
        cast = values.astype(object).astype(dtype)
        unknown = cast.isna() & values.notna()
        if unknown.any():
            raise ValueError(f"Column {name!r}: generated level(s) "
                             f"{values[unknown].unique()[:5].tolist()} are not among its categories.")
        return cast
    holds_no_missing = isinstance(dtype, np.dtype) and dtype.kind in "iub"
    if holds_no_missing and values.isna().any():
        raise ValueError(f"Column {name!r} of dtype {dtype} got {int(values.isna().sum())} "
                         f"missing value(s).")
    if ptypes.is_integer_dtype(dtype):
        return pd.to_numeric(values).round().astype(dtype)
    return values.astype(dtype)
