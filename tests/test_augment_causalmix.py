"""CausalMix: discovery pieces, DAG sampling, the augmenter's contract and robustness."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from causalmix.augment import make_augmenter
from causalmix.augment.causalmix import CausalMixAugmenter
from causalmix.augment.dag_sampling import most_probable_dag, sample_dags
from causalmix.augment.discovery import (edge_probabilities, orientation_votes, simulate_linear_gaussian,
                                         structure_scores)

FAST = {"n_bootstrap": 1, "n_dags": 2}


@pytest.fixture(autouse=True)
def single_thread():
    with threadpool_limits(limits=1):
        yield


def mixed_table(n: int = 200, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """a -> b -> label, c categorical driven by a, d integer count, e constant-free noise."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = 2 * a + rng.normal(scale=0.5, size=n)
    c = np.where(a + rng.normal(scale=0.5, size=n) > 0, "high", "low")
    d = rng.poisson(3, size=n)
    label = np.where(b + rng.normal(scale=0.5, size=n) > 0, "yes", "no")
    X = pd.DataFrame({"a": a, "b": b, "c": pd.Categorical(c, categories=["high", "low"]), "d": d.astype(np.int64),
                      "e": rng.exponential(size=n)})
    return X, pd.Series(pd.Categorical(label, categories=["no", "yes"]), name="label")


# --------------------------------------------------------------------------- discovery
def test_orientation_votes_follow_the_documented_rule():
    # nodes 0, 1, 2, 3; causal-learn marks: graph[i, j] = mark at i (-1 tail, 1 arrow, 2 circle)
    graph = np.zeros((4, 4))
    graph[0, 1], graph[1, 0] = -1, 1   # 0 --> 1
    graph[1, 2], graph[2, 1] = -1, -1  # 1 --- 2
    graph[2, 3], graph[3, 2] = 2, 1    # 2 o-> 3
    graph[0, 3], graph[3, 0] = 1, 1    # 0 <-> 3
    votes = orientation_votes(graph)
    assert votes[0, 1] == 1 and votes[1, 0] == 0
    assert votes[1, 2] == votes[2, 1] == 0.5
    assert votes[2, 3] == 1 and votes[3, 2] == 0
    assert votes[0, 3] == votes[3, 0] == 0.5
    assert votes[0, 2] == votes[2, 0] == 0


@pytest.mark.parametrize("n_nodes", [10, 20])
def test_most_probable_dag_recovers_linear_gaussian_skeletons(n_nodes):
    """Mean skeleton F1 over three random SCMs (n=500, expected degree 2) with default settings."""
    defaults = CausalMixAugmenter()
    scores = []
    for seed in range(3):
        data, true_dag = simulate_linear_gaussian(n_nodes, 500, random_state=seed)
        probabilities = edge_probabilities(data.to_numpy(), list(data.columns), n_bootstrap=defaults.n_bootstrap,
                                           alpha=defaults.alpha, max_depth=defaults.max_depth, random_state=seed)
        scores.append(structure_scores(true_dag, most_probable_dag(probabilities)))
    assert np.mean([s["skeleton_f1"] for s in scores]) >= 0.8
    assert np.mean([s["orientation_accuracy"] for s in scores]) > 0.5


def test_edge_probabilities_are_a_distribution_over_orientations():
    data, _ = simulate_linear_gaussian(6, 300, random_state=1)
    values = data.to_numpy()
    values = np.column_stack([values, np.ones(len(values))])  # a constant column is never adjacent
    names = [*data.columns, "constant"]
    P = edge_probabilities(values, names, n_bootstrap=2, random_state=0)
    assert list(P.index) == names and list(P.columns) == names
    assert ((P.to_numpy() >= 0) & (P.to_numpy() + P.to_numpy().T <= 1 + 1e-9)).all()
    assert np.diag(P.to_numpy()).sum() == 0 and P["constant"].sum() == P.loc["constant"].sum() == 0
    again = edge_probabilities(values, names, n_bootstrap=2, random_state=0)
    pd.testing.assert_frame_equal(P, again)


def test_edge_probabilities_rejects_bad_input():
    with pytest.raises(ValueError, match="NaN"):
        edge_probabilities(np.array([[1.0, np.nan], [2.0, 3.0]]), ["a", "b"])
    with pytest.raises(ValueError, match="algorithms"):
        edge_probabilities(np.zeros((5, 2)), ["a", "b"], algorithms=("ges",))


# ------------------------------------------------------------------------ DAG sampling
def test_sampled_dags_are_acyclic_and_follow_the_probabilities():
    nodes = ["a", "b", "c"]
    # a -> b certain, b -> c likely, c -> a likely: a cycle that must be broken
    P = pd.DataFrame([[0, 1.0, 0.0], [0, 0, 0.9], [0.8, 0, 0]], index=nodes, columns=nodes, dtype=float)
    dags = sample_dags(P, 200, random_state=0)
    assert all(nx.is_directed_acyclic_graph(dag) for dag in dags)
    assert all(dag.has_edge("a", "b") for dag in dags)
    assert np.mean([dag.has_edge("b", "c") for dag in dags]) > 0.75
    best = most_probable_dag(P)
    assert nx.is_directed_acyclic_graph(best)
    assert best.has_edge("a", "b") and best.has_edge("b", "c") and best.has_edge("a", "c")  # weakest reversed
    assert [sorted(d.edges) for d in sample_dags(P, 5, random_state=3)] == \
        [sorted(d.edges) for d in sample_dags(P, 5, random_state=3)]


# --------------------------------------------------------------------------- augmenter
def test_fit_learns_documented_state_and_sample_keeps_the_schema():
    X, y = mixed_table()
    augmenter = make_augmenter("causalmix", **FAST).fit(X, y)
    nodes = [*X.columns, "label"]
    assert list(augmenter.edge_probabilities_.index) == nodes
    assert len(augmenter.dags_) == len(augmenter.scms_) == 2
    assert set(augmenter.most_probable_dag_.nodes) == set(nodes)
    assert set(augmenter.timings_) == {"discovery", "dag_sampling", "scm_fit"}
    X_syn, y_syn = augmenter.sample(300, random_state=0)
    assert X_syn.shape == (300, X.shape[1]) and len(y_syn) == 300
    assert list(X_syn.columns) == list(X.columns)
    assert (X_syn.dtypes == X.dtypes).all()
    assert list(X_syn["c"].cat.categories) == ["high", "low"] and list(y_syn.cat.categories) == ["no", "yes"]
    assert y_syn.name == "label"
    assert X_syn["a"].between(X["a"].min(), X["a"].max()).all()
    assert set(X_syn["d"]) <= set(X["d"])  # integer column with few values: exact support


def test_same_random_state_same_rows():
    X, y = mixed_table()
    augmenter = CausalMixAugmenter(**FAST).fit(X, y)
    first, second = augmenter.sample(100, random_state=7), augmenter.sample(100, random_state=7)
    pd.testing.assert_frame_equal(first[0], second[0])
    pd.testing.assert_series_equal(first[1], second[1])
    assert not augmenter.sample(100, random_state=8)[0].equals(first[0])
    refit = CausalMixAugmenter(**FAST).fit(X, y).sample(100, random_state=7)
    pd.testing.assert_frame_equal(first[0], refit[0])


def test_synthetic_rows_keep_the_dependence_of_the_causal_chain():
    X, y = mixed_table(n=400)
    X_syn, y_syn = CausalMixAugmenter(n_bootstrap=2, n_dags=2).fit(X, y).sample(2000, random_state=0)
    assert X_syn["a"].corr(X_syn["b"]) > 0.7  # real: about 0.97
    assert abs(X_syn["a"].corr(X_syn["e"])) < 0.15  # independent in the real data
    assert X_syn.loc[y_syn == "yes", "b"].mean() > X_syn.loc[y_syn == "no", "b"].mean() + 1


def test_class_balance_draws_equal_class_counts():
    X, y = mixed_table()
    keep = (y == "yes") | (np.arange(len(y)) % 4 == 0)  # make "no" the rare class
    X_syn, y_syn = CausalMixAugmenter(class_balance=True, **FAST).fit(X[keep], y[keep]).sample(101, random_state=0)
    counts = y_syn.value_counts()
    assert len(y_syn) == 101 and counts.max() - counts.min() <= 1


def test_robust_to_constant_single_category_high_cardinality_nan_and_singleton_class():
    rng = np.random.default_rng(0)
    X, y = mixed_table(n=150)
    X["constant"] = 4.0
    X["one_level"] = pd.Categorical(["only"] * len(X))
    X["city"] = pd.Categorical([f"city{i}" for i in rng.integers(0, 60, len(X))])  # many rare levels
    X.loc[rng.random(len(X)) < 0.2, "a"] = np.nan
    X.loc[rng.random(len(X)) < 0.3, "c"] = np.nan
    X["all_missing"] = np.nan
    y = y.cat.add_categories(["singleton"])
    y.iloc[0] = "singleton"
    augmenter = CausalMixAugmenter(**FAST).fit(X, y)
    X_syn, y_syn = augmenter.sample(2000, random_state=0)
    assert (X_syn["constant"] == 4.0).all() and (X_syn["one_level"] == "only").all()
    assert X_syn["all_missing"].isna().all()
    assert X_syn["city"].notna().all() and set(X_syn["city"]) <= set(X["city"].cat.categories)
    assert X_syn["city"].nunique() > 20  # rare levels come back through the pooled level
    assert X_syn["a"].isna().mean() == pytest.approx(X["a"].isna().mean(), abs=0.05)
    assert X_syn["c"].isna().mean() == pytest.approx(X["c"].isna().mean(), abs=0.1)
    assert set(y_syn.unique()) <= {"no", "yes", "singleton"}
    assert (X_syn.dtypes == X.dtypes).all()


@pytest.mark.slow
def test_wide_tables_cap_the_depth_with_a_warning():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(120, 105)), columns=[f"f{i}" for i in range(105)])
    y = pd.Series(np.where(X["f0"] > 0, "p", "n"), name="y")
    augmenter = CausalMixAugmenter(n_bootstrap=1, n_dags=1)
    with pytest.warns(UserWarning, match="capped at 1"):
        augmenter.fit(X, y)
    assert augmenter.sample(10, random_state=0)[0].shape == (10, 105)


def test_user_mistakes_get_clear_errors():
    X, y = mixed_table(n=50)
    with pytest.raises(RuntimeError, match="not fitted"):
        CausalMixAugmenter().sample(5)
    with pytest.raises(TypeError, match="DataFrame"):
        CausalMixAugmenter().fit(X.to_numpy(), y)
    with pytest.raises(ValueError, match="rows"):
        CausalMixAugmenter().fit(X, y.iloc[:10])
    with pytest.raises(ValueError, match="mechanisms"):
        CausalMixAugmenter(mechanisms="deep").fit(X, y)
    with pytest.raises(ValueError, match="non-negative"):
        CausalMixAugmenter(**FAST).fit(X, y).sample(-1)


@pytest.mark.slow
def test_beats_independent_marginals_on_a_real_dataset(data_dir):
    from causalmix import fidelity
    from causalmix.data import load_dataset
    from causalmix.splits import make_split

    data = load_dataset("Bank_Customer_Churn", data_dir=data_dir)
    split = make_split(data.y, fold=0, n_train=512, val_fraction=0, seed=0)
    X, y = data.X.iloc[split.train], data.y.iloc[split.train]
    X_test, y_test = data.X.iloc[split.test], data.y.iloc[split.test]
    scores = {}
    for name in ("causalmix", "marginals"):
        X_syn, y_syn = make_augmenter(name).fit(X, y).sample(2000, random_state=0)
        scores[name] = fidelity.c2st_auc(X_test, y_test, X_syn, y_syn)
    assert scores["causalmix"] < scores["marginals"] - 0.02
