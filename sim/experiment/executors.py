"""One seam for execution: anything shaped like `concurrent.futures.Executor`.

Local worker processes by default (spawned, so the same code is safe on Linux, macOS, Windows
and in Jupyter); a Dask cluster when one machine is not enough: `tcp://host:8786` connects to a
running scheduler (for example one started by dask-jobqueue on an HPC system, docs/cluster.md),
`local:N` starts a LocalCluster of N worker processes on this machine. Nothing else in placesim
knows which one runs.

Local workers die with their sweep. Each holds the reading end of a pipe whose only writing end
is the sweep's, and a thread in it exits the worker when that pipe closes: when the sweep ends,
is interrupted, or is killed (even by SIGKILL, which no handler sees). Workers start with Ctrl-C
blocked and then ignore it: the sweep alone answers it, by closing the pipe, so an interrupt
prints one clean message and no worker's traceback.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext, SpawnProcess
from multiprocessing.queues import SimpleQueue

from sim.scenario.loading import ScenarioError


def default_workers() -> int:
    """One worker per core this process may run on: under `taskset`, a batch scheduler's cpuset
    or a container's, `os.cpu_count()` counts the whole machine and would oversubscribe."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


# One thread per worker for the numerical libraries: with as many worker processes as cores,
# multi-threaded BLAS in each worker oversubscribes the cores (2 workers ran no faster than 1).
# Dask's nanny sets the same variables for its workers.
SINGLE_THREADED = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


@contextmanager
def single_threaded_children() -> Iterator[None]:
    """Processes spawned inside this block start with single-threaded numerical libraries."""
    saved = {name: os.environ.get(name) for name in SINGLE_THREADED}
    os.environ.update(SINGLE_THREADED)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


EXIT_ORPHANED = 3  # a worker whose sweep has gone


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Ctrl-C is held (blocked, not lost) in this thread inside the block. A process started
    here inherits the block, so a worker cannot be interrupted while it is still importing."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: workers ignore Ctrl-C once started
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class WorkerProcess(SpawnProcess):
    """A spawned process that starts with Ctrl-C held."""

    def start(self) -> None:
        with interrupts_held():
            super().start()


class ResultQueue(SimpleQueue):
    """The pool's result pipe, whose writing end in the sweep can be closed.

    A worker stopped while it sends a result leaves half a message in the pipe, and the pool's
    reader thread waits for the rest. It would wait for ever, and the sweep with it in `shutdown`,
    because the sweep holds a writing end of the pipe itself (to hand to the workers it starts), so
    the pipe never ends. With that end closed, the pipe ends once the last worker has gone: the
    reader finds the pool broken and lets it shut down. CPython closes the sweep's reading end of
    the task pipe the same way for the same reason (gh-94777).
    """

    def close_sweep_end(self) -> None:
        self._writer.close()


class WorkerContext(SpawnContext):
    """The spawn start method, with `WorkerProcess` for the pool's processes and a `ResultQueue`
    for its results (the pool's one `SimpleQueue`)."""

    Process = WorkerProcess

    def __init__(self) -> None:
        super().__init__()
        self.result_queues: list[ResultQueue] = []

    def SimpleQueue(self) -> ResultQueue:  # noqa: N802 - the name multiprocessing's pool calls
        queue = ResultQueue(ctx=self.get_context())
        self.result_queues.append(queue)
        return queue


def exit_when_closed(lifeline: Connection) -> None:
    """Block until the sweep's end of `lifeline` closes (or sends anything), then exit at once."""
    try:
        lifeline.recv_bytes()
    except (EOFError, OSError):
        pass
    os._exit(EXIT_ORPHANED)


def start_worker(lifeline: Connection) -> None:
    """Run in each worker before its first run: leave Ctrl-C to the sweep, and watch the lifeline."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=exit_when_closed, args=(lifeline,), name="placesim-lifeline", daemon=True).start()


@contextmanager
def local_processes(workers: int | None = None) -> Iterator[Executor]:
    """Spawned worker processes; they start when the first runs are submitted, inside the block.

    Leaving the block by an exception (a failed run, Ctrl-C) stops the workers at once, runs in
    flight included: their results would not be stored anyway, and `--resume` runs them again.
    """
    lifeline, sweep_end = multiprocessing.get_context("spawn").Pipe(duplex=False)
    context = WorkerContext()
    pool = ProcessPoolExecutor(
        max_workers=workers or default_workers(),
        mp_context=context,
        initializer=start_worker,
        initargs=(lifeline,),
    )
    try:
        with single_threaded_children():
            yield pool
    except BaseException:
        sweep_end.close()
        for results in context.result_queues:
            results.close_sweep_end()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        sweep_end.close()
        lifeline.close()


@contextmanager
def dask_executor(address: str) -> Iterator[Executor]:
    """A Dask client's executor: `local:N` for a LocalCluster here, otherwise a scheduler address."""
    from dask.distributed import Client, LocalCluster

    if address.startswith("local:"):
        try:
            n_workers = int(address.removeprefix("local:"))
        except ValueError:
            raise ScenarioError("--dask", [(address, "expected local:N (N worker processes) or tcp://host:port")]) from None
        with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            with Client(cluster) as client:
                yield client.get_executor(retries=3)
        return
    try:
        client = Client(address, timeout="20s")
    except OSError as exc:
        raise ScenarioError("--dask", [(address, f"cannot reach a Dask scheduler there ({exc})")]) from None
    with client:
        yield client.get_executor(retries=3)


@contextmanager
def make_executor(workers: int | None = None, dask: str | None = None) -> Iterator[Executor]:
    """The executor the command line asks for."""
    if dask:
        with dask_executor(dask) as executor:
            yield executor
    else:
        with local_processes(workers) as executor:
            yield executor
