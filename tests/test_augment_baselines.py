"""Competing generators (SMOTE family, CTGAN, TabEBM, TableAugment): schema, determinism, class
shares, specifics.

Small tables and tiny training budgets keep this file fast; quality is measured by benchmarks.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from causalmix.augment import AUGMENTERS, make_augmenter
from causalmix.augment.ctgan import CTGANAugmenter
from causalmix.augment.smote import SMOTEAugmenter
from causalmix.augment.tabebm import TabEBMAugmenter
from causalmix.augment.tableaugment import TableAugmentAugmenter
from causalmix.data import load_dataset
from causalmix.models.standin import StandinTFM
from causalmix.splits import stratified_subsample

torch.set_num_threads(1)

N_ROWS = 160
N_SYNTHETIC = 90
GENERATORS = ("smote", "ctgan", "tabebm", "tableaugment")
DATASETS = {
    "wine": "3 classes, all numeric",
    "anneal": "5 classes (one of 8 rows), mostly categorical",
    "Fitness_Club": "binary, missing numeric and categorical values",
    "HR_Analytics_Job_Change_of_Data_Scientists": "binary, missing categoricals, 100+ levels",
    "website_phishing": "3 classes, all categorical",
}


def tiny_model() -> StandinTFM:
    torch.manual_seed(0)
    return StandinTFM(width=16, n_layers=1, n_heads=2, mlp_width=32).eval()


def fast_params(name: str) -> dict:
    """Budgets small enough for a unit test; the defaults are documented in each class."""
    return {
        "smote": {},
        "ctgan": dict(max_steps=2, batch_size=60, pac=10, embedding_dim=8, generator_dim=(16,),
                      discriminator_dim=(16,), random_state=0),
        "tabebm": dict(model=tiny_model(), sgld_steps=3, random_state=0),
        "tableaugment": {},
    }[name]


def load_table(name: str, data_dir, n_rows: int = N_ROWS) -> tuple[pd.DataFrame, pd.Series]:
    """A stratified subsample (at least 2 rows per class) of a built-in or mirror dataset."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # anneal drops constant columns with a warning
        dataset = load_dataset(name, data_dir)
    codes = dataset.y.cat.codes.to_numpy()
    keep = stratified_subsample(codes, min(n_rows, len(codes)), np.random.default_rng(0), 2)
    return dataset.X.iloc[keep].reset_index(drop=True), dataset.y.iloc[keep].reset_index(drop=True)


@pytest.fixture(scope="module", params=[(g, d) for g in GENERATORS for d in DATASETS],
                ids=lambda p: f"{p[0]}-{p[1][:14]}")
def fitted(request, data_dir):
    generator, dataset = request.param
    X, y = load_table(dataset, data_dir)
    augmenter = make_augmenter(generator, **fast_params(generator)).fit(X, y)
    return X, y, augmenter, augmenter.sample(N_SYNTHETIC, random_state=1)


def test_samples_keep_the_schema(fitted):
    X, y, _, (X_syn, y_syn) = fitted
    assert X_syn.shape == (N_SYNTHETIC, X.shape[1])
    assert list(X_syn.columns) == list(X.columns)
    assert X_syn.dtypes.to_dict() == X.dtypes.to_dict()  # category dtypes compare their levels
    assert X_syn.index.equals(pd.RangeIndex(N_SYNTHETIC)) and y_syn.index.equals(X_syn.index)
    assert y_syn.name == y.name and y_syn.dtype == y.dtype
    assert set(y_syn) <= set(y)


def test_same_seed_same_rows_other_seed_other_rows(fitted):
    _, _, augmenter, (X_syn, y_syn) = fitted
    X_again, y_again = augmenter.sample(N_SYNTHETIC, random_state=1)
    pd.testing.assert_frame_equal(X_again, X_syn)
    pd.testing.assert_series_equal(y_again, y_syn)
    X_other, _ = augmenter.sample(N_SYNTHETIC, random_state=2)
    assert not X_other.equals(X_syn)


def test_classes_in_proportion_to_the_training_rows(fitted):
    _, y, _, (_, y_syn) = fitted
    expected = y.value_counts(normalize=True) * N_SYNTHETIC
    observed = y_syn.value_counts().reindex(expected.index, fill_value=0)
    assert (np.abs(observed - expected) < 1).all()
    assert observed.sum() == N_SYNTHETIC


def test_missing_values_only_in_columns_that_had_them(fitted):
    X, _, _, (X_syn, _) = fitted
    never_missing = X.columns[X.notna().all()]
    assert X_syn[never_missing].notna().all().all()


@pytest.mark.parametrize("generator", GENERATORS)
def test_registry_names_build_the_generators(generator):
    expected = {"smote": SMOTEAugmenter, "ctgan": CTGANAugmenter, "tabebm": TabEBMAugmenter,
                "tableaugment": TableAugmentAugmenter}
    assert generator in AUGMENTERS
    assert type(make_augmenter(generator)) is expected[generator]


@pytest.mark.parametrize("generator, params, message", [
    ("smote", dict(k_neighbors=0), "k_neighbors"),
    ("ctgan", dict(batch_size=55), "multiple of pac"),
    ("ctgan", dict(max_steps=0), "max_steps"),
    ("tabebm", dict(sgld_steps=-1), "sgld_steps"),
    ("tabebm", dict(sgld_step_size=float("nan")), "sgld_step_size"),
    ("tableaugment", dict(min_feature_fraction=0.0), "min_feature_fraction"),
    ("tableaugment", dict(max_feature_fraction=1.5), "max_feature_fraction"),
    ("tableaugment", dict(min_feature_fraction=0.8, max_feature_fraction=0.6), "must not exceed"),
    ("tableaugment", dict(rows_per_table=0), "rows_per_table"),
])
def test_bad_parameters_are_clear_errors(generator, params, message):
    X, y = load_table("wine", None, 30)
    with pytest.raises(ValueError, match=message):
        make_augmenter(generator, **params).fit(X, y)


def test_smote_interpolates_within_each_class():
    X, y = load_table("wine", None, 120)
    X_syn, y_syn = SMOTEAugmenter().fit(X, y).sample(200, random_state=0)
    for label in y.unique():
        real, synthetic = X[y == label], X_syn[y_syn == label]
        assert (synthetic.min() >= real.min() - 1e-9).all()
        assert (synthetic.max() <= real.max() + 1e-9).all()


def test_smote_nc_takes_levels_from_the_same_class(data_dir):
    X, y = load_table("credit-g", data_dir)
    X_syn, y_syn = SMOTEAugmenter().fit(X, y).sample(N_SYNTHETIC, random_state=0)
    for label in y.unique():
        for column in X.select_dtypes("category"):
            assert set(X_syn.loc[y_syn == label, column]) <= set(X.loc[y == label, column])


def test_smote_handles_classes_of_one_and_two_rows():
    X, y = load_table("wine", None, 178)
    keep = np.r_[np.flatnonzero(y == "class_0")[:1], np.flatnonzero(y == "class_1")[:2],
                 np.flatnonzero(y == "class_2")[:40]]
    X, y = X.iloc[keep].reset_index(drop=True), y.iloc[keep].reset_index(drop=True)
    X_syn, y_syn = SMOTEAugmenter().fit(X, y).sample(86, random_state=0)
    single = X_syn[y_syn == "class_0"]
    assert len(single) == 2 and (single == X.iloc[0]).all().all()
    pair = X_syn[y_syn == "class_1"]
    assert len(pair) == 4
    assert ((pair >= X.iloc[1:3].min()) & (pair <= X.iloc[1:3].max())).all().all()


def test_ctgan_training_is_reproducible_and_bounded_by_steps():
    X, y = load_table("wine", None, 120)
    X = X.iloc[:, :4]  # CTGAN fits a Bayesian mixture per numeric column: keep the three fits cheap
    params = fast_params("ctgan") | dict(epochs=50, max_steps=5)
    first = CTGANAugmenter(**params).fit(X, y)
    second = CTGANAugmenter(**params).fit(X, y)
    assert first.epochs_ == 2  # 120 rows, batch 60: 2 updates per epoch, 5 steps -> 2 epochs
    capped = CTGANAugmenter(**params | dict(batch_size=500, max_steps=3)).fit(X, y)
    assert (capped.batch_size_, capped.epochs_) == (120, 3)  # batch capped at the 120 rows
    pd.testing.assert_frame_equal(first.sample(50, random_state=0)[0],
                                  second.sample(50, random_state=0)[0])


def test_ctgan_generates_missing_numeric_values_jointly(data_dir):
    X, y = load_table("Fitness_Club", data_dir)
    augmenter = CTGANAugmenter(**fast_params("ctgan")).fit(X, y)
    indicated = [augmenter.schema_.numeric_columns[j] for j in augmenter.indicated_]
    assert indicated == X.columns[X.isna().any() & (X.dtypes == float)].tolist()


def test_tabebm_without_steps_returns_real_rows_of_the_same_class(data_dir):
    X, y = load_table("credit-g", data_dir)
    augmenter = TabEBMAugmenter(model=tiny_model(), sgld_steps=0, starting_point_noise_std=0.0,
                                random_state=0).fit(X, y)
    X_syn, y_syn = augmenter.sample(N_SYNTHETIC, random_state=0)
    real = pd.concat([X, y], axis=1).astype(str).drop_duplicates()
    synthetic = pd.concat([X_syn, y_syn], axis=1).astype(str)
    assert len(synthetic.merge(real, how="inner")) == N_SYNTHETIC


def test_tabebm_sgld_moves_the_chains(data_dir):
    X, y = load_table("wine", None)
    still = TabEBMAugmenter(model=tiny_model(), sgld_steps=0, random_state=0).fit(X, y)
    moved = TabEBMAugmenter(model=tiny_model(), sgld_steps=5, sgld_noise_std=0.1,
                            random_state=0).fit(X, y)
    X_still, _ = still.sample(40, random_state=0)
    X_moved, _ = moved.sample(40, random_state=0)
    assert not np.allclose(X_still.to_numpy(), X_moved.to_numpy())


@pytest.mark.parametrize("columns, n_negatives", [(["alcohol"], 2), (["alcohol", "ash"], 4),
                                                  (None, 4)])
def test_tabebm_surrogate_negatives_are_mirrored_hypercube_corners(columns, n_negatives):
    X, y = load_table("wine", None, 60)
    X = X if columns is None else X[columns]
    augmenter = TabEBMAugmenter(model=tiny_model(), distance_negative_class=5.0,
                                random_state=0).fit(X, y)
    for _, negatives in augmenter.contexts_.values():
        assert negatives.shape == (n_negatives, X.shape[1])
        assert np.all(np.abs(negatives) == 5.0)
        assert {tuple(-row) for row in negatives} == {tuple(row) for row in negatives}


def test_tabebm_on_a_table_wider_than_the_model_moves_a_subset_and_keeps_the_rest_of_real_rows():
    X, y = load_table("wine", None, 60)
    torch.manual_seed(0)
    narrow = StandinTFM(width=16, n_layers=1, n_heads=2, mlp_width=32, max_features=5).eval()
    with pytest.warns(UserWarning, match="limit of 5: SGLD moves a random subset of 5"):
        augmenter = TabEBMAugmenter(model=narrow, sgld_steps=3, sgld_noise_std=0.1,
                                    starting_point_noise_std=0.0, random_state=0).fit(X, y)
    moved = augmenter.sgld_features_
    kept = [c for c in X.columns if c not in moved]
    assert len(moved) == 5 and set(moved) < set(X.columns)
    X_syn, y_syn = augmenter.sample(40, random_state=0)
    assert list(X_syn.columns) == list(X.columns)
    # every synthetic row's unmoved features are those of one real row of its class (up to the
    # float32 round trip of the encoding), while the moved ones left the real rows
    def nearest_real(columns):
        real, synthetic = X[columns].to_numpy(float), X_syn[columns].to_numpy(float)
        scale = real.std(axis=0)
        same_class = y_syn.to_numpy()[:, None] == y.to_numpy()[None, :]
        gaps = (np.abs(synthetic[:, None, :] - real[None, :, :]) / scale).max(axis=2)
        return np.where(same_class, gaps, np.inf).min(axis=1)
    assert nearest_real(kept).max() < 1e-3
    assert nearest_real(moved).min() > 1e-2


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as strings (NaN -> "nan"), so rows with missing values compare and merge as equal."""
    return frame.astype(object).astype(str)


def test_tableaugment_tables_keep_half_to_all_features():
    X, y = load_table("wine", None)
    augmenter = TableAugmentAugmenter(rows_per_table=20).fit(X, y)
    plan = augmenter.cell_sources(210, random_state=0)
    assert plan.table.tolist() == np.repeat(np.arange(11), 20)[:210].tolist()
    subsets = set()
    for table in range(11):
        kept = plan.kept[plan.table == table]
        assert (kept == kept[0]).all()  # one feature subset per augmented table
        assert 0.5 <= kept[0].mean() <= 1.0
        subsets.add(tuple(kept[0]))
    assert len(subsets) > 1
    narrow = TableAugmentAugmenter(min_feature_fraction=0.25, max_feature_fraction=0.25).fit(X, y)
    assert (narrow.cell_sources(50, random_state=0).kept.sum(axis=1) == 4).all()  # ceil(13 / 4)


@pytest.mark.parametrize("dataset", ["wine", "Fitness_Club"])
def test_tableaugment_fills_dropped_features_from_the_real_column(dataset, data_dir):
    X, y = load_table(dataset, data_dir)
    augmenter = TableAugmentAugmenter().fit(X, y)
    plan = augmenter.cell_sources(400, random_state=0)
    X_syn, _ = augmenter.sample(400, random_state=0)
    assert (~plan.kept).any()
    for j, column in enumerate(X.columns):
        dropped = ~plan.kept[:, j]
        real = set(_as_text(X[[column]])[column])
        assert set(_as_text(X_syn.loc[dropped, [column]])[column]) <= real
        expected = X[column].iloc[plan.sources[:, j]].reset_index(drop=True)
        pd.testing.assert_series_equal(X_syn[column], expected)
    # dropped cells are drawn independently of the bootstrapped row, so most differ from it
    own = np.repeat(plan.rows[:, None], X.shape[1], axis=1)
    assert (plan.sources[~plan.kept] != own[~plan.kept]).mean() > 0.9


@pytest.mark.parametrize("stratify", [True, False])
def test_tableaugment_kept_cells_and_label_come_from_one_real_row(stratify, data_dir):
    X, y = load_table("Fitness_Club", data_dir)
    augmenter = TableAugmentAugmenter(rows_per_table=50, stratify=stratify).fit(X, y)
    X_syn, y_syn = augmenter.sample(200, random_state=0)
    plan = augmenter.cell_sources(200, random_state=0)
    assert (y_syn.to_numpy() == y.to_numpy()[plan.rows]).all()
    real = _as_text(pd.concat([X, y], axis=1))
    synthetic = _as_text(pd.concat([X_syn, y_syn], axis=1))
    for table in np.unique(plan.table):
        rows = plan.table == table
        columns = [*X.columns[plan.kept[rows][0]], y.name]
        matched = synthetic.loc[rows, columns].merge(real[columns].drop_duplicates(), how="left",
                                                     on=columns, indicator=True)
        assert (matched["_merge"] == "both").all()


def test_tableaugment_plain_bootstrap_is_reproducible():
    X, y = load_table("wine", None)
    augmenter = TableAugmentAugmenter(stratify=False).fit(X, y)
    X_syn, y_syn = augmenter.sample(300, random_state=5)
    X_again, y_again = augmenter.sample(300, random_state=5)
    pd.testing.assert_frame_equal(X_syn, X_again)
    pd.testing.assert_series_equal(y_syn, y_again)
    assert not augmenter.sample(300, random_state=6)[0].equals(X_syn)
