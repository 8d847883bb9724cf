"""Functional dependencies between numeric columns: columns that are exact functions of others.

Tables often hold derived columns (``price = list - discount``, ``total = a + b + c``, a ratio
``a / b``). An additive-noise mechanism adds noise to such a column, and a two-sample classifier
then tells synthetic rows from real ones by the broken identity. :func:`find_dependencies` finds
them on the training rows; :func:`evaluate` recomputes a derived column from generated inputs.

Two forms are tried for every fully observed numeric column (the *target*), each with the
``max_inputs`` other candidate columns most correlated with it as inputs:

- *linear*: ``target = b + sum_i w_i * input_i`` (sums, differences, weighted totals);
- *log-linear* (all values > 0): ``log target = b + sum_i w_i * log input_i`` (ratios, products).

A form is kept when, fitted by least squares on three quarters of the rows (every fourth row held
out), its root-mean-square error on the held-out rows is at most ``tolerance`` times the target's
standard deviation (in the form's space). It is then refitted on all rows, without the inputs
whose term varies by less than that (zero weights). Columns are visited from
the last to the first (a total or ratio usually follows its parts), and inputs are never derived
themselves (a derived column leaves the candidate inputs, and an input is no longer a target), so
generated rows compute derived columns in one pass from generated inputs.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types as ptypes


@dataclass(frozen=True)
class Dependency:
    """``target = intercept + inputs @ weights`` (``log=False``) or, with ``log=True``,
    ``target = exp(intercept) * prod(inputs ** weights)``."""

    inputs: tuple[Hashable, ...]
    weights: np.ndarray
    intercept: float
    log: bool


def candidate_columns(X: pd.DataFrame) -> list[Hashable]:
    """Numeric (not bool) columns without missing values and with at least two distinct values."""
    return [name for name in X.columns
            if ptypes.is_numeric_dtype(X[name]) and not ptypes.is_bool_dtype(X[name])
            and X[name].notna().all() and X[name].nunique() > 1]


def find_dependencies(X: pd.DataFrame, tolerance: float, max_inputs: int = 10,
                      min_rows: int = 20) -> dict[Hashable, Dependency]:
    """``{target: Dependency}`` for the columns of ``X`` (n_rows, n_features) that other columns
    determine (module docstring); ``{}`` with fewer than ``min_rows`` rows or two candidates."""
    candidates = candidate_columns(X)
    if len(X) < min_rows or len(candidates) < 2:
        return {}
    values = X[candidates].to_numpy(dtype=float)
    positive = (values > 0).all(axis=0)
    logs = np.log(np.where(positive, values, 1.0))
    held_out = np.arange(len(X)) % 4 == 3
    spaces = [(False, values, np.ones(len(candidates), dtype=bool)), (True, logs, positive)]
    found: dict[Hashable, Dependency] = {}
    derived = np.zeros(len(candidates), dtype=bool)
    is_input = np.zeros(len(candidates), dtype=bool)  # an input is never derived (one-pass evaluation)
    for log, space, usable in spaces:
        with np.errstate(invalid="ignore", divide="ignore"):
            correlation = np.abs(np.nan_to_num(np.corrcoef(space, rowvar=False), nan=0.0))
        for j in reversed(range(len(candidates))):
            target = candidates[j]
            if derived[j] or is_input[j] or not usable[j] or space[held_out, j].std() == 0:
                continue  # (a target constant on the held-out rows would pass any test)
            pool = np.flatnonzero(usable & ~derived)
            pool = pool[pool != j]
            inputs = pool[np.argsort(-correlation[j, pool], kind="stable")[:max_inputs]]
            if not len(inputs):
                continue
            scale = space[:, j].std()
            fit = _least_squares(space[~held_out][:, inputs], space[~held_out, j])
            residual = space[held_out, j] - _predict(fit, space[held_out][:, inputs])
            if np.sqrt(np.mean(residual ** 2)) > tolerance * scale:
                continue
            # inputs whose term hardly varies are dropped, so they stay free to be derived themselves
            _, weights = fit
            inputs = inputs[np.abs(weights) * space[:, inputs].std(axis=0) > tolerance * scale]
            if not len(inputs):
                continue
            intercept, weights = _least_squares(space[:, inputs], space[:, j])
            found[target] = Dependency(tuple(candidates[i] for i in inputs), weights, intercept, log)
            derived[j] = True
            is_input[inputs] = True
    return found


def evaluate(dependency: Dependency, frame: pd.DataFrame) -> np.ndarray:
    """The derived column (n,) computed from ``frame``'s (n, ...) input columns."""
    inputs = frame[list(dependency.inputs)].to_numpy(dtype=float)
    if dependency.log:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.exp(dependency.intercept + np.log(inputs) @ dependency.weights)
    return dependency.intercept + inputs @ dependency.weights


def _least_squares(inputs: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    design = np.column_stack([np.ones(len(inputs)), inputs])
    coefficients = np.linalg.lstsq(design, target, rcond=None)[0]
    return float(coefficients[0]), coefficients[1:]


def _predict(fit: tuple[float, np.ndarray], inputs: np.ndarray) -> np.ndarray:
    intercept, weights = fit
    return intercept + inputs @ weights
