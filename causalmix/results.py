"""Read an experiment's results (``results/<experiment>/``) into pandas, without torch.

Table schemas: :mod:`causalmix.runner.storage`. Typical analysis::

    from causalmix import metrics, results
    res = results.load("results/lite")
    runs = res.ok_runs()
    runs["normalized"] = metrics.normalized_score(runs, "roc_auc")
    metrics.summarize(runs, "normalized")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

RUNS_FILE, CURVES_FILE, MANIFEST_FILE = "runs.parquet", "curves.parquet", "manifest.json"


@dataclass(frozen=True)
class Results:
    """``runs``: one row per run; ``curves``: one row per evaluation step of each fine-tuning run;
    ``manifest``: resolved config, versions, git commit, counts, and the sittings that ran the grid
    with its wall time (``sittings``, ``wall_seconds``); ``path``: the folder."""

    path: Path
    runs: pd.DataFrame
    curves: pd.DataFrame
    manifest: dict

    def ok_runs(self) -> pd.DataFrame:
        """The runs that succeeded."""
        return self.runs[self.runs["status"] == "ok"].reset_index(drop=True)

    def failures(self) -> pd.DataFrame:
        """The runs that failed, with their error message (skipped runs are not failures)."""
        columns = ["run_id", "dataset", "fold", "n_train", "seed", "method", "error"]
        return self.runs.loc[self.runs["status"] == "error", columns].reset_index(drop=True)

    def method_settings(self) -> pd.DataFrame:
        """One row per method of the config, in config order: ``kind``, ``generator`` and its
        resolved fine-tuning settings (one column each; NaN where a method has none)."""
        methods = self.manifest["config"]["methods"]
        rows = {name: {"kind": m["kind"], "generator": m.get("generator"), **m.get("finetune", {})}
                for name, m in methods.items()}
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("method")


def load(path: str | Path) -> Results:
    """The results under ``path`` (an experiment folder written by ``causalmix run``)."""
    path = Path(path)
    missing = [name for name in (RUNS_FILE, CURVES_FILE, MANIFEST_FILE) if not (path / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{str(path)!r} lacks {', '.join(missing)}: not an experiment folder, or its grid has not "
            f"finished; `causalmix run CONFIG` writes (and a rerun completes) them.")
    return Results(path=path, runs=pd.read_parquet(path / RUNS_FILE),
                   curves=pd.read_parquet(path / CURVES_FILE),
                   manifest=json.loads((path / MANIFEST_FILE).read_text()))
