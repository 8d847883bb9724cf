"""``causalmix run CONFIG``: the command-line entry point of the experiment runner."""

from __future__ import annotations

import argparse
import signal
import sys

from causalmix.runner.executors import EXECUTORS


def add_run_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``run`` sub-command on ``subparsers`` (from ``add_subparsers``)."""
    run = subparsers.add_parser(
        "run", help="run an experiment grid (resumable)",
        description="Run every incomplete run of an experiment config; results go to "
                    "results/<name>/ (runs.parquet, curves.parquet, manifest.json, sittings.json).")
    run.add_argument("config", help="experiment YAML, e.g. configs/default.yaml")
    run.add_argument("--executor", choices=EXECUTORS, default=None,
                     help="local process pool (default) or Dask distributed")
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="address of a running Dask scheduler (implies --executor dask); "
                          "default: a LocalCluster")
    run.add_argument("--workers", type=int, default=1, metavar="N",
                     help="worker processes (local pool or LocalCluster); default 1")
    run.add_argument("--out", metavar="DIR", help="experiment directory (default: results/<name>)")
    run.add_argument("--data-dir", help="dataset directory (overrides the config's data_dir)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.set_defaults(func=cli_main)
    return run


def cli_main(args: argparse.Namespace) -> int:
    """Run the grid of ``args.config``; 0 when every run succeeded, 1 with failures, 2 on a bad
    config or option or when another process runs on the experiment folder, 128 + the signal
    number when stopped by SIGTERM or SIGINT (no traceback)."""
    from causalmix.data import DatasetError
    from causalmix.runner.config import ConfigError, load_config
    from causalmix.runner.experiment import run_experiment
    from causalmix.runner.lock import LockedError

    executor = args.executor or ("dask" if args.scheduler else "local")
    try:
        try:
            if args.workers < 1:
                raise ConfigError(f"--workers must be >= 1, got {args.workers}.")
            if args.scheduler and executor != "dask":
                raise ConfigError("--scheduler needs --executor dask.")
            config = load_config(args.config, data_dir=args.data_dir)
            summary = run_experiment(config, args.out, executor=executor, workers=args.workers,
                                     scheduler=args.scheduler, progress=not args.no_progress)
        except (ConfigError, DatasetError, LockedError) as error:
            print(f"causalmix run: error: {error}", file=sys.stderr)
            return 2
    except KeyboardInterrupt as interrupt:  # Interrupted (SIGTERM/SIGINT) or a plain Ctrl-C
        signum = getattr(interrupt, "signum", signal.SIGINT)
        print(f"\ncausalmix run: stopped by {signal.Signals(signum).name}; workers stopped, finished "
              f"runs are recorded. Run the same command again to resume.", file=sys.stderr)
        return 128 + signum
    print(summary)
    return 1 if summary.failures else 0
