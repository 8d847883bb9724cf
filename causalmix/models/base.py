"""The protocol every tabular foundation model backend implements."""

from __future__ import annotations

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


def to_tensor(array: np.ndarray | pd.Series, dtype=torch.float32, device=None) -> torch.Tensor:
    return torch.as_tensor(np.asarray(array), dtype=dtype, device=device)
