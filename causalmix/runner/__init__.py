"""The experiment runner: YAML config -> grid of runs -> executors -> Parquet results.

``causalmix run CONFIG [--executor local|dask] [--scheduler ADDRESS] [--workers N] [--out DIR]``.
Configs: :mod:`causalmix.runner.config`; grid and seeding: :mod:`causalmix.runner.grid`; on-disk
layout and table schemas: :mod:`causalmix.runner.storage`; reading results:
:func:`causalmix.results.load`. Names are imported on first use, so registering the CLI is cheap.
"""

from __future__ import annotations

from importlib import import_module

_LAZY = {
    "add_run_parser": "causalmix.runner.cli",
    "cli_main": "causalmix.runner.cli",
    "ConfigError": "causalmix.runner.config",
    "ExperimentConfig": "causalmix.runner.config",
    "MethodConfig": "causalmix.runner.config",
    "SplitConfig": "causalmix.runner.config",
    "load_config": "causalmix.runner.config",
    "Summary": "causalmix.runner.experiment",
    "run_experiment": "causalmix.runner.experiment",
    "RunSpec": "causalmix.runner.grid",
    "expand": "causalmix.runner.grid",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'causalmix.runner' has no attribute {name!r}")


__all__ = list(_LAZY)
