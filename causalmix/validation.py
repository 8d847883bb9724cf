"""Input checks that name what is wrong, for use at the door of estimators and augmenters.

``check_not_empty(X, "X")`` and ``check_finite(X, "X")`` raise ``ValueError`` naming the table and
its offending columns, instead of a raw NumPy or scikit-learn error from deep inside a library
(or, for ``inf``, synthetic rows that silently copy it). Missing values (NaN/NA) are allowed:
the models impute them.
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

#: Columns named in a message (then "...").
MAX_NAMED = 10


def did_you_mean(name, known) -> str:
    """`` Did you mean 'a', 'b'?`` naming up to three of ``known`` that look like ``name``
    (case-insensitive), or "" when none does: the tail of an "unknown name" message."""
    lowered = {str(k).lower(): str(k) for k in known}
    matches = [lowered[m] for m in difflib.get_close_matches(str(name).lower(), lowered, n=3, cutoff=0.5)]
    return f" Did you mean {', '.join(map(repr, matches))}?" if matches else ""


def _named(columns: list) -> str:
    shown = ", ".join(map(repr, columns[:MAX_NAMED]))
    return shown + (f" and {len(columns) - MAX_NAMED} more" if len(columns) > MAX_NAMED else "")


def infinite_columns(X) -> dict:
    """``{column: number of +-inf values}`` of the numeric columns of ``X`` (DataFrame or 2-D
    array; array columns are named by position) that hold any."""
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    found = {}
    for position, column in enumerate(frame.columns):
        values = frame.iloc[:, position]
        if ptypes.is_numeric_dtype(values) and not ptypes.is_bool_dtype(values):
            count = int(np.isinf(values.to_numpy(dtype="float64", na_value=np.nan)).sum())
            if count:
                found[column] = count
    return found


def check_finite(X, what: str = "X") -> None:
    """Raise ``ValueError`` naming ``what`` and its columns when a numeric column holds +-inf."""
    found = infinite_columns(X)
    if found:
        columns = list(found)
        raise ValueError(f"{what}: column(s) {_named(columns)} hold infinite values "
                         f"({sum(found.values())} cell(s)); replace them (e.g. by NaN, which is "
                         f"imputed) or drop the columns.")


def check_not_empty(X, what: str = "X", min_rows: int = 1) -> None:
    """Raise ``ValueError`` naming ``what`` when it has fewer than ``min_rows`` rows or no column."""
    shape = X.shape if hasattr(X, "shape") else np.shape(X)
    rows, columns = (shape[0], shape[1]) if len(shape) == 2 else (shape[0] if shape else 0, None)
    if rows < min_rows:
        raise ValueError(f"{what} has {rows} row(s); need at least {min_rows}.")
    if columns == 0:
        raise ValueError(f"{what} has no feature column.")


def device_problem(device) -> str | None:
    """Why the torch ``device`` (e.g. "cpu", "cuda", "cuda:1", "mps") cannot be used on this
    machine, or None when it can."""
    import torch

    if not isinstance(device, str):
        return f"must be a device name such as 'cpu' or 'cuda', got {device!r}."
    try:
        parsed = torch.device(device)
    except (RuntimeError, ValueError) as error:
        return f"{device!r} is not a torch device ({error})."
    if parsed.type == "cpu":
        return None
    if parsed.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            return f"{device!r} is not available: this machine has no usable CUDA GPU (use cpu or null)."
        if parsed.index is not None and parsed.index >= count:
            return f"{device!r} is not available: this machine has {count} CUDA device(s) (0..{count - 1})."
        return None
    if parsed.type == "mps":
        return None if torch.backends.mps.is_available() else f"{device!r} is not available on this machine."
    return f"{device!r}: device type {parsed.type!r} is not supported (use cpu, cuda or mps)."
