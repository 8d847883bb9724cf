"""SMOTE-family interpolation as a generator (a non-causal control)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler

from causalmix.augment.base import Augmenter
from causalmix.augment.schema import TableSchema


class SMOTEAugmenter(Augmenter):
    """Synthetic rows interpolated between same-class neighbours (imbalanced-learn).

    A standard statistical augmenter, run as a non-causal control (it stood in for the paper's
    "TableAugment" baseline until ``causalmix.augment.tableaugment`` took that role). It uses SMOTE
    (Chawla et al., 2002) when all features are numeric, SMOTE-NC when they are mixed and SMOTEN
    when all are categorical.

    Unlike class balancing, ``sample(n)`` draws every class in proportion to its frequency in
    ``fit`` (largest-remainder rounding), each class interpolated among its own rows only. A class
    with ``n_c <= k_neighbors`` rows uses ``n_c - 1`` neighbours; a class with a single row is
    duplicated.

    Numeric features are standardised for the neighbour search (then mapped back) and missing
    numeric values are imputed with the column median for interpolation, so synthetic numeric
    values are never missing. A missing categorical value is a level of its own and is generated
    like any other level. Integer columns are rounded.

    Parameters
    ----------
    k_neighbors : int, default=5
        Same-class nearest neighbours to interpolate towards (imbalanced-learn's default).
    """

    def __init__(self, k_neighbors: int = 5):
        self.k_neighbors = k_neighbors

    def _fit(self, X: pd.DataFrame, y: pd.Series, schema: TableSchema) -> None:
        """Record ``X`` (n_rows, n_features) and ``y`` (n_rows,) in the space SMOTE works in."""
        if isinstance(self.k_neighbors, bool) or not isinstance(self.k_neighbors, (int, np.integer)) \
                or self.k_neighbors < 1:
            raise ValueError(f"k_neighbors must be a positive integer, got {self.k_neighbors!r}.")
        numeric = X[schema.numeric_columns].to_numpy(dtype=np.float64)
        if schema.numeric_columns:
            numeric = SimpleImputer(strategy="median", keep_empty_features=True).fit_transform(numeric)
            self.scaler_ = StandardScaler().fit(numeric)
            numeric = self.scaler_.transform(numeric)
        else:
            self.scaler_ = None
        self.features_ = np.hstack([numeric, schema.to_codes(X)])
        # imbalanced-learn sees class indices: an object array of integer labels is an
        # "Unknown label type" to its target-type check
        self.labels_ = pd.Index(schema.classes).get_indexer(y).astype(np.int64)

    def _sample(self, n: int, random_state: int | None) -> tuple[pd.DataFrame, np.ndarray]:
        """``n`` synthetic rows, in random order."""
        rng = np.random.default_rng(random_state)
        labels = self.schema_.draw_labels(n, rng)
        rows = np.empty((n, self.features_.shape[1]))
        for index, label in enumerate(self.schema_.classes):
            wanted = labels == label
            if wanted.any():
                rows[wanted] = self._interpolate(index, int(wanted.sum()), int(rng.integers(2**31)))
        n_numeric = len(self.schema_.numeric_columns)
        numeric = rows[:, :n_numeric]
        if self.scaler_ is not None:
            numeric = self.scaler_.inverse_transform(numeric)
        numeric = pd.DataFrame(numeric, columns=self.schema_.numeric_columns)
        categorical = self.schema_.from_codes(rows[:, n_numeric:].round().astype(np.int64))
        return pd.concat([numeric, categorical], axis=1), labels

    def _interpolate(self, label: int, n: int, seed: int) -> np.ndarray:
        """(n, n_features) new rows of the class at index ``label`` of the schema's classes, in the
        encoded space."""
        members = self.labels_ == label
        n_members = int(members.sum())
        if n_members == 1:
            return np.repeat(self.features_[members], n, axis=0)
        n_numeric = len(self.schema_.numeric_columns)
        n_features = self.features_.shape[1]
        params = dict(sampling_strategy={label: n_members + n}, random_state=seed,
                      k_neighbors=min(self.k_neighbors, n_members - 1))
        if n_numeric == n_features:
            sampler = SMOTE(**params)
        elif n_numeric == 0:
            sampler = SMOTEN(**params)
        else:
            sampler = SMOTENC(categorical_features=list(range(n_numeric, n_features)), **params)
        resampled, _ = sampler.fit_resample(self.features_, self.labels_)
        return resampled[len(self.features_):]
