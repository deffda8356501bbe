"""Sweeps stopped, damaged and pointed at bad folders, through the CLI in a subprocess (issue 11:
findings 2, 3, 4 and 9, and `sweep --out` from finding 10)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from tests.e2e.test_sweep import SWEEP
from tests.experiment.conftest import experiment_file
from tests.experiment.test_store import GRID, interrupted_sweep

TINY = ("--population-sample", "500", "--steps", "2", "--replications", "2")
# Long enough that a sweep is still running when the test stops it, on any machine: 12 runs.
SLOWER = ("--population-sample", "5000", "--steps", "30")
WAIT_S = 120  # an upper bound on waiting, never a measurement


def sweep_command(experiment: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sim", "sweep", str(experiment), "--out", str(out), *extra]


def placesim(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim", *arguments], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return experiment_file(tmp_path_factory.mktemp("experiment"), SWEEP, "sweep")


@pytest.fixture(scope="module")
def finished_once(sweep_file: Path) -> Path:
    out = sweep_file.parent / "finished"
    done = subprocess.run(sweep_command(sweep_file, out, *TINY, "--workers", "2"), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture
def finished(finished_once: Path, tmp_path: Path) -> Path:
    """A finished tiny sweep of 6 runs, for this test alone to damage."""
    return Path(shutil.copytree(finished_once, tmp_path / "finished"))


def sorted_runs(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "runs.parquet").sort_values("run_id", ignore_index=True)


def as_a_terminal_starts_it() -> None:
    """Ctrl-C at its default and unblocked in the child, as a shell leaves it. A process inherits an
    ignored or blocked SIGINT, and something earlier in the test session (an in-process Dask cluster
    is the suspect) can leave the test process so; a sweep started that way never sees Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def started_sweep(sweep_file: Path, out: Path, stderr: Path) -> subprocess.Popen[bytes]:
    """A sweep in its own process group (as a terminal runs it), on two local workers."""
    return subprocess.Popen(
        sweep_command(sweep_file, out, "--workers", "2", *SLOWER),
        stdout=subprocess.DEVNULL,
        stderr=stderr.open("wb"),
        start_new_session=True,
        preexec_fn=as_a_terminal_starts_it,
    )


def wait_for(condition, what: str) -> None:  # noqa: ANN001 - a zero-argument predicate
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


def workers_of(sweep: subprocess.Popen[bytes]) -> list[psutil.Process]:
    """The sweep's worker processes, once both have started."""
    found: list[psutil.Process] = []

    def both_started() -> bool:
        found[:] = [c for c in psutil.Process(sweep.pid).children(recursive=True) if is_worker(c)]
        return len(found) == 2

    wait_for(both_started, "the sweep's two workers")
    return found


def is_worker(process: psutil.Process) -> bool:
    try:
        return "spawn_main" in " ".join(process.cmdline())
    except psutil.Error:
        return False


def gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def first_run_stored(out: Path) -> bool:
    return (out / "parts").is_dir() and any((out / "parts").glob("*.run.parquet"))


def test_workers_exit_when_their_sweep_is_killed(sweep_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "killed"
    sweep = started_sweep(sweep_file, out, tmp_path / "stderr")
    workers_of(sweep)
    wait_for(lambda: first_run_stored(out), "a first finished run")
    descendants = psutil.Process(sweep.pid).children(recursive=True)  # the workers and multiprocessing's helper
    os.kill(sweep.pid, signal.SIGKILL)  # the sweep alone, not its process group
    sweep.wait(timeout=WAIT_S)
    assert len(list((out / "parts").glob("*.run.parquet"))) < 12, "the sweep must be killed part-way"
    try:
        wait_for(lambda: all(gone(p) for p in descendants), "the workers to exit")
    finally:
        for process in descendants:
            if not gone(process):
                process.kill()


@pytest.mark.parametrize("moment", ["while the workers start", "while they run"])
def test_ctrl_c_prints_one_clean_message_and_no_worker_traceback(moment: str, sweep_file: Path, tmp_path: Path) -> None:
    out, stderr = tmp_path / "interrupted", tmp_path / "stderr"
    sweep = started_sweep(sweep_file, out, stderr)
    workers = workers_of(sweep)
    if moment == "while they run":
        wait_for(lambda: first_run_stored(out), "a first finished run")
    os.killpg(sweep.pid, signal.SIGINT)  # as a terminal's Ctrl-C: to every process of the group
    assert sweep.wait(timeout=WAIT_S) == 130
    message = stderr.read_text()
    assert "interrupted" in message and "Traceback" not in message, message
    wait_for(lambda: all(gone(p) for p in workers), "the workers to exit")


def test_a_truncated_part_is_reported_and_run_again_on_resume(sweep_file: Path, finished: Path) -> None:
    complete = sorted_runs(finished)
    os.truncate(finished / "parts" / "p00001-r0000.run.parquet", 100)
    resumed = subprocess.run(sweep_command(sweep_file, finished, *TINY, "--resume"), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert "p00001-r0000.run.parquet" in resumed.stderr and "Traceback" not in resumed.stderr
    pd.testing.assert_frame_equal(sorted_runs(finished), complete)


@pytest.mark.parametrize("command", ["sweep --resume", "report"])
def test_a_truncated_manifest_is_a_named_error(command: str, sweep_file: Path, finished: Path) -> None:
    os.truncate(finished / "manifest.json", 50)
    if command == "report":
        result = placesim("report", str(finished))
    else:
        result = subprocess.run(sweep_command(sweep_file, finished, *TINY, "--resume"), capture_output=True, text=True, timeout=600)
    assert result.returncode == 2
    assert "manifest.json" in result.stderr and "not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_copied_part_gives_no_extra_run(sweep_file: Path, finished: Path) -> None:
    parts = finished / "parts"
    for suffix in (".run.parquet", ".steps.parquet"):
        shutil.copy(parts / f"p00001-r0000{suffix}", parts / f"copy{suffix}")
    resumed = subprocess.run(sweep_command(sweep_file, finished, *TINY, "--resume"), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert "copy.run.parquet" in resumed.stderr
    runs = sorted_runs(finished)
    assert len(runs) == 6 and runs["run_id"].is_unique


def test_another_experiment_is_not_resumed_into_a_folder_whose_manifest_was_removed(finished: Path, tmp_path: Path) -> None:
    before = sorted_runs(finished)
    (finished / "manifest.json").unlink()
    other = experiment_file(tmp_path, SWEEP.replace("seed: 5", "seed: 6"), "other")
    result = subprocess.run(sweep_command(other, finished, *TINY, "--resume"), capture_output=True, text=True, timeout=600)
    assert result.returncode == 2 and "another experiment" in result.stderr, result.stderr
    pd.testing.assert_frame_equal(sorted_runs(finished), before)


def test_the_report_of_a_sweep_stopped_after_5_runs_says_partial_and_does_not_crash(tmp_path: Path) -> None:
    out = interrupted_sweep(tmp_path, GRID, "grid", runs=5)  # the baseline, last, has no runs yet
    result = placesim("report", str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "partial: 5 of 10 runs" in (out / "report.html").read_text()
    assert "partial: 5 of 10 runs" in (out / "summary.md").read_text()


def test_a_kill_while_consolidating_leaves_results_that_load(finished: Path) -> None:
    """What a kill between writing runs.parquet and steps.parquet left before: runs.parquet
    without steps.parquet, an unfinished manifest, and the killed writer's temporary."""
    (finished / "steps.parquet").unlink()
    manifest = json.loads((finished / "manifest.json").read_text())
    (finished / "manifest.json").write_text(json.dumps({k: v for k, v in manifest.items() if k != "finished"}))
    leftover = finished / ".steps.parquet.999999999.tmp"
    leftover.write_bytes(b"half")
    result = placesim("report", str(finished))
    assert result.returncode == 0, result.stderr
    assert (finished / "report.html").is_file() and not leftover.exists()


@pytest.fixture
def unwritable(tmp_path: Path) -> Path:
    """A folder this user cannot write in (root writes everywhere but a read-only file system)."""
    if os.geteuid() == 0:
        if not Path("/sys").is_dir():
            pytest.skip("running as root without /sys: nowhere is unwritable")
        return Path("/sys/placesim-results")
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    return folder / "results"


@pytest.mark.parametrize("where", ["an existing file", "under a file", "somewhere unwritable"])
def test_sweep_out_must_be_a_folder_that_can_be_written(where: str, sweep_file: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    (tmp_path / "notes.txt").write_text("thesis\n")
    out = {
        "an existing file": tmp_path / "notes.txt",
        "under a file": tmp_path / "notes.txt" / "results",
        "somewhere unwritable": request.getfixturevalue("unwritable") if where == "somewhere unwritable" else None,
    }[where]
    result = subprocess.run(sweep_command(sweep_file, out, *TINY), capture_output=True, text=True, timeout=600)
    assert result.returncode == 2, result.stderr
    assert str(out) in result.stderr and "--out" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "notes.txt").read_text() == "thesis\n"
