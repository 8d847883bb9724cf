"""The protocol every tabular foundation model backend implements."""

from __future__ import annotations

import contextlib
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
        """A fresh, unfitted transformer ``DataFrame -> float32 array`` suited to this model; it is
        fitted with ``fit_transform(X_context, y_context)`` (labels as integer codes), which
        returns the encoded context rows, and encodes every later row with ``transform``."""

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


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``device``, or CUDA when available and the CPU otherwise."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def autocast(device: torch.device, mixed_precision: bool | None):
    """bfloat16 autocast when ``mixed_precision`` (None: on CUDA only), else a no-op context."""
    enabled = device.type == "cuda" if mixed_precision is None else mixed_precision
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


def predict_proba_in_context(model: TabularModel, x_context: np.ndarray, y_context: np.ndarray,
                             x_query: np.ndarray, n_classes: int, batch_size: int = 1024,
                             mixed_precision: bool | None = None) -> np.ndarray:
    """Class probabilities (n_query, n_classes) float64 of encoded rows.

    ``x_context`` (n_context, n_features) and ``x_query`` (n_query, n_features) float32 from the
    model's preprocessor, ``y_context`` (n_context,) int64 codes. Queries go through the model
    ``batch_size`` rows at a time, each batch with the full context; the model is left in eval mode.
    """
    device = next(model.parameters()).device
    model.eval()
    context = to_tensor(x_context, device=device)[None]
    labels = to_tensor(y_context, dtype=torch.long, device=device)[None]
    out = []
    with torch.inference_mode(), autocast(device, mixed_precision):
        for start in range(0, len(x_query), batch_size):
            x = to_tensor(x_query[start:start + batch_size], device=device)[None]
            logits = model(context, labels, x)[0, :, :n_classes]
            out.append(torch.softmax(logits.double(), dim=-1).cpu().numpy())
    return np.concatenate(out) if out else np.empty((0, n_classes))


def predict_proba(model: TabularModel, X_context: pd.DataFrame, y_context: np.ndarray,
                  X_query: pd.DataFrame, n_classes: int | None = None,
                  random_state: int | None = 0) -> np.ndarray:
    """In-context class probabilities (n_query, n_classes) of any backend from DataFrames.

    ``y_context`` holds integer class codes 0..n_classes-1 (``n_classes`` defaults to
    ``max(y_context) + 1``). The model's own preprocessor is fitted on the context rows (and labels) only.
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
        warnings.warn(f"{len(X_context)} context rows exceed the model's limit of "
                      f"{model.limits.max_context_rows}; using a random subset.", stacklevel=2)
        keep = np.sort(np.random.default_rng(random_state).choice(
            len(X_context), model.limits.max_context_rows, replace=False))
        X_context, y_context = X_context.iloc[keep], y_context[keep]
    preprocessor = model.make_preprocessor()
    x_context = preprocessor.fit_transform(X_context, y_context)
    was_training = model.training
    proba = predict_proba_in_context(model, x_context, y_context, preprocessor.transform(X_query), n_classes)
    model.train(was_training)
    return proba
