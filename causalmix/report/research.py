"""The companion's research question, answered from the stored shift results.

*Does CausalMixFT make a fine-tuned TFM more robust under cross-domain distribution shift in
few-shot classification?* The introduction and the shift chapter state the same answer, computed
here from a :class:`~causalmix.metrics.shift.ShiftComparison` of plain fine-tuning (the reference)
against the other methods.
"""

from __future__ import annotations

import pandas as pd

from causalmix.metrics.bootstrap import CONTRADICTED, INCONCLUSIVE, NOT_TESTABLE, SUPPORTED
from causalmix.metrics.shift import ShiftComparison
from causalmix.report.theme import name

#: The non-causal generators that can serve as the shift grid's control, in order of preference.
CONTROLS = ("copula", "smote", "marginals")


def control_method(methods) -> str | None:
    """The non-causal control among ``methods`` (the first of :data:`CONTROLS` present), or None."""
    return next((m for m in CONTROLS if m in set(methods)), None)


def _counts(verdicts: pd.Series) -> str:
    counts = verdicts.value_counts()
    parts = [f"{counts[v]} {v}" for v in (SUPPORTED, CONTRADICTED, INCONCLUSIVE, NOT_TESTABLE) if counts.get(v, 0)]
    return ", ".join(parts)


def shift_answer(comparison: ShiftComparison, method: str = "causalmix",
                 control: ShiftComparison | None = None) -> str:
    """Three sentences: how much ``method`` and the reference lose under shift, in how many
    (shift split, training size) cells ``method`` reduces the reference's drop (verdicts as in
    :func:`~causalmix.metrics.shift.compare_shift`) with the largest effect and its CI, and, given
    a ``control`` comparison (reference = the non-causal control), whether the causal structure
    matters."""
    metric, reference = comparison.metric, comparison.reference
    rows = comparison.reduction.xs(method, level="method")
    drops = comparison.drops["mean"].unstack("method")
    cells = len(rows)
    first = (f"Under domain shift, {name(method)} loses {drops[method].mean():.3f} {metric} on average against its "
             f"i.i.d. score and {name(reference)} {drops[reference].mean():.3f} (mean over {cells} shift split x "
             f"training size cells).")
    best = rows.loc[rows["mean"].idxmax()] if rows["mean"].notna().any() else None
    second = (f"That {name(method)} loses less than {name(reference)} is, per cell (dataset-level CIs, Holm-adjusted): "
              f"{_counts(rows['verdict'])}")
    if best is not None:
        split, n_train = best.name
        second += (f"; its largest reduction is {best['mean']:+.4f} [{best['ci_low']:+.4f}, {best['ci_high']:+.4f}] "
                   f"under `{split}` shift at n_train = {n_train}")
    second += "."
    third = ""
    if control is not None:
        against = control.reduction.xs(method, level="method")
        third = (f" Against the non-causal control {name(control.reference)}, whose rows carry no causal structure, "
                 f"{name(method)}'s drop is smaller in: {_counts(against['verdict'])} cells.")
    return f"{first} {second}{third}"
