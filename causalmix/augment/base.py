"""The interface every tabular data generator implements."""

from __future__ import annotations

from abc import ABC, abstractmethod

import pandas as pd
from sklearn.base import BaseEstimator


class Augmenter(BaseEstimator, ABC):
    """Learns the joint distribution of ``(X, y)`` and samples synthetic rows from it.

    Subclasses take their parameters in ``__init__`` (scikit-learn style), learn state with a
    trailing underscore in ``fit`` and return ``self``. ``sample`` returns rows with exactly the
    schema seen in ``fit``: the same columns in the same order, dtypes, categories and label set.
    """

    @abstractmethod
    def fit(self, X: pd.DataFrame, y: pd.Series) -> Augmenter:
        """Fit on ``X`` (n_rows, n_features) and labels ``y`` (n_rows,)."""

    @abstractmethod
    def sample(self, n: int, random_state: int | None = None) -> tuple[pd.DataFrame, pd.Series]:
        """``n`` synthetic rows ``(X_syn, y_syn)``; the same ``random_state`` gives the same rows."""
