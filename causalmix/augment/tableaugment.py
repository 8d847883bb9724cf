"""Table augmentation: bootstrapped real rows, each augmented table keeping a random feature subset.

Stand-in for the paper's "TableAugment" baseline. The closest public description is the
table-augmentation generator of ITMO-NSS-team/syn-tune-fm
(``src/generators/table_augmentation/model.py``, read at commit 01c300f9). That generator stores
the training table in ``fit``; each ``generate`` call makes one augmented table: it bootstraps
the rows (draws them with replacement; as many as the training rows unless told otherwise),
draws a fraction ``f ~ U(0.5, 1)``, keeps ``ceil(f * n_features)`` features chosen at random
(all of them for a one-feature table) and returns the bootstrapped rows restricted to those
features, each with the label of its row. This module re-implements that procedure; it does not
copy the source.

Deviations, all forced by the ``fit``/``sample`` interface or chosen to keep the comparison fair:

- *The schema is kept.* The source returns a narrower table; here every synthetic row has every
  training column, in the same order and dtypes. A feature dropped from an augmented table is
  *filled with values resampled from the real column*: each of its cells is the value of that
  column in a training row drawn uniformly at random, independently of the row's other cells and
  its label. The filled column keeps its marginal distribution (missing values included) but
  carries no information about the label or the other features, which is the closest a
  full-width table can come to "the feature is not there".
- *Several augmented tables per sample.* ``sample(n)`` is cut into consecutive blocks of
  ``rows_per_table`` rows (by default as many as the training rows, the source's table size);
  each block is one augmented table with its own feature subset. The source draws one table per
  call, and from a fixed seed, so repeated calls return the same table.
- *Class shares.* With ``stratify=True`` (the default) the bootstrap is stratified by class: the
  labels of the ``n`` rows are fixed first, each class as often as its share of the training
  rows (largest-remainder rounding, as the other generators do), then each row is drawn with
  replacement from the training rows of its class. ``stratify=False`` is the source's plain
  bootstrap, whose class shares vary from draw to draw. Either way a synthetic row's label is the
  label of the real row it was bootstrapped from.
- The source's option ``reuse_original_target=False`` (promoting a random feature to be the
  target) is not offered: the label column is part of the schema.

Parameters
----------
min_feature_fraction : float, default=0.5
    Lower end of the uniform draw of the fraction of features an augmented table keeps (the
    source's 0.5). At least one feature is always kept.
max_feature_fraction : float, default=1.0
    Upper end of that draw (the source's 1.0).
rows_per_table : int or None, default=None
    Rows of each augmented table (block of ``sample``'s rows sharing one feature subset); None
    means as many as the training rows. The last block of a sample may be shorter.
stratify : bool, default=True
    Bootstrap within each class so that class shares match the training rows; False is the
    source's plain bootstrap.

``fit`` is deterministic, so there is no ``random_state`` parameter (like ``SMOTEAugmenter``);
all randomness comes from ``sample``'s ``random_state``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from causalmix.augment.base import Augmenter, check_sample_size
from causalmix.augment.schema import TableSchema

SOURCE = "ITMO-NSS-team/syn-tune-fm, src/generators/table_augmentation/model.py"


@dataclass(frozen=True)
class CellSources:
    """Where every cell of a sample comes from.

    ``rows`` (n,): the training row each synthetic row was bootstrapped from (its label's row);
    ``kept`` (n, n_features) bool: whether the cell belongs to a feature its augmented table
    kept; ``sources`` (n, n_features): the training row whose value the cell takes (``rows`` on
    kept cells, an independent uniform draw on dropped ones); ``table`` (n,): the index of the
    augmented table (block) each row belongs to.
    """

    rows: np.ndarray
    kept: np.ndarray
    sources: np.ndarray
    table: np.ndarray


class TableAugmentAugmenter(Augmenter):
    """Bootstrapped real rows; each augmented table keeps a random 50-100 % of the features and
    fills the dropped ones with values resampled from the real column (see the module docstring
    for the source and the deviations from it)."""

    def __init__(self, min_feature_fraction: float = 0.5, max_feature_fraction: float = 1.0,
                 rows_per_table: int | None = None, stratify: bool = True):
        self.min_feature_fraction = min_feature_fraction
        self.max_feature_fraction = max_feature_fraction
        self.rows_per_table = rows_per_table
        self.stratify = stratify

    def _fit(self, X: pd.DataFrame, y: pd.Series, schema: TableSchema) -> None:
        """Store ``X`` (n_rows, n_features) and ``y`` (n_rows,)."""
        self._check_parameters()
        self.X_ = X
        self.y_ = y
        self.class_rows_ = [np.flatnonzero((y == label).to_numpy()) for label in schema.classes]

    def cell_sources(self, n: int, random_state: int | None = None) -> CellSources:
        """The plan ``sample(n, random_state)`` follows: which real row every cell is copied from."""
        check_is_fitted(self, "schema_")
        check_sample_size(n)
        rng = np.random.default_rng(random_state)
        n_real, n_features = self.X_.shape
        if self.stratify:
            labels = self.schema_.draw_labels(n, rng)
            rows = np.empty(n, dtype=np.int64)
            for label, members in zip(self.schema_.classes, self.class_rows_):
                wanted = labels == label
                rows[wanted] = members[rng.integers(0, len(members), int(wanted.sum()))]
        else:
            rows = rng.integers(0, n_real, n)
        size = self.rows_per_table or n_real
        kept = np.zeros((n, n_features), dtype=bool)
        sources = np.repeat(rows[:, None], n_features, axis=1)
        table = np.arange(n) // size
        for start in range(0, n, size):
            block = slice(start, min(start + size, n))
            fraction = rng.uniform(self.min_feature_fraction, self.max_feature_fraction)
            n_keep = min(max(1, math.ceil(fraction * n_features)), n_features)
            kept[block, rng.choice(n_features, n_keep, replace=False)] = True
            dropped = np.flatnonzero(~kept[start])
            sources[block, dropped] = rng.integers(0, n_real, (block.stop - start, len(dropped)))
        return CellSources(rows=rows, kept=kept, sources=sources, table=table)

    def _sample(self, n: int, random_state: int | None) -> tuple[pd.DataFrame, np.ndarray]:
        plan = self.cell_sources(n, random_state)
        columns = {name: self.X_[name].iloc[plan.sources[:, j]].reset_index(drop=True)
                   for j, name in enumerate(self.X_.columns)}
        return pd.DataFrame(columns, columns=self.X_.columns), self.y_.iloc[plan.rows].to_numpy()

    def _check_parameters(self) -> None:
        low, high = self.min_feature_fraction, self.max_feature_fraction
        for name, value in (("min_feature_fraction", low), ("max_feature_fraction", high)):
            if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value <= 1:
                raise ValueError(f"{name} must be a number in (0, 1], got {value!r}.")
        if low > high:
            raise ValueError(f"min_feature_fraction ({low}) must not exceed max_feature_fraction ({high}).")
        size = self.rows_per_table
        if size is not None and (isinstance(size, bool) or not isinstance(size, Integral) or size < 1):
            raise ValueError(f"rows_per_table must be a positive integer or None, got {size!r}.")
        if not isinstance(self.stratify, (bool, np.bool_)):
            raise ValueError(f"stratify must be True or False, got {self.stratify!r}.")
