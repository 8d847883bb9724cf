"""Robustness under distribution shift: i.i.d. vs shift scores, the drop, and whether a method
reduces it (no torch import).

Input: a runs table with a ``split`` column (``causalmix.results.load(path).runs`` of a config
with several ``split:`` entries): one i.i.d. entry (``"iid"``) and one or more domain-shift
entries (:mod:`causalmix.splits.shift`). Only runs with status "ok" are used.

Definitions, for a metric with sign ``s`` (+1 when higher is better):

- *i.i.d. reference* of a (dataset, n_train, seed, method): the mean score over its i.i.d. folds;
- *drop* of a shift run: ``s * (iid_reference - score)``, in metric units; positive = the method
  does worse on the shifted target domain than on i.i.d. test folds;
- *drop reduction* of a method against a reference method on a shift task (dataset, fold,
  n_train, seed, split): ``drop_reference - drop_method``; positive = the method loses less.

Confidence intervals are hierarchical bootstraps (datasets, then folds) of the mean over shift
tasks (:mod:`causalmix.metrics.bootstrap`). The verdict on "``method`` reduces the drop of the
reference" has four outcomes: *supported* when the CI of the mean drop reduction lies above 0,
*contradicted* when below (the method loses more), *inconclusive* when it contains 0, *not
testable here* with fewer than ``MIN_DATASETS`` datasets. The comparisons of one grid (every shift
split, training size and method) are one family: their p-values are Holm-adjusted, and a verdict
the adjusted p-value does not carry is *inconclusive*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from causalmix.metrics.aggregate import summarize, task_matrix
from causalmix.metrics.bootstrap import bootstrap_runs, holm_verdicts, verdict
from causalmix.metrics.normalize import TASK_KEYS, _check_columns
from causalmix.metrics.scores import get_metric

#: A task under a split entry: the unit on which methods are paired.
SHIFT_TASK_KEYS: tuple[str, ...] = (*TASK_KEYS, "split")
REFERENCE_KEYS = ("dataset", "n_train", "seed", "method")


def _ok(runs: pd.DataFrame, metric: str) -> pd.DataFrame:
    _check_columns(runs, [*SHIFT_TASK_KEYS, "method", metric])
    return runs[runs["status"] == "ok"] if "status" in runs else runs


def shift_drops(runs: pd.DataFrame, metric: str = "roc_auc", iid_split: str = "iid") -> pd.DataFrame:
    """One row per shift run: task keys, ``method``, ``score``, ``iid_score`` (the i.i.d.
    reference) and ``drop`` (see the module docstring). Runs without an i.i.d. reference get NaN."""
    runs = _ok(runs, metric)
    if iid_split not in set(runs["split"]):
        raise ValueError(f"No successful run under the i.i.d. split {iid_split!r}; the splits are "
                         f"{sorted(set(runs['split']))}.")
    iid = runs[runs["split"] == iid_split]
    reference = iid.groupby(list(REFERENCE_KEYS), dropna=False)[metric].mean().rename("iid_score")
    shifted = runs.loc[runs["split"] != iid_split, [*SHIFT_TASK_KEYS, "method", metric]]
    table = shifted.rename(columns={metric: "score"}).merge(
        reference.reset_index(), on=list(REFERENCE_KEYS), how="left")
    table["drop"] = get_metric(metric).sign * (table["iid_score"] - table["score"])
    return table.reset_index(drop=True)


def drop_reduction(drops: pd.DataFrame, method: str, reference: str = "finetune") -> pd.DataFrame:
    """Per shift task both methods completed: ``drop_reference - drop_method`` as ``reduction``
    (positive = ``method`` loses less under shift than ``reference``); from :func:`shift_drops`."""
    matrix = task_matrix(drops, "drop", keys=SHIFT_TASK_KEYS)
    missing = [m for m in (method, reference) if m not in matrix.columns]
    if missing:
        raise ValueError(f"No shift runs of method(s) {missing}; methods: {list(matrix.columns)}.")
    paired = matrix[[reference, method]].dropna()
    # Rounded so that identical scores reduce nothing (not +-1e-16 from differing i.i.d. means).
    return pd.DataFrame({"reduction": (paired[reference] - paired[method]).round(12)}).reset_index()


#: How the comparison tables are grouped: per split entry and training size, then per method.
GROUP_KEYS = ("split", "n_train")


@dataclass(frozen=True)
class ShiftComparison:
    """Tables of :func:`compare_shift`, indexed by (split, n_train, method), each with ``n`` and a
    bootstrap CI (``ci_low``, ``ci_high``) of the mean over tasks.

    ``scores``: mean score, the i.i.d. split included; ``drops``: mean drop under each shift
    split; ``reduction``: mean drop reduction of each method against ``reference``, with ``p``,
    ``p_holm`` (Holm-adjusted over every row of the table: one family of questions) and
    ``verdict`` on "reduces the drop" (from the CI, and *inconclusive* unless ``p_holm`` is below
    ``1 - confidence`` as well); ``metric``, ``reference``: the settings.
    """

    scores: pd.DataFrame
    drops: pd.DataFrame
    reduction: pd.DataFrame
    metric: str
    reference: str


def _in_order(table: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """``table`` indexed by (split, n_train, method) in the order the runs list them (config order)."""
    order = [(s, n, m) for s in dict.fromkeys(runs["split"]) for n in sorted(runs["n_train"].dropna().unique())
             for m in dict.fromkeys(runs["method"])]
    return table.reindex([key for key in order if key in table.index])


def compare_shift(runs: pd.DataFrame, metric: str = "roc_auc", reference: str = "finetune",
                  iid_split: str = "iid", confidence: float = 0.95, n_resamples: int = 2000,
                  random_state: int = 0) -> ShiftComparison:
    """i.i.d. vs shift score per method, the drop under shift, and whether each method reduces
    the drop of ``reference``, per split entry and training size (all with hierarchical bootstrap
    CIs of the mean at level ``confidence``; the reduction with p-values and a four-outcome
    verdict)."""
    runs = _ok(runs, metric)
    settings = {"ci_statistic": "mean", "confidence": confidence, "n_resamples": n_resamples,
                "random_state": random_state}
    by = (*GROUP_KEYS, "method")
    scores = summarize(runs, metric, by=by, **settings)
    drops = shift_drops(runs, metric, iid_split)
    drop_table = summarize(drops.dropna(subset=["drop"]), "drop", by=by, **settings)
    rows = []
    for (split, n_train), group in drops.groupby(list(GROUP_KEYS), sort=False):
        for method in group["method"].unique():
            if method == reference:
                continue
            paired = drop_reduction(group, method, reference)
            estimate = bootstrap_runs(paired, "reduction", np.mean, confidence=confidence,
                                      n_resamples=n_resamples, random_state=random_state)
            rows.append({"split": split, "n_train": n_train, "method": method, "n": len(paired),
                         "n_datasets": estimate.n_datasets, "mean": estimate.value,
                         "ci_low": estimate.low, "ci_high": estimate.high, "p": estimate.p_value,
                         "verdict": verdict(estimate, +1)})
    columns = [*by, "n", "n_datasets", "mean", "ci_low", "ci_high", "p", "verdict"]
    reduction = holm_verdicts(pd.DataFrame(rows, columns=columns).set_index(list(by)), confidence)
    return ShiftComparison(_in_order(scores, runs), _in_order(drop_table, runs),
                           _in_order(reduction, runs), metric, reference)


def reduction_by_dataset(runs: pd.DataFrame, method: str, reference: str = "finetune",
                         metric: str = "roc_auc", iid_split: str = "iid") -> pd.DataFrame:
    """Mean drop reduction of ``method`` against ``reference`` per (split, n_train, dataset), over
    the dataset's paired shift tasks (folds): which datasets drive a pooled result. Columns
    ``reduction`` and ``n`` (tasks)."""
    drops = shift_drops(runs, metric, iid_split)
    parts = [drop_reduction(group, method, reference)
             for _, group in drops.groupby(list(GROUP_KEYS), sort=False)]
    paired = pd.concat(parts, ignore_index=True)
    return paired.groupby([*GROUP_KEYS, "dataset"], sort=True)["reduction"].agg(["mean", "size"]) \
        .rename(columns={"mean": "reduction", "size": "n"})
