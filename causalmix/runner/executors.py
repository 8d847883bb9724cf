"""Where run groups execute: in-process, a local process pool, or a Dask cluster.

Every executor has the same interface: a context manager whose ``imap(function, items)`` yields
``(item, result, error)`` as items finish, in any order; ``error`` is the exception that stopped
an item from returning (a worker that died, say), else None. Numbers never depend on the executor:
each run seeds itself from its key and uses one thread (:func:`causalmix.runner.execute.run_group`).
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed

EXECUTORS = ("local", "dask")


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
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

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

    def __enter__(self) -> DaskExecutor:
        from distributed import Client, LocalCluster

        if self.scheduler:
            self._client = Client(self.scheduler)
        else:
            self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                         dashboard_address=":0", silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
        return self

    def __exit__(self, *exc) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def imap(self, function: Callable, items: Iterable) -> Iterator[tuple]:
        from distributed import as_completed as dask_as_completed

        futures = {}
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
