"""The Mitra backend, offline: a small randomly initialised Tab2D saved in the hub layout."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("autogluon.tabular.models.mitra._internal.models.tab2d")

from autogluon.tabular.models.mitra._internal.models.tab2d import Tab2D  # noqa: E402

from causalmix import FineTunedClassifier, TFMClassifier  # noqa: E402
from causalmix.data import load_dataset  # noqa: E402
from causalmix.models import load_model  # noqa: E402
from causalmix.models.mitra import MitraModel, load_mitra  # noqa: E402

pytestmark = pytest.mark.mitra


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A 2-layer, width-32 Tab2D with 10 class outputs, written as config.json + model.safetensors."""
    torch.manual_seed(0)
    network = Tab2D(dim=32, dim_output=10, n_layers=2, n_heads=2, task="CLASSIFICATION",
                    use_pretrained_weights=False, path_to_weights="", device="cpu")
    directory = tmp_path_factory.mktemp("mitra")
    network.save_pretrained(str(directory))
    return directory


@pytest.fixture(scope="module")
def wine():
    data = load_dataset("wine")
    order = np.random.default_rng(0).permutation(len(data.y))
    return data.X.iloc[order].reset_index(drop=True), data.y.iloc[order].reset_index(drop=True)


def test_checkpoint_loads_through_the_backend_registry(checkpoint):
    model = load_model("mitra", path=checkpoint, device="cpu")
    assert isinstance(model, MitraModel)
    assert not model.training
    assert model.limits.max_classes == 10
    reference = Tab2D.from_pretrained(str(checkpoint), device="cpu").state_dict()
    for name, value in model.tab2d.state_dict().items():
        assert torch.equal(value, reference[name]), name


def test_forward_follows_the_protocol_leaves_its_inputs_alone_and_trains_every_weight(checkpoint):
    model = load_mitra(path=checkpoint, device="cpu").train()
    x_context, y_context = torch.randn(2, 12, 3), torch.randint(0, 3, (2, 12))
    x_query = torch.randn(2, 5, 3)
    copies = x_context.clone(), y_context.clone(), x_query.clone()
    logits = model(x_context, y_context, x_query)
    assert logits.shape == (2, 5, 10)
    for tensor, copy in zip((x_context, y_context, x_query), copies):
        assert torch.equal(tensor, copy)
    torch.nn.functional.cross_entropy(logits[..., :3].reshape(-1, 3), torch.randint(0, 3, (10,))).backward()
    without_gradient = [name for name, p in model.named_parameters() if p.grad is None or not p.grad.any()]
    assert without_gradient == []


def test_one_fine_tuning_step_and_prediction(checkpoint, wine):
    X, y = wine
    backend = load_mitra(path=checkpoint, device="cpu")
    model = FineTunedClassifier(backend, max_steps=1, eval_every=1, warmup_steps=0, progress=False)
    model.fit(X.iloc[:60], y.iloc[:60], monitor=(X.iloc[60:90], y.iloc[60:90]))
    assert model.curve_["step"].tolist() == [0, 1]
    assert model.curve_.drop(columns="step").iloc[1].notna().all()
    proba = model.predict_proba(X.iloc[60:90])
    assert proba.shape == (30, 3) and np.allclose(proba.sum(axis=1), 1)
    zero_shot = TFMClassifier(backend).fit(X.iloc[:60], y.iloc[:60]).predict_proba(X.iloc[60:90])
    assert zero_shot.shape == proba.shape


def test_a_directory_without_weights_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing config.json, model.safetensors"):
        load_mitra(path=tmp_path)


def test_offline_without_cached_weights_fails_at_once_and_says_how_to_supply_them(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"load_mitra\(path=DIR\)"):
        load_mitra(device="cpu")
