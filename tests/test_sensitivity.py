"""The sensitivity study: regimes and ratios read from the methods' settings, cells, mixing effects."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from causalmix.metrics.sensitivity import cells, design, mixing_effect
from causalmix.report.plots import ratio_curves, sensitivity_heatmaps

SETTINGS = pd.DataFrame.from_dict({
    "zero_shot": {"kind": "zero_shot", "generator": None},
    "short_plain": {"kind": "finetune", "generator": None, "learning_rate": 1e-4, "max_steps": 50},
    "short_x1": {"kind": "augment", "generator": "causalmix", "learning_rate": 1e-4, "max_steps": 50,
                 "synthetic_ratio": 1.0},
    "long_plain": {"kind": "finetune", "generator": None, "learning_rate": 1e-3, "max_steps": 200,
                   "early_stopping": False},
    "long_x1": {"kind": "augment", "generator": "causalmix", "learning_rate": 1e-3, "max_steps": 200,
                "early_stopping": False, "synthetic_ratio": 1.0},
}, orient="index").rename_axis("method")


def _runs() -> pd.DataFrame:
    """Short regime: mixing changes nothing. Long regime without early stopping: plain fine-tuning
    falls 2 % below zero-shot, mixing brings it back to +0.5 % (plus noise)."""
    rng = np.random.default_rng(0)
    value = {"zero_shot": 0.0, "short_plain": 0.3, "short_x1": 0.3, "long_plain": -2.0, "long_x1": 0.5}
    rows = []
    for d in range(6):
        for fold in range(2):
            for n_train in (32, 128):
                noise = rng.normal(0, 0.1)
                for method, v in value.items():
                    rows.append({"dataset": f"d{d}", "fold": fold, "n_train": n_train, "seed": 0, "method": method,
                                 "normalized": v + (noise if method.startswith("long") else 0.0)})
    return pd.DataFrame(rows)


def test_design_reads_regime_and_ratio_from_the_settings():
    grid = design(SETTINGS)
    assert list(grid.index) == ["short_plain", "short_x1", "long_plain", "long_x1"]
    assert grid.loc["short_x1", "regime"] == "lr 0.0001, 50 steps, early stopping"
    assert grid.loc["long_plain", "regime"] == "lr 0.001, 200 steps, no early stopping"
    assert grid["ratio"].tolist() == [0.0, 1.0, 0.0, 1.0]
    with pytest.raises(ValueError, match="must set max_steps"):
        design(SETTINGS.drop(columns="max_steps"))


def test_cells_show_where_plain_fine_tuning_falls_below_zero_shot():
    table = cells(_runs(), design(SETTINGS), n_resamples=100)
    long_plain = table.loc[("lr 0.001, 200 steps, no early stopping", 0.0, 32)]
    assert long_plain["below_zero"] == 1.0 and long_plain["mean"] == pytest.approx(-2.0, abs=0.1)
    assert table.loc[("lr 0.0001, 50 steps, early stopping", 1.0, 128), "below_zero"] == 0.0
    assert len(table) == 2 * 2 * 2


def test_mixing_effect_is_paired_within_a_regime_and_holm_adjusted():
    effects = mixing_effect(_runs(), design(SETTINGS), n_resamples=200)
    long = effects.loc["lr 0.001, 200 steps, no early stopping"]
    assert long["difference"].tolist() == pytest.approx([2.5, 2.5]) and (long["verdict"] == "supported").all()
    short = effects.loc["lr 0.0001, 50 steps, early stopping"]
    assert (short["difference"] == 0).all() and (short["verdict"] == "inconclusive").all()
    assert "p_holm" in effects and set(effects["method"]) == {"short_x1", "long_x1"}


def test_sensitivity_figures_have_a_panel_per_regime():
    table = cells(_runs(), design(SETTINGS), n_resamples=50)
    fig = sensitivity_heatmaps(table)
    assert [ax.get_title() for ax in fig.axes[:2]] == ["lr 0.0001, 50 steps\nearly stopping",
                                                       "lr 0.001, 200 steps\nno early stopping"]
    largest = table["mean"].abs().max()  # by default the scale is symmetric around 0
    assert fig.axes[0].images[0].get_clim() == pytest.approx((-largest, largest))
    shares = sensitivity_heatmaps(table, value="below_zero", limits=(0, 1), cmap="RdBu_r")
    image = shares.axes[0].images[0]
    assert image.get_clim() == (0, 1) and image.get_cmap().name == "RdBu_r"
    curves = ratio_curves(table)
    assert len(curves.axes) == 2 and len(curves.axes[0].get_legend_handles_labels()[0]) == 2
