"""One run, end to end, inside a worker: split -> (synthetic rows) -> fit -> evaluate -> record.

:func:`run_group` is the unit of work an executor ships to a worker. It never raises for a failing
run: the exception and traceback go into that run's record and the next run starts. A run whose
domain-shift split does not apply to its (dataset, fold) is recorded as ``"skipped"`` with the
reason (:class:`causalmix.splits.shift.ShiftNotApplicable`).
"""

from __future__ import annotations

import contextlib
import functools
import io
import random
import time
import traceback
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from causalmix.data import load_dataset
from causalmix.metrics import evaluate
from causalmix.runner import storage
from causalmix.runner.config import AUGMENT, IID, ZERO_SHOT
from causalmix.runner.grid import SPLIT_SEED, RunGroup, RunSpec
from causalmix.splits.shift import ShiftNotApplicable, make_shift
from causalmix.splits.folds import Split, make_split, stratified_cap

MAX_WARNINGS = 10


@functools.lru_cache(maxsize=4)
def _dataset(name: str, data_dir: str | None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dropped-column notices: reported once by `datasets`
        return load_dataset(name, data_dir)


@contextlib.contextmanager
def seeded_global_rngs(seed: int):
    """Seed the global torch, NumPy and ``random`` generators (which some libraries draw from,
    e.g. for weight initialisation), restoring their states afterwards."""
    import torch

    numpy_state, python_state = np.random.get_state(), random.getstate()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        np.random.seed(seed)
        random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(numpy_state)
            random.setstate(python_state)


@contextlib.contextmanager
def single_threaded():
    """One BLAS/OpenMP and one torch thread: identical numbers in any process layout."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(previous)


def synthetic_pool_size(finetune: dict, n_rows: int) -> int:
    """Synthetic rows to draw for ``n_rows`` real training rows: the fine-tuner's own rule."""
    from causalmix.estimators import FineTunedClassifier

    return FineTunedClassifier(**finetune).synthetic_pool_rows(n_rows)


class _Synthetic:
    """The group's synthetic sample: read from the cache, or generated once and cached."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.outcome = None

    def get(self, run: RunSpec, X: pd.DataFrame, y: pd.Series):
        if self.outcome is None:
            try:
                self.outcome = ("ok", self._load_or_make(run, X, y))
            except Exception as error:  # shared by every run of the group
                self.outcome = ("error", error)
        status, value = self.outcome
        if status == "error":
            raise value
        return value

    def _load_or_make(self, run: RunSpec, X: pd.DataFrame, y: pd.Series):
        cached = storage.read_synthetic(self.out_dir, run.synthetic_id)
        if cached is not None:
            return cached
        from causalmix.augment import make_augmenter

        start = time.perf_counter()
        # Own global-RNG stream: whether the sample is made or read leaves the run's stream alone.
        with seeded_global_rngs(run.synthetic_random_state):
            generator = make_augmenter(run.method.generator, **run.method.generator_params)
            if "random_state" in generator.get_params():  # generators whose fit is random
                generator.set_params(random_state=run.synthetic_random_state)
            generator.fit(X, y)
            X_syn, y_syn = generator.sample(synthetic_pool_size(run.method.finetune, len(X)),
                                            random_state=run.synthetic_random_state)
        seconds = time.perf_counter() - start
        storage.write_synthetic(self.out_dir, run.synthetic_id, X_syn, y_syn, seconds)
        return X_syn, y_syn, seconds


def empty_record(run: RunSpec) -> dict:
    """A failed record of ``run`` with every result field empty (the schema of ``runs.parquet``)."""
    record = {"run_id": run.run_id, "config_hash": run.config_hash, "dataset": run.dataset,
              "fold": run.fold, "n_train": run.n_train, "seed": run.seed, "method": run.method.name,
              "status": "error"}
    record.update(dict.fromkeys([*run.metrics, "val_roc_auc", "val_log_loss", "synthetic_seconds",
                                 "fit_seconds", "predict_seconds"], float("nan")))
    record.update(dict.fromkeys([*storage.INT_COLUMNS, *storage.SPLIT_COLUMNS, "stop_reason", "warnings",
                                 "error", "traceback"]))
    record.update(random_state=run.random_state, synthetic_id=run.synthetic_id, split=run.split.name)
    return record


def _split(run: RunSpec, dataset, record: dict) -> Split:
    """The run's split of ``dataset``; a domain-shift split's description goes into ``record``."""
    if run.split.strategy == IID:
        return make_split(dataset.y, run.fold, run.n_train, run.val_fraction, SPLIT_SEED, run.n_folds,
                          name=run.dataset)
    shifted = make_shift(run.split.strategy, **run.split.params).split(
        dataset.X, dataset.y, run.fold, run.n_train, run.val_fraction, SPLIT_SEED, name=run.dataset)
    record.update(shifted.description)
    return shifted.split


def _monitor_subset(y_test: pd.Series, n_rows: int | None, random_state: int) -> np.ndarray:
    """Positions of the test rows scored along the fine-tuning curve: all of them, or a stratified
    subset of ``n_rows`` (>= 1 row per class) that keeps the per-step evaluations cheap on large
    test folds."""
    if n_rows is None:
        return np.arange(len(y_test))
    return stratified_cap(pd.factorize(y_test)[0], n_rows, np.random.default_rng(random_state))


def _fit_and_score(run: RunSpec, record: dict, parts: dict, synthetic: _Synthetic):
    """Fit the run's estimator on the split ``parts``, fill ``record``, return the curve."""
    from causalmix.estimators import FineTunedClassifier, TFMClassifier

    (X_train, y_train), (X_val, y_val), (X_test, y_test) = parts["train"], parts["val"], parts["test"]
    record.update(n_val_rows=len(y_val), n_test_rows=len(y_test), n_synthetic_rows=0)
    curve = None
    start = time.perf_counter()
    if run.method.kind == ZERO_SHOT:
        settings = dict(run.method.finetune)
        if settings.pop("predict_context", "train+val") == "train+val":
            X_train, y_train = pd.concat([X_train, X_val]), pd.concat([y_train, y_val])
        estimator = TFMClassifier(model=run.model, device=run.device, random_state=run.random_state,
                                  **settings).fit(X_train, y_train)
    else:
        fit_params = {}
        if run.method.kind == AUGMENT:
            X_syn, y_syn, record["synthetic_seconds"] = synthetic.get(run, X_train, y_train)
            fit_params["synthetic"] = (X_syn, y_syn)
            record["n_synthetic_rows"] = len(y_syn)
            start = time.perf_counter()
        estimator = FineTunedClassifier(model=run.model, device=run.device, random_state=run.random_state,
                                        progress=False, **run.method.finetune)
        monitored = _monitor_subset(y_test, run.monitor_rows, run.random_state)
        estimator.fit(X_train, y_train, X_val, y_val, monitor=(X_test.iloc[monitored], y_test.iloc[monitored]),
                      **fit_params)
        curve = estimator.curve_
        selected = curve.loc[curve["step"] == estimator.best_step_].iloc[0]
        record.update(best_step=int(estimator.best_step_), stop_reason=estimator.stop_reason_,
                      val_roc_auc=float(selected["val_roc_auc"]),
                      val_log_loss=float(selected["val_log_loss"]))
    record["n_train_rows"] = len(y_train)
    record["fit_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    proba = estimator.predict_proba(X_test)
    record["predict_seconds"] = time.perf_counter() - start
    record.update(evaluate(y_test, proba, estimator.classes_, run.metrics))
    return curve


def _execute(run: RunSpec, out_dir: Path, synthetic: _Synthetic) -> dict:
    record = empty_record(run)
    curve = None
    with warnings.catch_warnings(record=True) as caught, seeded_global_rngs(run.random_state):
        warnings.simplefilter("always")
        try:
            dataset = _dataset(run.dataset, run.data_dir)
            split = _split(run, dataset, record)
            parts = {part: (dataset.X.iloc[rows].reset_index(drop=True),
                            dataset.y.iloc[rows].reset_index(drop=True))
                     for part, rows in split.to_dict().items()}
            curve = _fit_and_score(run, record, parts, synthetic)
            record["status"] = "ok"
        except ShiftNotApplicable as reason:
            record.update(reason.description or {}, status="skipped", skip_reason=str(reason))
        except Exception as error:
            record.update(status="error", error=f"{type(error).__name__}: {error}",
                          traceback=traceback.format_exc())
    messages = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    record["warnings"] = "\n".join(messages[:MAX_WARNINGS]) or None
    record = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in record.items()}
    storage.write_record(out_dir, record, curve)
    return record


def run_group(group: RunGroup, out_dir: str) -> list[dict]:
    """Execute the runs of ``group`` in order, writing each record under ``out_dir``; returns them.

    Third-party output (stdout, stderr progress bars) is swallowed; torch and BLAS use one thread.
    """
    out_dir = Path(out_dir)
    synthetic = _Synthetic(out_dir)
    with single_threaded(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        return [_execute(run, out_dir, synthetic) for run in group.runs]
