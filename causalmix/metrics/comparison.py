"""Many methods side by side on the tasks they all completed: the benchmark's comparison table.

Methods run on different numbers of seeds (a costly generator once, the core methods three times)
would otherwise be compared on different tasks; every statistic here uses only the tasks (dataset,
fold, n_train, seed) on which every method has a run, so each method is scored on the same rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from causalmix.metrics.aggregate import ranks, task_matrix, win_rate
from causalmix.metrics.bootstrap import Estimate, bootstrap_runs, verdict
from causalmix.metrics.normalize import TASK_KEYS, _check_columns

#: Seconds a run spends, summed into the grid's CPU time (one worker process per run).
RUN_SECONDS = ("synthetic_seconds", "fit_seconds", "predict_seconds")


def shared_tasks(runs: pd.DataFrame, keys=TASK_KEYS) -> pd.DataFrame:
    """The rows of ``runs`` whose task every method of ``runs`` completed."""
    keys = list(keys)
    _check_columns(runs, [*keys, "method"])
    per_task = runs.groupby(keys, dropna=False)["method"].transform("nunique")
    return runs[per_task == runs["method"].nunique()]


def method_comparison(runs: pd.DataFrame, metric: str = "roc_auc", column: str = "normalized",
                      reference: str = "finetune", confidence: float = 0.95, n_resamples: int = 2000,
                      random_state: int = 0) -> pd.DataFrame:
    """One row per method over the tasks all methods completed (:func:`shared_tasks`):

    - ``median`` of ``column`` (a normalised score) with a dataset-level CI (``ci_low``,
      ``ci_high``: hierarchical bootstrap, datasets then folds) and ``std`` (its spread over runs);
    - ``average_rank`` by ``metric`` (1 = best, ties averaged) with its CI
      (``rank_low``, ``rank_high``), resampling tasks the same way;
    - ``win_rate``: share of tasks on which the method beats ``reference`` by ``metric`` (ties
      count one half; NaN for the reference itself);
    - ``generator_seconds``: median seconds to fit the generator and sample its rows (NaN for
      methods without one) and ``cpu_hours``: the method's total run time (:data:`RUN_SECONDS`).
    ``n_tasks``, ``n_datasets``: what the statistics cover.
    """
    _check_columns(runs, [*TASK_KEYS, "method", metric, column])
    shared = shared_tasks(runs)
    rank_table = ranks(shared, metric)
    wins = win_rate(shared, metric)
    settings = dict(confidence=confidence, n_resamples=n_resamples, random_state=random_state)
    rows = {}
    for method, part in shared.groupby("method"):
        median = bootstrap_runs(part, column, np.median, **settings)
        method_ranks = rank_table[method].rename("rank").reset_index()
        rank = bootstrap_runs(method_ranks, "rank", np.mean, **settings)
        seconds = part.reindex(columns=list(RUN_SECONDS)).astype(float)
        has_generator = seconds["synthetic_seconds"].notna().any()
        rows[method] = {
            "median": median.value, "ci_low": median.low, "ci_high": median.high,
            "std": part[column].std(ddof=1),
            "average_rank": rank.value, "rank_low": rank.low, "rank_high": rank.high,
            "win_rate": wins.loc[method, reference] if reference in wins else np.nan,
            "generator_seconds": seconds["synthetic_seconds"].median() if has_generator else np.nan,
            "cpu_hours": seconds.sum(axis=1, min_count=1).sum() / 3600,
            "n_tasks": len(part), "n_datasets": median.n_datasets,
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("method")


def dataset_improvement(runs: pd.DataFrame, column: str = "normalized") -> pd.DataFrame:
    """Methods x datasets: the median of ``column`` over each dataset's shared tasks."""
    shared = shared_tasks(runs)
    return shared.pivot_table(index="method", columns="dataset", values=column, aggfunc="median")


def _paired_groups(runs: pd.DataFrame, method: str, reference: str, column: str, by: list) -> list:
    """The tasks both ``method`` and ``reference`` completed, as ``(group, rows)`` per group of
    ``by`` (one group without it): ``group`` maps ``by`` to its values, ``rows`` holds the task
    keys and ``column`` of each method, in columns ``reference`` and ``method``."""
    _check_columns(runs, [*TASK_KEYS, "method", column, *by])
    missing = [m for m in (method, reference) if m not in set(runs["method"])]
    if missing:
        raise ValueError(f"No runs of method(s) {missing}; methods: {sorted(set(runs['method']))}.")
    keys = list(dict.fromkeys([*TASK_KEYS, *by]))
    pairs = task_matrix(runs[runs["method"].isin([method, reference])], column, keys)
    pairs = pairs[[reference, method]].reset_index()
    groups = pairs.groupby(by, sort=True) if by else [((), pairs)]
    return [(dict(zip(by, group if isinstance(group, tuple) else (group,))), part) for group, part in groups]


def _by_group(rows: list[dict], by: list) -> pd.DataFrame:
    table = pd.DataFrame(rows)
    return table.set_index(by) if by else table


def paired_difference(runs: pd.DataFrame, method: str, reference: str, column: str = "normalized",
                      by=(), statistic: str = "mean", confidence: float = 0.95,
                      n_resamples: int = 2000, random_state: int = 0) -> pd.DataFrame:
    """``method`` minus ``reference`` on the tasks both completed, per group of ``by`` (e.g.
    ``("n_train",)``): the ``statistic`` ("mean" or "median") of the paired differences of
    ``column`` with a dataset-level CI, its p-value and the four-outcome verdict on "``method``
    is above ``reference``" (flip the sign of ``column`` for lower-is-better values).
    One row per group: ``n`` (paired tasks), ``n_datasets``, ``difference``, ``ci_low``,
    ``ci_high``, ``p``, ``verdict``."""
    if statistic not in ("mean", "median"):
        raise ValueError(f"statistic must be 'mean' or 'median', got {statistic!r}.")
    by = list(by)
    reduce = np.mean if statistic == "mean" else np.median
    rows = []
    for group, part in _paired_groups(runs, method, reference, column, by):
        part = part.assign(difference=part[method] - part[reference])
        estimate = bootstrap_runs(part, "difference", reduce, confidence=confidence,
                                  n_resamples=n_resamples, random_state=random_state)
        rows.append({**group, "n": len(part), "n_datasets": estimate.n_datasets,
                     "difference": estimate.value, "ci_low": estimate.low, "ci_high": estimate.high,
                     "p": estimate.p_value, "verdict": verdict(estimate, +1)})
    return _by_group(rows, by)


def std_ratio(values: np.ndarray) -> float:
    """std(column 1) / std(column 0) of paired rows (n, 2); NaN when column 0 is constant."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.std(values[:, 1], ddof=1) / np.std(values[:, 0], ddof=1))


def spread_estimate(pairs: pd.DataFrame, method: str, reference: str, confidence: float = 0.95,
                    n_resamples: int = 2000, random_state: int = 0) -> Estimate:
    """std(``method``) / std(``reference``) over paired rows (columns named by method, with
    ``dataset`` and ``fold``): the paper's "variability" ratio with a dataset-level CI and its
    p-value against 1. "``method`` varies less" is ``verdict(estimate, -1)``: the CI below 1."""
    return bootstrap_runs(pairs, [reference, method], std_ratio, null=1.0, confidence=confidence,
                          n_resamples=n_resamples, random_state=random_state)


def spread_ratio(runs: pd.DataFrame, method: str, reference: str, column: str = "normalized",
                 by=(), confidence: float = 0.95, n_resamples: int = 2000,
                 random_state: int = 0) -> pd.DataFrame:
    """How much ``method`` varies relative to ``reference`` on the tasks both completed, per group
    of ``by``: the ratio std(``method``) / std(``reference``) of ``column`` over runs (the
    paper's "variability"), with a dataset-level CI, its p-value against 1 and the four-outcome
    verdict on "``method`` varies less" (supported when the CI lies below 1).
    One row per group: ``n`` (paired tasks), ``n_datasets``, ``std_reference``, ``std_method``,
    ``ratio``, ``ci_low``, ``ci_high``, ``p``, ``verdict``."""
    by = list(by)
    rows = []
    for group, part in _paired_groups(runs, method, reference, column, by):
        estimate = spread_estimate(part, method, reference, confidence, n_resamples, random_state)
        rows.append({**group, "n": len(part), "n_datasets": estimate.n_datasets,
                     "std_reference": part[reference].std(ddof=1), "std_method": part[method].std(ddof=1),
                     "ratio": estimate.value, "ci_low": estimate.low, "ci_high": estimate.high,
                     "p": estimate.p_value, "verdict": verdict(estimate, -1)})
    return _by_group(rows, by)
