"""The experiment runner: YAML config -> grid of runs -> executors -> Parquet results.

``causalmix run CONFIG [--executor local|dask] [--scheduler ADDRESS] [--workers N] [--out DIR]``.
Configs: :mod:`causalmix.runner.config`; grid and seeding: :mod:`causalmix.runner.grid`; on-disk
layout and table schemas: :mod:`causalmix.runner.storage`; reading results:
:func:`causalmix.results.load`. Names are imported on first use, so registering the CLI is cheap.
"""

from __future__ import annotations

from causalmix.lazy import lazy_attributes

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

__getattr__ = lazy_attributes(__name__, _LAZY)

__all__ = list(_LAZY)
