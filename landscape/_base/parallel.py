"""One seam for independent tasks: run serially, in ``joblib`` processes, or on a Dask cluster.

Every parallel computation of the library (the per-saddle probes of
:func:`landscape.connections.saddle_graph`) goes through :class:`Executor`. The three backends
run the same picklable function on the same tasks; they differ only in *where* each call
runs and in which *order* results come back, so a caller that collects results by task index
gets the same answer from all of them. Results are yielded as they complete, so the caller
can checkpoint after each one, and a progress bar (:mod:`tqdm`) counts them on a terminal.
Interrupting the iteration (``KeyboardInterrupt``, or closing the generator) cancels the
tasks not yet started.

- ``Executor()``: serial, in this process (the default).
- ``Executor(n_jobs=4)``: ``joblib`` worker processes (``n_jobs=-1``: one per core).
- ``Executor(client=client)``: a ``dask.distributed.Client`` the user made (the optional
  extra ``distributed``); the library never starts a cluster itself.
"""

from __future__ import annotations

import enum
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .progress import Progress
from .validation import describe_value, check_int

__all__ = ["Backend", "Executor"]


class Backend(enum.StrEnum):
    """Where an :class:`Executor` runs its tasks."""

    SERIAL = "serial"
    JOBLIB = "joblib"
    DASK = "dask"


class Executor:
    """Run ``func(task)`` for every task, serially, with ``joblib`` or on a Dask client.

    Parameters
    ----------
    n_jobs : int or None
        ``None`` or ``1``: serial. ``k >= 2``: ``k`` ``joblib`` (loky) worker processes;
        ``-1``: one per core.
    client : dask.distributed.Client or None
        Run on this client's cluster instead (``n_jobs`` must then be left ``None``).

    Raises
    ------
    ValueError, TypeError
        For an ``n_jobs`` that is not ``None``, ``-1`` or a positive integer, for a
        ``client`` without the ``submit`` method of ``dask.distributed.Client``, or both.

    Examples
    --------
    >>> ex = Executor()
    >>> ex.backend.value, sorted(ex.map(abs, [-2, 1, -3], progress=False))
    ('serial', [(0, 2), (1, 1), (2, 3)])
    """

    def __init__(self, *, n_jobs: int | None = None, client: Any = None):
        if n_jobs is not None:
            n_jobs = check_int(n_jobs, "n_jobs")
            if n_jobs == 0 or n_jobs < -1:
                raise ValueError(f"n_jobs must be None, -1 or a positive integer, got {n_jobs}")
        if client is not None:
            if n_jobs is not None:
                raise ValueError(f"n_jobs must be None when a client is given, got {n_jobs}")
            if not callable(getattr(client, "submit", None)):
                raise TypeError(f"client must be a dask.distributed.Client, got "
                                f"{describe_value(client)}")
        self.n_jobs = n_jobs
        self.client = client
        if client is not None:
            self.backend = Backend.DASK
        elif n_jobs is None or n_jobs == 1:
            self.backend = Backend.SERIAL
        else:
            self.backend = Backend.JOBLIB

    def __repr__(self) -> str:
        where = {Backend.SERIAL: "", Backend.JOBLIB: f", n_jobs={self.n_jobs}",
                 Backend.DASK: f", client={self.client!r}"}[self.backend]
        return f"Executor(backend={self.backend.value!r}{where})"

    def map(self, func: Callable, tasks: Sequence, *, progress: bool | None = None,
            desc: str = "tasks") -> Iterator[tuple[int, Any]]:
        """Yield ``(index, func(tasks[index]))`` for every task, in order of completion.

        Parameters
        ----------
        func : callable
            A picklable function of one argument (a module-level function or a
            :func:`functools.partial` of one) for the ``joblib`` and Dask backends.
        tasks : sequence
            Picklable arguments.
        progress : bool or None
            ``True``: a progress bar; ``False``: silent; ``None`` (default): a bar when
            standard error is a terminal, otherwise a line there every 10 s
            (:class:`landscape._base.progress.Progress`).
        desc : str
            Label of the progress bar.
        """
        tasks = list(tasks)
        bar = Progress(len(tasks), desc, progress)
        runner = {Backend.SERIAL: self._serial, Backend.JOBLIB: self._joblib,
                  Backend.DASK: self._dask}[self.backend]
        try:
            for index, result in runner(func, tasks):
                bar.update()
                yield index, result
        finally:
            bar.close()

    @staticmethod
    def _serial(func, tasks):
        for index, task in enumerate(tasks):
            yield index, func(task)

    def _joblib(self, func, tasks):
        if not tasks:
            return
        from joblib import Parallel, delayed

        # Closing the generator (an interruption) makes joblib abort the pending tasks; the
        # worker processes are then stopped too, so that no semaphore outlives the run.
        parent = os.getpid()
        outputs = Parallel(n_jobs=self.n_jobs, return_as="generator_unordered")(
            delayed(_orphan_safe)(func, index, task, parent) for index, task in enumerate(tasks))
        finished = False
        try:
            yield from outputs
            finished = True
        finally:
            outputs.close()
            if not finished:
                from joblib.externals.loky import get_reusable_executor

                get_reusable_executor().shutdown(wait=True, kill_workers=True)

    def _dask(self, func, tasks):
        from distributed import as_completed

        futures = [self.client.submit(_indexed, func, index, task, pure=False)
                   for index, task in enumerate(tasks)]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            self.client.cancel([f for f in futures if not f.done()])


def _indexed(func, index: int, task) -> tuple[int, Any]:
    return index, func(task)


def _orphan_safe(func, index: int, task, parent: int) -> tuple[int, Any]:
    """:func:`_indexed` in a worker process that exits when its parent has died: a killed run
    must not leave workers computing, idling, or holding its standard output open."""
    if os.getppid() != parent:
        os._exit(0)
    if _WATCHED.get(os.getpid()) != parent:
        _WATCHED[os.getpid()] = parent
        threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    return _indexed(func, index, task)


#: Worker process -> the parent its watchdog thread follows.
_WATCHED: dict[int, int] = {}
#: Seconds between two looks of a worker's watchdog at its parent.
WATCH_EVERY = 0.5


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_EVERY)
    os._exit(0)
