"""``causalmix augment``: synthetic rows for a user's own table (CSV or Parquet) with any generator.

The table is read, its categorical columns inferred (category, object, string and bool dtypes,
plus any named with ``--categorical``), a generator is fitted on the features and the target
column, and the synthetic rows are written in the input's schema: the same columns, target
included, in the same order and with the same dtypes, in the format of ``--out``'s suffix.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from causalmix.augment import AUGMENTERS, make_augmenter
from causalmix.columns import is_drawn_as_levels
from causalmix.data.errors import DatasetError
from causalmix.validation import did_you_mean

#: File suffixes the command reads and writes.
FORMATS = (".csv", ".parquet")


def read_table(path: str | Path) -> pd.DataFrame:
    """The table at ``path`` (``.csv`` or ``.parquet``); ``DatasetError`` naming the file otherwise."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise DatasetError(f"{path}: unknown table format {path.suffix!r}; use one of {', '.join(FORMATS)}.")
    if not path.is_file():
        raise DatasetError(f"{path}: no such file.")
    try:
        table = pd.read_csv(path) if path.suffix.lower() == ".csv" else pd.read_parquet(path)
    except Exception as error:  # pandas and pyarrow raise many types for a malformed file
        raise DatasetError(f"{path}: cannot read it as {path.suffix[1:]}: {error}") from error
    if table.empty:
        raise DatasetError(f"{path}: the table has no rows.")
    return table


def write_table(table: pd.DataFrame, path: str | Path) -> None:
    """Write ``table`` to ``path`` in the format of its suffix (``.csv`` without the index)."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise DatasetError(f"{path}: unknown output format {path.suffix!r}; use one of {', '.join(FORMATS)}.")
    if path.suffix.lower() == ".csv":
        table.to_csv(path, index=False)
    else:
        table.to_parquet(path, index=False)


def categorical_columns(table: pd.DataFrame, declared: list[str], source: str) -> list[str]:
    """Columns of ``table`` treated as categorical: inferred from the dtypes, plus ``declared``."""
    unknown = [name for name in declared if name not in table.columns]
    if unknown:
        raise DatasetError(f"{source}: --categorical names column(s) {unknown} that the table lacks.")
    return [name for name in table.columns if name in declared or is_drawn_as_levels(table[name])]


def augment_table(table: pd.DataFrame, target: str, n: int, generator: str = "causalmix", seed: int = 0,
                  categorical: list[str] | None = None, source: str = "table", **params):
    """Fit ``generator`` on ``table`` (features and the ``target`` column) and draw ``n`` rows.

    Returns ``(synthetic, augmenter, seconds)``: the rows in ``table``'s schema, the fitted
    generator (its features as fitted, declared-categorical numeric columns as ``category``)
    and ``{"fit": ..., "sample": ...}`` wall seconds. ``params`` go to the generator.
    """
    if target not in table.columns:
        raise DatasetError(f"{source}: no target column {target!r}.{did_you_mean(target, table.columns)}")
    if generator not in AUGMENTERS:
        raise DatasetError(f"unknown generator {generator!r}.{did_you_mean(generator, AUGMENTERS)} "
                           f"Known: {', '.join(AUGMENTERS)}.")
    labels = table[target]
    if labels.isna().any():
        raise DatasetError(f"{source}: target column {target!r} has {int(labels.isna().sum())} missing value(s).")
    features = table.drop(columns=[target])
    declared = [name for name in categorical_columns(table, categorical or [], source) if name != target]
    # a numeric column declared categorical is fitted as levels and cast back on output
    X = features.assign(**{name: features[name].astype(str).where(features[name].notna()).astype("category")
                           for name in declared if not is_drawn_as_levels(features[name])})
    augmenter = make_augmenter(generator, **params)
    if "random_state" in augmenter.get_params() and "random_state" not in params:
        augmenter.set_params(random_state=seed)
    start = time.perf_counter()
    augmenter.fit(X, labels)
    fitted = time.perf_counter()
    X_syn, y_syn = augmenter.sample(n, random_state=seed)
    seconds = {"fit": fitted - start, "sample": time.perf_counter() - fitted}
    synthetic = X_syn.assign(**{target: y_syn.to_numpy()})[list(table.columns)]
    return synthetic.astype(table.dtypes.to_dict()), augmenter, seconds


def run(args):
    """The ``causalmix augment`` command (``causalmix.cli``, which draws ``--graph``); returns the
    fitted generator."""
    table = read_table(args.table)
    categorical = [name for name in (args.categorical or "").split(",") if name]
    if args.graph and args.generator != "causalmix":
        raise DatasetError(f"--graph draws CausalMix's most probable DAG; generator {args.generator!r} has none.")
    if args.edges and args.generator != "causalmix":
        raise DatasetError(f"--edges writes CausalMix's edge probabilities; generator {args.generator!r} has none.")
    inferred = [name for name in categorical_columns(table, categorical, args.table) if name != args.target]
    print(f"{args.table}: {len(table)} rows, {table.shape[1] - 1} features, target {args.target!r}; "
          f"categorical: {', '.join(map(str, inferred)) or 'none'}")
    synthetic, augmenter, seconds = augment_table(table, args.target, args.n, args.generator, args.seed,
                                                  categorical, source=args.table)
    write_table(synthetic, args.out)
    print(f"{args.generator}: fit {seconds['fit']:.2f} s, sample {args.n} rows {seconds['sample']:.2f} s; "
          f"wrote {args.out}")
    if args.edges:
        augmenter.edge_probabilities_.to_csv(args.edges)
        print(f"wrote edge probabilities (row -> column) to {args.edges}")
    return augmenter
