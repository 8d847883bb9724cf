"""TableSchema: recording a table's schema and restoring generated rows to it exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from causalmix.augment.schema import MISSING_CODE, TableSchema


@pytest.fixture
def table() -> tuple[pd.DataFrame, pd.Series]:
    X = pd.DataFrame({
        "count": np.array([3, 1, 4, 1, 5, 9], dtype=np.int64),
        "ratio": [0.5, np.nan, 1.5, 2.0, np.nan, 0.1],
        # "z" is a category that never occurs; missing values are allowed
        "colour": pd.Categorical(["red", None, "blue", "red", "blue", None],
                                 categories=["blue", "red", "z"]),
        "city": np.array(["b", "a", "c", "a", "b", "c"], dtype=object),
        "flag": [True, False, True, True, False, False],
        "small": np.array([1, 2, 3, 4, 5, 6], dtype=np.int32),
    })
    y = pd.Series(pd.Categorical(["yes", "no", "yes", "yes", "no", "yes"],
                                 categories=["maybe", "no", "yes"]), name="answer")
    return X, y


def test_record_splits_columns_and_counts_observed_classes(table):
    X, y = table
    schema = TableSchema.record(X, y)
    assert schema.columns == list(X.columns)
    assert schema.numeric_columns == ["count", "ratio", "small"]
    assert schema.categorical_columns == ["colour", "city", "flag"]
    assert schema.levels["colour"].tolist() == ["blue", "red", "z"]
    assert schema.levels["city"].tolist() == ["a", "b", "c"]
    assert schema.levels["flag"].tolist() == [False, True]
    # "maybe" is a category of y but has no row: it is never generated
    assert schema.classes.tolist() == ["no", "yes"]
    assert schema.class_counts.tolist() == [2, 4]


def test_codes_round_trip_with_missing_level(table):
    X, y = table
    schema = TableSchema.record(X, y)
    codes = schema.to_codes(X)
    assert codes.dtype == np.int64 and codes.shape == (6, 3)
    assert codes[:, 0].tolist() == [1, MISSING_CODE, 0, 1, 0, MISSING_CODE]
    decoded = schema.from_codes(codes)
    restored, _ = schema.restore(pd.concat([X[schema.numeric_columns], decoded], axis=1), y)
    pd.testing.assert_frame_equal(restored, X)


def test_restore_reorders_rounds_and_casts_exactly(table):
    X, y = table
    schema = TableSchema.record(X, y)
    generated = X[X.columns[::-1]].astype(object).copy()
    generated["count"] = [2.6, 0.9, 4.2, 1.0, 5.0, 8.5]
    generated.index = range(10, 16)
    restored, labels = schema.restore(generated, y.astype(str).to_numpy())
    assert list(restored.columns) == list(X.columns)
    assert (restored.dtypes == X.dtypes).all()
    assert restored["count"].tolist() == [3, 1, 4, 1, 5, 8]
    assert restored.index.equals(pd.RangeIndex(6))
    assert restored["colour"].cat.categories.equals(X["colour"].cat.categories)
    assert labels.name == "answer" and labels.dtype == y.dtype
    assert labels.tolist() == y.tolist()


@pytest.mark.parametrize("column, value, message", [
    ("colour", "green", "not among its categories"),
    ("count", np.nan, "missing value"),
    ("flag", np.nan, "missing value"),
])
def test_restore_rejects_values_the_schema_cannot_hold(table, column, value, message):
    X, y = table
    schema = TableSchema.record(X, y)
    broken = X.astype({column: object})
    broken.loc[0, column] = value
    with pytest.raises(ValueError, match=message):
        schema.restore(broken, y)


def test_restore_rejects_missing_columns_and_unseen_classes(table):
    X, y = table
    schema = TableSchema.record(X, y)
    with pytest.raises(ValueError, match="lack column"):
        schema.restore(X.drop(columns="city"), y)
    with pytest.raises(ValueError, match="not seen in fit"):
        schema.restore(X, ["maybe"] * len(X))


@pytest.mark.parametrize("X, y, error, message", [
    (np.zeros((3, 2)), [0, 1, 0], TypeError, "DataFrame"),
    (pd.DataFrame({"a": [1, 2, 3]}), [0, 1], ValueError, "3 rows but y has 2"),
    (pd.DataFrame({"a": [1, 2, 3]}), [0, None, 1], ValueError, "missing label"),
    (pd.DataFrame([[1, 2]], columns=["a", "a"]), [0], ValueError, "duplicate column"),
    (pd.DataFrame(index=range(2)), [0, 1], ValueError, "at least one row and one column"),
])
def test_record_rejects_misuse(X, y, error, message):
    with pytest.raises(error, match=message):
        TableSchema.record(X, y)


def test_draw_labels_follows_class_frequencies_exactly_in_random_order():
    X = pd.DataFrame({"a": range(100)})
    y = pd.Series(["a"] * 70 + ["b"] * 20 + ["c"] * 10)
    schema = TableSchema.record(X, y)
    labels = schema.draw_labels(50, np.random.default_rng(0))
    assert pd.Series(labels).value_counts().to_dict() == {"a": 35, "b": 10, "c": 5}
    assert labels.tolist() != sorted(labels.tolist())
    again = schema.draw_labels(50, np.random.default_rng(0))
    assert labels.tolist() == again.tolist()


def test_draw_labels_rounds_by_largest_remainder():
    X = pd.DataFrame({"a": range(10)})
    schema = TableSchema.record(X, pd.Series(["a"] * 6 + ["b"] * 3 + ["c"]))
    counts = pd.Series(schema.draw_labels(7, np.random.default_rng(1))).value_counts()
    # quotas 4.2, 2.1, 0.7: floors 4 + 2 + 0, the one row left goes to the largest remainder
    assert counts.to_dict() == {"a": 4, "b": 2, "c": 1}
    assert len(schema.draw_labels(0, np.random.default_rng(1))) == 0


@pytest.mark.parametrize("n", [-1, 2.5, "3", True])
def test_draw_labels_rejects_bad_sizes(n):
    schema = TableSchema.record(pd.DataFrame({"a": [1, 2]}), ["x", "y"])
    with pytest.raises(ValueError, match="non-negative integer"):
        schema.draw_labels(n, np.random.default_rng(0))
