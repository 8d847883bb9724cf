"""The ``causalmix`` command line. Each sub-command imports its machinery only when run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from causalmix.data.errors import DatasetError


def _cmd_datasets(args) -> int:
    from causalmix.data import TABARENA_V01, is_available, resolve_data_dir

    root = resolve_data_dir(args.data_dir)
    print(f"TabArena-v0.1 classification suite ({len(TABARENA_V01)} tasks); data directory: {root}")
    header = f"{'name':45s} {'rows':>7s} {'features':>8s} {'classes':>7s} {'openml':>6s}  local"
    print(header)
    print("-" * len(header))
    available = 0
    for task in TABARENA_V01:
        here = is_available(task.name, root)
        available += here
        print(f"{task.name:45s} {task.n_rows:7d} {task.n_features:8d} {task.n_classes:7d} "
              f"{task.openml_dataset_id:6d}  {'yes' if here else 'no'}")
    print(f"{available} of {len(TABARENA_V01)} available locally.")
    return 0


def _cmd_data_fetch(args) -> int:
    from causalmix.data import fetch_datasets, resolve_data_dir, suite

    names = list(args.names) + (list(suite(args.suite)) if args.suite else [])
    if not names:
        raise DatasetError("Name at least one dataset or pass --suite.")
    for folder in fetch_datasets(names, args.data_dir, args.openml_cache_dir):
        print(f"wrote {folder}")
    print(f"{len(names)} dataset(s) in {resolve_data_dir(args.data_dir)}")
    return 0


def _cmd_augment(args) -> int:
    from causalmix.augment.command import run

    augmenter = run(args)
    if args.graph:
        _draw_dag(augmenter.most_probable_dag_, args.graph)
        print(f"wrote the most probable DAG to {args.graph}")
    return 0


def _draw_dag(dag, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only; no display needed
    import matplotlib.pyplot as plt

    from causalmix.report.plots import draw_dag

    figure, ax = plt.subplots(figsize=(8, 6))
    draw_dag(dag, ax=ax, title="CausalMix: most probable DAG")
    figure.savefig(path, bbox_inches="tight")
    plt.close(figure)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="causalmix", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    datasets = sub.add_parser("datasets", help="list the TabArena-v0.1 suite and what is local")
    datasets.add_argument("--data-dir", help="local dataset directory (default: $CAUSALMIX_DATA_DIR "
                                              "or ~/.cache/causalmix/datasets)")
    datasets.set_defaults(func=_cmd_datasets)

    data = sub.add_parser("data", help="manage local datasets")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    fetch = data_sub.add_parser("fetch", help="download datasets from OpenML into the local format")
    fetch.add_argument("names", nargs="*", help="TabArena dataset names")
    fetch.add_argument("--suite", help="fetch every dataset of a suite, e.g. tabarena-v0.1")
    fetch.add_argument("--data-dir", help="where to write (default as for `datasets`)")
    fetch.add_argument("--openml-cache-dir", help="openml client cache directory (must be writable)")
    fetch.set_defaults(func=_cmd_data_fetch)

    pretrain = sub.add_parser("pretrain", help="pretrain the stand-in TFM on its synthetic prior (resumable)")
    pretrain.add_argument("config", help="pretraining YAML config, e.g. configs/pretrain.yaml")
    pretrain.add_argument("--out", help="run directory (default: from the config)")
    pretrain.add_argument("--device", help="cpu, cuda, ... (default: cuda if available)")
    pretrain.add_argument("--no-resume", action="store_true", help="start afresh even if a checkpoint exists")
    pretrain.add_argument("--max-minutes", type=float, help="stop (with a checkpoint) after this wall time")
    pretrain.set_defaults(func=lambda args: __import__("causalmix.models.pretrain", fromlist=["main"]).main(args))

    augment = sub.add_parser("augment", help="synthetic rows for your own table (CSV or Parquet)",
                             description="Fit a generator on a table's features and target column and write "
                                         "synthetic rows in the table's schema (columns, order, dtypes).")
    augment.add_argument("table", help="input table, .csv or .parquet")
    augment.add_argument("--target", required=True, help="name of the label column")
    augment.add_argument("--n", type=int, default=1000, help="synthetic rows to write (default 1000)")
    augment.add_argument("--out", required=True, help="output table; its suffix (.csv or .parquet) sets the format")
    augment.add_argument("--generator", default="causalmix",
                         help="registry name: causalmix, copula, marginals, smote, tableaugment, ctgan, tabebm "
                              "(default causalmix)")
    augment.add_argument("--seed", type=int, default=0, help="seed of fitting and sampling (default 0)")
    augment.add_argument("--categorical", help="comma-separated columns to treat as categorical, on top of "
                                               "those inferred (category, object, string and bool dtypes)")
    augment.add_argument("--graph", help="also draw CausalMix's most probable DAG to this image (causalmix only)")
    augment.add_argument("--edges", help="also write CausalMix's edge-probability matrix (row -> column) to this "
                                         "CSV (causalmix only)")
    augment.set_defaults(func=_cmd_augment)

    from causalmix.runner.cli import add_run_parser

    add_run_parser(sub)

    book = sub.add_parser("book", help="execute the book's notebooks (papermill) and build the HTML book")
    book.add_argument("--config", default="book/notebooks.yaml", help="notebook x parameter list")
    book.add_argument("--jobs", type=int, default=2, help="notebooks executed in parallel")
    book.add_argument("--quick", action="store_true", help="quick parameters (for tests and CI)")
    book.add_argument("--force", action="store_true", help="re-execute notebooks even if unchanged")
    book.add_argument("--recompute", action="store_true",
                      help="first run every incomplete run of the experiments behind the book (slow; "
                           "delete results/<name> to start one afresh), then re-execute")
    book.add_argument("--recompute-config", nargs="+", default=None,
                      help="experiment configs run by --recompute (default: the YAML's `experiments`)")
    book.add_argument("--no-build", action="store_true", help="execute notebooks only")
    book.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "book"),
                      help="book folder: pages execute into OUT/executed, the HTML goes to OUT/_build/html "
                           "(default: the repository's book/)")
    book.set_defaults(func=lambda args: __import__("causalmix.report.book", fromlist=["main"]).main(args))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DatasetError as error:
        print(f"causalmix: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
