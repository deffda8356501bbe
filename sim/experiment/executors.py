"""One seam for execution: anything shaped like `concurrent.futures.Executor`.

Local worker processes by default (spawned, so the same code is safe on Linux, macOS, Windows
and in Jupyter); a Dask cluster when one machine is not enough: `tcp://host:8786` connects to a
running scheduler (for example one started by dask-jobqueue on an HPC system, docs/cluster.md),
`local:N` starts a LocalCluster of N worker processes on this machine. Nothing else in placesim
knows which one runs.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

from sim.scenario.loading import ScenarioError


def default_workers() -> int:
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


@contextmanager
def local_processes(workers: int | None = None) -> Iterator[Executor]:
    """Spawned worker processes; they start when the first runs are submitted, inside the block."""
    context = multiprocessing.get_context("spawn")
    with single_threaded_children(), ProcessPoolExecutor(max_workers=workers or default_workers(), mp_context=context) as pool:
        yield pool


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
