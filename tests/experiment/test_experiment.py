"""Running experiments: determinism, common random numbers, the store and resume."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.experiment.executors import local_processes
from sim.experiment.experiment import load_experiment
from sim.experiment.store import ResultsStore, load_results
from sim.model.model import PlaceModel
from sim.scenario import ScenarioError
from tests.experiment.conftest import experiment_file


def run_in_threads(path: Path, out: Path, **overrides: int) -> pd.DataFrame:
    with ThreadPoolExecutor(max_workers=2) as executor:
        return load_experiment(path, **overrides).run(out=out, executor=executor)


def sorted_steps(folder: Path) -> pd.DataFrame:
    steps = pd.read_parquet(folder / "steps.parquet")
    return steps.sort_values(["run_id", "step", "measure", "agency", "domain", "category"], ignore_index=True)


def test_the_same_experiment_twice_gives_identical_tables(grid_file: Path, tmp_path: Path) -> None:
    first = run_in_threads(grid_file, tmp_path / "a").sort_values("run_id", ignore_index=True)
    with local_processes(2) as executor:
        second = load_experiment(grid_file).run(out=tmp_path / "b", executor=executor)
    pd.testing.assert_frame_equal(first, second.sort_values("run_id", ignore_index=True))
    pd.testing.assert_frame_equal(sorted_steps(tmp_path / "a"), sorted_steps(tmp_path / "b"))


def test_every_run_has_one_row_with_its_seed_and_parameters(grid_file: Path, tmp_path: Path) -> None:
    runs = run_in_threads(grid_file, tmp_path / "out")
    assert len(runs) == 5 * 2 and runs["run_id"].is_unique
    assert {"seed", "replication", "point_id", "param:policy.pool.rate", "total_spend_gbp", "mean_wellbeing"} <= set(runs.columns)
    steps = pd.read_parquet(tmp_path / "out" / "steps.parquet")
    assert set(steps["measure"]) == {"crises", "wellbeing", "collaboration", "spend_gbp"}
    assert set(steps["run_id"]) == set(runs["run_id"])


def test_replication_r_of_every_point_starts_from_the_same_citizens(grid_file: Path) -> None:
    specs = [s for s in load_experiment(grid_file).run_specs() if s.replication == 1]
    needs = [PlaceModel(s.scenario, s.seed, s.population_sample).population.needs for s in specs]
    for other in needs[1:]:
        np.testing.assert_array_equal(needs[0], other)


def test_different_replications_see_different_citizens(grid_file: Path) -> None:
    first, second = load_experiment(grid_file).run_specs()[:2]
    assert not np.array_equal(
        PlaceModel(first.scenario, first.seed, 1000).population.needs,
        PlaceModel(second.scenario, second.seed, 1000).population.needs,
    )


def test_a_folder_with_results_is_not_overwritten_without_resume(grid_file: Path, tmp_path: Path) -> None:
    run_in_threads(grid_file, tmp_path / "out")
    with pytest.raises(ScenarioError, match="--resume"):
        run_in_threads(grid_file, tmp_path / "out")


def test_resume_refuses_results_of_a_different_experiment(grid_file: Path, tmp_path: Path) -> None:
    run_in_threads(grid_file, tmp_path / "out")
    with pytest.raises(ScenarioError, match="different experiment"):
        with ThreadPoolExecutor(1) as executor:
            load_experiment(grid_file, steps=3).run(out=tmp_path / "out", executor=executor, resume=True)


def test_resume_runs_only_what_is_missing(grid_file: Path, tmp_path: Path) -> None:
    complete = run_in_threads(grid_file, tmp_path / "out").sort_values("run_id", ignore_index=True)
    store = ResultsStore(tmp_path / "out")
    lost = sorted(store.completed_runs())[3:6]
    stamps = {p.name: p.stat().st_mtime_ns for p in store.parts.iterdir()}
    for run_id in lost:
        (store.parts / f"{run_id}.run.parquet").unlink()
    with ThreadPoolExecutor(2) as executor:
        resumed = load_experiment(grid_file).run(out=tmp_path / "out", executor=executor, resume=True)
    pd.testing.assert_frame_equal(complete, resumed.sort_values("run_id", ignore_index=True))
    rewritten = {p.name for p in store.parts.iterdir() if stamps.get(p.name) != p.stat().st_mtime_ns}
    assert {name.split(".")[0] for name in rewritten} == set(lost)


def test_consolidation_is_idempotent(grid_file: Path, tmp_path: Path) -> None:
    run_in_threads(grid_file, tmp_path / "out")
    store = ResultsStore(tmp_path / "out")
    runs_a, steps_a = store.consolidate()
    runs_b, steps_b = store.consolidate()
    pd.testing.assert_frame_equal(runs_a, runs_b)
    pd.testing.assert_frame_equal(steps_a, steps_b)


def test_results_reload_with_their_design_and_sample(tmp_path: Path) -> None:
    path = experiment_file(
        tmp_path,
        "replications: 1\ndesign:\n  kind: saltelli\n  samples: 2\n  uncertainties:\n"
        "    learning.rate: {low: 0.05, high: 0.3}\n    policy.pool.package_effect: {low: 0.1, high: 0.5}\n"
        "  fixed: {run.warmup_steps: 0}\n",
    )
    runs = run_in_threads(path, tmp_path / "out", steps=2)
    results = load_results(tmp_path / "out")
    assert len(results.runs) == len(runs) == 2 * (2 + 2)
    sample = np.array(results.manifest["sample"])
    assert sample.shape == (8, 2)
    assert results.manifest["sampled_parameters"] == ["learning.rate", "policy.pool.package_effect"]
    assert results.design["sample_index"].tolist() == list(range(8))


class RecordingThreads(ThreadPoolExecutor):
    """One thread that remembers, weakly, every future it hands out."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.handed_out: list[weakref.ref[Future[Any]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        self.handed_out.append(weakref.ref(future))
        return future


def test_a_sweep_lets_go_of_each_run_once_it_is_stored(grid_file: Path, tmp_path: Path) -> None:
    """A finished future holds its run's tables: a sweep that kept them all would grow with its runs."""
    held_at_the_end: list[int] = []
    with RecordingThreads() as executor:

        def progress(done: int, total: int) -> None:
            if done == total:
                gc.collect()
                held_at_the_end.append(sum(ref() is not None for ref in executor.handed_out))

        load_experiment(grid_file).run(out=tmp_path / "out", executor=executor, progress=progress)
    assert held_at_the_end == [1]  # the run just stored
