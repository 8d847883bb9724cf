"""Aggregation over datasets and folds: summaries, ranks, win rates and significance tests.

Inputs are long tables with one row per run: the task keys (``TASK_KEYS``), a ``method`` column
and a value column (a metric such as ``roc_auc`` or a normalised score).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from causalmix.metrics.bootstrap import UNIT_KEYS, bootstrap_runs
from causalmix.metrics.normalize import TASK_KEYS, _check_columns
from causalmix.metrics.scores import get_metric


def summarize(runs: pd.DataFrame, column: str, by=("method",), ci_statistic: str = "median",
              confidence: float = 0.95, n_resamples: int = 2000, random_state: int = 0) -> pd.DataFrame:
    """Distribution of ``column`` per group: n, mean, std, median, quartiles, IQR and a CI.

    The confidence interval is the hierarchical percentile bootstrap (datasets, then folds
    within them: :func:`causalmix.metrics.bootstrap.hierarchical_bootstrap`) of ``ci_statistic``
    ("median" or "mean") over the group's rows, at level ``confidence``; NaN with fewer than
    ``MIN_DATASETS`` datasets. ``runs`` needs ``dataset`` and ``fold`` columns; NaN values are
    dropped first. One row per group, indexed by ``by``, with ``n_datasets`` beside ``n``.
    """
    if ci_statistic not in ("median", "mean"):
        raise ValueError(f"ci_statistic must be 'median' or 'mean', got {ci_statistic!r}.")
    by = list(by)
    _check_columns(runs, [*by, *UNIT_KEYS, column])
    statistic = np.median if ci_statistic == "median" else np.mean
    rows = {}
    for group, part in runs.dropna(subset=[column]).groupby(by, dropna=False):
        values = part[column].to_numpy(dtype=float)
        q25, median, q75 = np.percentile(values, [25, 50, 75])
        estimate = bootstrap_runs(part, column, statistic, confidence=confidence,
                                  n_resamples=n_resamples, random_state=random_state)
        rows[group] = {"n": len(values), "n_datasets": estimate.n_datasets, "mean": np.mean(values),
                       "std": np.std(values, ddof=1) if len(values) > 1 else np.nan,
                       "median": median, "q25": q25, "q75": q75, "iqr": q75 - q25,
                       "ci_low": estimate.low, "ci_high": estimate.high}
    columns = ["n", "n_datasets", "mean", "std", "median", "q25", "q75", "iqr", "ci_low", "ci_high"]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    table.index = pd.MultiIndex.from_tuples(table.index, names=by) if len(by) > 1 else \
        pd.Index([g[0] for g in table.index], name=by[0])
    return table


def fold_variability(runs: pd.DataFrame, column: str,
                     by=("method", "dataset", "n_train")) -> pd.DataFrame:
    """Per-dataset variability across folds (and seeds): n, mean, std, min, max of ``column``."""
    by = list(by)
    _check_columns(runs, [*by, column])
    return runs.groupby(by, dropna=False)[column].agg(["count", "mean", "std", "min", "max"]) \
        .rename(columns={"count": "n"})


def task_matrix(runs: pd.DataFrame, metric: str, keys=TASK_KEYS) -> pd.DataFrame:
    """Tasks x methods table of ``metric``, keeping only tasks every method completed."""
    keys = list(keys)
    _check_columns(runs, [*keys, "method", metric])
    if runs.duplicated([*keys, "method"]).any():
        raise ValueError(f"Some method has more than one run on a task {tuple(keys)}.")
    return runs.pivot(index=keys, columns="method", values=metric).dropna(how="any")


def ranks(runs: pd.DataFrame, metric: str, keys=TASK_KEYS) -> pd.DataFrame:
    """Rank of each method per task (1 = best; ties share the average rank); tasks x methods."""
    ascending = not get_metric(metric).greater_is_better
    return task_matrix(runs, metric, keys).rank(axis=1, method="average", ascending=ascending)


def average_rank(runs: pd.DataFrame, metric: str, keys=TASK_KEYS) -> pd.Series:
    """Mean over complete tasks of each method's rank (1 = best, ties averaged), ascending."""
    return ranks(runs, metric, keys).mean().sort_values().rename("average_rank")


def win_rate(runs: pd.DataFrame, metric: str, keys=TASK_KEYS) -> pd.DataFrame:
    """Pairwise win rates: entry (a, b) is the fraction of tasks where a beats b (ties count 1/2).

    Computed over the tasks that both a and b completed; the diagonal is NaN.
    """
    keys = list(keys)
    _check_columns(runs, [*keys, "method", metric])
    sign = get_metric(metric).sign
    wide = runs.pivot(index=keys, columns="method", values=metric)
    methods = list(wide.columns)
    table = pd.DataFrame(np.nan, index=pd.Index(methods, name="method"), columns=methods)
    for a in methods:
        for b in methods:
            if a != b:
                both = wide[[a, b]].dropna()
                if len(both):
                    diff = sign * (both[a] - both[b])
                    table.loc[a, b] = ((diff > 0).sum() + 0.5 * (diff == 0).sum()) / len(both)
    return table


def friedman_test(runs: pd.DataFrame, metric: str, keys=TASK_KEYS) -> dict[str, float]:
    """Friedman's test that all methods rank alike over complete tasks (scipy).

    Returns ``{"statistic", "pvalue", "n_tasks", "n_methods"}``; needs >= 3 methods.
    """
    matrix = task_matrix(runs, metric, keys)
    if matrix.shape[1] < 3 or matrix.shape[0] < 2:
        raise ValueError(f"The Friedman test needs >= 3 methods and >= 2 complete tasks, "
                         f"got {matrix.shape[1]} methods on {matrix.shape[0]} tasks.")
    result = stats.friedmanchisquare(*(matrix[m].to_numpy() for m in matrix.columns))
    return {"statistic": float(result.statistic), "pvalue": float(result.pvalue),
            "n_tasks": int(matrix.shape[0]), "n_methods": int(matrix.shape[1])}


def nemenyi_test(runs: pd.DataFrame, metric: str, keys=TASK_KEYS) -> pd.DataFrame:
    """Methods x methods p-values of the Nemenyi post-hoc test after Friedman (scikit-posthocs)."""
    import scikit_posthocs  # imports matplotlib.pyplot: only where needed

    return scikit_posthocs.posthoc_nemenyi_friedman(task_matrix(runs, metric, keys))


def critical_difference(n_methods: int, n_tasks: int, alpha: float = 0.05) -> float:
    """Nemenyi critical difference of average ranks (Demšar 2006).

    ``CD = q_alpha * sqrt(k (k + 1) / (6 N))`` with ``k`` methods, ``N`` tasks and ``q_alpha``
    the studentized range quantile at ``1 - alpha`` for ``k`` groups and infinite degrees of
    freedom, divided by sqrt(2).
    """
    q_alpha = stats.studentized_range.ppf(1 - alpha, n_methods, np.inf) / np.sqrt(2)
    return float(q_alpha * np.sqrt(n_methods * (n_methods + 1) / (6.0 * n_tasks)))
