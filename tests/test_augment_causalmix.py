"""CausalMix: discovery pieces, DAG sampling, the augmenter's contract and robustness."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from causalmix.augment import make_augmenter
from causalmix.augment.causal_mix import CausalMixAugmenter
from causalmix.augment.column_encoding import extrapolated_quantiles
from causalmix.augment.dag_sampling import most_probable_dag, sample_dags
from causalmix.augment.discovery import (FAST_GSQ, choose_ci_test, edge_probabilities, orientation_votes,
                                         simulate_linear_gaussian, structure_scores)
from causalmix.augment.statistical import from_normal_scores

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


def test_fast_g_square_matches_causal_learn_and_is_chosen_for_discrete_tables():
    from causallearn.utils.cit import CIT

    rng = np.random.default_rng(0)
    a = rng.integers(0, 3, 400)
    b = (a + rng.integers(0, 2, 400)) % 4
    data = np.column_stack([a, b, (b + rng.integers(0, 2, 400)) % 3, rng.integers(0, 5, 400),
                            rng.integers(0, 2, 400)]).astype(float)
    reference, fast = CIT(data, "gsq"), CIT(data, FAST_GSQ)
    for x, y, given in [(0, 1, []), (0, 2, []), (0, 2, [1]), (0, 3, [1, 2]), (3, 4, [0, 1, 2]), (1, 4, [3])]:
        assert fast(x, y, given) == pytest.approx(reference(x, y, given), abs=1e-12)
    assert fast(0, 2, [1]) > 0.05 > fast(0, 2, [])  # a _||_ c | b, but not marginally
    assert choose_ci_test([True, True]) == FAST_GSQ and choose_ci_test([True, False]) != FAST_GSQ


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


def test_auto_mechanisms_are_boosting_except_on_tiny_tables():
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import LinearRegression

    def regressors(augmenter):
        return {type(scm.causal_mechanism(node).prediction_model.sklearn_model)
                for scm in augmenter.scms_ for node in scm.graph.nodes
                if scm.graph.in_degree(node) and hasattr(scm.causal_mechanism(node), "prediction_model")}

    X, y = mixed_table(n=200)
    assert regressors(CausalMixAugmenter(**FAST).fit(X, y)) == {HistGradientBoostingRegressor}
    assert regressors(CausalMixAugmenter(**FAST).fit(X.iloc[:60], y.iloc[:60])) == {LinearRegression}


def test_near_duplicate_features_do_not_isolate_the_label():
    """Three near-copies of one cause: conditioning on two removes each one's edge to the label."""
    rng = np.random.default_rng(0)
    radius = rng.normal(size=300)
    X = pd.DataFrame({"radius": radius, "perimeter": radius + rng.normal(scale=0.05, size=300),
                      "area": radius + rng.normal(scale=0.05, size=300), "noise": rng.normal(size=300)})
    y = pd.Series(np.where(radius + rng.normal(scale=0.7, size=300) > 0, "m", "b"), name="y")
    augmenter = CausalMixAugmenter(**FAST).fit(X, y)
    assert augmenter.near_duplicates_ == {"perimeter": "radius", "area": "radius"}
    assert augmenter.edge_probabilities_.loc["radius", "perimeter"] == 1.0
    assert augmenter.most_probable_dag_.degree("y") > 0
    X_syn, y_syn = augmenter.sample(2000, random_state=0)
    assert X_syn["area"].corr(X_syn["radius"]) > 0.95
    assert X_syn.loc[y_syn == "m", "perimeter"].mean() > X_syn.loc[y_syn == "b", "perimeter"].mean() + 0.5
    isolated = CausalMixAugmenter(near_duplicate_correlation=None, **FAST).fit(X, y)
    assert isolated.near_duplicates_ == {} and isolated.most_probable_dag_.degree("y") == 0


# ------------------------------------------------------------------ interventional sampling
def test_default_interventions_leave_the_samples_unchanged():
    X, y = mixed_table()
    augmenter = CausalMixAugmenter(**FAST).fit(X, y)
    plain = augmenter.sample(500, random_state=3)
    inactive = augmenter.set_params(intervention_nodes="all_features").sample(500, random_state=3)
    pd.testing.assert_frame_equal(plain[0], inactive[0])
    pd.testing.assert_series_equal(plain[1], inactive[1])
    assert plain[0]["a"].between(X["a"].min(), X["a"].max()).all()


def test_widening_the_roots_spreads_them_beyond_the_training_range():
    X, y = mixed_table(n=300)
    augmenter = CausalMixAugmenter(**FAST).fit(X, y)
    roots = {node for scm in augmenter.scms_ for node in scm.graph.nodes if scm.graph.in_degree(node) == 0}
    numeric_root = next(c for c in ("a", "b", "e") if c in roots)
    plain = augmenter.sample(3000, random_state=0)[0][numeric_root]
    wide, _ = augmenter.set_params(intervention_scale=2.0).sample(3000, random_state=0)
    assert wide[numeric_root].std() > 1.6 * plain.std()
    assert wide[numeric_root].max() > X[numeric_root].max() or wide[numeric_root].min() < X[numeric_root].min()
    shifted, _ = augmenter.set_params(intervention_scale=1.0, intervention_shift=1.0).sample(3000, random_state=0)
    assert shifted[numeric_root].mean() > plain.mean() + 0.5 * X[numeric_root].std()
    again, _ = augmenter.sample(3000, random_state=0)
    pd.testing.assert_frame_equal(shifted, again)


def test_the_label_is_never_intervened_on():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    y = pd.Series(np.where(rng.random(300) < 0.9, "common", "rare"), name="y")  # independent: a root node
    augmenter = CausalMixAugmenter(intervention_scale=50.0, intervention_nodes="roots", **FAST).fit(X, y)
    assert all(scm.graph.in_degree("y") == 0 for scm in augmenter.scms_)
    _, y_syn = augmenter.sample(4000, random_state=0)
    assert (y_syn == "rare").mean() == pytest.approx(0.1, abs=0.03)  # flattened would be 0.5
    with pytest.raises(ValueError, match="label"):
        CausalMixAugmenter(intervention_nodes=["a", "y"], **FAST).fit(X, y)
    with pytest.raises(ValueError, match="not feature columns"):
        CausalMixAugmenter(intervention_nodes=["z"], **FAST).fit(X, y)
    with pytest.raises(ValueError, match="intervention_scale"):
        CausalMixAugmenter(intervention_scale=0.0, **FAST).fit(X, y)


def test_widening_flattens_categorical_levels():
    X, y = mixed_table(n=300)
    X["c"] = pd.Categorical(np.where(np.arange(300) % 10 == 0, "high", "low"), categories=["high", "low"])
    augmenter = CausalMixAugmenter(intervention_nodes=["c"], **FAST).fit(X, y)
    plain = (augmenter.sample(4000, random_state=0)[0]["c"] == "high").mean()
    flat = (augmenter.set_params(intervention_scale=4.0).sample(4000, random_state=0)[0]["c"] == "high").mean()
    assert plain == pytest.approx(0.1, abs=0.03)
    assert flat == pytest.approx(0.1 / 4 + 0.75 / 2, abs=0.04)


def test_extrapolated_quantiles_continue_the_tails_linearly():
    values = np.sort(np.random.default_rng(0).uniform(10, 20, 200))
    inside = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(extrapolated_quantiles(inside, values), from_normal_scores(inside, values))
    far = extrapolated_quantiles(np.array([-6.0, -5.0, 5.0, 6.0]), values)
    assert far[0] < far[1] < 10 and 20 < far[2] < far[3]
    assert far[3] - far[2] == pytest.approx(far[1] - far[0], rel=0.5)


@pytest.mark.slow
def test_wide_tables_run_the_cheap_form_with_a_warning():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.integers(0, 3, size=(120, 105)), columns=[f"f{i}" for i in range(105)])
    y = pd.Series(np.where(X["f0"] > 0, "p", "n"), name="y")
    augmenter = CausalMixAugmenter(n_bootstrap=1, n_dags=1)
    with pytest.warns(UserWarning, match="discovery ran FCI with the Fisher-z test and conditioning sets of at most 1 variable"):
        augmenter.fit(X, y)       # every node discrete: "auto" would pick G-square on a narrow table
    assert augmenter.sample(10, random_state=0)[0].shape == (10, 105)
    mechanisms = {type(augmenter.scms_[0].causal_mechanism(node)).__name__
                  for node in augmenter.scms_[0].graph.nodes if augmenter.scms_[0].graph.in_degree(node)}
    assert mechanisms == {"ClassifierFCM"}
    fitted = {type(augmenter.scms_[0].causal_mechanism(node).classifier_model.sklearn_model).__name__
              for node in augmenter.scms_[0].graph.nodes if augmenter.scms_[0].graph.in_degree(node)}
    assert all("Logistic" in name for name in fitted), fitted


def test_user_mistakes_get_clear_errors():
    X, y = mixed_table(n=50)
    with pytest.raises(ValueError, match="mechanisms"):
        CausalMixAugmenter(mechanisms="deep").fit(X, y)
    with pytest.raises(ValueError, match="at least 5 rows"):
        CausalMixAugmenter().fit(X.iloc[:4], y.iloc[:4])
    with pytest.raises(ValueError, match="two classes"):
        CausalMixAugmenter().fit(X, y.map(lambda _: "no"))


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


# ------------------------------------------------------------------ hard tables
def test_a_node_with_causes_of_its_own_is_not_collapsed_into_a_correlated_parent():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=300), rng.normal(size=300)
    X = pd.DataFrame({"a": a, "z": 5 * a + b, "b": b})  # r(a, z) = 0.98, yet z has a second cause
    y = pd.Series(np.where(b + rng.normal(size=300) > 0, "p", "n"), name="y")
    assert CausalMixAugmenter(**FAST).fit(X, y).near_duplicates_ == {}
    assert CausalMixAugmenter(near_duplicate_correlation=0.95, **FAST).fit(X, y).near_duplicates_ == {"z": "a"}


def derived_columns_table(n: int = 300) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(1)
    a, b = rng.lognormal(size=n), rng.lognormal(size=n)
    X = pd.DataFrame({"a": a, "b": b, "noise": rng.normal(size=n), "total": a + b, "ratio": a / b})
    return X, pd.Series(np.where(np.log(a / b) + rng.normal(size=n) > 0, "p", "n"), name="y")


def test_columns_that_others_determine_are_generated_without_noise():
    X, y = derived_columns_table()
    augmenter = CausalMixAugmenter(**FAST).fit(X, y)
    assert set(augmenter.dependencies_) == {"total", "ratio"}
    assert augmenter.dependencies_["ratio"].log and not augmenter.dependencies_["total"].log
    assert "total" not in augmenter.edge_probabilities_.index.difference(X.columns)
    X_syn, _ = augmenter.sample(500, random_state=0)
    np.testing.assert_allclose(X_syn["total"], X_syn["a"] + X_syn["b"], rtol=1e-9)
    np.testing.assert_allclose(X_syn["ratio"], X_syn["a"] / X_syn["b"], rtol=1e-9)
    noisy = CausalMixAugmenter(deterministic_tolerance=None, **FAST).fit(X, y)
    assert noisy.dependencies_ == {}
    X_noisy, _ = noisy.sample(500, random_state=0)
    assert np.abs(X_noisy["total"] - X_noisy["a"] - X_noisy["b"]).mean() > 0.01


def test_a_noisy_relation_is_not_a_dependency():
    from causalmix.augment.functional import find_dependencies

    X, _ = derived_columns_table()
    rng = np.random.default_rng(2)
    X["total"] = X["a"] + X["b"] + rng.normal(scale=0.05, size=len(X))  # 2 % of its spread
    assert set(find_dependencies(X, tolerance=1e-3)) == {"ratio"}
    assert set(find_dependencies(X, tolerance=0.1)) == {"ratio", "total"}


# ------------------------------------------------------------------ wide tables and time limits
def test_a_2000_column_table_is_screened_and_sampled_in_its_schema():
    from benchmarks.augment import wide_table

    X, y = wide_table(60, 2000)
    augmenter = CausalMixAugmenter(**FAST)
    with pytest.warns(UserWarning, match=r"only the label and the 49 features most correlated with it entered "
                                         r"discovery \(max_discovery_nodes=50\)"):
        augmenter.fit(X, y)
    kept = set(X.columns) - set(augmenter.screened_out_) - set(augmenter.near_duplicates_)
    assert len(kept) <= 49 and len(augmenter.screened_out_) >= 2000 - 49 - len(augmenter.near_duplicates_)
    for feature, parent in list(augmenter.screened_out_.items())[:50]:
        assert parent in kept | {"label"} and set(augmenter.most_probable_dag_.predecessors(feature)) == {parent}
    X_syn, y_syn = augmenter.sample(30, random_state=0)
    assert list(X_syn.columns) == list(X.columns) and (X_syn.dtypes == X.dtypes).all()
    assert set(X_syn["f0"]) <= set(X["f0"]) and set(y_syn) <= {"yes", "no"} and X_syn.notna().all().all()


def test_screening_keeps_the_features_that_predict_the_label():
    rng = np.random.default_rng(0)
    signal = rng.normal(size=200)
    X = pd.DataFrame({f"noise{i}": rng.normal(size=200) for i in range(8)}).assign(signal=signal)
    y = pd.Series(np.where(signal + 0.3 * rng.normal(size=200) > 0, "p", "n"), name="y")
    augmenter = CausalMixAugmenter(max_discovery_nodes=4, wide_table_nodes=100, **FAST)
    with pytest.warns(UserWarning, match=r"the other 6 features became the only child"):
        augmenter.fit(X, y)
    assert "signal" not in augmenter.screened_out_ and len(augmenter.screened_out_) == 9 - 3


def test_time_limit_skips_resamples_and_scms_with_a_warning():
    X, y = mixed_table()
    augmenter = CausalMixAugmenter(n_bootstrap=3, n_dags=3, time_limit=1e-6)
    with pytest.warns(UserWarning, match=r"time_limit=1e-06 s passed while fitting: discovery averaged 1 of "
                                         r"n_bootstrap=3 resamples and 1 of n_dags=3 SCMs were fitted"):
        augmenter.fit(X, y)
    assert len(augmenter.scms_) == len(augmenter.dags_) == 1
    X_syn, _ = augmenter.sample(50, random_state=0)
    assert list(X_syn.columns) == list(X.columns)
    with pytest.raises(ValueError, match="time_limit must be a positive number of seconds"):
        CausalMixAugmenter(time_limit=0).fit(X, y)
