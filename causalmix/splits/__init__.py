"""Which rows train, validate and test a run, as position arrays.

- :mod:`causalmix.splits.folds`: the i.i.d. protocol: stratified outer folds, the scarce
  ``n_train`` rows and their validation part; stratified subsamples;
- :mod:`causalmix.splits.shift`: domain-shift splits (quantile, category, cluster): train and
  validate on a source domain, test on the target domain;
- :mod:`causalmix.splits.features`: features ranked by mutual information with the target (the
  quantile shift's choice of feature).

Every split is a pure function of the labels, the features and the seed. Names are imported on
first use, so the i.i.d. folds do not load the shift strategies' k-means.
"""

from __future__ import annotations

from causalmix.lazy import lazy_attributes

_MODULES = {
    **dict.fromkeys(("Split", "class_codes", "make_split", "outer_folds", "scarce_split",
                     "stratified_cap", "stratified_subsample"), "causalmix.splits.folds"),
    **dict.fromkeys(("SHIFT_STRATEGIES", "CategoryShift", "ClusterShift", "DomainShift", "Domains",
                     "QuantileShift", "ShiftNotApplicable", "ShiftSplit", "make_shift"),
                    "causalmix.splits.shift"),
    "most_informative_features": "causalmix.splits.features",
}

__getattr__ = lazy_attributes(__name__, _MODULES)
__all__ = list(_MODULES)
