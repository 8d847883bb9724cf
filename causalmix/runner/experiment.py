"""Run a whole grid: expand, skip what is done, execute the rest, consolidate, summarise.

Guarantees (README, "Reliability"): one process per experiment folder (:mod:`causalmix.runner.lock`);
SIGTERM and SIGINT stop the workers and the cluster before the process exits
(:func:`stop_on_signals`); temporary files of interrupted writes are removed and damaged records
moved aside and redone before the grid starts; the tables and the manifest are rebuilt whenever
they do not describe the records of the current grid (:func:`_manifest_is_current`). Every sitting
(a run of the grid that has runs to do, until it finishes or is stopped) is recorded in
``sittings.json`` (:func:`_sitting`), so that the finished manifest states the grid's wall time.
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import functools
import importlib.metadata
import json
import platform
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from causalmix.environment import git_state
from causalmix.results import CURVES_FILE, MANIFEST_FILE, RUNS_FILE
from causalmix.runner import storage
from causalmix.runner.config import AUGMENT, ExperimentConfig
from causalmix.runner.execute import empty_record, run_group
from causalmix.runner.executors import make_executor
from causalmix.runner.grid import RunSpec, expand, group_runs, model_fingerprint
from causalmix.runner.lock import experiment_lock

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
    damaged: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"  DAMAGED {message}" for message in self.damaged]
        lines += [f"{self.n_runs} runs in {self.out_dir}: {self.n_skipped} already complete, "
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


class Interrupted(KeyboardInterrupt):
    """The runner received SIGTERM or SIGINT (``signum``)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def stop_on_signals():
    """Within the block, SIGTERM and SIGINT raise :class:`Interrupted` in the main thread, so that
    the executors' and the lock's exit code runs (stopping workers, removing the lock). A second
    signal during that cleanup has its default effect. Outside the main thread: no change."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        raise Interrupted(signum)

    previous = {signum: signal.signal(signum, interrupt) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _now_utc() -> str:
    """Now, as the manifest and the sittings write times: UTC, ISO 8601, to the second."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


@contextlib.contextmanager
def _sitting(out_dir: Path, pending: list[RunSpec], started_utc: str, git: dict, executor: str,
             workers: int):
    """Record this sitting in ``sittings.json`` for the block: appended before it, its end, the
    records written meanwhile and its outcome when it ends ("interrupted" when by an exception,
    which propagates unchanged). Yields the list of sittings, this one last."""
    path = out_dir / storage.SITTINGS_FILE
    sittings = storage.read_sittings(out_dir)
    sitting = {"started_utc": started_utc, "ended_utc": None, "git_commit": git["commit"],
               "git_dirty": git["dirty"], "workers": workers, "executor": executor,
               "runs_pending": len(pending), "runs_done": None, "outcome": None}
    sittings.append(sitting)
    storage.write_json(path, sittings)
    run_ids = [run.run_id for run in pending]
    # Counted on disk, after the executor stopped its workers: a worker may have written records
    # whose results the main process never received.
    before = storage.record_versions(out_dir, run_ids)
    outcome = "interrupted"
    try:
        yield sittings
        outcome = "finished"
    finally:
        after = storage.record_versions(out_dir, run_ids)
        sitting.update(ended_utc=_now_utc(), outcome=outcome,
                       runs_done=sum(after[r] is not None and after[r] != before[r] for r in run_ids))
        storage.write_json(path, sittings)


def _with_sittings(manifest: dict, sittings: list[dict]) -> dict:
    """``manifest`` with ``sittings`` and the grid's wall time: the sum of the sittings' wall
    seconds, and how many sittings have no end (killed outright) when there are any."""
    seconds = [storage.sitting_seconds(sitting) for sitting in sittings]
    # A rebuilt manifest carries the stored one's count, which these sittings may not confirm.
    manifest = {k: v for k, v in manifest.items() if k != "sittings_unmeasured"}
    manifest.update(sittings=sittings, wall_seconds=float(sum(s for s in seconds if s is not None)))
    if None in seconds:
        manifest["sittings_unmeasured"] = seconds.count(None)
    return manifest


def _status_counts(statuses) -> dict:
    """The manifest's counts of run ``statuses``."""
    counts = collections.Counter(statuses)
    return {"n_ok": counts["ok"], "n_failed": counts["error"], "n_not_applicable": counts["skipped"]}


def _read_manifest(out_dir: Path) -> dict | None:
    try:
        manifest = json.loads((out_dir / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _manifest_is_current(manifest: dict | None, out_dir: Path, run_ids: list[str]) -> bool:
    """Whether the stored manifest and tables describe the records of the grid ``run_ids``: the
    manifest was finished (not one written at the start of a run that crashed), counts the grid's
    runs and their statuses, and both tables exist with one row per record."""
    if not manifest or "finished_utc" not in manifest or manifest.get("n_runs") != len(run_ids):
        return False
    if not all((out_dir / name).is_file() for name in (RUNS_FILE, CURVES_FILE)):
        return False
    records = {run_id: record for run_id in run_ids
               if (record := storage.read_record(out_dir, run_id)) is not None}
    expected = _status_counts(record["status"] for record in records.values())
    if any(manifest.get(key) != value for key, value in expected.items()):
        return False
    try:
        table = pd.read_parquet(out_dir / RUNS_FILE, columns=["run_id"])
    except Exception:  # unreadable table: rebuild it
        return False
    return sorted(table["run_id"]) == sorted(records)


def generator_settings(config: ExperimentConfig) -> dict[str, dict]:
    """Every generator method's full settings: the config's ``generator_params`` over the
    generator's defaults (``random_state`` left out: each run derives its own)."""
    from causalmix.augment import make_augmenter

    settings = {}
    for method in config.methods:
        if method.kind == AUGMENT:
            params = make_augmenter(method.generator, **method.generator_params).get_params(deep=False)
            params.pop("random_state", None)
            settings[method.name] = {"generator": method.generator, **params}
    return settings


def run_experiment(config: ExperimentConfig, out_dir: str | Path | None = None, executor: str = "local",
                   workers: int = 1, scheduler: str | None = None, progress: bool = True) -> Summary:
    """Run every incomplete run of ``config`` and write the tables under ``out_dir``
    (default ``results/<config.name>``). See :mod:`causalmix.runner.storage` for the layout.

    Raises :class:`~causalmix.runner.lock.LockedError` when another process runs on ``out_dir``
    and :class:`Interrupted` on SIGTERM/SIGINT (after stopping every worker)."""
    out_dir = Path(out_dir or Path("results") / config.name)
    with stop_on_signals(), experiment_lock(out_dir):
        return _run_locked(config, out_dir, executor, workers, scheduler, progress)


def _run_locked(config: ExperimentConfig, out_dir: Path, executor: str, workers: int,
                scheduler: str | None, progress: bool) -> Summary:
    started_utc = _now_utc()
    runs = expand(config)
    run_ids = [run.run_id for run in runs]
    storage.remove_temporary_files(out_dir)
    damaged = storage.quarantine_damaged(out_dir, run_ids)
    done = storage.completed_run_ids(out_dir, run_ids)
    pending = [run for run in runs if run.run_id not in done]
    git = git_state()
    manifest = {
        "experiment": config.name, "config": config.to_dict(),
        "model_fingerprint": model_fingerprint(config.model),
        "generators": generator_settings(config),
        "git": git, "python": sys.version.split()[0], "platform": platform.platform(),
        "packages": _versions(),
        "executor": {"name": executor, "workers": workers, "scheduler": scheduler},
        "started_utc": started_utc,
        "n_runs": len(runs),
    }
    stored = _read_manifest(out_dir)
    if not pending and _manifest_is_current(stored, out_dir, run_ids):
        # It describes the runs that made the grid: keep it (and the tables, which agree).
        return Summary(out_dir, len(runs), len(done), 0, damaged=damaged)
    if not pending and stored and stored.get("experiment") == config.name:
        # Every run is recorded but the tables or the manifest are stale (a crash after the last
        # record, or a grid changed back): rebuild them, keeping the stored run-time provenance.
        manifest = {**stored, "config": config.to_dict(), "n_runs": len(runs), "rebuilt_utc": started_utc}
    # Until the tables are written, the manifest on disk says the grid is unfinished.
    storage.write_json(out_dir / MANIFEST_FILE, {k: v for k, v in manifest.items() if k != "finished_utc"})
    # A rebuild runs nothing, so it is no sitting: it only reads the recorded ones.
    sitting = (_sitting(out_dir, pending, started_utc, git, executor, workers) if pending
               else contextlib.nullcontext(storage.read_sittings(out_dir)))
    with sitting as sittings:
        n_ok, failures, not_applicable = _run_pending(config.name, pending, out_dir, executor, workers,
                                                      scheduler, progress)
        runs_table, _ = storage.consolidate(out_dir, run_ids)
    manifest.update(finished_utc=_now_utc(),
                    **_status_counts(runs_table["status"] if len(runs_table) else []))
    if sittings:  # else (a folder from before sittings were recorded) a rebuild keeps the stored ones
        manifest = _with_sittings(manifest, sittings)
    storage.write_json(out_dir / MANIFEST_FILE, manifest)
    return Summary(out_dir, len(runs), len(done), n_ok, failures, not_applicable, damaged)


def _run_pending(name: str, pending: list[RunSpec], out_dir: Path, executor: str, workers: int,
                 scheduler: str | None, progress: bool) -> tuple[int, list[dict], list[dict]]:
    """Execute the ``pending`` runs; returns how many succeeded, the failed records and those
    whose split does not apply."""
    failures, not_applicable, n_ok = [], [], 0
    task = functools.partial(run_group, out_dir=str(out_dir))
    with make_executor(executor, workers, scheduler) as pool, \
            tqdm(total=len(pending), desc=name, unit="run", disable=not progress) as bar:
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
    return n_ok, failures, not_applicable
