"""Shared fixtures: the offline TabArena mirror (from $CAUSALMIX_DATA_DIR or ../shared)."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
MIRROR_DEFAULT = REPO.parent / "shared" / "data" / "tabarena"
OPENML_CACHE_DEFAULT = REPO.parent / "shared" / "data" / "openml-cache"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The offline TabArena mirror; tests that need it are skipped where it is absent."""
    path = Path(os.environ.get("CAUSALMIX_DATA_DIR", MIRROR_DEFAULT))
    if not (path / "credit-g" / "meta.json").is_file():
        pytest.skip(f"TabArena mirror not found at {path}")
    return path


@pytest.fixture(scope="session")
def openml_cache_source() -> Path:
    """The read-only openml-client cache of the mirror (copy it before use)."""
    if not (OPENML_CACHE_DEFAULT / "org").is_dir():
        pytest.skip(f"openml cache not found at {OPENML_CACHE_DEFAULT}")
    return OPENML_CACHE_DEFAULT


@pytest.fixture
def one_torch_thread():
    """Run a test with a single torch thread (small models: threads only add overhead and noise)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def broken_dataset(data_dir: Path, name: str = "broken") -> Path:
    """A local dataset that passes config validation (its target is fine) but fails to load in
    the run: a feature column holds inf."""
    folder = data_dir / name
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200),
                          "label": np.tile(["x", "y"], 100)})
    frame.loc[3, "a"] = np.inf
    frame.to_parquet(folder / "data.parquet", index=False)
    (folder / "meta.json").write_text(json.dumps({"name": name, "target": "label", "categorical_features": []}))
    return data_dir


def sittings(out: Path) -> list[dict]:
    """The sittings recorded in the experiment folder ``out``."""
    return json.loads((out / "sittings.json").read_text())


def wall_seconds(sitting: dict) -> float:
    """Seconds from a sitting's start to its end."""
    start, end = (datetime.datetime.fromisoformat(sitting[key]) for key in ("started_utc", "ended_utc"))
    return (end - start).total_seconds()
