"""How well validation tracks test along fine-tuning curves.

A curve is the per-step table a fine-tuning run records (``FineTunedClassifier.curve_``): one
row per evaluation step with columns ``step``, ``val_<metric>`` and ``test_<metric>``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from causalmix.metrics.scores import get_metric


def _points(curve: pd.DataFrame, metric: str) -> pd.DataFrame:
    columns = ["step", f"val_{metric}", f"test_{metric}"]
    missing = [c for c in columns if c not in curve.columns]
    if missing:
        raise ValueError(f"The curve lacks column(s) {missing}; it has {list(curve.columns)}.")
    return curve[columns].dropna().sort_values("step", kind="stable")


def validation_test_correlation(curve: pd.DataFrame, metric: str = "roc_auc",
                                method: str = "spearman") -> float:
    """Correlation across evaluation steps between validation and test ``metric``.

    ``method`` is "spearman" (rank correlation: does validation order the checkpoints as test
    does?) or "pearson". Steps missing either value are skipped. NaN with fewer than 3 steps
    or when either series is constant.
    """
    if method not in ("spearman", "pearson"):
        raise ValueError(f"method must be 'spearman' or 'pearson', got {method!r}.")
    points = _points(curve, metric)
    val, test = points[f"val_{metric}"], points[f"test_{metric}"]
    if len(points) < 3 or val.nunique() < 2 or test.nunique() < 2:
        return float("nan")
    return float(val.corr(test, method=method))


def selection_key(val_roc_auc: float, val_log_loss: float) -> tuple[float, float]:
    """How fine-tuning ranks its checkpoints (larger is better): validation ROC-AUC (NaN, a
    single-class validation part, ranks last), then lower validation log loss. Fine-tuning keeps
    the first step with the largest key; :func:`selected_step` applies the same rule to a curve."""
    return (-math.inf if math.isnan(val_roc_auc) else val_roc_auc, -val_log_loss)


def selected_step(curve: pd.DataFrame) -> int:
    """The step fine-tuning selects from ``curve``: the first step with the largest
    :func:`selection_key` (what ``best_step`` records)."""
    keys = [selection_key(auc, loss) for auc, loss in zip(curve["val_roc_auc"], curve["val_log_loss"])]
    order = curve["step"].to_numpy()
    best = max(range(len(keys)), key=lambda i: (keys[i], -order[i]))
    return int(order[best])


def early_stopping_gap(curve: pd.DataFrame, metric: str = "roc_auc") -> dict[str, float]:
    """What early stopping gave up against the test optimum, in test ``metric``.

    The selected step is the one fine-tuning keeps (:func:`selected_step`); the test optimum the
    best test value over all steps. ``gap = sign * (test_optimum - test_at_selected)`` (>= 0,
    in the units of ``metric``; sign = +1 for higher-is-better metrics). Returns ``gap``,
    ``selected_step``, ``optimal_step`` (first step with the best test value) and the two test
    values; all NaN for a curve without evaluated steps.
    """
    sign = get_metric(metric).sign
    points = _points(curve, metric)
    # No evaluated step, or the selected step has no test score (a run without monitor rows).
    at_selected = points[points["step"] == selected_step(curve)] if len(points) else points
    if at_selected.empty:
        return dict.fromkeys(["gap", "selected_step", "optimal_step", "test_at_selected",
                              "test_optimum"], float("nan"))
    selected = at_selected.iloc[0]
    optimal = points.iloc[int(np.argmax(sign * points[f"test_{metric}"].to_numpy()))]
    return {"gap": float(sign * (optimal[f"test_{metric}"] - selected[f"test_{metric}"])),
            "selected_step": float(selected["step"]), "optimal_step": float(optimal["step"]),
            "test_at_selected": float(selected[f"test_{metric}"]),
            "test_optimum": float(optimal[f"test_{metric}"])}


def curve_diagnostics(curves: pd.DataFrame, metric: str = "roc_auc",
                      by=("method", "dataset", "fold", "seed", "run_id"),
                      method: str = "spearman") -> pd.DataFrame:
    """Per fine-tuning run: validation-test ``correlation`` and the early-stopping ``gap``.

    ``curves`` stacks the curves of many runs, identified by the ``by`` columns. One row per
    run; take ``.groupby("method").median()`` (or ``summarize``) for the per-method medians.
    """
    by = list(by)
    rows = []
    for key, curve in curves.groupby(by, sort=True, dropna=False):
        rows.append({**dict(zip(by, key)),
                     "correlation": validation_test_correlation(curve, metric, method),
                     **early_stopping_gap(curve, metric)})
    return pd.DataFrame(rows, columns=[*by, "correlation", "gap", "selected_step", "optimal_step",
                                       "test_at_selected", "test_optimum"])
