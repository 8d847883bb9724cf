"""Datasets: the TabArena-v0.1 registry, the local format, built-ins and OpenML fetching."""

from causalmix.data.builtin import BUILTIN_DATASETS
from causalmix.data.dataset import Dataset, dataset_shape, is_available, load_dataset, resolve_data_dir
from causalmix.data.errors import DatasetError
from causalmix.data.fetch import fetch_dataset, fetch_datasets, write_dataset
from causalmix.data.registry import SUITES, TABARENA_V01, TASKS, TabArenaTask, suite

__all__ = [
    "BUILTIN_DATASETS", "Dataset", "DatasetError", "dataset_shape", "SUITES", "TABARENA_V01", "TASKS",
    "TabArenaTask", "fetch_dataset", "fetch_datasets", "is_available", "load_dataset",
    "resolve_data_dir", "suite", "write_dataset",
]
