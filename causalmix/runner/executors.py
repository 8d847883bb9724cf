"""Where run groups execute: in-process, a local process pool, or a Dask cluster.

Every executor has the same interface: a context manager whose ``imap(function, items)`` yields
``(item, result, error)`` as items finish, in any order; ``error`` is the exception that stopped
an item from returning (a worker that died, say), else None. Numbers never depend on the executor:
each run seeds itself from its key and uses one thread (:func:`causalmix.runner.execute.run_group`).

Leaving an executor's block by an exception (an error, or a signal that
:func:`causalmix.runner.experiment.stop_on_signals` turned into one) stops its work at once: the
pool's workers are terminated, the Dask cluster closed. Local pool workers also exit by
themselves when the main process dies without cleaning up (SIGKILL, a crash):
:func:`_init_worker`.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed

EXECUTORS = ("local", "dask")
#: Seconds between a pool worker's checks that the main process still runs.
WATCHDOG_INTERVAL_S = 0.5
#: Seconds to wait for terminated workers (then they are killed).
TERMINATE_TIMEOUT_S = 5.0
PR_SET_PDEATHSIG = 1


def _exit_with_parent_on_linux() -> None:
    """Ask Linux to SIGKILL this process when its parent (the forkserver) dies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _watch_main_process(main_pid: int, main_start: int | None) -> None:
    from causalmix.runner.lock import process_alive

    while process_alive(main_pid, main_start):
        time.sleep(WATCHDOG_INTERVAL_S)
    os._exit(1)  # orphaned: nobody will read our results; a rerun redoes the run


def _init_worker(main_pid: int, main_start: int | None) -> None:
    """Initializer of local pool workers: leave Ctrl-C to the main process (which stops the pool),
    and exit as soon as the main process is gone: ``PR_SET_PDEATHSIG`` for the direct parent
    (the forkserver) and a watchdog thread polling the main process (pid and start time, so a
    reused pid does not count)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent_on_linux()
    threading.Thread(target=_watch_main_process, args=(main_pid, main_start), daemon=True,
                     name="causalmix-orphan-watchdog").start()


class LocalExecutor:
    """``workers == 1``: in this process, one item after another; more: a process pool.

    Pool workers are forked from a fresh "forkserver" process that imported torch and the runner
    once (no forked OpenMP state, no per-worker import cost). A worker that dies (killed, out of memory) breaks the pool: its item and every item
    still pending then come back with the error, and a rerun resumes.
    """

    def __init__(self, workers: int = 1):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}.")
        self.workers = workers
        self._pool = None

    def __enter__(self) -> LocalExecutor:
        if self.workers > 1:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["causalmix.runner.execute", "causalmix.estimators"])
            from causalmix.runner.lock import process_start_time

            self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_init_worker,
                                             initargs=(os.getpid(), process_start_time(os.getpid())))
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self._pool is None:
            return
        if exc_type is None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            return
        self.terminate()

    def terminate(self) -> None:
        """Stop at once: cancel pending items, terminate the workers (killing those that do not
        exit within ``TERMINATE_TIMEOUT_S``)."""
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(TERMINATE_TIMEOUT_S)
            if process.is_alive():
                process.kill()
                process.join(TERMINATE_TIMEOUT_S)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def imap(self, function: Callable, items: Iterable) -> Iterator[tuple]:
        if self._pool is None:
            for item in items:
                yield item, function(item), None
            return
        futures = {self._pool.submit(function, item): item for item in items}
        for future in as_completed(futures):
            error = future.exception()
            yield futures[future], None if error else future.result(), error


class DaskExecutor:
    """Dask distributed: a ``LocalCluster`` of ``workers`` single-threaded processes, or the
    scheduler at ``scheduler`` (e.g. ``tcp://host:8786``, started by dask-jobqueue or on
    Kubernetes), whose workers must have this package installed and see the results folder (a
    shared filesystem): each run writes its own record there.

    Dask retries an item whose worker died on another worker (``distributed.scheduler.
    allowed-failures``); after that the item comes back with ``KilledWorker``.
    """

    def __init__(self, workers: int = 1, scheduler: str | None = None):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}.")
        self.workers = workers
        self.scheduler = scheduler
        self._client = self._cluster = None
        self._futures: dict = {}

    def __enter__(self) -> DaskExecutor:
        from distributed import Client, LocalCluster

        if self.scheduler:
            self._client = Client(self.scheduler)
        else:
            self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                         dashboard_address=":0", silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is not None and self._cluster is None:
            # A shared scheduler: withdraw this client's tasks so that its workers stop them.
            try:
                self._client.cancel(list(self._futures), force=True)
            except Exception:  # the scheduler may be gone already; closing is what matters
                pass
        self._client.close(timeout=10)
        if self._cluster is not None:
            self._cluster.close(timeout=10)

    def imap(self, function: Callable, items: Iterable) -> Iterator[tuple]:
        from distributed import as_completed as dask_as_completed

        futures = self._futures = {}
        for item in items:
            futures[self._client.submit(function, item, pure=False)] = item
        for future in dask_as_completed(list(futures)):
            try:
                yield futures[future], future.result(), None
            except Exception as error:
                yield futures[future], None, error


def make_executor(name: str = "local", workers: int = 1, scheduler: str | None = None):
    """An executor by name: ``"local"`` or ``"dask"`` (``scheduler`` implies ``"dask"``)."""
    if scheduler and name != "dask":
        raise ValueError("A scheduler address needs the dask executor (--executor dask).")
    if name == "local":
        return LocalExecutor(workers)
    if name == "dask":
        return DaskExecutor(workers, scheduler)
    raise ValueError(f"Unknown executor {name!r}; choose one of {', '.join(EXECUTORS)}.")
