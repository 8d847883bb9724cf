"""The companion's research question, answered from the stored shift results.

*Does CausalMixFT make a fine-tuned TFM more robust under cross-domain distribution shift in
few-shot classification?* The introduction and the shift chapter state the same answer, computed
here from a :class:`~causalmix.metrics.shift.ShiftComparison` of plain fine-tuning (the reference)
against the other methods.
"""

from __future__ import annotations

import pandas as pd

from causalmix.metrics.bootstrap import CONTRADICTED, SUPPORTED
from causalmix.metrics.shift import ShiftComparison
from causalmix.report.tables import verdict_counts
from causalmix.report.theme import name

#: The non-causal generators that can serve as the shift grid's control, in order of preference.
CONTROLS = ("copula", "smote", "marginals")


def control_method(methods) -> str | None:
    """The non-causal control among ``methods`` (the first of :data:`CONTROLS` present), or None."""
    return next((m for m in CONTROLS if m in set(methods)), None)


def _headline(verdicts: pd.Series) -> str:
    """The one-word answer the per-cell verdicts allow: *yes* only where some cell is supported
    and none contradicted, *no* in the mirror case, *mixed* with both, *not shown* otherwise."""
    supported, contradicted = (verdicts == SUPPORTED).sum(), (verdicts == CONTRADICTED).sum()
    if supported and contradicted:
        return "Mixed"
    if supported:
        return f"Yes, in {supported} of {len(verdicts)} cells"
    if contradicted:
        return f"No: it loses more in {contradicted} of {len(verdicts)} cells"
    return "Not shown"


def _effect(row: pd.Series) -> str:
    split, n_train = row.name
    evidence = (f"[{row['ci_low']:+.4f}, {row['ci_high']:+.4f}] (Holm p = {row['p_holm']:.2f})"
                if pd.notna(row["ci_low"]) else f"({row['verdict']})")
    return f"{row['mean']:+.4f} {evidence} under `{split}` shift at n_train = {n_train}"


def shift_answer(comparison: ShiftComparison, method: str = "causalmix",
                 control: ShiftComparison | None = None) -> str:
    """The answer in three sentences: the verdict-backed headline with how much ``method`` and the
    reference lose under shift and the per-cell verdicts on "``method`` reduces the reference's
    drop" (as in :func:`~causalmix.metrics.shift.compare_shift`, one cell per shift split and
    training size); the range of its drop reductions with their CIs; and, given a
    ``control`` comparison (reference = a non-causal generator), whether the causal structure
    matters."""
    metric, reference = comparison.metric, comparison.reference
    rows = comparison.reduction.xs(method, level="method")
    drops = comparison.drops["mean"].unstack("method")
    datasets = rows["n_datasets"].dropna().astype(int)
    coverage = f"{datasets.min()}" if datasets.min() == datasets.max() else f"{datasets.min()}-{datasets.max()}"
    first = (f"**{_headline(rows['verdict'])}.** On {coverage} datasets per (shift split, training size) cell, "
             f"{name(method)} loses {drops[method].mean():.3f} {metric} from i.i.d. to shifted test rows on average "
             f"and {name(reference)} {drops[reference].mean():.3f}; that {name(method)} loses less is, per cell "
             f"(dataset-level CIs, Holm-adjusted): {verdict_counts(rows['verdict'])}.")
    second = ""
    if rows["mean"].notna().any():
        second = (f" Its reduction of the drop ranges from {_effect(rows.loc[rows['mean'].idxmin()])} "
                  f"to {_effect(rows.loc[rows['mean'].idxmax()])}.")
    third = ""
    if control is not None:
        against = control.reduction.xs(method, level="method")
        third = (f" Against the non-causal control {name(control.reference)}, fine-tuned the same way on rows without "
                 f"causal structure, {name(method)}'s drop is smaller in: {verdict_counts(against['verdict'])} cells.")
    return first + second + third
