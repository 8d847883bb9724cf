"""Run a whole grid: expand, skip what is done, execute the rest, consolidate, summarise."""

from __future__ import annotations

import datetime
import functools
import importlib.metadata
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from causalmix.provenance import git_state
from causalmix.results import MANIFEST_FILE
from causalmix.runner import storage
from causalmix.runner.config import ExperimentConfig
from causalmix.runner.execute import empty_record, run_group
from causalmix.runner.executors import make_executor
from causalmix.runner.grid import RunSpec, expand, group_runs, model_fingerprint

RECORDED_PACKAGES = ("causalmix", "torch", "numpy", "pandas", "scikit-learn", "scipy", "dowhy", "causal-learn",
                     "dask", "distributed")


@dataclass
class Summary:
    """What a call of :func:`run_experiment` did. ``n_skipped``: runs already complete before
    the call; ``not_applicable``: records of the runs skipped now because their domain-shift
    split does not apply (status "skipped", with ``skip_reason``)."""

    out_dir: Path
    n_runs: int
    n_skipped: int
    n_ok: int
    failures: list[dict] = field(default_factory=list)
    not_applicable: list[dict] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{self.n_runs} runs in {self.out_dir}: {self.n_skipped} already complete, "
                 f"{self.n_ok} completed now, {len(self.failures)} failed"
                 + (f", {len(self.not_applicable)} skipped (split not applicable)."
                    if self.not_applicable else ".")]
        reasons = {(r["dataset"], r["split"], r["fold"], r["skip_reason"]) for r in self.not_applicable}
        for dataset, split, fold, reason in sorted(reasons):
            lines.append(f"  SKIPPED {dataset} split={split} fold={fold}: {reason}")
        for failure in self.failures:
            lines.append(f"  FAILED {failure['dataset']} fold={failure['fold']} "
                         f"n_train={failure['n_train']} seed={failure['seed']} "
                         f"method={failure['method']} [{failure['run_id']}]: {failure['error']}")
        if self.failures:
            lines.append(f"Tracebacks: {self.out_dir / storage.RECORDS}/<run_id>.json; "
                         f"a rerun retries failed runs.")
        return "\n".join(lines)


def _versions() -> dict:
    versions = {}
    for package in RECORDED_PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def _failure_record(run: RunSpec, error: BaseException, out_dir: Path) -> dict:
    """Record a run whose worker returned nothing (it died, or the executor failed)."""
    record = empty_record(run)
    record["error"] = (f"{type(error).__name__}: {error} (the worker process died or the executor "
                       f"failed before this run ended; rerun to retry)")
    storage.write_record(out_dir, record)
    return record


def run_experiment(config: ExperimentConfig, out_dir: str | Path | None = None, executor: str = "local",
                   workers: int = 1, scheduler: str | None = None, progress: bool = True) -> Summary:
    """Run every incomplete run of ``config`` and write the tables under ``out_dir``
    (default ``results/<config.name>``). See :mod:`causalmix.runner.storage` for the layout."""
    out_dir = Path(out_dir or Path("results") / config.name)
    runs = expand(config)
    run_ids = [run.run_id for run in runs]
    done = storage.completed_run_ids(out_dir, run_ids)
    pending = [run for run in runs if run.run_id not in done]
    manifest = {
        "experiment": config.name, "config": config.to_dict(),
        "model_fingerprint": model_fingerprint(config.model),
        "git": git_state(), "python": sys.version.split()[0], "platform": platform.platform(),
        "packages": _versions(),
        "executor": {"name": executor, "workers": workers, "scheduler": scheduler},
        "started_utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "n_runs": len(runs),
    }
    keep_manifest = not pending and (out_dir / MANIFEST_FILE).is_file()  # it describes the runs that made the grid
    if not keep_manifest:
        storage.write_json(out_dir / MANIFEST_FILE, manifest)
    failures, not_applicable, n_ok = [], [], 0
    task = functools.partial(run_group, out_dir=str(out_dir))
    with make_executor(executor, workers, scheduler) as pool, \
            tqdm(total=len(pending), desc=config.name, unit="run", disable=not progress) as bar:
        for group, records, error in pool.imap(task, group_runs(pending)):
            if error is not None:
                records = [_failure_record(run, error, out_dir) for run in group.runs]
            for record in records:
                if record["status"] == "ok":
                    n_ok += 1
                elif record["status"] == "skipped":
                    not_applicable.append(record)
                else:
                    failures.append(record)
            bar.update(len(records))
            bar.set_postfix(failed=len(failures))
    runs_table, _ = storage.consolidate(out_dir, run_ids)
    if keep_manifest:
        return Summary(out_dir, len(runs), len(done), n_ok, failures, not_applicable)
    manifest.update(finished_utc=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                    n_ok=int((runs_table["status"] == "ok").sum()) if len(runs_table) else 0,
                    n_failed=int((runs_table["status"] == "error").sum()) if len(runs_table) else 0,
                    n_not_applicable=int((runs_table["status"] == "skipped").sum()) if len(runs_table) else 0)
    storage.write_json(out_dir / MANIFEST_FILE, manifest)
    return Summary(out_dir, len(runs), len(done), n_ok, failures, not_applicable)
