"""Local worker processes: numerics on one thread each, and none outlives its sweep, whether the
sweep finishes, a run fails or Ctrl-C stops it (issue 14). The CLI's Ctrl-C and SIGKILL are in
tests/e2e/test_sweep_interrupted.py."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from sim.experiment.executors import local_processes
from sim.experiment.experiment import load_experiment
from tests.experiment.conftest import ROOT
from tests.experiment.test_store import stop_after

NAP_S = 60  # longer than any test here takes, so a run still in flight shows


def children() -> set[int]:
    return {child.pid for child in psutil.Process().children(recursive=True)}


def left_behind(before: set[int]) -> list[str]:
    """Processes started since `before` that still exist (zombies included: not yet waited for),
    but multiprocessing's resource tracker: one per parent process, shared by every pool, and
    gone when the parent exits."""
    left = []
    for child in psutil.Process().children(recursive=True):
        try:
            command = " ".join(child.cmdline())
        except psutil.ZombieProcess:
            command = "(zombie)"
        except psutil.NoSuchProcess:
            continue
        if child.pid not in before and "resource_tracker" not in command:
            left.append(f"{child.pid}: {command}")
    return left


def nap(seconds: float, marker: Path) -> None:
    """A run that takes `seconds`, then leaves `marker`: a marker shows that the run was let finish."""
    time.sleep(seconds)
    marker.touch()


def fail() -> None:
    raise RuntimeError("a run that fails")


def large_result(marker: Path) -> bytes:
    """A result of 20 MB: sending it takes a while when the sweep's reader is slow. `marker` tells
    the sweep that the run is done and its result on its way."""
    marker.touch()
    return bytes(20_000_000)


# Ctrl-C while a worker sends its result: the sweep holds the GIL in a loop for half a second
# after the run ends, so the pool's reader takes the 20 MB in 64 kB gulps one switch interval
# (here 50 ms) apart, and the sweep stops the worker part-way through the message. In a
# subprocess: the sweep that fails this test never ends.
STOPPED_WHILE_SENDING = """
import sys, time
from pathlib import Path
from sim.experiment.executors import local_processes
from tests.experiment.test_executors import large_result

marker = Path(sys.argv[1])
sys.setswitchinterval(0.05)
try:
    with local_processes(1) as executor:
        executor.submit(large_result, marker)
        while not marker.exists():
            time.sleep(0.01)
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            pass
        raise KeyboardInterrupt
except KeyboardInterrupt:
    print("stopped")
"""


def blas_threads() -> list[int]:
    """The thread count of every numerical library loaded in this process (BLAS, OpenMP)."""
    import numpy  # noqa: F401 - loads the BLAS numpy is linked against, for threadpoolctl to find
    from threadpoolctl import threadpool_info

    return [library["num_threads"] for library in threadpool_info()]


def test_no_worker_outlives_a_finished_sweep(grid_file: Path, tmp_path: Path) -> None:
    before = children()
    runs = load_experiment(grid_file).run(out=tmp_path / "out", workers=2)
    assert len(runs) == 10
    assert left_behind(before) == []


def test_no_worker_outlives_a_sweep_whose_run_fails_and_runs_in_flight_are_stopped(tmp_path: Path) -> None:
    marker = tmp_path / "finished"
    before = children()
    with pytest.raises(RuntimeError, match="a run that fails"):
        with local_processes(2) as executor:
            executor.submit(nap, NAP_S, marker)
            executor.submit(fail).result()
    assert left_behind(before) == []
    assert not marker.exists(), "the run in flight was waited for, not stopped"


def test_no_worker_outlives_a_sweep_stopped_by_ctrl_c(grid_file: Path, tmp_path: Path) -> None:
    before = children()
    with pytest.raises(KeyboardInterrupt):
        load_experiment(grid_file).run(out=tmp_path / "out", workers=2, progress=stop_after(1))
    assert left_behind(before) == []
    assert len(list((tmp_path / "out" / "parts").glob("*.run.parquet"))) < 10, "the sweep must be stopped part-way"


def test_ctrl_c_while_a_worker_sends_its_result_stops_the_sweep(tmp_path: Path) -> None:
    try:
        stopped = subprocess.run(
            [sys.executable, "-c", STOPPED_WHILE_SENDING, str(tmp_path / "sent")],
            cwd=ROOT, capture_output=True, text=True, timeout=120, start_new_session=True,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("the sweep hung in shutdown, waiting for the rest of a result that never comes")
    assert stopped.stdout.strip() == "stopped", stopped.stderr


def test_workers_run_numerical_libraries_on_one_thread() -> None:
    pytest.importorskip("threadpoolctl")
    with local_processes(2) as executor:
        threads = executor.submit(blas_threads).result()
    assert threads and set(threads) == {1}
