"""Outer folds, data scarcity and validation splits, as position arrays.

Every split is a pure function of the labels and the seed (numpy's PCG64 and scikit-learn's
``StratifiedKFold``), so the same seed gives the same indices on any machine.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from causalmix.data.errors import DatasetError


@dataclass(frozen=True)
class Split:
    """Row positions into the dataset: ``train`` and ``val`` are the scarce rows, ``test`` the fold."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    def to_dict(self) -> dict[str, list[int]]:
        return {part: getattr(self, part).tolist() for part in ("train", "val", "test")}


def class_codes(y) -> np.ndarray:
    """Class codes 0..n_classes-1 of labels ``y``, in the order of the sorted class labels."""
    return pd.Series(y).astype("category").cat.codes.to_numpy()


def _check_class_sizes(y_codes: np.ndarray, minimum: int, what: str, name: str) -> None:
    counts = np.bincount(y_codes)
    small = np.flatnonzero((counts > 0) & (counts < minimum))
    if small.size:
        raise DatasetError(
            f"Dataset {name!r}: cannot stratify {what}: class code(s) {small.tolist()} have "
            f"{counts[small].tolist()} row(s), need at least {minimum}."
        )


def outer_folds(y, n_folds: int = 10, seed: int = 0, name: str = "dataset") -> list[tuple[np.ndarray, np.ndarray]]:
    """``n_folds`` stratified (train, test) position arrays; every class needs >= 2 rows."""
    codes = class_codes(y)
    _check_class_sizes(codes, 2, f"{n_folds} outer folds", name)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class")
        folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        return [(train, test) for train, test in folds.split(np.zeros(len(codes)), codes)]


def stratified_subsample(y_codes: np.ndarray, n: int, rng: np.random.Generator,
                         min_per_class: int) -> np.ndarray:
    """Positions of ``n`` rows drawn per class in proportion, at least ``min_per_class`` each.

    Classes with fewer rows than ``min_per_class`` keep all of theirs. Returns sorted positions.
    """
    classes, counts = np.unique(y_codes, return_counts=True)
    floor = np.minimum(counts, min_per_class)
    quota = counts / counts.sum() * n
    take = np.maximum(np.floor(quota).astype(int), floor)
    # Largest remainders get the rows still owed (or lose the rows in excess), within bounds.
    order = np.argsort(-(quota - np.floor(quota)), kind="stable")
    while take.sum() < n:
        grew = False
        for i in order:
            if take.sum() < n and take[i] < counts[i]:
                take[i] += 1
                grew = True
        if not grew:
            break
    while take.sum() > n:
        shrunk = False
        for i in order[::-1]:
            if take.sum() > n and take[i] > floor[i]:
                take[i] -= 1
                shrunk = True
        if not shrunk:
            break
    chosen = [rng.permutation(np.flatnonzero(y_codes == c))[:k] for c, k in zip(classes, take)]
    return np.sort(np.concatenate(chosen))


def stratified_cap(y: np.ndarray, n_max: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted positions of at most ``n_max`` rows of class codes ``y``, stratified by class (at least one per class)."""
    if len(y) <= n_max:
        return np.arange(len(y))
    return stratified_subsample(y, n_max, rng, min_per_class=1)


def make_split(y, fold: int = 0, n_train: int | None = None, val_fraction: float = 0.2,
               seed: int = 0, n_folds: int = 10, name: str = "dataset") -> Split:
    """The split for one (fold, n_train, seed).

    The training fold is subsampled to ``n_train`` scarce rows (stratified, >= 2 per class;
    ``None`` keeps the whole fold), and ``val_fraction`` of them (stratified, >= 1 per class,
    at least one row per class stays in train) become the validation part. The test fold is
    untouched.
    """
    if not 0 <= fold < n_folds:
        raise DatasetError(f"Dataset {name!r}: fold {fold} is outside 0..{n_folds - 1}.")
    if not 0 <= val_fraction < 1:
        raise DatasetError(f"Dataset {name!r}: val_fraction must be in [0, 1), got {val_fraction}.")
    codes = class_codes(y)
    train_fold, test = outer_folds(codes, n_folds, seed, name)[fold]
    if n_train is not None and n_train > len(train_fold):
        raise DatasetError(
            f"Dataset {name!r}: n_train={n_train} exceeds the {len(train_fold)} rows of "
            f"training fold {fold} ({len(codes)} rows in all)."
        )
    return scarce_split(codes, train_fold, test, n_train, val_fraction, np.random.default_rng([seed, fold]), name)


def scarce_split(codes: np.ndarray, pool: np.ndarray, test: np.ndarray, n_train: int | None,
                 val_fraction: float, rng: np.random.Generator, name: str = "dataset") -> Split:
    """``n_train`` stratified rows of ``pool`` (>= 2 per class; None keeps all of it), of which
    ``val_fraction`` (stratified, >= 1 per class, at least one row per class stays in train) become
    the validation part; ``test`` as given. ``codes``: class codes of every row (n_rows,);
    ``pool``/``test``: row positions. Needs ``n_train <= len(pool)``."""
    if n_train is not None:
        n_classes = len(np.unique(codes[pool]))
        if n_train < 2 * n_classes:
            raise DatasetError(
                f"Dataset {name!r}: n_train={n_train} is too small to keep 2 rows of each of "
                f"{n_classes} classes."
            )
        scarce = pool[stratified_subsample(codes[pool], n_train, rng, min_per_class=2)]
    else:
        scarce = pool
    if val_fraction == 0:
        return Split(train=np.sort(scarce), val=np.array([], dtype=int), test=np.sort(test))
    scarce_codes = codes[scarce]
    _check_class_sizes(scarce_codes, 2, "a validation part", name)
    n_val = max(int(round(val_fraction * len(scarce))), len(np.unique(scarce_codes)))
    val_positions = stratified_subsample(scarce_codes, n_val, rng, min_per_class=1)
    # Keep at least one row of every class in train.
    train_mask = np.ones(len(scarce), dtype=bool)
    train_mask[val_positions] = False
    for c in np.unique(scarce_codes):
        if not np.any(train_mask & (scarce_codes == c)):
            raise DatasetError(
                f"Dataset {name!r}: val_fraction={val_fraction} leaves no row of class code {c} "
                f"in the training part."
            )
    return Split(train=np.sort(scarce[train_mask]), val=np.sort(scarce[val_positions]),
                 test=np.sort(test))
