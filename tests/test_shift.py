"""Domain-shift splits, the runner's `split:` section and the shift analysis (causalmix.splits.shift,
causalmix.metrics.shift)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from causalmix import results
from causalmix.data import load_dataset
from causalmix.data.errors import DatasetError
from causalmix.metrics.shift import compare_shift, drop_reduction, reduction_by_dataset, shift_drops
from causalmix.report.plots import plot_shift, reduction_by_dataset_plot
from causalmix.report.research import control_method, shift_answer
from causalmix.runner import ConfigError, expand, load_config, run_experiment
from causalmix.runner.storage import RECORDS, SPLIT_COLUMNS, consolidate
from causalmix.splits.shift import ClusterShift, QuantileShift, ShiftNotApplicable, make_shift

REPO = Path(__file__).resolve().parents[1]
STRATEGIES = [("quantile", {}), ("category", {}), ("cluster", {})]


@pytest.fixture(autouse=True)
def one_blas_thread():
    """k-means and mutual information on one thread, as in the runner (fast on a shared machine)."""
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def table() -> tuple[pd.DataFrame, pd.Series]:
    """600 rows: two informative numerics (one with missing values), a noise numeric, a
    five-level categorical that shifts the label, three classes."""
    rng = np.random.default_rng(0)
    n = 600
    x1, x2, noise = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    x2[rng.choice(n, 30, replace=False)] = np.nan
    group = rng.choice(list("abcde"), size=n)
    score = 1.5 * x1 + np.nan_to_num(x2) + (group == "a") - (group == "e") + rng.normal(scale=0.5, size=n)
    labels = np.select([score < -1.0, score < 1.0], ["low", "mid"], "high")
    X = pd.DataFrame({"x1": x1, "x2": x2, "noise": noise, "group": pd.Categorical(group)})
    return X, pd.Series(pd.Categorical(labels), name="label")


@pytest.mark.parametrize("strategy, params", STRATEGIES)
def test_every_strategy_is_deterministic_for_a_seed(table, strategy, params):
    X, y = table
    shift = make_shift(strategy, **params)
    first = shift.split(X, y, fold=1, n_train=96, seed=3)
    again = shift.split(X, y, fold=1, n_train=96, seed=3)
    assert first.description == again.description
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(first.split, part), getattr(again.split, part))
    other = shift.split(X, y, fold=1, n_train=96, seed=4)
    assert not np.array_equal(first.split.train, other.split.train)  # the seed draws other scarce rows


@pytest.mark.parametrize("strategy, params", STRATEGIES)
def test_source_and_target_are_disjoint_and_sized(table, strategy, params):
    X, y = table
    shifted = make_shift(strategy, **params).split(X, y, fold=0, n_train=96, val_fraction=0.25, seed=0)
    train, val, test = shifted.split.train, shifted.split.val, shifted.split.test
    assert len(train) + len(val) == 96 and len(val) == 24
    assert not (set(train) | set(val)) & set(test)
    assert not set(train) & set(val)
    source_rows = shifted.description["shift_source_rows"]
    assert source_rows + len(test) <= len(X)
    for part in (train, val, test):  # every class in every part
        assert set(y.iloc[part]) == set(y)


def test_quantile_domains_follow_the_threshold(table):
    X, y = table
    below = QuantileShift(feature="x2", q=0.7).split(X, y, n_train=96, seed=0)
    threshold = below.description["shift_threshold"]
    assert threshold == pytest.approx(X["x2"].quantile(0.7))
    assert (X["x2"].iloc[below.split.train] <= threshold).all()
    assert (X["x2"].iloc[below.split.test] > threshold).all()
    # Rows missing the shift feature belong to neither domain.
    assert below.description["shift_source_rows"] + len(below.split.test) == X["x2"].notna().sum()
    above = QuantileShift(feature="x2", q=0.7, source="above").split(X, y, n_train=96, seed=0)
    assert (X["x2"].iloc[above.split.test] < above.description["shift_threshold"]).all()
    assert len(above.split.test) == pytest.approx(0.3 * X["x2"].notna().sum(), abs=2)


def test_automatic_choices_rank_features_and_vary_with_the_fold(table):
    X, y = table
    features = [QuantileShift().split(X, y, fold=f, n_train=96).description["shift_feature"] for f in range(2)]
    assert features == ["x1", "x2"]  # by mutual information with the label; "noise" comes last
    category = make_shift("category")
    levels = [json.loads(category.split(X, y, fold=f, n_train=96).description["shift_levels"]) for f in range(4)]
    assert category.split(X, y, fold=0, n_train=96).description["shift_feature"] == "group"
    assert all(0 < len(chosen) < 5 for chosen in levels)
    assert len({tuple(chosen) for chosen in levels}) > 1  # folds draw other level subsets
    clusters = [ClusterShift().domains(X, y, fold=f) for f in range(3)]
    sizes = [len(c.target) for c in clusters]
    assert sizes == sorted(sizes, reverse=True) and [c.description["shift_cluster"] for c in clusters] == [0, 1, 2]


def test_category_levels_given_fix_the_target(table):
    X, y = table
    shifted = make_shift("category", feature="group", levels=["a", "b"]).split(X, y, fold=2, n_train=96)
    assert set(X["group"].iloc[shifted.split.test]) == {"a", "b"}
    assert not set(X["group"].iloc[shifted.split.train]) & {"a", "b"}
    assert json.loads(shifted.description["shift_levels"]) == ["a", "b"]


def test_a_class_absent_from_a_domain_is_not_applicable():
    iris = load_dataset("iris")
    with pytest.raises(ShiftNotApplicable, match=r"'setosa' \(0 rows\) in the target domain") as error:
        QuantileShift(feature="petal length (cm)").split(iris.X, iris.y, n_train=30)
    assert error.value.description["shift_feature"] == "petal length (cm)"  # recorded with the skip
    with pytest.raises(ShiftNotApplicable, match="has 0 with > 2 distinct values"):
        QuantileShift().split(iris.X[[]].assign(flag=0), iris.y, n_train=30)
    with pytest.raises(ShiftNotApplicable, match="fewer than n_train=500"):
        ClusterShift(n_clusters=2, cluster=0).split(load_dataset("breast_cancer").X,
                                                     load_dataset("breast_cancer").y, n_train=500)


def test_user_mistakes_name_the_problem(table):
    X, y = table
    with pytest.raises(ValueError, match="'x3' is not a column of the dataset. Did you mean 'x2', 'x1'"):
        QuantileShift(feature="x3").split(X, y, n_train=96)
    with pytest.raises(ValueError, match="'group' is not numeric"):
        QuantileShift(feature="group").split(X, y, n_train=96)
    with pytest.raises(ValueError, match=r"Shift levels \['z'\] are not observed in 'group'"):
        make_shift("category", feature="group", levels="z").split(X, y, n_train=96)
    with pytest.raises(DatasetError, match="too small to keep 2 rows"):
        QuantileShift().split(X, y, n_train=4)
    with pytest.raises(ValueError, match="Unknown shift strategy 'quantil'. Did you mean 'quantile'"):
        make_shift("quantil")


BASE = {"name": "t", "datasets": ["wine"], "methods": ["zero_shot"]}


@pytest.mark.parametrize("split, message", [
    ({"strategy": "quantil"}, "split: unknown strategy 'quantil'. Did you mean 'quantile'"),
    ({"q": 0.5}, "split: `strategy` is required"),
    ({"strategy": "quantile", "q": 1.5}, "q must be a number in (0, 1)"),
    ({"strategy": "quantile", "sourse": "above"}, "unknown parameter 'sourse'. Did you mean 'source'"),
    ({"strategy": "quantile", "source": "left"}, "source must be 'below' or 'above'"),
    ({"strategy": "cluster", "n_clusters": 1}, "n_clusters must be an integer >= 2"),
    ({"strategy": "cluster", "cluster": 3}, "cluster must be null or an integer in 0..2"),
    ({"strategy": "category", "target_share": 0}, "target_share must be a number in (0, 1)"),
    ({"strategy": "iid", "q": 0.7}, "split (iid takes no parameters): unknown key 'q'"),
    ([{"strategy": "iid"}, {"strategy": "iid"}], "split: duplicate names ['iid', 'iid']"),
    ([{"strategy": "iid"}, "quantile"], "split[1] must be a mapping"),
    ([], "split must be a mapping or a non-empty list"),
])
def test_split_config_errors_name_the_problem(split, message):
    with pytest.raises(ConfigError) as error:
        load_config({**BASE, "split": split})
    assert message in str(error.value)


def test_default_split_keeps_run_ids_and_shift_splits_get_their_own():
    plain = [r.run_id for r in expand(load_config(BASE))]
    assert [r.run_id for r in expand(load_config({**BASE, "split": {"strategy": "iid"}}))] == plain
    both = expand(load_config({**BASE, "split": [{"strategy": "iid"}, {"strategy": "quantile"},
                                                  {"name": "upper", "strategy": "quantile", "source": "above"}]}))
    assert [r.split.name for r in both] == ["iid", "quantile", "upper"]
    assert both[0].run_id == plain[0] and len({r.run_id for r in both}) == 3
    assert len({r.random_state for r in both}) == 1  # common random numbers across splits
    augmented = expand(load_config({**BASE, "datasets": ["wine", "iris"], "methods": ["smote"],
                                    "split": [{"strategy": "iid"}, {"strategy": "quantile"}]}))
    assert len({r.synthetic_id for r in augmented}) == 4  # one sample per (dataset, split)


def test_shipped_shift_config_validates(data_dir):
    config = load_config(REPO / "configs" / "shift.yaml", data_dir=str(data_dir))
    assert [s.strategy for s in config.splits][0] == "iid" and len(config.splits) >= 2
    assert {"zero_shot", "finetune", "causalmix", "causalmix_interventional"} <= {m.name for m in config.methods}
    assert config.method("causalmix_interventional").generator_params["intervention_scale"] > 1


def test_results_written_before_split_strategies_read_as_iid(tmp_path):
    shutil.copytree(REPO / "results" / "default" / RECORDS, tmp_path / RECORDS)
    old = pd.read_parquet(REPO / "results" / "default" / "runs.parquet")
    runs, _ = consolidate(tmp_path, list(old["run_id"]))
    assert (runs["split"] == "iid").all()
    pd.testing.assert_frame_equal(runs.drop(columns=[c for c in SPLIT_COLUMNS if c not in old]), old)


def test_tiny_shift_grid_end_to_end(tmp_path):
    config = load_config({
        "name": "shift", "datasets": ["breast_cancer", "iris"], "folds": [0], "n_train": [48],
        "split": [{"strategy": "iid"}, {"strategy": "quantile", "q": 0.7}],
        "finetune": {"max_steps": 2, "eval_every": 1, "patience": 1},
        "methods": ["zero_shot", "finetune"]})
    summary = run_experiment(config, tmp_path, progress=False)
    assert summary.failures == [] and summary.n_ok == 6 and len(summary.not_applicable) == 2
    assert "SKIPPED iris split=quantile fold=0" in str(summary)
    runs = results.load(tmp_path).runs
    assert list(runs["split"]) == ["iid", "iid", "quantile", "quantile"] * 2
    skipped = runs[runs["status"] == "skipped"]
    assert set(skipped["dataset"]) == {"iris"} and skipped["skip_reason"].str.contains("target domain").all()
    assert skipped["roc_auc"].isna().all() and skipped["shift_feature"].notna().all()
    shifted = runs[(runs["split"] == "quantile") & (runs["status"] == "ok")]
    assert (shifted["shift_strategy"] == "quantile").all() and shifted["shift_threshold"].notna().all()
    assert (shifted["n_test_rows"] == len(load_dataset("breast_cancer").y) - shifted["shift_source_rows"]).all()
    assert runs.loc[runs["split"] == "iid", "shift_strategy"].isna().all()
    manifest = results.load(tmp_path).manifest
    assert (manifest["n_ok"], manifest["n_failed"], manifest["n_not_applicable"]) == (6, 0, 2)
    rerun = run_experiment(config, tmp_path, progress=False)  # skipped runs are complete
    assert (rerun.n_skipped, rerun.n_ok, rerun.not_applicable) == (8, 0, [])
    comparison = compare_shift(runs, n_resamples=100)
    assert set(comparison.drops.index.get_level_values("split")) == {"quantile"}


def _runs(scores: dict, datasets: int = 1, n_train: int = 64) -> pd.DataFrame:
    """A runs table from {(split, fold, method): roc_auc}, the same scores on each of ``datasets``."""
    return pd.DataFrame([{"dataset": f"d{d}", "fold": fold, "n_train": n_train, "seed": 0, "split": split,
                          "method": method, "status": "ok", "roc_auc": value}
                         for d in range(datasets) for (split, fold, method), value in scores.items()])


def test_drop_and_its_reduction_by_hand():
    scores = {("iid", 0, "finetune"): 0.90, ("iid", 1, "finetune"): 0.80,
              ("iid", 0, "causalmix"): 0.85, ("iid", 1, "causalmix"): 0.85,
              ("shift", 0, "finetune"): 0.70, ("shift", 0, "causalmix"): 0.80,
              ("shift", 1, "finetune"): 0.75, ("shift", 1, "causalmix"): 0.75}
    drops = shift_drops(_runs(scores), "roc_auc").set_index(["fold", "method"])["drop"]
    assert drops.to_dict() == pytest.approx({(0, "finetune"): 0.15, (0, "causalmix"): 0.05,
                                             (1, "finetune"): 0.10, (1, "causalmix"): 0.10})
    reduction = drop_reduction(shift_drops(_runs(scores)), "causalmix", "finetune")
    assert reduction.set_index("fold")["reduction"].to_dict() == pytest.approx({0: 0.10, 1: 0.0})
    # log loss: lower is better, so a rise under shift is a positive drop.
    loss = _runs(scores).rename(columns={"roc_auc": "log_loss"})
    assert shift_drops(loss, "log_loss").set_index(["fold", "method"]).loc[(0, "finetune"), "drop"] == \
        pytest.approx(-0.15)


def test_compare_shift_verdicts():
    rng = np.random.default_rng(0)
    scores = {}
    for fold in range(8):
        scores[("iid", fold, "finetune")] = scores[("iid", fold, "causalmix")] = 0.9
        scores[("iid", fold, "zero_shot")] = 0.85
        scores[("shift", fold, "finetune")] = 0.7 + rng.uniform(0, 0.02)
        scores[("shift", fold, "causalmix")] = 0.8 + rng.uniform(0, 0.02)  # loses less
        scores[("shift", fold, "zero_shot")] = 0.55 + rng.uniform(0, 0.02)  # loses more
    comparison = compare_shift(_runs(scores, datasets=5), n_resamples=500)
    verdicts = comparison.reduction["verdict"].to_dict()
    assert verdicts == {("shift", 64, "causalmix"): "supported", ("shift", 64, "zero_shot"): "contradicted"}
    assert (comparison.reduction["n_datasets"] == 5).all() and (comparison.reduction["p"] < 0.01).all()
    assert (comparison.reduction["p_holm"] >= comparison.reduction["p"]).all()
    assert list(comparison.scores.index) == [(s, 64, m) for s in ("iid", "shift")
                                             for m in ("finetune", "causalmix", "zero_shot")]
    drop = comparison.drops.loc[("shift", 64, "causalmix")]
    assert drop["ci_low"] <= drop["mean"] <= drop["ci_high"] and drop["mean"] == pytest.approx(0.09, abs=0.011)
    few = compare_shift(_runs(scores, datasets=4), n_resamples=100)  # fewer than MIN_DATASETS
    assert (few.reduction["verdict"] == "not testable here").all() and few.reduction["ci_low"].isna().all()
    with pytest.raises(ValueError, match="No successful run under the i.i.d. split 'iid'"):
        shift_drops(_runs({("shift", 0, "finetune"): 0.7}))


def test_shift_is_compared_per_training_size_and_per_dataset():
    # At 32 rows CausalMixFT loses 0.1 less than plain fine-tuning under shift; at 128 the same.
    small = {("iid", f, m): 0.9 for f in range(2) for m in ("finetune", "causalmix")}
    small.update({("shift", f, "finetune"): 0.7 for f in range(2)})
    small.update({("shift", f, "causalmix"): 0.8 for f in range(2)})
    large = {key: value for key, value in small.items() if key[2] == "finetune" or key[0] == "iid"}
    large.update({("shift", f, "causalmix"): 0.7 for f in range(2)})
    runs = pd.concat([_runs(small, datasets=5, n_train=32), _runs(large, datasets=5, n_train=128)])
    comparison = compare_shift(runs, n_resamples=100)
    reduction = comparison.reduction["mean"]
    assert reduction.to_dict() == pytest.approx({("shift", 32, "causalmix"): 0.1, ("shift", 128, "causalmix"): 0.0})
    by_dataset = reduction_by_dataset(runs, "causalmix")
    assert list(by_dataset.index.names) == ["split", "n_train", "dataset"] and (by_dataset["n"] == 2).all()
    assert by_dataset.xs(32, level="n_train")["reduction"].tolist() == pytest.approx([0.1] * 5)
    fig = plot_shift(comparison)
    assert len(fig.axes) == 4 and fig.axes[0].get_title() == "n_train = 32"
    ax = reduction_by_dataset_plot(by_dataset, "drop reduction")
    assert len(ax.collections) == 2 and len(ax.get_yticklabels()) == 5


def test_the_research_answer_leads_with_the_verdicts_and_names_the_range_of_reductions():
    def answer(causalmix_shift_score, datasets=5):
        rng = np.random.default_rng(1)
        scores = {}
        for fold in range(6):
            for method in ("finetune", "causalmix", "copula"):
                scores[("iid", fold, method)] = 0.9
            scores[("shift", fold, "finetune")] = 0.70 + rng.uniform(0, 0.01)
            scores[("shift", fold, "causalmix")] = causalmix_shift_score + rng.uniform(0, 0.01)
            scores[("shift", fold, "copula")] = 0.70 + rng.uniform(0, 0.01)
        runs = _runs(scores, datasets=datasets)
        return shift_answer(compare_shift(runs, n_resamples=200), "causalmix",
                            compare_shift(runs, reference="copula", n_resamples=200))

    assert control_method(["finetune", "copula"]) == "copula" and control_method(["finetune"]) is None
    better = answer(0.80)
    assert better.startswith("**Yes, in 1 of 1 cells.** On 5 datasets per")
    assert "per cell (dataset-level CIs, Holm-adjusted): 1 supported" in better
    assert "under `shift` shift at n_train = 64" in better
    assert "Against the non-causal control copula" in better and "smaller in: 1 supported cells" in better
    worse = answer(0.60)
    assert worse.startswith("**No: it loses more in 1 of 1 cells.**") and "1 contradicted" in worse
    assert answer(0.70).startswith("**Not shown.**")
    too_few = answer(0.80, datasets=4)
    assert too_few.startswith("**Not shown.**") and "(not testable here) under `shift` shift" in too_few


def test_cluster_labels_are_computed_once_per_table_and_match_a_fresh_clustering():
    """The k-means labelling a grid asks for once per fold, size and method is computed once per
    table: the cached labels equal a fresh clustering, and a changed or reordered table gets its own."""
    from causalmix.splits import shift

    X = load_dataset("breast_cancer").X
    y = load_dataset("breast_cancer").y
    shift._KMEANS_CACHE.clear()
    first = [ClusterShift().domains(X, y, fold=f).target for f in range(3)]
    assert len(shift._KMEANS_CACHE) == 1
    shift._KMEANS_CACHE.clear()
    assert all(np.array_equal(a, ClusterShift().domains(X, y, fold=f).target) for f, a in enumerate(first))
    reordered = X.iloc[::-1]
    shift._kmeans_labels(reordered, 3, 0)
    changed = X.assign(**{X.columns[0]: X[X.columns[0]] * 2})
    shift._kmeans_labels(changed, 3, 0)
    assert len(shift._KMEANS_CACHE) == 3
