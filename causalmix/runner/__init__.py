"""The experiment runner: YAML config -> grid of runs -> executors -> Parquet results.

``causalmix run CONFIG [--executor local|dask] [--scheduler ADDRESS] [--workers N] [--out DIR]``
(also ``python -m causalmix.runner CONFIG ...``). Configs: :mod:`causalmix.runner.config`;
grid and seeding: :mod:`causalmix.runner.grid`; on-disk layout and table schemas:
:mod:`causalmix.runner.storage`; reading results: :func:`causalmix.results.load`.
"""

from causalmix.runner.cli import add_run_parser, cli_main
from causalmix.runner.config import ConfigError, ExperimentConfig, MethodConfig, load_config
from causalmix.runner.experiment import Summary, run_experiment
from causalmix.runner.grid import RunSpec, expand

__all__ = ["ConfigError", "ExperimentConfig", "MethodConfig", "RunSpec", "Summary", "add_run_parser",
           "cli_main", "expand", "load_config", "run_experiment"]
