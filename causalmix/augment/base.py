"""The interface every tabular data generator implements, and the checks every one shares."""

from __future__ import annotations

from abc import ABC, abstractmethod
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from causalmix.augment.schema import TableSchema
from causalmix.validation import check_not_empty


class Augmenter(BaseEstimator, ABC):
    """Learns the joint distribution of ``(X, y)`` and samples synthetic rows from it.

    Subclasses take their parameters in ``__init__`` (scikit-learn style) and implement
    ``_fit(X, y, schema)`` (learn state with a trailing underscore) and ``_sample(n, random_state)``
    (rows in any column order and with any labels' representation that ``TableSchema.restore``
    can cast). The public methods are the one contract of every generator:

    - ``fit`` rejects anything but a non-empty DataFrame, labels of another length or with missing
      values and ``+-inf`` cells (naming the columns), records the schema as ``schema_`` (and
      ``feature_names_in_``, ``n_features_in_``), and passes ``_fit`` the table with a fresh
      ``RangeIndex`` and the labels as a Series;
    - ``sample`` raises scikit-learn's ``NotFittedError`` before ``fit``, accepts only a positive
      integer ``n`` (not a bool) and an integer ``random_state >= 0`` or None, and returns
      ``_sample``'s rows in exactly the schema seen in ``fit``: the same columns in the same order,
      dtypes, categories, label name and dtype.
    """

    def fit(self, X: pd.DataFrame, y) -> Augmenter:
        """Fit on ``X`` (n_rows, n_features) and labels ``y`` (n_rows,)."""
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"X must be a pandas DataFrame, got {type(X).__name__}.")
        check_not_empty(X, "X")
        schema = TableSchema.record(X, y)
        X = X.reset_index(drop=True)
        y = pd.Series(y).reset_index(drop=True)
        self._fit(X, y, schema)
        self.feature_names_in_ = np.array(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.schema_ = schema
        return self

    def sample(self, n: int, random_state: int | None = None) -> tuple[pd.DataFrame, pd.Series]:
        """``n`` synthetic rows ``(X_syn, y_syn)``; the same ``random_state`` gives the same rows."""
        check_is_fitted(self, "schema_")
        check_sample_size(n)
        if random_state is not None and (isinstance(random_state, bool) or not isinstance(random_state, Integral)
                                         or random_state < 0):
            raise ValueError(f"random_state must be a non-negative integer or None, got {random_state!r}.")
        X_syn, y_syn = self._sample(int(n), random_state)
        return self.schema_.restore(X_syn, y_syn)

    @abstractmethod
    def _fit(self, X: pd.DataFrame, y: pd.Series, schema: TableSchema) -> None:
        """Learn from the checked ``X`` (n_rows, n_features) and ``y`` (n_rows,) whose schema is ``schema``."""

    @abstractmethod
    def _sample(self, n: int, random_state: int | None) -> tuple[pd.DataFrame, object]:
        """``n`` rows ``(X_syn, labels)`` for ``TableSchema.restore``; ``n`` is a positive int."""


def check_sample_size(n) -> None:
    """Raise ``ValueError`` unless ``n`` is a positive integer (bools are not sizes)."""
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}.")
