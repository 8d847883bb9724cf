"""How CausalMix turns table columns into SCM nodes and generated node values back into columns.

Every column gets a *spec* (a dict) from :func:`encode_column` or :func:`encode_label`: its
``kind``, the values the SCMs are fitted on (``fit_values``), the values discovery sees
(``discovery_values``) and what decoding needs. Our choices where the paper is silent:

- categorical columns (``category``/object/bool dtype): ``str`` levels; missing values form a
  level of their own (so synthetic rows get NaN where the SCM draws it); levels seen fewer than
  ``min_level_count`` times, and all but the ``max_levels`` most frequent, are pooled into one
  "rare" level that is decoded by drawing one of the pooled levels by its training frequency;
- integer-valued numeric columns with at most ``max_discrete_levels`` distinct values: categorical
  nodes too (a classifier keeps their support exact), decoded back to numbers;
- other numeric columns: normal scores ``Phi^-1((rank - 1/2) / n)`` (NaN imputed with the median),
  for discovery (the "nonparanormal" Fisher-z test) and for the SCMs; synthetic scores are mapped
  back with the empirical quantile function of the training values, so they keep the training
  marginal and range; rounded for integer dtypes; set to NaN independently with the column's
  training missing rate;
- columns constant in the training rows: kind ``"constant"``, no node; filled with their value;
- the label: a categorical node; every class keeps its own level.

For discovery, categorical nodes enter as their level codes (levels sorted by frequency).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from scipy import stats

from causalmix.columns import is_drawn_as_levels
from causalmix.augment.statistical import (MISSING_LEVEL, from_normal_scores, normal_scores,
                                           restore_categorical, restore_numeric)

RARE_LEVEL = "__rare__"


def encode_column(column: pd.Series, max_discrete_levels: int, max_levels: int, min_level_count: int) -> dict:
    """How one feature column becomes a node: its kind, fit/discovery values and decoding facts."""
    observed = column.dropna()
    spec = {"dtype": column.dtype, "missing_rate": float(column.isna().mean())}
    if observed.nunique() <= 1 and not (len(observed) and spec["missing_rate"] > 0):
        spec.update(kind="constant", value=observed.iloc[0] if len(observed) else np.nan)
        return spec
    if is_drawn_as_levels(column):
        levels = column.astype(object).where(column.notna(), MISSING_LEVEL).astype(str)
        counts = levels.value_counts()
        kept = counts[counts >= min_level_count].index[:max_levels]
        rare = counts.drop(kept)
        values = levels.where(levels.isin(kept), RARE_LEVEL)
        spec["rare_levels"] = (rare.index.to_numpy(), (rare / rare.sum()).to_numpy())
    elif _is_discrete_numeric(column, max_discrete_levels):
        values = column.astype(object).where(column.notna(), MISSING_LEVEL).map(_number_level)
        spec["rare_levels"] = (np.array([], dtype=object), np.array([]))
    else:
        observed_sorted = np.sort(observed.to_numpy(dtype=float))
        scores = normal_scores(column.astype(float).fillna(np.median(observed_sorted)).to_numpy())
        spec.update(kind="numeric", sorted_values=observed_sorted, fit_values=scores, discovery_values=scores)
        return spec
    frequency_order = values.value_counts().index
    spec.update(kind="categorical", fit_values=values.to_numpy(dtype=object),
                discovery_values=pd.Categorical(values, categories=frequency_order).codes.astype(float))
    return spec


def encode_label(y: pd.Series) -> dict:
    """The label as a categorical node whose ``classes`` are the ``str`` of its categories (or sorted values)."""
    labels = y.astype(str)
    classes = list(y.cat.categories.astype(str)) if isinstance(y.dtype, pd.CategoricalDtype) else sorted(labels.unique())
    frequency_order = labels.value_counts().index
    return {"kind": "label", "name": y.name, "classes": classes, "fit_values": labels.to_numpy(dtype=object),
            "discovery_values": pd.Categorical(labels, categories=frequency_order).codes.astype(float)}


def decode_column(name, spec: dict, nodes: pd.DataFrame, rng: np.random.Generator,
                  extrapolate: bool = False) -> pd.Series:
    """Column ``name`` (n,) of generated node rows ``nodes`` (n, n_nodes) in the column's dtype (the
    label: its ``str`` classes); a constant column, which is no node, is filled with its value.

    ``extrapolate``: numeric scores beyond the training range continue the quantile function
    linearly (``extrapolated_quantiles``) instead of being held at the training extremes.
    """
    if spec["kind"] == "constant":
        return pd.Series(np.repeat(spec["value"], len(nodes))).astype(spec["dtype"])
    values = nodes[name]
    if spec["kind"] == "label":
        return pd.Series(values.astype(str).to_numpy(dtype=object))
    if spec["kind"] == "numeric":
        decode = extrapolated_quantiles if extrapolate else from_normal_scores
        numbers = decode(values.to_numpy(dtype=float), spec["sorted_values"])
        return restore_numeric(numbers, spec["dtype"], spec["missing_rate"], rng)
    levels = values.astype(str).to_numpy(dtype=object)
    rare = levels == RARE_LEVEL
    rare_names, rare_frequencies = spec["rare_levels"]
    if rare.any():
        levels[rare] = rng.choice(rare_names, size=int(rare.sum()), p=rare_frequencies)
    levels = np.where(levels == MISSING_LEVEL, None, levels)
    if ptypes.is_numeric_dtype(spec["dtype"]) and not ptypes.is_bool_dtype(spec["dtype"]):
        numbers = pd.to_numeric(pd.Series(levels, dtype=object), errors="coerce").to_numpy(dtype=float)
        return restore_numeric(numbers, spec["dtype"], 0.0, rng)
    return restore_categorical(levels, spec["dtype"])


def extrapolated_quantiles(scores: np.ndarray, sorted_values: np.ndarray, tail_fraction: float = 0.1) -> np.ndarray:
    """Normal scores (n,) -> values (n,) like ``from_normal_scores`` inside the training range and,
    beyond its outermost order statistics, on straight lines continuing the empirical quantile
    function: each tail's slope (value units per score unit) is the secant over the outer
    ``tail_fraction`` of the order statistics, or over the whole range where that secant is flat
    (ties in the tail)."""
    n = len(sorted_values)
    knots = stats.norm.ppf((np.arange(n) + 0.5) / n)
    values = from_normal_scores(scores, sorted_values)
    if n < 2:
        return values
    inner = min(max(1, int(tail_fraction * n)), n - 1)
    overall = (sorted_values[-1] - sorted_values[0]) / (knots[-1] - knots[0])
    low = (sorted_values[inner] - sorted_values[0]) / (knots[inner] - knots[0]) or overall
    high = (sorted_values[-1] - sorted_values[-1 - inner]) / (knots[-1] - knots[-1 - inner]) or overall
    below, above = scores < knots[0], scores > knots[-1]
    values[below] = sorted_values[0] + low * (scores[below] - knots[0])
    values[above] = sorted_values[-1] + high * (scores[above] - knots[-1])
    return values


def _is_discrete_numeric(column: pd.Series, max_levels: int) -> bool:
    observed = column.dropna().astype(float)
    return observed.nunique() <= max_levels and bool(np.all(observed == np.round(observed)))


def _number_level(value) -> str:
    return value if value == MISSING_LEVEL else repr(float(value))
