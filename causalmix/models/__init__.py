"""Tabular foundation model backends behind one protocol (:mod:`causalmix.models.base`).

``load_model("default")`` gives the stand-in TFM pretrained by ``causalmix pretrain`` (weights in
``causalmix/models/checkpoints/default.pt``); ``load_model("mitra")`` the Mitra backend (optional
extra, imported only when asked for). A missing or unreadable checkpoint raises
:class:`CheckpointError`; randomly initialised weights come only from ``load_model("untrained")``.
"""

from __future__ import annotations

import importlib
import pickle
import warnings
import zipfile
from pathlib import Path

import torch

from causalmix.models.base import ModelLimits, TabularModel, predict_proba

CHECKPOINT_DIR = Path(__file__).resolve().parent / "checkpoints"
#: Backends other than the stand-in, as "module:function" loaders imported on demand.
BACKENDS = {"mitra": "causalmix.models.mitra:load_mitra"}
#: The stand-in with randomly initialised weights: only when asked for by this name.
UNTRAINED = "untrained"
#: What to do about a missing or damaged shipped checkpoint.
CHECKPOINT_REMEDY = ("Reinstall causalmix (the weights ship with the package: `pip install -e .` in a "
                     "checkout, `git checkout causalmix/models/checkpoints/default.pt` if it was changed), "
                     "or train them with `causalmix pretrain configs/pretrain.yaml` and export them; "
                     "use `model: untrained` only to run deliberately with random weights.")


class CheckpointError(RuntimeError):
    """A model checkpoint that is missing or cannot be read, with the file and the remedy."""


def read_checkpoint(path: str | Path) -> dict:
    """The payload of a stand-in checkpoint file, or :class:`CheckpointError` naming the file when it
    is missing, empty, truncated, not a torch file or lacks the weights."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"No model checkpoint at {path}. {CHECKPOINT_REMEDY}")
    if path.stat().st_size == 0:
        raise CheckpointError(f"The model checkpoint {path} is empty (0 bytes). {CHECKPOINT_REMEDY}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, OSError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile) as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise CheckpointError(f"The model checkpoint {path} cannot be read: it is truncated or not a "
                              f"torch checkpoint ({type(error).__name__}: {detail[:200]}). "
                              f"{CHECKPOINT_REMEDY}") from None
    weights = ("state_dict" in payload or "model" in payload) if isinstance(payload, dict) else False
    settings = ("config" in payload or "model_config" in payload) if isinstance(payload, dict) else False
    if not (weights and settings):
        keys = sorted(map(str, payload)) if isinstance(payload, dict) else type(payload).__name__
        raise CheckpointError(f"{path} is not a stand-in checkpoint (keys: {keys}). {CHECKPOINT_REMEDY}")
    return payload


def load_standin(path: str | Path, device: str | torch.device | None = None, **overrides):
    """A :class:`~causalmix.models.standin.StandinTFM` from a checkpoint file.

    Accepts the shipped weights file (``{"config", "state_dict", ...}``) and the training
    checkpoints of ``causalmix pretrain`` (``{"model_config", "model", ...}``). Weights stored in
    fp16 are cast back to fp32. ``overrides`` replace non-architectural settings of the stored
    config, e.g. ``dropout`` for fine-tuning or ``query_chunk_size``.
    """
    path = Path(path)
    payload = read_checkpoint(path)
    try:
        return standin_from_payload(payload, device, **overrides)
    except (KeyError, RuntimeError, TypeError) as error:  # weights that do not fit the architecture
        raise CheckpointError(f"{path} does not hold valid stand-in weights ({type(error).__name__}: "
                              f"{str(error).splitlines()[0][:200]}). {CHECKPOINT_REMEDY}") from None


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
    overrides settings such as ``dropout``); a missing or unreadable file raises
    :class:`CheckpointError` naming it. ``name="untrained"``: the stand-in with randomly
    initialised weights (``**kw`` sets the architecture), with a warning. Other names dispatch to
    :data:`BACKENDS` with ``path``, ``device`` and ``**kw`` passed on.
    """
    if name in BACKENDS:
        module, function = BACKENDS[name].split(":")
        return getattr(importlib.import_module(module), function)(path=path, device=device, **kw)
    if name == UNTRAINED:
        from causalmix.models.standin import StandinTFM

        warnings.warn("model 'untrained': randomly initialised stand-in weights, as asked for; its "
                      "numbers say nothing about a pretrained model.", stacklevel=2)
        return StandinTFM(**kw).to(device or "cpu").eval()
    if name != "default":
        raise ValueError(f"Unknown model {name!r}; choose 'default', {UNTRAINED!r} or one of "
                         f"{sorted(BACKENDS)}")
    path = Path(path) if path is not None else CHECKPOINT_DIR / "default.pt"
    return load_standin(path, device, **kw)


__all__ = ["BACKENDS", "CHECKPOINT_DIR", "CheckpointError", "ModelLimits", "TabularModel", "UNTRAINED",
           "load_model", "load_standin", "predict_proba", "read_checkpoint", "standin_from_payload"]
