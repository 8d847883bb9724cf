"""Uncertainty at the unit that varies: the hierarchical bootstrap, four-outcome verdicts, Holm.

A benchmark's runs are nested: datasets, outer folds within a dataset, and repetitions (seeds) of
a fold. Runs of one dataset are not independent draws, so resampling runs (or (dataset, fold)
tasks) as if they were understates the uncertainty of a claim about datasets in general. Each
bootstrap resample here draws the datasets with replacement, then, within every drawn dataset,
its folds with replacement; all rows of a drawn (dataset, fold) (its seeds, its methods) move
together, which keeps paired comparisons paired.

Every CI in the claims and the book's pages comes from :func:`hierarchical_bootstrap`; every
verdict from :func:`verdict`; the p-values of the result claims are adjusted with :func:`holm`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Fewest datasets for a dataset-level CI: with fewer, a resample of datasets has too few distinct
#: outcomes to be read as an interval.
MIN_DATASETS = 5
#: The unit a resample draws: datasets, then folds within them.
UNIT_KEYS = ("dataset", "fold")

SUPPORTED, CONTRADICTED, INCONCLUSIVE, NOT_TESTABLE = (
    "supported", "contradicted", "inconclusive", "not testable here")


@dataclass(frozen=True)
class Estimate:
    """A statistic with its hierarchical-bootstrap CI and two-sided p-value against ``null``.

    ``low``/``high``/``p_value`` are NaN when the data hold fewer than :data:`MIN_DATASETS`
    datasets (``n_datasets``) or no resample gave a finite statistic. ``n_units``: the
    (dataset, fold) units resampled.
    """

    value: float
    low: float
    high: float
    p_value: float
    null: float
    n_datasets: int
    n_units: int

    @property
    def testable(self) -> bool:
        return bool(np.isfinite(self.low) and np.isfinite(self.high))

    def interval(self, digits: int = 2, unit: str = "") -> str:
        """``value [low, high]`` for text, e.g. ``+0.12 % [-0.05, +0.30]``."""
        sign = "+" if self.null == 0 else ""
        return (f"{self.value:{sign}.{digits}f}{unit} [{self.low:{sign}.{digits}f}, "
                f"{self.high:{sign}.{digits}f}]")


def hierarchical_resamples(datasets: np.ndarray, folds: np.ndarray, n_resamples: int,
                           random_state: int = 0) -> list[np.ndarray]:
    """Row positions of ``n_resamples`` hierarchical resamples of a table whose rows carry
    ``datasets`` and ``folds`` labels (n_rows,): datasets drawn with replacement, then each drawn
    dataset's folds with replacement, then every row of each drawn (dataset, fold). All resamples
    are drawn at once (three draws of the generator), so a page's many CIs stay cheap."""
    units = pd.DataFrame({"dataset": np.asarray(datasets, dtype=object), "fold": np.asarray(folds)})
    # Units sorted by (dataset, fold): a dataset's units are consecutive, from its offset.
    rows_of_unit = [np.asarray(rows) for rows in units.groupby(["dataset", "fold"], sort=True).indices.values()]
    unit_dataset = pd.Series([units["dataset"].iat[rows[0]] for rows in rows_of_unit])
    counts = unit_dataset.groupby(unit_dataset, sort=False).size().to_numpy()
    rng = np.random.default_rng(random_state)
    drawn = rng.integers(0, len(counts), (n_resamples, len(counts)))  # (n_resamples, n_datasets)
    sizes = counts[drawn]
    # within each drawn dataset, as many of its units as it has, drawn with replacement
    unit_counts = np.repeat(sizes.ravel(), sizes.ravel())
    drawn_units = np.repeat(_starts(counts)[drawn].ravel(), sizes.ravel()) + rng.integers(0, unit_counts)
    lengths = np.array([len(rows) for rows in rows_of_unit])
    rows = np.concatenate(rows_of_unit)[_ranges(_starts(lengths)[drawn_units], lengths[drawn_units])]
    rows_per_resample = np.add.reduceat(lengths[drawn_units], np.r_[0, np.cumsum(sizes.sum(axis=1))[:-1]])
    return np.split(rows, np.cumsum(rows_per_resample)[:-1])


def _starts(lengths: np.ndarray) -> np.ndarray:
    """Where each of consecutive blocks of ``lengths`` starts."""
    return np.cumsum(lengths) - lengths


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``starts[i] + arange(lengths[i])`` for every i, concatenated."""
    within = np.arange(lengths.sum()) - np.repeat(_starts(lengths), lengths)
    return np.repeat(starts, lengths) + within


def hierarchical_bootstrap(values: np.ndarray, datasets, folds, statistic: Callable[[np.ndarray], float],
                           null: float = 0.0, confidence: float = 0.95, n_resamples: int = 2000,
                           random_state: int = 0) -> Estimate:
    """``statistic(values)`` with a percentile CI at level ``confidence`` and a two-sided p-value.

    ``values``: (n_rows, ...) array, one row per run (or per paired task: the methods of a run in
    its columns); ``datasets``, ``folds``: (n_rows,) labels of each row's unit. ``statistic``
    maps a (m, ...) row subset to a float. The p-value is the bootstrap test that inverts the
    percentile CI: ``2 * min(P*(T <= null), P*(T >= null))`` (capped at 1), so the CI at level
    ``1 - alpha`` excludes ``null`` exactly when ``p < alpha`` (up to resampling resolution).
    Each tail share counts the observed statistic as one more draw, ``(1 + k) / (1 + B)``, so
    ``p`` is never 0: the smallest it can be is the resolution of B resamples, ``2 / (1 + B)``.
    """
    values = np.asarray(values, dtype=float)
    datasets, folds = np.asarray(datasets, dtype=object), np.asarray(folds)
    n_datasets = len(pd.unique(datasets))
    n_units = len(pd.unique(pd.MultiIndex.from_arrays([datasets, folds]))) if len(values) else 0
    value = float(statistic(values)) if len(values) else np.nan
    if n_datasets < MIN_DATASETS:
        return Estimate(value, np.nan, np.nan, np.nan, null, n_datasets, n_units)
    with np.errstate(divide="ignore", invalid="ignore"):
        draws = np.array([statistic(values[rows]) for rows in
                          hierarchical_resamples(datasets, folds, n_resamples, random_state)], dtype=float)
    draws = draws[np.isfinite(draws)]
    if len(draws) == 0:
        return Estimate(value, np.nan, np.nan, np.nan, null, n_datasets, n_units)
    low, high = np.percentile(draws, [50 * (1 - confidence), 50 * (1 + confidence)])
    tail = min(np.sum(draws <= null), np.sum(draws >= null))
    p_value = min(1.0, 2 * (1 + tail) / (1 + len(draws)))
    return Estimate(value, float(low), float(high), float(p_value), null, n_datasets, n_units)


def bootstrap_runs(runs: pd.DataFrame, columns, statistic: Callable[[np.ndarray], float],
                   **settings) -> Estimate:
    """:func:`hierarchical_bootstrap` of ``runs[columns]`` (rows with NaN dropped), resampling
    the :data:`UNIT_KEYS` columns of ``runs``; ``settings`` as for it."""
    columns = [columns] if isinstance(columns, str) else list(columns)
    complete = runs.dropna(subset=columns)
    values = complete[columns].to_numpy(dtype=float)
    datasets, folds = (complete[key].to_numpy() for key in UNIT_KEYS)
    return hierarchical_bootstrap(values[:, 0] if len(columns) == 1 else values, datasets, folds,
                                  statistic, **settings)


def verdict(estimate: Estimate, direction: int) -> str:
    """Four outcomes for a claim that the statistic lies above (``direction=+1``) or below
    (``-1``) ``estimate.null``: *supported* when the CI excludes the null on the claimed side,
    *contradicted* when it excludes it on the other side, *inconclusive* when it contains it,
    *not testable here* without a CI."""
    if not estimate.testable:
        return NOT_TESTABLE
    above, below = estimate.low > estimate.null, estimate.high < estimate.null
    if (above and direction > 0) or (below and direction < 0):
        return SUPPORTED
    if above or below:
        return CONTRADICTED
    return INCONCLUSIVE


def holm(p_values: pd.Series) -> pd.Series:
    """Holm-adjusted p-values (family-wise error across the given tests); NaN entries stay NaN
    and are not counted as tests."""
    from statsmodels.stats.multitest import multipletests  # a dowhy dependency

    adjusted = pd.Series(np.nan, index=p_values.index, dtype=float)
    tested = p_values.dropna()
    if len(tested):
        adjusted[tested.index] = multipletests(tested.to_numpy(dtype=float), method="holm")[1]
    return adjusted


def holm_verdicts(table: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """``table`` (one row per comparison of one family, with ``p`` and ``verdict`` columns) with
    ``p_holm`` inserted after ``p`` and every *supported* or *contradicted* verdict whose
    Holm-adjusted p-value is not below ``1 - confidence`` made *inconclusive*: with many
    comparisons, a CI that excludes no effect by itself is expected by chance somewhere."""
    table = table.copy()
    table.insert(table.columns.get_loc("p") + 1, "p_holm", holm(table["p"]))
    decided = table["verdict"].isin([SUPPORTED, CONTRADICTED])
    table.loc[decided & ~(table["p_holm"] < 1 - confidence), "verdict"] = INCONCLUSIVE
    return table
