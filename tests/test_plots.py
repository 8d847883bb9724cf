"""Book figures draw what they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from causalmix.data import load_dataset
from causalmix.data.summary import class_balance, split_table
from causalmix.report.plots import (dataset_heatmap, draw_dag, edge_probability_heatmap, finetuning_curves,
                                    fold_spread, pair_plot,
                                    plot_critical_difference, real_vs_synthetic_marginals, scarcity_curve,
                                    score_distributions, win_rate_heatmap)
from causalmix.splits import most_informative_features


def test_heatmap_shows_the_probabilities():
    P = pd.DataFrame([[0, 0.7, 0.1], [0.2, 0, 0], [0.9, 0.3, 0]], index=list("abc"), columns=list("abc"))
    ax = edge_probability_heatmap(P, title="P")
    np.testing.assert_allclose(ax.images[0].get_array(), P.to_numpy())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]


def test_dag_drawing_has_one_arrow_per_edge():
    dag = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "c")])
    ax = draw_dag(dag, highlight="c")
    arrows = [p for p in ax.patches if isinstance(p, matplotlib.patches.FancyArrowPatch)]
    assert len(arrows) == dag.number_of_edges()


def test_marginal_panels_cover_numeric_and_categorical_columns():
    real = pd.DataFrame({"x": np.arange(50.0), "c": pd.Categorical(list("ab") * 25)})
    fig = real_vs_synthetic_marginals(real, {"copy": real}, columns=["x", "c"], ncols=2)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:2] == ["x", "c"]


def test_summaries_of_a_builtin_dataset():
    ds = load_dataset("wine")
    balance = class_balance(ds)
    assert balance.rows.sum() == len(ds.y) and np.isclose(balance.share.sum(), 1)
    splits = split_table(ds, n_train=60, val_fraction=0.25, seed=0, folds=range(2))
    per_fold = splits.groupby(["fold", "part"]).rows.sum().unstack()
    assert (per_fold["train"] + per_fold["val"] == 60).all()
    top = most_informative_features(ds.X, ds.y, k=3)
    assert len(top) == 3 and set(top) <= set(ds.X.columns)


def test_pair_plot_has_a_panel_per_source_and_a_color_per_class():
    real = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) ** 2, "y": list("pq") * 10})
    fig = pair_plot(real, {"copy": real, "half": real.iloc[:10]}, x="a", y="b", hue="y")
    assert [ax.get_title() for ax in fig.axes] == ["real", "copy", "half"]
    assert [len(c.get_offsets()) for c in fig.axes[2].collections] == [5, 5]


def _curve(run_id, method, val):
    steps = np.arange(len(val)) * 5
    return pd.DataFrame({"run_id": run_id, "method": method, "step": steps, "train_loss": 1.0 / (steps + 1),
                         "val_roc_auc": val, "val_log_loss": 1.0 - np.asarray(val), "test_roc_auc": val})


def test_finetuning_curves_mark_the_selected_step():
    curves = pd.concat([_curve("a", "finetune", [0.6, 0.8, 0.7]), _curve("b", "causalmix", [0.6, 0.7, 0.9])])
    fig = finetuning_curves(curves)
    markers = sorted({line.get_xdata()[0] for line in fig.axes[1].lines if line.get_linestyle() == ":"})
    assert markers == [5, 10]
    assert len([line for line in fig.axes[0].lines if line.get_linestyle() == "-"]) == 2


def test_finetuning_curves_refuse_several_runs_of_a_method():
    curves = pd.concat([_curve("a", "finetune", [0.6, 0.8]), _curve("b", "finetune", [0.6, 0.7])])
    with pytest.raises(ValueError, match="several runs"):
        finetuning_curves(curves)


def test_score_distributions_one_box_and_points_per_method():
    runs = pd.DataFrame({"method": ["a"] * 4 + ["b"] * 3, "score": [1.0, 2, 3, 4, 5, 6, 7]})
    ax = score_distributions(runs, "score")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert [len(c.get_offsets()) for c in ax.collections] == [4, 3]


def test_win_rate_heatmap_shows_the_table():
    table = pd.DataFrame([[np.nan, 0.75], [0.25, np.nan]], index=["a", "b"], columns=["a", "b"])
    ax = win_rate_heatmap(table)
    np.testing.assert_allclose(ax.images[0].get_array().filled(np.nan), table.to_numpy())
    assert sorted(t.get_text() for t in ax.texts) == ["0.25", "0.75"]


def test_dataset_heatmap_is_centred_at_zero_and_names_methods_and_datasets():
    matrix = pd.DataFrame([[1.0, -2.0, np.nan], [0.5, 0.0, 3.0]], index=["finetune", "causalmix"],
                          columns=["d1", "d2", "d3"])
    ax = dataset_heatmap(matrix)
    low, high = ax.images[0].get_clim()
    assert low == -high > -3.0  # clipped at the 95th percentile of |value|, symmetric
    assert [t.get_text() for t in ax.get_xticklabels()] == ["d1", "d2", "d3"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["plain fine-tuning", "CausalMixFT"]
    assert len(ax.texts) == 5


def test_fold_spread_draws_one_bar_per_dataset_and_method():
    runs = pd.DataFrame({"method": ["f", "c"] * 6, "dataset": ["x"] * 6 + ["y"] * 6, "n_train": 64,
                         "score": np.arange(12.0)})
    from causalmix.metrics import fold_variability

    ax = fold_spread(fold_variability(runs, "score"), ["f", "c"])
    heights = [bar.get_height() for bar in ax.patches]
    assert len(heights) == 4 and np.allclose(heights, np.std([0, 2, 4], ddof=1))


def test_scarcity_curve_one_line_per_method_over_the_sizes():
    summary = pd.DataFrame({"method": ["a", "a", "b", "b"], "n_train": [64, 128, 64, 128],
                            "median": [1.0, 2, 3, 4], "ci_low": [0.0, 1, 2, 3], "ci_high": [2.0, 3, 4, 5]}) \
        .set_index(["method", "n_train"])
    ax = scarcity_curve(summary)
    lines = [line for line in ax.lines if line.get_marker() == "o"]
    assert [list(line.get_xdata()) for line in lines] == [[64, 128], [64, 128]]
    assert list(lines[1].get_ydata()) == [3, 4]


def test_critical_difference_diagram_is_a_figure():
    rows = [("d", f, 64, 0, m, auc + 0.01 * f * (m == "C"), 0)
            for f in range(6) for m, auc in (("A", 0.9), ("B", 0.8), ("C", 0.7))]
    runs = pd.DataFrame(rows, columns=["dataset", "fold", "n_train", "seed", "method", "roc_auc", "log_loss"])
    figure = plot_critical_difference(runs, "roc_auc")
    assert isinstance(figure, matplotlib.figure.Figure)
    assert "6 tasks" in figure.axes[0].get_title()
