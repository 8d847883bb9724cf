"""Book figures draw what they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import networkx as nx
import numpy as np
import pandas as pd

from causalmix.data import load_dataset
from causalmix.data.summary import class_balance, most_informative_features, split_table
from causalmix.plots import draw_dag, edge_probability_heatmap, real_vs_synthetic_marginals


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
