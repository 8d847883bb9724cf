"""Preprocessing for models, fitted on training rows only."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from causalmix.columns import is_categorical, with_missing_level


class TablePreprocessor(TransformerMixin, BaseEstimator):
    """DataFrame -> float32 matrix.

    Numeric columns: median imputation, then standardisation if ``scale``. Categorical columns
    (``category``/object dtype), missing values forming a level of their own: ``"ordinal"``
    codes (unseen levels -> -1) or ``"onehot"`` indicators (unseen levels -> all zeros).
    """

    def __init__(self, categorical: str = "ordinal", scale: bool = True):
        self.categorical = categorical
        self.scale = scale

    def fit(self, X: pd.DataFrame, y=None) -> TablePreprocessor:
        if self.categorical not in ("ordinal", "onehot"):
            raise ValueError(f"categorical must be 'ordinal' or 'onehot', got {self.categorical!r}")
        self.categorical_features_ = [c for c in X.columns if is_categorical(X[c])]
        self.numeric_features_ = [c for c in X.columns if c not in self.categorical_features_]
        numeric = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                                *([StandardScaler()] if self.scale else []))
        if self.categorical == "ordinal":
            categorical = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                                         dtype=np.float64)
        else:
            categorical = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        self.transformer_ = ColumnTransformer(
            [("numeric", numeric, self.numeric_features_),
             ("categorical", make_pipeline(_AsObject(), categorical), self.categorical_features_)],
            sparse_threshold=0.0,
        ).fit(X)
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """(n_rows, n_out) float32; numeric columns first, then categorical ones."""
        return self.transformer_.transform(X).astype(np.float32)


class _AsObject(TransformerMixin, BaseEstimator):
    """Categorical columns as object arrays, missing values as a level of their own."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return with_missing_level(pd.DataFrame(X)).to_numpy()


class LabelEncoder(BaseEstimator):
    """Class labels <-> integer codes 0..n_classes-1 (sorted label order)."""

    def fit(self, y) -> LabelEncoder:
        self.classes_ = np.array(sorted(pd.Series(y).astype(str).unique()), dtype=object)
        return self

    def transform(self, y) -> np.ndarray:
        labels = pd.Series(y).astype(str).to_numpy()
        codes = np.searchsorted(self.classes_, labels)
        codes = np.clip(codes, 0, len(self.classes_) - 1)
        unknown = self.classes_[codes] != labels
        if unknown.any():
            raise ValueError(f"Unknown class label(s) {sorted(set(labels[unknown]))[:5]}")
        return codes.astype(np.int64)

    def inverse_transform(self, codes) -> np.ndarray:
        return self.classes_[np.asarray(codes)]
