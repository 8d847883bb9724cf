"""Throughput of the experiment runner: runs/hour for a config, and Dask 1 vs 2 workers.

    CAUSALMIX_DATA_DIR=../shared/data/tabarena .venv/bin/python benchmarks/grid.py \
        [--config configs/lite.yaml] [--workers 2] [--dask-folds 0]

1. The whole grid of ``--config`` on the local process pool with ``--workers`` workers, from an
   empty results folder: wall time, runs/hour, and median seconds per run by method.
2. The grid restricted to ``--dask-folds`` on a Dask LocalCluster with 1, then 2 workers:
   wall times, the speed-up, and whether both gave identical numbers.

Wall times include worker start-up (imports) and are only comparable on an otherwise idle
machine; on a shared one, report the load average printed alongside.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from causalmix import results
from causalmix.runner import load_config, run_experiment
from causalmix.runner.storage import TIMING_COLUMNS


def timed_run(config, executor: str, workers: int) -> tuple[float, results.Results]:
    out = Path(tempfile.mkdtemp(prefix=f"bench-{config.name}-{executor}{workers}-"))
    start = time.perf_counter()
    summary = run_experiment(config, out, executor=executor, workers=workers, progress=False)
    seconds = time.perf_counter() - start
    print(f"  {executor} x{workers}: {summary.n_runs} runs, {len(summary.failures)} failed, "
          f"{seconds:.0f} s wall ({out})", flush=True)
    return seconds, results.load(out)


def numbers(loaded: results.Results) -> pd.DataFrame:
    return loaded.runs.drop(columns=TIMING_COLUMNS, errors="ignore")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/lite.yaml")
    parser.add_argument("--data-dir", help="dataset directory (default: the config's / $CAUSALMIX_DATA_DIR)")
    parser.add_argument("--workers", type=int, default=2, help="local pool workers for part 1")
    parser.add_argument("--dask-folds", type=int, nargs="+", default=[0], help="folds for part 2")
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    config = load_config(args.config, data_dir=args.data_dir)
    print(f"config {args.config}: {len(config.datasets)} datasets x {len(config.folds)} folds x "
          f"{len(config.n_train)} n_train x {len(config.seeds)} seeds x {len(config.methods)} methods; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start", flush=True)

    print("1. local process pool", flush=True)
    seconds, loaded = timed_run(config, "local", args.workers)
    runs = loaded.runs
    per_method = runs.groupby("method", sort=False)[["synthetic_seconds", "fit_seconds",
                                                     "predict_seconds"]].median().round(1)
    print(f"  {len(runs) / seconds * 3600:.0f} runs/hour with {args.workers} workers "
          f"({(runs['status'] != 'ok').sum()} failed); median seconds per run:")
    print(per_method.to_string().replace("\n", "\n  ").join(["  ", ""]))

    if not args.skip_dask:
        subset = replace(config, folds=tuple(args.dask_folds))
        print(f"2. Dask LocalCluster on folds {args.dask_folds}", flush=True)
        one, first = timed_run(subset, "dask", 1)
        two, second = timed_run(subset, "dask", 2)
        identical = numbers(first).equals(numbers(second))
        print(f"  speed-up 1 -> 2 workers: {one / two:.2f}x ({one:.0f} s -> {two:.0f} s); "
              f"identical numbers: {identical}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
