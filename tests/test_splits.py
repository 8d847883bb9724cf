"""Outer folds, data scarcity and validation splits."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from causalmix.data import DatasetError, load_dataset
from causalmix.splits import make_split, outer_folds

SPLIT_IN_SUBPROCESS = """
import json, sys
from causalmix.data import load_dataset
from causalmix.splits import make_split
y = load_dataset("wine").y
print(json.dumps(make_split(y, fold=3, n_train=60, val_fraction=0.25, seed=7).to_dict()))
"""


def test_same_seed_same_indices_in_two_processes():
    runs = [subprocess.run([sys.executable, "-c", SPLIT_IN_SUBPROCESS], capture_output=True,
                           text=True, check=True).stdout for _ in range(2)]
    assert runs[0] == runs[1]
    here = make_split(load_dataset("wine").y, fold=3, n_train=60, val_fraction=0.25, seed=7)
    assert json.loads(runs[0]) == here.to_dict()


def test_other_seed_other_indices():
    y = load_dataset("wine").y
    a = make_split(y, fold=0, n_train=60, seed=0)
    b = make_split(y, fold=0, n_train=60, seed=1)
    assert not np.array_equal(a.train, b.train)


def test_folds_partition_the_rows_and_are_stratified():
    y = load_dataset("breast_cancer").y
    folds = outer_folds(y, n_folds=10, seed=0)
    tests = np.concatenate([test for _, test in folds])
    assert np.array_equal(np.sort(tests), np.arange(len(y)))
    share = (y == y.cat.categories[0]).mean()
    for train, test in folds:
        assert abs((y.iloc[test] == y.cat.categories[0]).mean() - share) < 0.05
        assert np.intersect1d(train, test).size == 0


def test_scarce_split_sizes_and_disjointness():
    y = load_dataset("breast_cancer").y
    split = make_split(y, fold=2, n_train=100, val_fraction=0.2, seed=0)
    assert len(split.train) + len(split.val) == 100
    assert len(split.val) == 20
    parts = [split.train, split.val, split.test]
    for i in range(3):
        for j in range(i + 1, 3):
            assert np.intersect1d(parts[i], parts[j]).size == 0
    test_fold = outer_folds(y, seed=0)[2][1]
    assert np.array_equal(split.test, np.sort(test_fold))


def test_scarcity_keeps_two_rows_of_a_rare_class():
    y = pd.Series(["a"] * 990 + ["b"] * 30)
    split = make_split(y, fold=0, n_train=20, val_fraction=0.5, seed=0)
    labels = y.iloc[np.concatenate([split.train, split.val])]
    assert (labels == "b").sum() == 2
    assert (y.iloc[split.train] == "b").sum() == 1 and (y.iloc[split.val] == "b").sum() == 1


def test_more_rows_requested_than_the_fold_has():
    y = load_dataset("wine").y
    with pytest.raises(DatasetError, match="'wine': n_train=500 exceeds the 160 rows"):
        make_split(y, n_train=500, name="wine")


def test_a_class_with_one_row_cannot_be_stratified():
    y = pd.Series(["a"] * 50 + ["b"])
    with pytest.raises(DatasetError, match="'toy': cannot stratify .* have \\[1\\] row"):
        make_split(y, n_train=20, name="toy")


def test_n_train_too_small_for_the_classes():
    y = load_dataset("wine").y
    with pytest.raises(DatasetError, match="too small to keep 2 rows of each of 3 classes"):
        make_split(y, n_train=5)


def test_credit_g_split_counts(data_dir):
    ds = load_dataset("credit-g", data_dir=data_dir)
    split = make_split(ds.y, fold=0, n_train=512, val_fraction=0.2, seed=0)
    assert (len(split.train), len(split.val), len(split.test)) == (410, 102, 100)
