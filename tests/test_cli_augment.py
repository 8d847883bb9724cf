"""``causalmix augment``: a user's CSV or Parquet table in, synthetic rows in its schema out."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from causalmix.cli import main

FAST_CAUSALMIX = ["--n", "60"]


@pytest.fixture
def table_csv(tmp_path):
    rng = np.random.default_rng(0)
    n = 80
    a = rng.normal(size=n)
    table = pd.DataFrame({"age": rng.integers(20, 70, n), "a": a, "colour": np.where(a > 0, "red", "blue"),
                          "outcome": (a + rng.normal(size=n) > 0).astype(int), "grade": rng.integers(1, 4, n)})
    path = tmp_path / "data.csv"
    table.to_csv(path, index=False)
    return path, table


def test_writes_synthetic_rows_in_the_input_schema_with_edges_and_graph(table_csv, tmp_path, capsys):
    path, table = table_csv
    out, edges, graph = tmp_path / "synthetic.csv", tmp_path / "edges.csv", tmp_path / "dag.png"
    status = main(["augment", str(path), "--target", "outcome", "--out", str(out), *FAST_CAUSALMIX,
                   "--categorical", "grade", "--edges", str(edges), "--graph", str(graph)])
    assert status == 0
    synthetic = pd.read_csv(out)
    assert list(synthetic.columns) == list(table.columns) and len(synthetic) == 60
    assert (synthetic.dtypes == table.dtypes).all()
    assert set(synthetic["outcome"]) <= {0, 1} and set(synthetic["grade"]) <= {1, 2, 3}
    assert set(synthetic["colour"]) <= {"red", "blue"}
    probabilities = pd.read_csv(edges, index_col=0)
    assert list(probabilities.index) == ["age", "a", "colour", "grade", "outcome"]
    assert graph.stat().st_size > 0
    printed = capsys.readouterr().out
    assert "categorical: colour, grade" in printed and "fit " in printed and "sample 60 rows" in printed


@pytest.mark.parametrize("generator", ["copula", "smote"])
def test_other_generators_write_parquet_and_refuse_a_graph(table_csv, tmp_path, generator):
    path, table = table_csv
    out = tmp_path / "synthetic.parquet"
    assert main(["augment", str(path), "--target", "outcome", "--out", str(out), "--n", "40",
                 "--generator", generator]) == 0
    synthetic = pd.read_parquet(out)
    pd.testing.assert_series_equal(synthetic.dtypes, table.dtypes)
    assert main(["augment", str(path), "--target", "outcome", "--out", str(out), "--generator", generator,
                 "--graph", str(tmp_path / "dag.png")]) == 2


@pytest.mark.parametrize("arguments, message", [
    (["missing.csv", "--target", "outcome"], "missing.csv: no such file"),
    (["{table}", "--target", "outcom"], "no target column 'outcom'. Did you mean 'outcome'?"),
    (["{table}", "--target", "outcome", "--generator", "copular"], "unknown generator 'copular'. Did you mean 'copula'?"),
    (["{table}", "--target", "outcome", "--categorical", "shade"], "--categorical names column(s) ['shade']"),
    (["{broken}", "--target", "outcome"], "broken.parquet: cannot read it as parquet"),
])
def test_errors_name_the_file_column_or_generator(table_csv, tmp_path, capsys, arguments, message):
    path, _ = table_csv
    broken = tmp_path / "broken.parquet"
    broken.write_text("not parquet")
    arguments = [a.format(table=path, broken=broken) for a in arguments]
    assert main(["augment", *arguments, "--out", str(tmp_path / "out.csv")]) == 2
    assert message in capsys.readouterr().err


def test_runs_as_a_module(table_csv, tmp_path):
    path, table = table_csv
    out = tmp_path / "synthetic.csv"
    result = subprocess.run([sys.executable, "-m", "causalmix.cli", "augment", str(path), "--target", "outcome",
                             "--out", str(out), "--n", "30", "--generator", "copula", "--seed", "3"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "copula: fit" in result.stdout
    assert list(pd.read_csv(out).columns) == list(table.columns)
