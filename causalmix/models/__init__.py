"""Tabular foundation model backends behind one protocol (:mod:`causalmix.models.base`).

``load_model("default")`` gives the stand-in TFM pretrained by ``causalmix pretrain`` (weights in
``causalmix/models/checkpoints/default.pt``); ``load_model("mitra")`` the Mitra backend (optional
extra, imported only when asked for).
"""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path

import torch

from causalmix.models.base import ModelLimits, TabularModel, predict_proba

CHECKPOINT_DIR = Path(__file__).resolve().parent / "checkpoints"
#: Backends other than the stand-in, as "module:function" loaders imported on demand.
BACKENDS = {"mitra": "causalmix.models.mitra:load_mitra"}


def load_standin(path: str | Path, device: str | torch.device | None = None, **overrides):
    """A :class:`~causalmix.models.standin.StandinTFM` from a checkpoint file.

    Accepts the shipped weights file (``{"config", "state_dict", ...}``) and the training
    checkpoints of ``causalmix pretrain`` (``{"model_config", "model", ...}``). Weights stored in
    fp16 are cast back to fp32. ``overrides`` replace non-architectural settings of the stored
    config, e.g. ``dropout`` for fine-tuning or ``query_chunk_size``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    try:
        return standin_from_payload(payload, device, **overrides)
    except KeyError as error:
        raise ValueError(f"{path} is not a stand-in checkpoint (keys: {sorted(payload)})") from error


def standin_from_payload(payload: dict, device: str | torch.device | None = None, **overrides):
    """The model stored in an already loaded checkpoint ``payload`` (see :func:`load_standin`)."""
    from causalmix.models.standin import StandinTFM

    config = payload["config"] if "config" in payload else payload["model_config"]
    state = payload["state_dict"] if "state_dict" in payload else payload["model"]
    model = StandinTFM(**{**config, **overrides})
    model.load_state_dict({k: v.float() for k, v in state.items()})
    return model.to(device or "cpu").eval()


def load_model(name: str = "default", path: str | Path | None = None,
               device: str | torch.device | None = None, **kw) -> TabularModel:
    """A ready-to-use backend in eval mode.

    ``name="default"``: the stand-in TFM from ``path`` or the shipped checkpoint (``**kw``
    overrides settings such as ``dropout``); with no checkpoint shipped yet it warns and returns
    randomly initialised weights (``**kw`` then sets the architecture). Other names dispatch to :data:`BACKENDS` with ``path``, ``device`` and
    ``**kw`` passed on.
    """
    if name in BACKENDS:
        module, function = BACKENDS[name].split(":")
        return getattr(importlib.import_module(module), function)(path=path, device=device, **kw)
    if name != "default":
        raise ValueError(f"Unknown model {name!r}; choose 'default' or one of {sorted(BACKENDS)}")
    path = Path(path) if path is not None else CHECKPOINT_DIR / "default.pt"
    if path.is_file():
        return load_standin(path, device, **kw)
    from causalmix.models.standin import StandinTFM

    warnings.warn(f"No stand-in checkpoint at {path}; returning randomly initialised weights.",
                  stacklevel=2)
    return StandinTFM(**kw).to(device or "cpu").eval()


__all__ = ["BACKENDS", "CHECKPOINT_DIR", "ModelLimits", "TabularModel", "load_model",
           "load_standin", "predict_proba", "standin_from_payload"]
