"""Scores normalised across methods, from a long table of runs.

The input is a table with one row per run: the task keys ``dataset, fold, n_train, seed``, a
``method`` column and one column per metric (named as in ``METRICS``, e.g. ``roc_auc``). A
*task* is one (dataset, fold, n_train, seed): the unit on which methods are compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from causalmix.metrics.scores import get_metric

TASK_KEYS: tuple[str, ...] = ("dataset", "fold", "n_train", "seed")


def _check_columns(runs: pd.DataFrame, columns) -> None:
    missing = [c for c in columns if c not in runs.columns]
    if missing:
        raise ValueError(f"The runs table lacks column(s) {missing}; it has {list(runs.columns)}.")


def normalized_score(runs: pd.DataFrame, metric: str = "roc_auc", baseline: str = "zero_shot",
                     keys=TASK_KEYS) -> pd.Series:
    """The paper's normalised score (%) of each run against the baseline on the same task.

    ``sign * (score / score_baseline - 1) * 100`` with ``sign = +1`` for higher-is-better
    metrics and ``-1`` for lower-is-better ones, so positive always means better than the
    baseline (``zero_shot``: the TFM without fine-tuning). Returns a Series aligned with
    ``runs`` (NaN where the task has no baseline run or the baseline scored 0).
    """
    keys = list(keys)
    _check_columns(runs, [*keys, "method", metric])
    reference = runs.loc[runs["method"] == baseline, [*keys, metric]]
    if reference.duplicated(keys).any():
        raise ValueError(f"Method {baseline!r} has more than one run on some task {tuple(keys)}.")
    reference = reference.rename(columns={metric: "_baseline"})
    merged = runs[keys].merge(reference, on=keys, how="left")
    baseline_score = merged["_baseline"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = runs[metric].to_numpy(dtype=float) / np.where(baseline_score == 0, np.nan, baseline_score)
    return pd.Series(get_metric(metric).sign * (ratio - 1.0) * 100.0, index=runs.index,
                     name=f"normalized_{metric}")


def normalized_error(runs: pd.DataFrame, metric: str = "roc_auc", keys=TASK_KEYS) -> pd.Series:
    """TabArena/TabRepo-style normalised error in [0, 1] per task (0 = best method).

    With the error ``e = -sign * score`` (any affine error such as ``1 - AUC`` gives the same
    result), ``(e - min_task e) / (max_task e - min_task e)`` over the methods run on the
    task; 0 for every method where all tie. Returns a Series aligned with ``runs``.
    """
    keys = list(keys)
    _check_columns(runs, [*keys, "method", metric])
    error = -get_metric(metric).sign * runs[metric].astype(float)
    grouped = error.groupby([runs[k] for k in keys], dropna=False)
    best, worst = grouped.transform("min"), grouped.transform("max")
    spread = (worst - best).where(worst > best)
    return ((error - best) / spread).fillna(0.0).where(error.notna()).rename(f"normalized_error_{metric}")


def relative_improvement(runs: pd.DataFrame, metric: str = "roc_auc", baseline: str = "finetune",
                         by=("dataset", "n_train")) -> pd.DataFrame:
    """Gorishniy-style relative improvement (%) per dataset over a reference method.

    As in Gorishniy et al.'s TabR/TabM comparisons, scores are first averaged over folds and
    seeds per (dataset, n_train, method); then ``sign * (mean_score / mean_score_baseline - 1)
    * 100``. Unlike ``normalized_score`` (per task, against zero-shot), the ratio is of
    per-dataset means and the reference is any method. Returns one row per (``by``, method)
    with columns ``[*by, "method", "relative_improvement"]``.
    """
    by = list(by)
    _check_columns(runs, [*by, "method", metric])
    means = runs.groupby([*by, "method"], dropna=False)[metric].mean().reset_index()
    reference = means.loc[means["method"] == baseline, [*by, metric]].rename(columns={metric: "_baseline"})
    if reference.empty:
        raise ValueError(f"No run of the reference method {baseline!r}.")
    merged = means.merge(reference, on=by, how="left")
    merged["relative_improvement"] = (
        get_metric(metric).sign * (merged[metric] / merged["_baseline"] - 1.0) * 100.0
    )
    return merged[[*by, "method", "relative_improvement"]]
