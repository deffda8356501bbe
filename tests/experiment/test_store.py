"""The results store: parts verified when read, parts from elsewhere refused, the table pair written
whole, leftovers cleaned, partial results labelled partial (issue 11, findings 2, 3 and 4)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiment.experiment import load_experiment
from sim.experiment.store import ResultsStore, ResultsWarning, load_results, parquet_safe, read_label, write_parquet
from sim.scenario import ScenarioError
from tests.experiment.conftest import GRID, experiment_file  # GRID: five points (the baseline last) x 2 = 10 runs

TINY = {"population_sample": 500, "steps": 2}
RUNS = 10
DAMAGED_RUN = "p00001-r0000"


def stop_after(runs: int) -> Callable[[int, int], None]:
    """A progress callback that presses Ctrl-C once `runs` runs are stored."""

    def progress(done: int, total: int) -> None:
        if done >= runs:
            raise KeyboardInterrupt

    return progress


def sweep(path: Path, out: Path, stop: int | None = None, resume: bool = False) -> pd.DataFrame | None:
    """Run (or resume) the experiment in one thread, so runs finish in design order; with `stop`,
    interrupt it once that many runs are stored in the folder, as Ctrl-C or kill -9 would."""
    executor = ThreadPoolExecutor(max_workers=1)
    try:
        experiment = load_experiment(path, **TINY)
        return experiment.run(out=out, executor=executor, resume=resume, progress=stop_after(stop) if stop else None)
    except KeyboardInterrupt:
        return None
    finally:
        executor.shutdown(cancel_futures=True)


def interrupted_sweep(folder: Path, body: str, name: str, runs: int) -> Path:
    """A results folder as a sweep interrupted after `runs` runs leaves it."""
    out = folder / f"results-{name}"
    sweep(experiment_file(folder, body, name), out, stop=runs)
    return out


@pytest.fixture
def grid(tmp_path: Path) -> Path:
    return experiment_file(tmp_path, GRID, "grid")


@pytest.fixture
def finished(grid: Path, tmp_path: Path) -> Path:
    out = tmp_path / "finished"
    sweep(grid, out)
    return out


def sorted_runs(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "runs.parquet").sort_values("run_id", ignore_index=True)


def damage(parts: Path, how: str) -> Path:
    """Damage run DAMAGED_RUN's parts in one of the ways issue 11 found; return the file damaged."""
    run_part, steps_part = parts / f"{DAMAGED_RUN}.run.parquet", parts / f"{DAMAGED_RUN}.steps.parquet"
    if how == "truncated":
        os.truncate(run_part, 100)
    elif how == "empty":
        os.truncate(run_part, 0)
    elif how == "random bytes":
        run_part.write_bytes(os.urandom(2000))
    elif how == "without its steps part":
        steps_part.unlink()
    elif how == "steps part truncated":
        os.truncate(steps_part, 100)
        return steps_part
    elif how == "two rows":
        row = pd.read_parquet(run_part)
        write_parquet(pd.concat([row, row]), run_part, read_label(run_part))  # labelled, so only the rows are wrong
    return run_part


DAMAGES = ["truncated", "empty", "random bytes", "without its steps part", "steps part truncated", "two rows"]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_part_is_reported_by_name_and_run_again_on_resume(how: str, grid: Path, finished: Path) -> None:
    complete = sorted_runs(finished)
    damaged = damage(finished / "parts", how)
    with pytest.warns(ResultsWarning, match=damaged.name):
        resumed = sweep(grid, finished, resume=True)
    assert resumed is not None and len(resumed) == RUNS
    pd.testing.assert_frame_equal(sorted_runs(finished), complete)


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_part_is_left_out_of_loaded_results_with_a_warning(how: str, grid: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    sweep(grid, out, stop=4)
    damaged = damage(out / "parts", how)
    with pytest.warns(ResultsWarning, match=damaged.name):
        results = load_results(out)
    assert DAMAGED_RUN not in set(results.runs["run_id"]) and DAMAGED_RUN in results.missing_runs
    assert set(results.steps["run_id"]) == set(results.runs["run_id"])


def test_a_truncated_manifest_is_a_named_error(finished: Path) -> None:
    os.truncate(finished / "manifest.json", 50)
    with pytest.raises(ScenarioError, match="manifest.json") as raised:
        load_results(finished)
    assert "not valid JSON" in str(raised.value) and "--resume" in str(raised.value)


def test_a_truncated_manifest_stops_a_resume_with_a_named_error(grid: Path, finished: Path) -> None:
    os.truncate(finished / "manifest.json", 50)
    with pytest.raises(ScenarioError, match="manifest.json"):
        sweep(grid, finished, resume=True)


@pytest.mark.parametrize("copy", ["p00001-r0000x", "p00001-r0001"])
def test_a_copied_part_never_duplicates_a_run(copy: str, grid: Path, finished: Path) -> None:
    parts = finished / "parts"
    complete = sorted_runs(finished)
    (parts / f"{copy}.run.parquet").unlink(missing_ok=True)
    shutil.copy(parts / "p00001-r0000.run.parquet", parts / f"{copy}.run.parquet")
    shutil.copy(parts / "p00001-r0000.steps.parquet", parts / f"{copy}.steps.parquet")
    with pytest.warns(ResultsWarning, match=f"{copy}.run.parquet"):
        sweep(grid, finished, resume=True)
    runs = sorted_runs(finished)
    assert len(runs) == RUNS and runs["run_id"].is_unique
    pd.testing.assert_frame_equal(runs, complete)


def test_a_part_of_another_experiment_is_ignored_and_the_run_done_again(grid: Path, finished: Path, tmp_path: Path) -> None:
    other = experiment_file(tmp_path, GRID.replace("seed: 11", "seed: 12"), "other")
    sweep(other, tmp_path / "other-results")
    complete = sorted_runs(finished)
    for suffix in (".run.parquet", ".steps.parquet"):
        shutil.copy(tmp_path / "other-results" / "parts" / f"{DAMAGED_RUN}{suffix}", finished / "parts")
    with pytest.warns(ResultsWarning, match="another experiment"):
        sweep(grid, finished, resume=True)
    pd.testing.assert_frame_equal(sorted_runs(finished), complete)


def test_resuming_another_experiment_where_the_manifest_was_removed_is_refused(grid: Path, finished: Path, tmp_path: Path) -> None:
    before = sorted_runs(finished)
    (finished / "manifest.json").unlink()
    other = experiment_file(tmp_path, GRID.replace("seed: 11", "seed: 12"), "other")
    with pytest.raises(ScenarioError, match="another experiment"):
        sweep(other, finished, resume=True)
    pd.testing.assert_frame_equal(sorted_runs(finished), before)
    assert not (finished / "manifest.json").exists()


def test_resuming_the_same_experiment_where_the_manifest_was_removed_keeps_its_runs(grid: Path, finished: Path) -> None:
    stamps = {p.name: p.stat().st_mtime_ns for p in (finished / "parts").iterdir()}
    (finished / "manifest.json").unlink()
    resumed = sweep(grid, finished, resume=True)
    assert resumed is not None and len(resumed) == RUNS
    assert stamps == {p.name: p.stat().st_mtime_ns for p in (finished / "parts").iterdir()}


def interrupt_between_the_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the process 'die' after renaming the first of runs.parquet and steps.parquet into place."""
    renamed: list[str] = []
    replace = os.replace

    def dying_replace(source: str | Path, target: str | Path) -> None:
        if Path(target).name in ("runs.parquet", "steps.parquet"):
            if renamed:
                raise KeyboardInterrupt
            renamed.append(Path(target).name)
        replace(source, target)

    monkeypatch.setattr(os, "replace", dying_replace)


def test_an_interrupted_consolidation_never_yields_runs_without_their_steps(grid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        interrupt_between_the_tables(patch)
        sweep(grid, out)
    results = load_results(out)
    assert len(results.runs) == RUNS
    assert set(results.steps["run_id"]) == set(results.runs["run_id"])


def test_a_resume_after_an_interrupted_consolidation_rewrites_the_pair(grid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        interrupt_between_the_tables(patch)
        sweep(grid, out)
    sweep(grid, out, resume=True)
    steps = pd.read_parquet(out / "steps.parquet")
    assert set(steps["run_id"]) == set(pd.read_parquet(out / "runs.parquet")["run_id"])
    assert not list(out.rglob(".*.tmp"))


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_leftover_temporaries_of_killed_writers_are_removed_when_the_store_is_opened(finished: Path) -> None:
    dead = dead_pid()
    leftovers = [finished / f".steps.parquet.{dead}.tmp", finished / "parts" / f".p00001-r0000.steps.parquet.{dead}.tmp"]
    in_flight = finished / "parts" / f".p00002-r0000.run.parquet.{os.getpid()}.tmp"  # a writer still running
    report_file = finished / f".report.html.{dead}.tmp"  # not the store's: the report's own
    for path in [*leftovers, in_flight, report_file]:
        path.write_bytes(b"half")
    load_results(finished)
    assert not any(path.exists() for path in leftovers)
    assert in_flight.exists() and report_file.exists()


def test_results_of_an_interrupted_sweep_are_flagged_partial_with_the_runs_missing(grid: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    sweep(grid, out, stop=5)
    with pytest.warns(ResultsWarning, match="partial: 5 of 10 runs"):
        results = load_results(out)
    assert not results.complete and results.partial_label == "partial: 5 of 10 runs"
    assert len(results.runs) == 5 and len(results.missing_runs) == 5
    assert set(results.missing_runs).isdisjoint(results.runs["run_id"])


def test_results_of_a_finished_sweep_are_complete(finished: Path) -> None:
    results = load_results(finished)
    assert results.complete and results.missing_runs == () and results.partial_label is None


def test_a_later_interrupted_resume_is_not_hidden_behind_older_tables(grid: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    sweep(grid, out, stop=3)
    with pytest.warns(ResultsWarning, match="partial: 3 of 10"):
        load_results(out)  # e.g. `placesim report` in between
    sweep(grid, out, stop=6, resume=True)
    with pytest.warns(ResultsWarning, match="partial: 6 of 10"):
        results = load_results(out)
    assert len(results.runs) == 6 and not results.complete


def test_loading_an_unfinished_sweep_writes_nothing_beside_its_parts(grid: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    sweep(grid, out, stop=3)
    with pytest.warns(ResultsWarning):
        load_results(out)
    assert not (out / "runs.parquet").exists() and not (out / "steps.parquet").exists()


def test_every_part_records_the_experiment_and_run_that_wrote_it(finished: Path) -> None:
    import pyarrow.parquet as pq

    manifest = json.loads((finished / "manifest.json").read_text())
    label = json.loads(pq.read_schema(finished / "parts" / "p00003-r0001.steps.parquet").metadata[b"placesim"])
    assert label == {"experiment_hash": manifest["experiment_hash"], "run_id": "p00003-r0001"}


def test_completed_runs_are_the_runs_whose_parts_pass_every_check(finished: Path) -> None:
    damage(finished / "parts", "truncated")
    with pytest.warns(ResultsWarning):
        done = ResultsStore(finished).completed_runs()
    assert len(done) == RUNS - 1 and DAMAGED_RUN not in done


def opened_store(grid: Path, folder: Path) -> ResultsStore:
    store = ResultsStore(folder)
    store.prepare(load_experiment(grid, **TINY).manifest(), resume=False)
    return store


def long_steps(run_id: str, rows: int = 2000) -> pd.DataFrame:
    return pd.DataFrame({"run_id": run_id, "step": np.arange(rows) % 40, "measure": "crises", "value": 1.0})


def test_storing_a_run_starts_no_thread(grid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a sweep's parent every core already runs a worker; threads to convert a run's tables
    (pyarrow's default for more than 100 rows a column) would only take time from them."""
    store = opened_store(grid, tmp_path / "out")
    started: list[str] = []
    start = threading.Thread.start

    def recorded_start(thread: threading.Thread) -> None:
        started.append(thread.name)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", recorded_start)
    row = {"run_id": DAMAGED_RUN, "point_id": 1, "point": "p", "replication": 0, "seed": 1}
    store.save_run(DAMAGED_RUN, row, long_steps(DAMAGED_RUN))
    assert started == []


def test_a_stored_row_reads_back_as_its_one_row_frame(grid: Path, tmp_path: Path) -> None:
    store = opened_store(grid, tmp_path / "out")
    row = {
        "run_id": DAMAGED_RUN, "point_id": 1, "point": "p", "replication": 0, "seed": 2**32 - 1,
        "param:policy.pool.gain_share": True, "param:members": ["council", "police"], "param:note": None,
        "total_spend_gbp": np.float64(1.5e9), "mean_wellbeing": float("nan"), "crises": np.int64(12),
        "share": np.float32(0.25), "label": "",
    }  # fmt: skip
    store.save_run(DAMAGED_RUN, row, long_steps(DAMAGED_RUN))
    stored, _ = store.read_part(DAMAGED_RUN)
    pd.testing.assert_frame_equal(stored, pd.DataFrame([parquet_safe(row)]))
