"""On-disk layout of an experiment, written atomically so that any interruption is resumable.

Layout of ``results/<experiment>/``::

    manifest.json                 resolved config, package version, git commit, environment, counts,
                                  sittings and wall time (once the grid is finished)
    sittings.json                 one entry per sitting (a run of the grid that had runs to do):
                                  start, end, git commit, executor, runs pending and done, outcome
    runs.parquet                  one row per run of the grid (schema below)
    curves.parquet                one row per evaluation step of every fine-tuning run
    records/<run_id>.json         the run's row, written when the run ends (ok or error)
    records/<run_id>.curve.parquet  its curve (fine-tuning runs that succeeded)
    synthetic/<synthetic_id>.parquet  synthetic rows shared by the runs that use them (a local
                                  cache: not committed, regenerated on demand)

Each file is written to a temporary name in the same folder, flushed to disk (``fsync``) and
renamed (``os.replace``), so a record either exists whole or not at all; files are created with
the default permissions of the umask (group-readable on a shared filesystem), never 0600.
Temporary files an interrupted write left behind are removed when the grid is next run, and a
damaged record (unreadable JSON, or an unreadable curve of a fine-tuning run) is moved to
``records/damaged/`` and its run redone (:func:`quarantine_damaged`); an unreadable synthetic
cache file is deleted and its sample made afresh; an unreadable ``sittings.json`` is moved to
``records/damaged/`` too (with a warning naming it) and a new list started (:func:`read_sittings`).
A run is complete when its record exists with ``status`` "ok" or "skipped"; rerunning skips
complete runs and retries failed ones. ``runs.parquet`` and ``curves.parquet`` are rebuilt from the records of the current grid at
the end of every run of the grid, in grid order.

``runs.parquet`` columns:

=====================  =========  ==========================================================
run_id                 str        16 hex digits of the hash of the run key
config_hash            str        hash of the settings and model weights behind the numbers
dataset, method        str        dataset name; method name from the config
fold, seed             int64      outer fold; seed of the split and of the run's randomness
n_train                Int64      scarce rows (train + validation); <NA>: the whole fold
status                 str        "ok", "error" or "skipped" (the split does not apply)
split                  str        name of the config's split entry ("iid" by default)
<metric>               float64    test-fold score per configured metric (roc_auc, log_loss,
                                  accuracy); NaN on error
val_roc_auc            float64    validation ROC-AUC of the selected step (fine-tuning)
val_log_loss           float64    validation log loss of the selected step (fine-tuning)
best_step              Int64      step early stopping selected (0 = zero-shot weights);
                                  <NA> for zero-shot
stop_reason            str        "max_steps", "early_stopping" or "time_limit"; None otherwise
n_train_rows           Int64      rows fine-tuned on (the zero-shot context for zero-shot)
n_val_rows             Int64      validation rows
n_test_rows            Int64      test-fold rows
n_synthetic_rows       Int64      synthetic rows in the pool (0 without a generator)
random_state           int64      fine-tuning / context seed derived from the run key
synthetic_id           str        id of the cached synthetic sample; None without one
synthetic_seconds      float64    wall seconds the generator took to fit and sample
fit_seconds            float64    wall seconds of ``fit`` (fine-tuning or context setup)
predict_seconds        float64    wall seconds of predicting the test fold
warnings               str        distinct warnings raised during the run, one per line
error, traceback       str        exception and traceback of a failed run; None otherwise
skip_reason            str        why the split does not apply (status "skipped"); else None
shift_strategy         str        "quantile", "category" or "cluster"; None for i.i.d. splits
shift_feature          str        the shift feature (quantile, category); None otherwise
shift_threshold        float64    the quantile threshold (quantile); NaN otherwise
shift_levels           str        JSON list of the target levels (category); None otherwise
shift_cluster          Int64      the target cluster, 0 = largest (cluster); <NA> otherwise
shift_target           str        readable rule of the target domain, e.g. "age > 41"
shift_source_rows      Int64      rows of the source domain (before the scarce subsample)
=====================  =========  ==========================================================

The split and shift columns describe :mod:`causalmix.splits.shift` splits; a record without them
reads as ``split == "iid"``.

``curves.parquet`` columns: ``run_id, dataset, fold, n_train, seed, method`` and the curve of
``FineTunedClassifier.curve_``: ``step, train_loss, val_roc_auc, val_log_loss, test_roc_auc,
test_log_loss, elapsed_s`` (test columns scored for analysis only, on at most the config's
``monitor_rows`` stratified test rows; the runs' test scores use the whole test fold).
"""

from __future__ import annotations

import datetime
import json
import os
import secrets
import time
import warnings
from pathlib import Path

import pandas as pd

from causalmix.results import CURVES_FILE, RUNS_FILE

RECORDS, SYNTHETIC, DAMAGED = "records", "synthetic", "damaged"
SITTINGS_FILE = "sittings.json"
TMP_SUFFIX = ".tmp"
CURVE_KEYS = ["run_id", "dataset", "fold", "n_train", "seed", "method"]
INT_COLUMNS = ["best_step", "n_train_rows", "n_val_rows", "n_test_rows", "n_synthetic_rows",
               "shift_cluster", "shift_source_rows"]
#: The description of a domain-shift split, one value each (None where it does not apply).
SHIFT_COLUMNS = ("shift_strategy", "shift_feature", "shift_threshold", "shift_levels",
                 "shift_cluster", "shift_target", "shift_source_rows")
#: The split entry of a run, why it was skipped and the description of a domain-shift split.
SPLIT_COLUMNS = ["split", "skip_reason", *SHIFT_COLUMNS]
#: Statuses of runs that need no rerun.
COMPLETE = ("ok", "skipped")
#: Columns that measure time and so differ between otherwise identical runs.
TIMING_COLUMNS = ["synthetic_seconds", "fit_seconds", "predict_seconds", "elapsed_s"]
LABEL_COLUMN = "__label__"


def _fsync(path: Path, directory: bool = False) -> None:
    """Flush ``path`` (a file, or a folder's entries) to disk; best effort for folders."""
    try:
        fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    except OSError:
        if directory:
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


def _atomic_write(path: Path, write) -> None:
    """Call ``write(temporary_path)``, flush it to disk, then rename it to ``path``.

    The temporary file is created with mode 0666 minus the umask (as ``open`` would), so results
    are as readable as any other file the user writes (``tempfile.mkstemp`` would make them 0600).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}"
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        write(temporary)
        _fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync(path.parent, directory=True)


def remove_temporary_files(out_dir: Path) -> list[Path]:
    """Delete the temporary files of writes that were interrupted (a killed process); returns them.
    Call it only while holding the folder's lock (no writer is active)."""
    out_dir = Path(out_dir)
    stale = []
    for folder in (out_dir, out_dir / RECORDS, out_dir / SYNTHETIC):
        if folder.is_dir():
            stale += [p for p in folder.glob(f".*{TMP_SUFFIX}") if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def write_json(path: Path, payload: dict | list) -> None:
    _atomic_write(Path(path), lambda tmp: Path(tmp).write_text(json.dumps(payload, indent=1, default=str)))


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    _atomic_write(Path(path), lambda tmp: frame.to_parquet(tmp, index=False))


def write_record(out_dir: Path, record: dict, curve: pd.DataFrame | None = None) -> None:
    """Store one run: its curve first, then the record that marks the run as ended."""
    records = Path(out_dir) / RECORDS
    if curve is not None:
        write_parquet(records / f"{record['run_id']}.curve.parquet", curve)
    write_json(records / f"{record['run_id']}.json", record)


class DamagedRecord(ValueError):
    """A record (or its curve) that exists but cannot be read."""


def read_record(out_dir: Path, run_id: str) -> dict | None:
    """The record of ``run_id``, None without one; :class:`DamagedRecord` (naming the file) when
    it cannot be read."""
    path = Path(out_dir) / RECORDS / f"{run_id}.json"
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
    except (ValueError, OSError) as error:  # JSONDecodeError, UnicodeDecodeError, I/O errors
        raise DamagedRecord(f"{path}: unreadable record ({type(error).__name__}: {error})") from None
    if not isinstance(record, dict) or record.get("run_id") != run_id or "status" not in record:
        raise DamagedRecord(f"{path}: not a record of run {run_id} (no run_id/status)")
    return record


def _curve_path(out_dir: Path, run_id: str) -> Path:
    return Path(out_dir) / RECORDS / f"{run_id}.curve.parquet"


def _has_curve(record: dict) -> bool:
    """Whether a run wrote a curve: every fine-tuning run that succeeded (it has a best step)."""
    return record.get("status") == "ok" and record.get("best_step") is not None


def read_curve(out_dir: Path, run_id: str) -> pd.DataFrame:
    """The curve of ``run_id``; :class:`DamagedRecord` (naming the file) when missing or unreadable."""
    path = _curve_path(out_dir, run_id)
    try:
        return pd.read_parquet(path)
    except Exception as error:  # ArrowInvalid, OSError, ...: whatever pyarrow raises
        raise DamagedRecord(f"{path}: unreadable curve ({type(error).__name__}: "
                            f"{str(error).splitlines()[0] if str(error) else ''})") from None


def quarantine_damaged(out_dir: Path, run_ids) -> list[str]:
    """Move every damaged record of ``run_ids`` (and its curve) to ``records/damaged/`` so that
    its run is redone; returns one message per record naming the file, the problem and the new
    place. Call it only while holding the folder's lock."""
    out_dir = Path(out_dir)
    messages = []
    for run_id in run_ids:
        try:
            record = read_record(out_dir, run_id)
            if record is not None and _has_curve(record):
                read_curve(out_dir, run_id)
        except DamagedRecord as error:
            target = _move_aside(out_dir, [out_dir / RECORDS / f"{run_id}.json",
                                           _curve_path(out_dir, run_id)])
            messages.append(f"{error}; moved to {target}/ and the run is redone")
    return messages


def _move_aside(out_dir: Path, paths) -> Path:
    """Move those of ``paths`` that exist to ``records/damaged/``, their names suffixed with the UTC
    time (a file damaged again later does not overwrite the earlier one); returns that folder."""
    target = Path(out_dir) / RECORDS / DAMAGED
    target.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    for path in paths:
        if path.exists():
            os.replace(path, target / f"{path.name}.{stamp}")
    return target


def record_versions(out_dir: Path, run_ids) -> dict[str, tuple[int, int] | None]:
    """Per run of ``run_ids``, the inode and modification time of its record (None without one).
    Every write renames a new file into place, so a record written later has another version."""
    versions = {}
    for run_id in run_ids:
        try:
            info = (Path(out_dir) / RECORDS / f"{run_id}.json").stat()
        except OSError:
            versions[run_id] = None
        else:
            versions[run_id] = (info.st_ino, info.st_mtime_ns)
    return versions


def sitting_seconds(sitting: dict) -> float | None:
    """Wall seconds of a sitting of ``sittings.json``; None when it has no end (it is running, or
    its process was killed outright). Raises ValueError, TypeError or KeyError for a malformed one."""
    start = datetime.datetime.fromisoformat(sitting["started_utc"])
    end = sitting["ended_utc"]
    return None if end is None else (datetime.datetime.fromisoformat(end) - start).total_seconds()


def read_sittings(out_dir: Path) -> list[dict]:
    """The sittings recorded in ``out_dir`` ([] without any). A file that is not a list of sittings
    is moved to ``records/damaged/`` with a warning naming it, and [] returned: losing the earlier
    wall time must not stop a grid. Call it only while holding the folder's lock."""
    path = Path(out_dir) / SITTINGS_FILE
    if not path.is_file():
        return []
    try:
        sittings = json.loads(path.read_text())
        if not isinstance(sittings, list):
            raise ValueError(f"a JSON {type(sittings).__name__}, not a list")
        for sitting in sittings:
            sitting_seconds(sitting)
    except (ValueError, TypeError, KeyError, OSError) as error:  # JSONDecodeError, a bad entry, I/O
        target = _move_aside(out_dir, [path])
        warnings.warn(f"{path}: unreadable sittings ({type(error).__name__}: {error}); moved to "
                      f"{target}/, a new list starts (the earlier sittings' wall time is not counted).",
                      stacklevel=2)
        return []
    return sittings


def completed_run_ids(out_dir: Path, run_ids) -> set[str]:
    """The ``run_ids`` whose record exists with a status in ``COMPLETE``."""
    done = set()
    for run_id in run_ids:
        record = read_record(out_dir, run_id)
        if record is not None and record.get("status") in COMPLETE:
            done.add(run_id)
    return done


def synthetic_path(out_dir: Path, synthetic_id: str) -> Path:
    return Path(out_dir) / SYNTHETIC / f"{synthetic_id}.parquet"


def write_synthetic(out_dir: Path, synthetic_id: str, X: pd.DataFrame, y: pd.Series,
                    seconds: float) -> None:
    """Cache synthetic rows (dtypes and categories kept) with the seconds they took to make."""
    frame = X.reset_index(drop=True).assign(**{LABEL_COLUMN: y.reset_index(drop=True)})
    frame.attrs["generation_seconds"] = float(seconds)
    write_parquet(synthetic_path(out_dir, synthetic_id), frame)


def read_synthetic(out_dir: Path, synthetic_id: str) -> tuple[pd.DataFrame, pd.Series, float] | None:
    """``(X_syn, y_syn, generation seconds)`` from the cache, or None; an unreadable cache file is
    deleted (with a warning naming it), so that the sample is made afresh."""
    path = synthetic_path(out_dir, synthetic_id)
    if not path.is_file():
        return None
    try:
        frame = pd.read_parquet(path)
        if LABEL_COLUMN not in frame.columns:
            raise ValueError(f"no {LABEL_COLUMN} column")
    except Exception as error:  # ArrowInvalid, OSError, ...: a damaged cache file
        warnings.warn(f"{path}: unreadable synthetic cache ({type(error).__name__}); deleted, "
                      f"the sample is made afresh.", stacklevel=2)
        path.unlink(missing_ok=True)
        return None
    return (frame.drop(columns=[LABEL_COLUMN]), frame[LABEL_COLUMN],
            float(frame.attrs.get("generation_seconds", float("nan"))))


def consolidate(out_dir: Path, run_ids: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build and write ``runs.parquet`` and ``curves.parquet`` from the records of ``run_ids``
    (in that order; runs without a record are left out). Returns the two tables."""
    out_dir = Path(out_dir)
    rows, curves = [], []
    for run_id in run_ids:
        record = read_record(out_dir, run_id)
        if record is None:
            continue
        rows.append(record)
        if _has_curve(record):
            curve = read_curve(out_dir, run_id)
            keys = {k: record[k] for k in CURVE_KEYS}
            curves.append(curve.assign(**keys)[[*CURVE_KEYS, *curve.columns]])
    runs = pd.DataFrame(rows)
    if not runs.empty:
        # A record without split columns is an i.i.d. run (the i.i.d. split adds nothing to a record).
        runs = runs.reindex(columns=list(dict.fromkeys([*runs.columns, *SPLIT_COLUMNS])))
        runs["split"] = runs["split"].fillna("iid")
        for column in ["n_train", *INT_COLUMNS]:
            runs[column] = runs[column].astype("Int64")
        runs["shift_threshold"] = runs["shift_threshold"].astype("float64")
    curve_table = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=CURVE_KEYS)
    if not curve_table.empty:
        curve_table["n_train"] = curve_table["n_train"].astype("Int64")
    write_parquet(out_dir / RUNS_FILE, runs)
    write_parquet(out_dir / CURVES_FILE, curve_table)
    return runs, curve_table
