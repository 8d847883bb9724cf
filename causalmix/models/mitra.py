"""Mitra (AutoGluon's Tab2D in-context transformer) as a causalmix backend.

Optional: ``pip install '.[mitra]'`` (``autogluon.tabular[mitra]==1.6.3``). :func:`load_mitra`
loads the pretrained classifier ``autogluon/mitra-classifier`` from the Hugging Face hub (or its
local cache), or from a local directory in the hub layout (``config.json`` + ``model.safetensors``,
as written by ``Tab2D.save_pretrained``). :class:`MitraModel` adapts Tab2D to
:class:`~causalmix.models.base.TabularModel`, so the fine-tuning loop and the estimators drive it
like the stand-in.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from causalmix.models.base import ModelLimits, TabularModel, resolve_device
from causalmix.preprocessing import TablePreprocessor

HUB_REPO = "autogluon/mitra-classifier"
#: AutoGluon's limits for Mitra: ``max_features`` of ``MitraModel``, ``max_samples_support`` of its
#: fine-tuning config (the pretrained weights have ``dim_output`` = 10 classes).
MAX_FEATURES = 500
MAX_CONTEXT_ROWS = 8192


def _tab2d_class():
    try:
        from autogluon.tabular.models.mitra._internal.models.tab2d import Tab2D
    except ImportError as error:
        raise ImportError("The Mitra backend needs the optional extra: pip install '.[mitra]' "
                          "(autogluon.tabular[mitra]==1.6.3).") from error
    return Tab2D


class MitraModel(TabularModel):
    """A Tab2D network behind the :class:`TabularModel` protocol.

    Tab2D rank-transforms every feature against the context rows itself (1,000 quantiles), so the
    preprocessor only imputes (median), ordinal-encodes categoricals and does not scale. Inputs
    carry no padding (one table per batch entry, all rows and features valid).
    """

    def __init__(self, tab2d: torch.nn.Module, max_features: int = MAX_FEATURES,
                 max_context_rows: int = MAX_CONTEXT_ROWS):
        super().__init__()
        self.tab2d = tab2d
        self.limits = ModelLimits(max_classes=tab2d.dim_output, max_features=max_features,
                                  max_context_rows=max_context_rows)

    def forward(self, x_context: torch.Tensor, y_context: torch.Tensor,
                x_query: torch.Tensor) -> torch.Tensor:
        """x_context (B, C, F), y_context (B, C) int64, x_query (B, Q, F) -> logits (B, Q, max_classes)."""
        batch, n_context, n_features = x_context.shape

        def no_padding(*shape):
            return torch.zeros(shape, dtype=torch.bool, device=x_context.device)

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*einx", category=DeprecationWarning)
            # Tab2D writes into x_support in place (padding rows); hand it a copy.
            return self.tab2d(x_context.clone(), y_context, x_query, no_padding(batch, n_features),
                              no_padding(batch, n_context), no_padding(batch, x_query.shape[1]))

    def make_preprocessor(self) -> TablePreprocessor:
        return TablePreprocessor(categorical="ordinal", scale=False)


def _hub_snapshot(repo_id: str) -> Path:
    """The local snapshot of ``repo_id`` (downloaded unless cached or ``HF_HUB_OFFLINE=1``)."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError

    try:
        return Path(snapshot_download(repo_id, allow_patterns=["config.json", "model.safetensors"]))
    except (OSError, HfHubHTTPError) as error:
        raise FileNotFoundError(
            f"Could not get the Mitra weights {repo_id!r} from the Hugging Face hub or its cache "
            f"({type(error).__name__}). Offline, download them elsewhere "
            f"(`huggingface-cli download {repo_id} config.json model.safetensors --local-dir DIR`), "
            f"copy DIR here and call load_mitra(path=DIR) or load_model('mitra', path=DIR)."
        ) from None


def load_mitra(path: str | Path | None = None, device: str | torch.device | None = None, *,
               repo_id: str = HUB_REPO, max_features: int = MAX_FEATURES,
               max_context_rows: int = MAX_CONTEXT_ROWS) -> MitraModel:
    """Mitra in eval mode on ``device`` (None: CUDA when available, else the CPU).

    ``path``: a directory holding ``config.json`` and ``model.safetensors`` (the hub layout);
    None: ``repo_id`` from the hub cache or the hub. ``max_features``, ``max_context_rows``: the
    limits the adapter advertises.
    """
    Tab2D = _tab2d_class()
    device = resolve_device(device)
    if path is None:
        source = _hub_snapshot(repo_id)
    else:
        source = Path(path)
        missing = [name for name in ("config.json", "model.safetensors") if not (source / name).is_file()]
        if missing:
            raise FileNotFoundError(f"{source} is not a Mitra checkpoint directory: missing "
                                    f"{', '.join(missing)} (expected the hub layout of {HUB_REPO}).")
    tab2d = Tab2D.from_pretrained(str(source), device=str(device))
    return MitraModel(tab2d, max_features, max_context_rows).to(device).eval()
