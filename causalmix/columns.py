"""How the models see a column: categorical or numeric, and the level a missing category becomes.

A column is categorical when its dtype is ``category`` or not numeric (object, string); every
other column, bool included, is numeric. The preprocessors, the shift strategies and the figures
all apply this rule, so a column is treated alike everywhere. Generators also draw bool columns as
levels (:func:`is_drawn_as_levels`), so that a bool column comes back as bool.
"""

from __future__ import annotations

import pandas as pd

#: The level a missing categorical value becomes, so that missingness is a category of its own.
MISSING_LEVEL = "__missing__"


def is_categorical(column: pd.Series) -> bool:
    """Whether ``column`` is categorical (``category`` dtype or not numeric)."""
    return isinstance(column.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(column)


def is_drawn_as_levels(column: pd.Series) -> bool:
    """Whether a generator draws ``column`` as a set of levels: categorical or bool."""
    return is_categorical(column) or pd.api.types.is_bool_dtype(column)


def with_missing_level(values: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """``values`` as objects, missing values replaced by :data:`MISSING_LEVEL`."""
    values = values.astype(object)
    return values.where(values.notna(), MISSING_LEVEL)
