"""Features ranked by their mutual information with the target.

The quantile shift picks its shift feature by this ranking (fold ``f``: the ``f``-th feature),
and the book's figures show the top few, so both see the same order.
"""

from __future__ import annotations

import pandas as pd
from sklearn.feature_selection import mutual_info_classif

from causalmix.preprocessing import TablePreprocessor
from causalmix.splits.folds import class_codes


def most_informative_features(X: pd.DataFrame, y: pd.Series, k: int, random_state: int = 0) -> list[str]:
    """The ``k`` columns with the highest mutual information with ``y``, best first (ties: column order)."""
    prep = TablePreprocessor(scale=False).fit(X)
    names = prep.numeric_features_ + prep.categorical_features_  # the transform's column order
    scores = mutual_info_classif(prep.transform(X), class_codes(y),
                                 discrete_features=[n in prep.categorical_features_ for n in names],
                                 random_state=random_state)
    ranked = sorted(zip(-scores, range(len(names))))
    return [names[i] for _, i in ranked[:k]]
