"""When does causal augmentation help? Fine-tuning regime x synthetic ratio x training size.

A sensitivity grid (``configs/sensitivity.yaml``) runs plain fine-tuning and fine-tuning with
synthetic rows at several ratios, under several fine-tuning regimes (learning rate, steps, early
stopping), at several training sizes. Each method is one (regime, ratio) cell; :func:`design`
reads them from the methods' resolved settings (``Results.method_settings``), never from their
names. Ratio 0 is plain fine-tuning in that regime: the reference of the regime's other ratios.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from causalmix.metrics.aggregate import summarize
from causalmix.metrics.bootstrap import holm_verdicts
from causalmix.metrics.comparison import paired_difference
from causalmix.metrics.normalize import _check_columns

#: Settings that define a regime; each fine-tuning method of the grid must set them.
REGIME_SETTINGS = ("learning_rate", "max_steps")


def regime_label(learning_rate: float, max_steps: int, early_stopping: bool) -> str:
    return f"lr {learning_rate:g}, {max_steps} steps, " + ("early stopping" if early_stopping else "no early stopping")


def design(settings: pd.DataFrame) -> pd.DataFrame:
    """One row per fine-tuning method of ``settings`` (``Results.method_settings()``): its
    ``regime`` (:func:`regime_label`; early stopping unless ``early_stopping`` is false) and its
    synthetic ``ratio`` (0 for plain fine-tuning)."""
    tuned = settings[settings["kind"] != "zero_shot"]
    missing = [key for key in REGIME_SETTINGS if key not in tuned or tuned[key].isna().any()]
    if missing:
        raise ValueError(f"Every fine-tuning method must set {', '.join(missing)} in its config for its regime "
                         f"to be known; methods: {list(tuned.index)}.")
    # Unset (NaN) means the default, early stopping; only an explicit false turns it off.
    early = [not (isinstance(value, (bool, np.bool_)) and not value)
             for value in tuned.get("early_stopping", pd.Series(True, index=tuned.index))]
    ratio = tuned["synthetic_ratio"].where(tuned["kind"] == "augment", 0.0) if "synthetic_ratio" in tuned \
        else pd.Series(0.0, index=tuned.index)
    regimes = [regime_label(float(lr), int(steps), bool(es))
               for lr, steps, es in zip(tuned["learning_rate"], tuned["max_steps"], early)]
    return pd.DataFrame({"regime": regimes, "ratio": ratio.astype(float)}, index=tuned.index)


def cells(runs: pd.DataFrame, grid: pd.DataFrame, column: str = "normalized", **settings) -> pd.DataFrame:
    """Per (regime, ratio, n_train): :func:`~causalmix.metrics.aggregate.summarize` of ``column``
    (mean with its dataset-level CI; ``settings`` as for it) and ``below_zero``, the share of
    runs scoring below zero-shot (``column`` < 0). ``grid``: :func:`design`."""
    _check_columns(runs, ["method", "n_train", column])
    annotated = runs.merge(grid, left_on="method", right_index=True)
    table = summarize(annotated, column, by=("regime", "ratio", "n_train"), ci_statistic="mean", **settings)
    below = annotated.groupby(["regime", "ratio", "n_train"])[column].apply(lambda v: float((v < 0).mean()))
    return table.assign(below_zero=below)


def mixing_effect(runs: pd.DataFrame, grid: pd.DataFrame, column: str = "normalized",
                  confidence: float = 0.95, **settings) -> pd.DataFrame:
    """Per regime, synthetic ratio > 0 and training size: the mean paired difference of ``column``
    between fine-tuning with that ratio and plain fine-tuning in the same regime, with its
    dataset-level CI and verdict on "mixing helps" (Holm-adjusted over the whole table:
    :func:`~causalmix.metrics.bootstrap.holm_verdicts`)."""
    parts = []
    for regime, members in grid.groupby("regime", sort=False):
        plain = members.index[members["ratio"] == 0]
        if len(plain) != 1:
            raise ValueError(f"Regime {regime!r} needs exactly one plain fine-tuning method (ratio 0), "
                             f"has {list(plain)}.")
        for method, ratio in members.loc[members["ratio"] > 0, "ratio"].items():
            table = paired_difference(runs, method, plain[0], column, by=["n_train"], confidence=confidence, **settings)
            parts.append(table.reset_index().assign(regime=regime, ratio=ratio, method=method))
    effects = pd.concat(parts, ignore_index=True).set_index(["regime", "ratio", "n_train"]).sort_index()
    return holm_verdicts(effects, confidence)
