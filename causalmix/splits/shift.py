"""Domain-shift splits: train and validate on a source domain, test on a shifted target domain.

The i.i.d. protocol (:func:`causalmix.splits.folds.make_split`) tests on a random outer fold. A shift
split instead cuts the dataset into two domains along a *shift variable* and tests on the domain
the model never saw:

- :class:`QuantileShift`: a numeric feature; the source holds the rows on one side of a quantile;
- :class:`CategoryShift`: a categorical feature; the target holds the rows in some of its levels;
- :class:`ClusterShift`: k-means clusters of the preprocessed features; the target is one cluster.

The source rows are then treated like an i.i.d. training fold: ``n_train`` scarce rows are drawn
from them (stratified, >= 2 per class) and ``val_fraction`` of those become the validation part
(stratified, >= 1 per class). The whole target domain is the test part.

*Folds.* A shift split has no random outer folds; the ``fold`` index picks the shifted domain
where the strategy chooses it itself, so that several folds probe several shifts:

- quantile with ``feature=None``: fold ``f`` uses the ``f``-th most informative numeric feature;
- category with ``levels=None``: fold ``f`` draws its own random subset of levels (seeded by
  ``(seed, fold)``);
- cluster with ``cluster=None``: fold ``f`` tests on the ``f``-th largest cluster.

Where the shift variable is given, every fold uses it and folds differ only in the scarce rows.
Everything is a pure function of the data, the parameters, ``fold`` and ``seed``.

*Not applicable.* A split that leaves a class with fewer than 2 rows in the source or none in the
target, an empty domain, or a fold beyond the candidates the dataset offers raises
:class:`ShiftNotApplicable` with the reason; the runner records such a run as skipped.

*Missing values.* Rows whose shift feature is missing belong to neither domain.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans

from causalmix.columns import is_categorical
from causalmix.data.errors import DatasetError
from causalmix.preprocessing import TablePreprocessor
from causalmix.splits.features import most_informative_features
from causalmix.splits.folds import Split, class_codes, scarce_split
from causalmix.validation import did_you_mean

#: Rows each class needs in the source domain (stratified scarce sample and validation part) ...
MIN_SOURCE_ROWS_PER_CLASS = 2
#: ... and in the target domain (so that every class is scored).
MIN_TARGET_ROWS_PER_CLASS = 1


class ShiftNotApplicable(ValueError):
    """This (dataset, fold) admits no usable split under the strategy; the message says why.

    ``description``: the domains' description (as in :class:`Domains`) where they were cut
    before the split failed, else None.
    """

    def __init__(self, message: str, description: dict | None = None):
        super().__init__(message)
        self.description = description


@dataclass(frozen=True)
class Domains:
    """Row positions of the source and target domains and how they were cut.

    ``description`` maps each ``shift_*`` column of the runs table (:data:`causalmix.runner.storage.SHIFT_COLUMNS`) to a plain value: the strategy, the
    shift feature, the quantile threshold, the target levels (a JSON list), the target cluster,
    a readable rule for the target domain and the number of source rows.
    """

    source: np.ndarray
    target: np.ndarray
    description: dict


@dataclass(frozen=True)
class ShiftSplit:
    """A split (``train``/``val`` from the source domain, ``test`` = target domain) and how the
    domains were cut (``description``, as in :class:`Domains`)."""

    split: Split
    description: dict


def _ranked(X: pd.DataFrame, y, columns: list) -> list:
    """``columns`` by decreasing mutual information with ``y`` (fixed estimator seed 0)."""
    if len(columns) <= 1:
        return list(columns)
    return most_informative_features(X[columns], y, k=len(columns), random_state=0)


def _check_feature(X: pd.DataFrame, feature, numeric: bool) -> None:
    kind = "numeric" if numeric else "categorical"
    if feature not in X.columns:
        raise ValueError(f"Shift feature {feature!r} is not a column of the dataset.{did_you_mean(feature, X.columns)}")
    if is_categorical(X[feature]) == numeric:
        raise ValueError(f"Shift feature {feature!r} is not {kind} (dtype {X[feature].dtype}).")


class DomainShift(ABC, BaseEstimator):
    """A strategy that cuts a dataset into a source and a target domain.

    Subclasses implement :meth:`domains`; :meth:`split` adds the scarce training sample and the
    validation part. Parameters are checked by :meth:`check_params` (also at config loading).
    """

    strategy: str

    @abstractmethod
    def check_params(self) -> DomainShift:
        """Raise ``ValueError`` for an invalid parameter; return ``self``."""

    @abstractmethod
    def domains(self, X: pd.DataFrame, y: pd.Series, fold: int = 0, seed: int = 0) -> Domains:
        """Source and target positions for ``fold`` and ``seed`` (before the class checks)."""

    def split(self, X: pd.DataFrame, y: pd.Series, fold: int = 0, n_train: int | None = None,
              val_fraction: float = 0.2, seed: int = 0, name: str = "dataset") -> ShiftSplit:
        """The shift split for one (fold, n_train, seed).

        ``X``: (n_rows, n_features) frame; ``y``: (n_rows,) labels. Raises
        :class:`ShiftNotApplicable` when the domains cannot hold every class, and
        ``DatasetError`` for settings that no split could satisfy (``n_train`` below two rows
        per class, ``val_fraction`` outside [0, 1)).
        """
        self.check_params()
        if fold < 0:
            raise DatasetError(f"Dataset {name!r}: fold must be >= 0, got {fold}.")
        if not 0 <= val_fraction < 1:
            raise DatasetError(f"Dataset {name!r}: val_fraction must be in [0, 1), got {val_fraction}.")
        if len(X) != len(y):
            raise DatasetError(f"Dataset {name!r}: X has {len(X)} rows but y has {len(y)}.")
        X = X.reset_index(drop=True)
        y = pd.Series(y).reset_index(drop=True)
        domains = self.domains(X, y, fold, seed)
        codes = class_codes(y)
        labels = pd.Series(y).astype("category").cat.categories
        self._check_classes(codes, labels, domains, name)
        rng = np.random.default_rng([seed, fold])
        try:
            if n_train is not None and n_train > len(domains.source):
                raise ShiftNotApplicable(f"the source domain of {name!r} has {len(domains.source)} rows, "
                                         f"fewer than n_train={n_train}.")
            split = scarce_split(codes, domains.source, domains.target, n_train, val_fraction, rng, name)
        except ShiftNotApplicable as error:
            raise ShiftNotApplicable(str(error), domains.description) from None
        return ShiftSplit(split=split, description=domains.description)

    def _check_classes(self, codes: np.ndarray, labels, domains: Domains, name: str) -> None:
        rule = domains.description["shift_target"]
        for part, positions, minimum in (("source", domains.source, MIN_SOURCE_ROWS_PER_CLASS),
                                         ("target", domains.target, MIN_TARGET_ROWS_PER_CLASS)):
            counts = np.bincount(codes[positions], minlength=len(labels))
            rare = np.flatnonzero(counts < minimum)
            if rare.size:
                classes = ", ".join(f"{labels[c]!r} ({counts[c]} rows)" for c in rare)
                raise ShiftNotApplicable(
                    f"{self.strategy} shift ({rule}) leaves class(es) {classes} in the {part} domain "
                    f"of {name!r}; each class needs >= {minimum} row(s) there.", domains.description)

    def _domains(self, source, target, feature=None, threshold=None, levels=None, cluster=None,
                  rule: str = "") -> Domains:
        if not len(source) or not len(target):
            raise ShiftNotApplicable(f"{self.strategy} shift ({rule}) leaves the "
                                     f"{'source' if not len(source) else 'target'} domain empty.")
        description = {
            "shift_strategy": self.strategy, "shift_feature": None if feature is None else str(feature),
            "shift_threshold": None if threshold is None else float(threshold),
            "shift_levels": None if levels is None else json.dumps([str(v) for v in levels]),
            "shift_cluster": None if cluster is None else int(cluster), "shift_target": rule,
            "shift_source_rows": int(len(source)),
        }
        return Domains(np.sort(np.asarray(source)), np.sort(np.asarray(target)), description)


class QuantileShift(DomainShift):
    """Source = rows on one side of a quantile of a numeric feature; target = the rest.

    Parameters
    ----------
    feature : column name or None
        The shift variable. None: fold ``f`` uses the ``f``-th numeric feature (with more than
        two distinct values) ranked by mutual information with the label, so that the shift
        matters for the task.
    q : float in (0, 1), default 0.7
        Share of the rows (before ties) in the source domain.
    source : "below" or "above", default "below"
        "below": source = rows with ``x <= quantile(q)``, target = ``x >`` it; "above": source =
        rows with ``x >= quantile(1 - q)``, target = ``x <`` it.
    """

    strategy = "quantile"

    def __init__(self, feature=None, q: float = 0.7, source: str = "below"):
        self.feature = feature
        self.q = q
        self.source = source

    def check_params(self) -> QuantileShift:
        if isinstance(self.q, bool) or not isinstance(self.q, (int, float)) or not 0 < self.q < 1:
            raise ValueError(f"q must be a number in (0, 1) (the source share), got {self.q!r}.")
        if self.source not in ("below", "above"):
            raise ValueError(f"source must be 'below' or 'above', got {self.source!r}.")
        return self

    def domains(self, X, y, fold=0, seed=0) -> Domains:
        if self.feature is None:
            candidates = [c for c in X.columns if not is_categorical(X[c]) and X[c].nunique() > 2]
            ranked = _ranked(X, y, candidates)
            if fold >= len(ranked):
                raise ShiftNotApplicable(
                    f"quantile shift: fold {fold} takes the numeric feature ranked {fold + 1} by "
                    f"mutual information, but the dataset has {len(ranked)} with > 2 distinct values.")
            feature = ranked[fold]
        else:
            _check_feature(X, self.feature, numeric=True)
            feature = self.feature
        values = X[feature].to_numpy(dtype=float)
        known = ~np.isnan(values)
        if self.source == "below":
            threshold = float(np.quantile(values[known], self.q)) if known.any() else np.nan
            in_source, rule = values <= threshold, f"{feature} > {threshold:.4g}"
        else:
            threshold = float(np.quantile(values[known], 1 - self.q)) if known.any() else np.nan
            in_source, rule = values >= threshold, f"{feature} < {threshold:.4g}"
        source = np.flatnonzero(known & in_source)
        target = np.flatnonzero(known & ~in_source)
        return self._domains(source, target, feature=feature, threshold=threshold, rule=rule)


class CategoryShift(DomainShift):
    """Target = rows in some levels of a categorical feature; source = rows in the others.

    Parameters
    ----------
    feature : column name or None
        The shift variable. None: the categorical feature with the highest mutual information
        with the label among those with >= 2 observed levels (the same for every fold).
    levels : level, list of levels or None
        The target levels. None: a random subset of levels (shuffled with ``(seed, fold)``, the
        prefix whose share of the rows is closest to ``target_share``, at least one level and
        not all of them), so each fold shifts to other levels.
    target_share : float in (0, 1), default 0.3
        Wanted share of the rows in the target domain when ``levels`` is None.
    """

    strategy = "category"

    def __init__(self, feature=None, levels=None, target_share: float = 0.3):
        self.feature = feature
        self.levels = levels
        self.target_share = target_share

    def check_params(self) -> CategoryShift:
        share = self.target_share
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share < 1:
            raise ValueError(f"target_share must be a number in (0, 1), got {share!r}.")
        if isinstance(self.levels, list) and not self.levels:
            raise ValueError("levels must be a level, a non-empty list of levels or null.")
        return self

    def domains(self, X, y, fold=0, seed=0) -> Domains:
        if self.feature is None:
            candidates = [c for c in X.columns if is_categorical(X[c]) and X[c].nunique() >= 2]
            if not candidates:
                raise ShiftNotApplicable("category shift: the dataset has no categorical feature "
                                         "with >= 2 observed levels.")
            feature = _ranked(X, y, candidates)[0]
        else:
            _check_feature(X, self.feature, numeric=False)
            feature = self.feature
        column = X[feature].astype(str).where(X[feature].notna())
        shares = column.value_counts(normalize=True, sort=False).sort_index()
        if self.levels is None:
            if len(shares) < 2:
                raise ShiftNotApplicable(f"category shift: {feature!r} has a single observed level.")
            order = shares.index[np.random.default_rng([seed, fold]).permutation(len(shares))]
            cumulative = shares[order].cumsum().to_numpy()[:-1]  # never every level
            levels = list(order[: int(np.argmin(np.abs(cumulative - self.target_share))) + 1])
        else:
            levels = [str(v) for v in (self.levels if isinstance(self.levels, list) else [self.levels])]
            unknown = [v for v in levels if v not in shares.index]
            if unknown:
                raise ValueError(f"Shift levels {unknown} are not observed in {feature!r}; its levels: "
                                 f"{list(shares.index)[:20]}.")
        known = column.notna().to_numpy()
        in_target = column.isin(levels).to_numpy()
        rule = f"{feature} in {levels}"
        return self._domains(np.flatnonzero(known & ~in_target), np.flatnonzero(known & in_target),
                              feature=feature, levels=levels, rule=rule)


class ClusterShift(DomainShift):
    """Target = one k-means cluster of the preprocessed features; source = the other clusters.

    Features are median-imputed and standardised, categoricals one-hot encoded
    (:class:`~causalmix.preprocessing.TablePreprocessor`), then clustered with scikit-learn's
    ``KMeans(n_clusters, n_init=10, random_state=seed)``. Clusters are numbered by decreasing
    size (ties by k-means label).

    Parameters
    ----------
    n_clusters : int >= 2, default 3
        Number of clusters.
    cluster : int or None
        The target cluster (0 = largest). None: fold ``f`` tests on cluster ``f``.
    """

    strategy = "cluster"

    def __init__(self, n_clusters: int = 3, cluster: int | None = None):
        self.n_clusters = n_clusters
        self.cluster = cluster

    def check_params(self) -> ClusterShift:
        if isinstance(self.n_clusters, bool) or not isinstance(self.n_clusters, int) or self.n_clusters < 2:
            raise ValueError(f"n_clusters must be an integer >= 2, got {self.n_clusters!r}.")
        cluster = self.cluster
        if cluster is not None and (isinstance(cluster, bool) or not isinstance(cluster, int)
                                    or not 0 <= cluster < self.n_clusters):
            raise ValueError(f"cluster must be null or an integer in 0..{self.n_clusters - 1}, "
                             f"got {self.cluster!r}.")
        return self

    def domains(self, X, y, fold=0, seed=0) -> Domains:
        cluster = fold if self.cluster is None else self.cluster
        if cluster >= self.n_clusters:
            raise ShiftNotApplicable(f"cluster shift: fold {fold} tests on cluster {cluster}, but "
                                     f"there are n_clusters={self.n_clusters}.")
        labels = _kmeans_labels(X, self.n_clusters, seed)
        sizes = np.bincount(labels, minlength=self.n_clusters)
        by_size = np.argsort(-sizes, kind="stable")  # by_size[rank] = k-means label
        in_target = labels == by_size[cluster]
        rule = f"cluster {cluster} of {self.n_clusters} (k-means, {int(in_target.sum())} rows)"
        return self._domains(np.flatnonzero(~in_target), np.flatnonzero(in_target),
                              cluster=cluster, rule=rule)


#: The last few k-means labellings, keyed by (table fingerprint, n_clusters, seed): a grid asks for
#: the same clustering once per fold, size and method, and on a 70,000-row table each takes a minute.
_KMEANS_CACHE: dict[tuple, np.ndarray] = {}
_KMEANS_CACHE_SIZE = 4


def _kmeans_labels(X: pd.DataFrame, n_clusters: int, seed: int) -> np.ndarray:
    """k-means labels of the preprocessed rows of ``X`` (see :class:`ClusterShift`), computed once
    per table content, ``n_clusters`` and ``seed`` in this process."""
    rows = pd.util.hash_pandas_object(X, index=True).to_numpy()  # one hash per row, in order
    fingerprint = (tuple(map(str, X.columns)), tuple(map(str, X.dtypes)), hashlib.sha1(rows.tobytes()).hexdigest())
    key = (fingerprint, n_clusters, seed)
    if key not in _KMEANS_CACHE:
        features = TablePreprocessor(categorical="onehot", scale=True).fit_transform(X)
        if len(_KMEANS_CACHE) >= _KMEANS_CACHE_SIZE:
            _KMEANS_CACHE.pop(next(iter(_KMEANS_CACHE)))
        _KMEANS_CACHE[key] = KMeans(n_clusters=n_clusters, n_init=10, random_state=seed).fit_predict(features)
    return _KMEANS_CACHE[key].copy()


#: Strategy name -> class.
SHIFT_STRATEGIES: dict[str, type[DomainShift]] = {
    cls.strategy: cls for cls in (QuantileShift, CategoryShift, ClusterShift)}


def make_shift(strategy: str, **params) -> DomainShift:
    """The shift strategy ``strategy`` with ``params``, checked; ``ValueError`` names the problem."""
    if strategy not in SHIFT_STRATEGIES:
        raise ValueError(f"Unknown shift strategy {strategy!r}.{did_you_mean(strategy, SHIFT_STRATEGIES)} "
                         f"Known: {', '.join(SHIFT_STRATEGIES)}.")
    cls = SHIFT_STRATEGIES[strategy]
    known = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    for key in params:
        if key not in known:
            raise ValueError(f"{strategy} shift: unknown parameter {key!r}.{did_you_mean(key, known)} "
                             f"Known: {', '.join(known)}.")
    return cls(**params).check_params()
