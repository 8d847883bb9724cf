"""The protocol every tabular foundation model backend implements."""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn


@dataclass(frozen=True)
class ModelLimits:
    """What a backend can take in one forward pass."""

    max_classes: int
    max_features: int
    max_context_rows: int


class TabularModel(nn.Module, ABC):
    """An in-context classifier: ``logits = model(x_context, y_context, x_query)``.

    Shapes: ``x_context`` (batch, n_context, n_features) float, ``y_context`` (batch, n_context)
    int64 class codes, ``x_query`` (batch, n_query, n_features) float; returns logits
    (batch, n_query, n_classes_out) with ``n_classes_out >= max(y_context) + 1``; callers slice
    the first ``n_classes`` columns.
    """

    limits: ModelLimits

    @abstractmethod
    def forward(self, x_context: torch.Tensor, y_context: torch.Tensor,
                x_query: torch.Tensor) -> torch.Tensor: ...

    @abstractmethod
    def make_preprocessor(self):
        """A fresh, unfitted transformer ``DataFrame -> float32 array`` suited to this model."""

    def trainable_parameters(self) -> list[nn.Parameter]:
        return [p for p in self.parameters() if p.requires_grad]


def feature_subset(columns: list, max_features: int, random_state: int | None) -> list:
    """``columns`` if there are at most ``max_features``, else a seeded random subset of that
    size (in the original order), with a warning."""
    if len(columns) <= max_features:
        return list(columns)
    keep = np.sort(np.random.default_rng(random_state).choice(len(columns), max_features, replace=False))
    warnings.warn(f"{len(columns)} features exceed the model's limit of {max_features}; using a "
                  f"random subset of {max_features} (random_state={random_state}).", stacklevel=3)
    return [columns[i] for i in keep]


def to_tensor(array: np.ndarray | pd.Series, dtype=torch.float32, device=None) -> torch.Tensor:
    return torch.as_tensor(np.asarray(array), dtype=dtype, device=device)


def predict_proba(model: TabularModel, X_context: pd.DataFrame, y_context: np.ndarray,
                  X_query: pd.DataFrame, n_classes: int | None = None,
                  random_state: int | None = 0) -> np.ndarray:
    """In-context class probabilities (n_query, n_classes) of any backend, no fine-tuning.

    ``y_context`` holds integer class codes 0..n_classes-1 (``n_classes`` defaults to
    ``max(y_context) + 1``). The model's own preprocessor is fitted on the context rows only.
    Contexts longer than ``model.limits.max_context_rows`` are subsampled (with a warning);
    more classes than ``model.limits.max_classes`` raise a ``ValueError``.
    """
    y_context = np.asarray(y_context, dtype=np.int64)
    n_classes = int(y_context.max()) + 1 if n_classes is None else n_classes
    if n_classes > model.limits.max_classes:
        raise ValueError(f"{n_classes} classes exceed this model's limit of "
                         f"{model.limits.max_classes}; reduce or group the classes first.")
    if len(X_context) != len(y_context):
        raise ValueError(f"X_context has {len(X_context)} rows but y_context has {len(y_context)}")
    if len(X_context) > model.limits.max_context_rows:
        import warnings
        warnings.warn(f"{len(X_context)} context rows exceed the model's limit of "
                      f"{model.limits.max_context_rows}; using a random subset.", stacklevel=2)
        keep = np.sort(np.random.default_rng(random_state).choice(
            len(X_context), model.limits.max_context_rows, replace=False))
        X_context, y_context = X_context.iloc[keep], y_context[keep]
    preprocessor = model.make_preprocessor().fit(X_context)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    with torch.no_grad():
        logits = model(to_tensor(preprocessor.transform(X_context), device=device)[None],
                       to_tensor(y_context, dtype=torch.long, device=device)[None],
                       to_tensor(preprocessor.transform(X_query), device=device)[None])[0]
    model.train(was_training)
    return torch.softmax(logits[:, :n_classes].float(), dim=-1).cpu().numpy()
